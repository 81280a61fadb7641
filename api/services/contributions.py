"""What participants put on the table: contributions and votes (one per person, counted
atomically). Every change is a live event for the session room."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy import literal as sa_literal
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from api import events
from api.db import dialect_name, rowcount
from api.errors import Conflict, Forbidden, NotFound
from api.kit import audit
from api.kit.folding import fold_columns
from api.kit.patching import apply_changes, requested_changes
from api.kit.principal import Caller
from api.models import (
    PHASE_ORDER,
    Anonymity,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionVote,
    MastermindSession,
    Project,
    ProjectStatus,
    SessionFormat,
    SessionPhase,
    SessionStatus,
    User,
    utcnow,
)
from api.models.base import table_of
from api.models.contributions import CONTRIBUTION_SEARCH_SOURCES
from api.pagination import paginate
from api.schemas.contributions import (
    ContributionCreate,
    ContributionMerge,
    ContributionPage,
    ContributionRead,
    ContributionUpdate,
    ContributionVerdict,
    IdeaAwaitingVerdict,
    IdeasAwaitingVerdictPage,
)
from api.services.projects import project_access, project_visibility
from api.services.rollup import RollupBatch, local_day, organization_zone
from api.services.sessions import SessionAccess, ledger_waits, session_access, touch_outcome


def contribution_visibility(
    caller: Caller, *, closed_learnings: bool, with_author: bool = False
) -> ColumnElement[bool]:
    """Which contributions the caller may see outside their own session's board (search,
    related learnings), the one rule, on a statement that joins each contribution's project
    and session: those of the projects they may read; and, with the organization's closed
    learnings shared (``share_closed_learnings``), the adopted ones of every closed project
    of the organization. Never another's card a mastermind still hides (``visibility``: the
    write phase) and, for a view that names the author (``with_author``), never another's
    card of an anonymous session before it completes."""
    readable = project_visibility(caller)
    if closed_learnings:
        shared = and_(
            col(Project.organization_id) == caller.organization_id,
            col(Project.status) != ProjectStatus.open,
            col(Contribution.status) == ContributionStatus.adopted,
        )
        readable = or_(readable, shared)
    # The SQL form of ``visibility``'s cards_hidden and authors_hidden.
    before_reveal = or_(
        col(MastermindSession.phase).is_(None),
        col(MastermindSession.phase).in_(
            [p for p, order in PHASE_ORDER.items() if order < PHASE_ORDER[SessionPhase.reveal]]
        ),
    )
    hidden = and_(
        col(MastermindSession.status).in_([SessionStatus.scheduled, SessionStatus.live]),
        before_reveal,
    )
    if with_author:
        hidden = or_(
            hidden,
            and_(
                col(MastermindSession.anonymity) == Anonymity.until_complete,
                col(MastermindSession.status) != SessionStatus.completed,
            ),
        )
    kept_back = and_(
        col(MastermindSession.format) == SessionFormat.mastermind,
        hidden,
        col(Contribution.author_id) != caller.user_id,
    )
    return and_(readable, ~kept_back)


@dataclass(frozen=True, slots=True)
class Visibility:
    """Which contributions, authors and counts one viewer may see in a session right now
    (DESIGN 7.2). The one place these rules live: lists, single reads, the live stream's
    per-reader view and search all ask it, so the SPA is never what hides a card."""

    viewer_id: uuid.UUID
    mastermind: bool
    # The write phase (and the brief before it): others' cards are hidden, only counted.
    cards_hidden: bool
    # Anonymity until completion: others' cards carry no author.
    authors_hidden: bool
    # The vote phase: counts are secret until it ends.
    votes_hidden: bool

    def may_see(self, author_id: uuid.UUID) -> bool:
        return not self.cards_hidden or author_id == self.viewer_id

    def shows_author(self, author_id: uuid.UUID) -> bool:
        return not self.authors_hidden or author_id == self.viewer_id

    def card(self, payload: dict[str, Any]) -> dict[str, Any]:
        """A contribution's payload (``_payload``, JSON-ready) as this viewer may see it."""
        author = payload.get("author_id")
        mine = author is not None and str(author) == str(self.viewer_id)
        if not self.mastermind:
            return payload  # the open board: every event as stored
        seen = dict(payload, mine=mine)
        if self.authors_hidden and not mine:
            seen["author_id"], seen["author_name"] = None, ""
        if self.votes_hidden:
            seen["votes"] = None
            if "into_votes" in seen:  # a merge during the secret vote
                seen["into_votes"] = None
        return seen


@dataclass(slots=True)
class RoomState:
    """What visibility() reads of a session, apart from its row (a stream moves it on)."""

    format: SessionFormat
    anonymity: Anonymity
    phase: SessionPhase | None
    status: SessionStatus


def visibility(mm_session: MastermindSession | RoomState, viewer_id: uuid.UUID) -> Visibility:
    """What ``viewer_id`` may see of ``mm_session`` now. The open format hides nothing; a
    mastermind hides others' cards until reveal, the counts during the vote and, with
    ``until_complete``, authors until the session completes."""
    if mm_session.format != SessionFormat.mastermind:
        return Visibility(
            viewer_id,
            mastermind=False,
            cards_hidden=False,
            authors_hidden=False,
            votes_hidden=False,
        )
    phase = mm_session.phase
    before_reveal = (
        mm_session.status in (SessionStatus.scheduled, SessionStatus.live)
        and PHASE_ORDER[phase or SessionPhase.brief] < PHASE_ORDER[SessionPhase.reveal]
    )
    return Visibility(
        viewer_id,
        mastermind=True,
        cards_hidden=before_reveal,
        authors_hidden=mm_session.anonymity == Anonymity.until_complete
        and mm_session.status != SessionStatus.completed,
        votes_hidden=mm_session.status == SessionStatus.live and phase == SessionPhase.vote,
    )


class StreamView:
    """One reader's view of a session's live events: the events are stored once for the
    room, and each reader's stream passes them through this before writing them, so a
    hidden card, an author or a secret vote never reaches another reader's connection.

    It starts from the session as it is when the stream opens and follows the room's own
    phase and status events; visibility only widens as a session moves on, so replaying
    older events under the newer state shows nothing that the newer state hides."""

    def __init__(self, mm_session: MastermindSession, viewer_id: uuid.UUID, hidden: set[str]):
        # A detached copy of what visibility() reads, moved on by the room's events.
        self._session = RoomState(
            format=mm_session.format,
            anonymity=mm_session.anonymity,
            phase=mm_session.phase,
            status=mm_session.status,
        )
        self._viewer = viewer_id
        self._hidden = hidden  # ids of others' cards this reader has not seen

    @property
    def seen(self) -> Visibility:
        return visibility(self._session, self._viewer)

    def __call__(self, live: events.LiveEvent) -> events.LiveEvent | None:
        payload = live.payload
        if live.type == "phase.changed":
            phase = SessionPhase(payload["phase"])
            current = self._session.phase or SessionPhase.brief
            if PHASE_ORDER[phase] > PHASE_ORDER[current]:
                self._session.phase = phase
        elif live.type == "session.status_changed":
            self._session.status = SessionStatus(payload["status"])
        seen = self.seen
        if live.type == "phase.changed":
            payload = dict(payload)
            if "contributions" in payload:
                self._hidden.clear()
                payload["contributions"] = [seen.card(c) for c in payload["contributions"]]
            return events.LiveEvent(live.session_id, live.seq, live.type, payload)
        if live.type in ("contribution.created", "contribution.updated", "contribution.merged"):
            author = uuid.UUID(str(payload["author_id"]))
            if not seen.may_see(author):
                self._hidden.add(str(payload["id"]))
                return events.LiveEvent(
                    live.session_id,
                    live.seq,
                    "contribution.hidden",
                    {"session_id": payload["session_id"], "hidden_count": len(self._hidden)},
                )
            return events.LiveEvent(live.session_id, live.seq, live.type, seen.card(payload))
        if live.type == "vote.changed":
            mine = str(payload.get("voter_id")) == str(self._viewer)
            public = {k: v for k, v in payload.items() if k not in ("voter_id", "voted")}
            if seen.votes_hidden:
                if not mine:
                    # Nothing of another's secret vote reaches this reader; the event keeps
                    # its number so Last-Event-ID still resumes in order.
                    return events.LiveEvent(live.session_id, live.seq, "vote.hidden", {})
                public.update(votes=None, voted_by_me=payload.get("voted"))
            elif mine and seen.mastermind:
                public["voted_by_me"] = payload.get("voted")
            return events.LiveEvent(live.session_id, live.seq, live.type, public)
        return live


async def stream_view(
    session: AsyncSession, mm_session: MastermindSession, viewer_id: uuid.UUID
) -> StreamView:
    """The reader's view, knowing which of others' cards are hidden from them already."""
    hidden: set[str] = set()
    if visibility(mm_session, viewer_id).cards_hidden:
        hidden = {
            str(i)
            for i in await session.scalars(
                select(col(Contribution.id)).where(
                    col(Contribution.session_id) == mm_session.id,
                    col(Contribution.author_id) != viewer_id,
                )
            )
        }
    return StreamView(mm_session, viewer_id, hidden)


async def phase_payload(
    session: AsyncSession, mm_session: MastermindSession, previous: SessionPhase | None
) -> dict[str, Any]:
    """What a phase change shows the room at once: every card when they are revealed (one
    event), the counts when the secret vote ends. Stored with authors; each reader's
    StreamView hides what that reader may not see."""
    extra: dict[str, Any] = {}
    reveal = PHASE_ORDER[SessionPhase.reveal]
    before = PHASE_ORDER[previous or SessionPhase.brief]
    after = PHASE_ORDER[mm_session.phase or SessionPhase.brief]
    if before < reveal <= after or (previous == SessionPhase.vote):
        rows = await session.execute(
            select(Contribution, col(User.full_name))
            .join(User, col(User.id) == Contribution.author_id)
            .where(col(Contribution.session_id) == mm_session.id)
            .order_by(col(Contribution.created_at), col(Contribution.id))
        )
        extra["contributions"] = [_payload(c, name) for c, name in rows]
    return extra


async def _contribution_access(
    session: AsyncSession, caller: Caller, contribution_id: uuid.UUID, *, for_update: bool = False
) -> tuple[SessionAccess, Contribution]:
    contribution = await session.scalar(
        select(Contribution).where(
            col(Contribution.id) == contribution_id,
            col(Contribution.organization_id) == caller.organization_id,
        )
    )
    if contribution is None:
        raise NotFound("Contribution not found")
    try:
        access = await session_access(
            session=session,
            caller=caller,
            session_id=contribution.session_id,
            for_update=for_update,
        )
    except NotFound:
        raise NotFound("Contribution not found") from None
    return access, contribution


def _payload(contribution: Contribution, author_name: str) -> dict[str, object]:
    return {
        "id": contribution.id,
        "session_id": contribution.session_id,
        "author_id": contribution.author_id,
        "author_name": author_name,
        "kind": contribution.kind.value,
        "body": contribution.body,
        "status": contribution.status.value,
        "votes": contribution.votes,
        "verdict": contribution.verdict.value if contribution.verdict else None,
        "verdict_note": contribution.verdict_note,
        "verdict_at": contribution.verdict_at.isoformat() if contribution.verdict_at else None,
        "created_at": contribution.created_at.isoformat(),
        "updated_at": contribution.updated_at.isoformat(),
    }


async def _author_name(session: AsyncSession, author_id: uuid.UUID) -> str:
    return await session.scalar(select(col(User.full_name)).where(col(User.id) == author_id)) or ""


async def present_contributions(
    *,
    session: AsyncSession,
    caller: Caller,
    contributions: Sequence[Contribution],
    seen: Visibility | None = None,
) -> list[ContributionRead]:
    """Author names and the caller's own votes for a page, in two queries; as ``seen`` lets
    the caller see them (None: everything, for callers that checked already)."""
    if not contributions:
        return []
    ids = [c.id for c in contributions]
    rows = await session.execute(
        select(col(User.id), col(User.full_name)).where(
            col(User.id).in_({c.author_id for c in contributions})
        )
    )
    names = {user_id: full_name for user_id, full_name in rows}
    mine = set(
        await session.scalars(
            select(col(ContributionVote.contribution_id)).where(
                col(ContributionVote.contribution_id).in_(ids),
                col(ContributionVote.user_id) == caller.user_id,
            )
        )
    )
    return [_read(c, names.get(c.author_id, ""), c.id in mine, caller, seen) for c in contributions]


def _read(
    c: Contribution, author_name: str, voted: bool, caller: Caller, seen: Visibility | None
) -> ContributionRead:
    """One contribution as ``seen`` lets the caller see it (None: everything)."""
    shown = seen is None or seen.shows_author(c.author_id)
    return ContributionRead(
        id=c.id,
        session_id=c.session_id,
        author_id=c.author_id if shown else None,
        author_name=author_name if shown else "",
        mine=c.author_id == caller.user_id if seen is not None and seen.mastermind else None,
        kind=c.kind,
        body=c.body,
        status=c.status,
        votes=None if seen is not None and seen.votes_hidden else c.votes,
        voted_by_me=voted,
        verdict=c.verdict,
        verdict_note=c.verdict_note,
        verdict_at=c.verdict_at,
        created_at=c.created_at,
        updated_at=c.updated_at,
    )


async def present_contribution(
    session: AsyncSession,
    caller: Caller,
    contribution: Contribution,
    mm_session: MastermindSession | None = None,
) -> ContributionRead:
    seen = visibility(mm_session, caller.user_id) if mm_session is not None else None
    return (
        await present_contributions(
            session=session, caller=caller, contributions=[contribution], seen=seen
        )
    )[0]


async def get_contribution(
    *, session: AsyncSession, caller: Caller, contribution_id: uuid.UUID
) -> ContributionRead:
    """One contribution, if the caller may see it yet (another's card in the write phase is
    404, as if it were not there)."""
    access, contribution = await _contribution_access(session, caller, contribution_id)
    if not visibility(access.session, caller.user_id).may_see(contribution.author_id):
        raise NotFound("Contribution not found")
    return await present_contribution(session, caller, contribution, access.session)


async def _count_contribution(
    session: AsyncSession,
    contribution: Contribution,
    mm_session: MastermindSession,
    *,
    contributions: int = 0,
    ideas: int = 0,
) -> None:
    """Keep the ledger's rollup of contributions and adopted ideas in step (at once, unless
    the session's cards count only at its completion: ``ledger_waits``)."""
    batch = await _contribution_counts(
        session, contribution, mm_session, contributions=contributions, ideas=ideas
    )
    await batch.apply(session)


async def _contribution_counts(
    session: AsyncSession,
    contribution: Contribution,
    mm_session: MastermindSession,
    *,
    contributions: int = 0,
    ideas: int = 0,
) -> RollupBatch:
    """The rollup's deltas for a contribution; none while ``ledger_waits``."""
    batch = RollupBatch(contribution.organization_id)
    if ledger_waits(mm_session):
        return batch
    zone = await organization_zone(session, contribution.organization_id)
    batch.add_activity(
        user_id=contribution.author_id,
        day=local_day(contribution.created_at, zone),
        contributions_count=contributions,
        ideas_adopted=ideas,
    )
    return batch


_CONTRIBUTION = table_of(Contribution)
# A new card, built once; its values are bind parameters named ``card_<column>`` (never a
# column's own name: SQLAlchemy would take such a key for a column to set).
_CARD = insert(_CONTRIBUTION).values(
    {c.name: bindparam(f"card_{c.name}", type_=c.type) for c in _CONTRIBUTION.columns}
)


async def create_contribution(
    *, session: AsyncSession, caller: Caller, session_id: uuid.UUID, data: ContributionCreate
) -> ContributionRead:
    """The hot write of a live room, in few round trips: the session is found, checked and
    locked in one statement (``session_access``), then the card, the ledger's rollup, the
    audit row, the live event's number and the event itself go to the database together
    (``events.publish``: one statement on PostgreSQL), and the answer is built from what
    was written (a new card: no votes yet, the caller is its author)."""
    # The session row is locked before its status is checked, so a contribution cannot
    # slip in after a concurrent cancel or complete (which lock it too).
    access = await session_access(
        session=session, caller=caller, session_id=session_id, for_update=True
    )
    access.project.ensure_can_contribute()
    access.ensure_open_for_contributions()
    mm_session = access.session
    if mm_session.format == SessionFormat.mastermind and mm_session.phase != SessionPhase.write:
        # Everyone writes at once in the write phase, before seeing anyone else's card.
        raise Conflict("In a mastermind session contributions are written in the write phase")
    contribution = Contribution(
        organization_id=caller.organization_id,
        session_id=mm_session.id,
        author_id=caller.user_id,
        kind=data.kind,
        body=data.body,
    )
    # Written through Core (``_CARD``), so the search columns are folded here, as the ORM's
    # insert hook would (api/models/search.py).
    values = {column.name: getattr(contribution, column.name) for column in _CONTRIBUTION.columns}
    values.update(fold_columns(values, CONTRIBUTION_SEARCH_SOURCES, with_grams=True))
    counts = await _contribution_counts(session, contribution, mm_session, contributions=1)
    rollups, rollup_params = counts.prepared(dialect_name(session))
    await events.publish(
        session,
        session_id=mm_session.id,
        organization_id=caller.organization_id,
        type="contribution.created",
        payload=_payload(contribution, caller.user.full_name),
        along=events.Writes(
            (_CARD, *rollups, audit.INSERT),
            {
                **{f"card_{name}": value for name, value in values.items()},
                **rollup_params,
                **audit.prepared(
                    caller=caller,
                    action="contribution.created",
                    entity_type="contribution",
                    entity_id=contribution.id,
                    changes={"kind": data.kind.value},
                ),
            },
        ),
    )
    return _read(
        contribution,
        caller.user.full_name,
        False,
        caller,
        visibility(mm_session, caller.user_id),
    )


async def list_contributions(
    *,
    session: AsyncSession,
    caller: Caller,
    session_id: uuid.UUID,
    limit: int,
    cursor: str | None,
    kind: ContributionKind | None = None,
    status: ContributionStatus | None = None,
) -> ContributionPage:
    access = await session_access(session=session, caller=caller, session_id=session_id)
    seen = visibility(access.session, caller.user_id)
    statement = select(Contribution).where(col(Contribution.session_id) == access.session.id)
    hidden_count = 0
    if seen.cards_hidden:
        # Others' cards are filtered in SQL, so a page never carries one; they are counted.
        hidden_count = (
            await session.scalar(
                select(func.count())
                .select_from(Contribution)
                .where(
                    col(Contribution.session_id) == access.session.id,
                    col(Contribution.author_id) != caller.user_id,
                )
            )
            or 0
        )
        statement = statement.where(col(Contribution.author_id) == caller.user_id)
    if kind is not None:
        statement = statement.where(col(Contribution.kind) == kind)
    if status is not None:
        statement = statement.where(col(Contribution.status) == status)
    rows, next_cursor = await paginate(
        session,
        statement,
        time_column=col(Contribution.created_at),
        id_column=col(Contribution.id),
        limit=limit,
        cursor=cursor,
    )
    return ContributionPage(
        items=await present_contributions(
            session=session, caller=caller, contributions=rows, seen=seen
        ),
        next_cursor=next_cursor,
        hidden_count=hidden_count,
    )


async def update_contribution(
    *, session: AsyncSession, caller: Caller, contribution_id: uuid.UUID, data: ContributionUpdate
) -> ContributionRead:
    # Session row first, as everywhere that publishes: one lock order, no deadlock.
    access, contribution = await _contribution_access(
        session, caller, contribution_id, for_update=True
    )
    access.ensure_can_steer()
    if access.session.status == SessionStatus.completed and not caller.is_admin:
        raise Forbidden("A completed session is read-only")
    if access.session.status == SessionStatus.cancelled:
        raise Conflict("The session is cancelled")
    previous = contribution.status
    apply_changes(contribution, requested_changes(data))
    contribution.updated_at = utcnow()
    await session.flush()
    adopted = ContributionStatus.adopted
    if (previous == adopted) != (data.status == adopted):
        await _count_contribution(
            session, contribution, access.session, ideas=1 if data.status == adopted else -1
        )
    await touch_outcome(session, contribution.session_id)
    await events.publish(
        session,
        session_id=contribution.session_id,
        organization_id=caller.organization_id,
        type="contribution.updated",
        payload=_payload(contribution, await _author_name(session, contribution.author_id)),
    )
    audit.record(
        session,
        caller=caller,
        action="contribution.updated",
        entity_type="contribution",
        entity_id=contribution.id,
        changes={"status": [previous.value, data.status.value]},
    )
    return await present_contribution(session, caller, contribution, access.session)


async def set_verdict(
    *,
    session: AsyncSession,
    caller: Caller,
    contribution_id: uuid.UUID,
    data: ContributionVerdict,
) -> ContributionRead:
    """After the client meeting, what an adopted idea did: said by the project's owner (or a
    manager or an admin), again as often as it changes; who said it and when are kept."""
    access, contribution = await _contribution_access(session, caller, contribution_id)
    if not access.project.can_manage:
        raise Forbidden("The project's owner, a manager or an admin says what an idea did")
    if contribution.status != ContributionStatus.adopted:
        raise Conflict("Only an adopted idea gets a verdict")
    previous = contribution.verdict
    contribution.verdict, contribution.verdict_note = data.verdict, data.note
    contribution.verdict_at = contribution.updated_at = utcnow()
    contribution.verdict_by_id = caller.user_id
    await session.flush()
    await touch_outcome(session, contribution.session_id)  # the outcome shows verdicts
    audit.record(
        session,
        caller=caller,
        action="contribution.verdict",
        entity_type="contribution",
        entity_id=contribution.id,
        changes={"verdict": [previous.value if previous else None, data.verdict.value]},
    )
    return await present_contribution(session, caller, contribution, access.session)


async def merge_contribution(
    *, session: AsyncSession, caller: Caller, contribution_id: uuid.UUID, data: ContributionMerge
) -> ContributionRead:
    """Fold a duplicate into its survivor (the owner, facilitator, managers, admins). The
    votes move in SQL: a voter who had voted for both keeps one vote, the survivor's author
    gains none of their own, and the count is recomputed from the rows, not added up."""
    access, duplicate = await _contribution_access(
        session, caller, contribution_id, for_update=True
    )
    access.ensure_can_steer()
    access.ensure_open_for_contributions()
    if data.into == duplicate.id:
        raise Conflict("A contribution cannot be merged into itself")
    survivor = await session.scalar(
        select(Contribution).where(
            col(Contribution.id) == data.into,
            col(Contribution.organization_id) == caller.organization_id,
        )
    )
    if survivor is None or survivor.session_id != duplicate.session_id:
        raise NotFound("Contribution to merge into not found")
    if not visibility(access.session, caller.user_id).may_see(duplicate.author_id):
        raise Conflict("Cards are merged once they are revealed")
    moved = select(col(ContributionVote.user_id), col(ContributionVote.created_at)).where(
        col(ContributionVote.contribution_id) == duplicate.id,
        col(ContributionVote.user_id) != survivor.author_id,
        col(ContributionVote.user_id).not_in(
            select(col(ContributionVote.user_id)).where(
                col(ContributionVote.contribution_id) == survivor.id
            )
        ),
    )
    await session.execute(
        insert(ContributionVote).from_select(
            ["user_id", "created_at", "contribution_id"],
            moved.add_columns(sa_literal(survivor.id)),
        )
    )
    votes = await session.scalar(
        select(func.count())
        .select_from(ContributionVote)
        .where(col(ContributionVote.contribution_id) == survivor.id)
    )
    survivor.votes = votes or 0
    survivor.updated_at = utcnow()
    payload = _payload(duplicate, await _author_name(session, duplicate.author_id))
    await _count_contribution(session, duplicate, access.session, contributions=-1)
    await session.execute(
        delete(ContributionVote).where(col(ContributionVote.contribution_id) == duplicate.id)
    )
    await session.delete(duplicate)
    await session.flush()
    await events.publish(
        session,
        session_id=survivor.session_id,
        organization_id=caller.organization_id,
        type="contribution.merged",
        payload={**payload, "into": survivor.id, "into_votes": survivor.votes},
    )
    audit.record(
        session,
        caller=caller,
        action="contribution.merged",
        entity_type="contribution",
        entity_id=duplicate.id,
        changes={"into": str(survivor.id)},
    )
    return await present_contribution(session, caller, survivor, access.session)


async def set_vote(
    *, session: AsyncSession, caller: Caller, contribution_id: uuid.UUID, voted: bool
) -> ContributionRead:
    """Add or take back the caller's vote. Repeating either is harmless; the count moves
    only with the vote row, by an atomic UPDATE, so concurrent votes are never lost."""
    # Lock the session row before checking it is open: a vote racing a cancel or complete
    # waits for it and is then refused, instead of landing on an ended session.
    access, contribution = await _contribution_access(
        session, caller, contribution_id, for_update=True
    )
    access.project.ensure_can_contribute()
    access.ensure_open_for_contributions()
    if contribution.author_id == caller.user_id:
        raise Conflict("Votes come from others; you cannot vote for your own contribution")
    mm_session = access.session
    if mm_session.format == SessionFormat.mastermind and mm_session.phase != SessionPhase.vote:
        raise Conflict("In a mastermind session votes are given in the vote phase")
    changed = False
    if voted:
        already = await session.scalar(
            select(func.count())
            .select_from(ContributionVote)
            .where(
                col(ContributionVote.contribution_id) == contribution.id,
                col(ContributionVote.user_id) == caller.user_id,
            )
        )
        if not already and mm_session.vote_budget is not None:
            # The budget is counted under the session row's lock (taken above, FOR UPDATE on
            # PostgreSQL; SQLite serializes writers), so concurrent votes by one person queue
            # here and the n+1st sees n spent dots: never more than the budget.
            spent = await session.scalar(
                select(func.count())
                .select_from(ContributionVote)
                .join(Contribution, col(Contribution.id) == ContributionVote.contribution_id)
                .where(
                    col(Contribution.session_id) == mm_session.id,
                    col(ContributionVote.user_id) == caller.user_id,
                )
            )
            if (spent or 0) >= mm_session.vote_budget:
                raise Conflict(f"All {mm_session.vote_budget} of your votes are given")
        try:
            async with session.begin_nested():
                await session.execute(
                    insert(ContributionVote).values(
                        contribution_id=contribution.id, user_id=caller.user_id, created_at=utcnow()
                    )
                )
            changed = True
        except IntegrityError:
            changed = False  # already voted
        delta = 1
    else:
        result = await session.execute(
            delete(ContributionVote).where(
                col(ContributionVote.contribution_id) == contribution.id,
                col(ContributionVote.user_id) == caller.user_id,
            )
        )
        changed = rowcount(result) == 1
        delta = -1
    if changed:
        votes = await session.scalar(
            update(Contribution)
            .where(col(Contribution.id) == contribution.id)
            .values(votes=col(Contribution.votes) + delta)
            .returning(col(Contribution.votes))
        )
        # Reflect the new count without marking the row dirty (no second UPDATE).
        set_committed_value(contribution, "votes", votes)
        await events.publish(
            session,
            session_id=contribution.session_id,
            organization_id=caller.organization_id,
            type="vote.changed",
            # voter_id lets the stream tell the voter from everyone else (their view
            # drops it; in a secret vote only the voter hears of the vote at all).
            payload={
                "contribution_id": contribution.id,
                "votes": votes,
                "voter_id": caller.user_id,
                "voted": voted,
            },
        )
    return await present_contribution(session, caller, contribution, access.session)


async def list_awaiting_verdict(
    *,
    session: AsyncSession,
    caller: Caller,
    project_id: uuid.UUID,
    limit: int,
    cursor: str | None,
) -> IdeasAwaitingVerdictPage:
    """The project's adopted ideas from its completed sessions that have no verdict yet,
    newest first, each with its session: what the debrief asks the owner about. Whoever
    reads the project reads the list (``project_access``: another organization's project
    or one without a seat is 404); ``can_record_verdict`` is ``set_verdict``'s own rule.

    A fixed number of statements whatever the page holds: the project, one page of ideas
    joined to their sessions, then ``present_contributions`` (authors, the caller's votes).
    A completed session shows every card with its author (``visibility``), so the page is
    presented as it is."""
    access = await project_access(session=session, caller=caller, project_id=project_id)
    statement = (
        select(
            Contribution,
            col(MastermindSession.title),
            col(MastermindSession.purpose),
            col(MastermindSession.completed_at),
        )
        .join(MastermindSession, col(MastermindSession.id) == col(Contribution.session_id))
        .join(Project, col(Project.id) == col(MastermindSession.project_id))
        .where(
            col(MastermindSession.project_id) == access.project.id,
            # The one rule of what may be shown outside the room, authors included (it
            # hides nothing of a completed session today; a rule added there applies here).
            contribution_visibility(caller, closed_learnings=False, with_author=True),
            col(MastermindSession.organization_id) == caller.organization_id,
            # Ideas adopted in a session still running (the debrief itself) are for the next
            # client meeting, not yet tried; a cancelled session's board was never decided.
            col(MastermindSession.status) == SessionStatus.completed,
            col(Contribution.status) == ContributionStatus.adopted,
            col(Contribution.verdict).is_(None),
        )
    )
    rows, next_cursor = await paginate(
        session,
        statement,
        time_column=col(Contribution.created_at),
        id_column=col(Contribution.id),
        limit=limit,
        cursor=cursor,
        plain_rows=True,
        newest_first=True,
        keys_of=lambda row: row[0],
    )
    presented = await present_contributions(
        session=session, caller=caller, contributions=[row[0] for row in rows]
    )
    return IdeasAwaitingVerdictPage(
        items=[
            IdeaAwaitingVerdict(
                **read.model_dump(),
                session_title=title,
                session_purpose=purpose,
                session_completed_at=completed_at,
            )
            for read, (_, title, purpose, completed_at) in zip(presented, rows, strict=True)
        ],
        next_cursor=next_cursor,
        can_record_verdict=access.can_manage,
    )
