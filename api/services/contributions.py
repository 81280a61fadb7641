"""What participants put on the table: contributions and votes (one per person, counted
atomically). Every change is a live event for the session room."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from api import events
from api.db import rowcount
from api.errors import Conflict, Forbidden, NotFound
from api.kit import audit
from api.kit.patching import apply_changes, requested_changes
from api.kit.principal import Caller
from api.models import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionVote,
    Project,
    ProjectStatus,
    SessionStatus,
    User,
    utcnow,
)
from api.pagination import paginate
from api.schemas.contributions import (
    ContributionCreate,
    ContributionPage,
    ContributionRead,
    ContributionUpdate,
    ContributionVerdict,
)
from api.services.projects import project_visibility
from api.services.rollup import RollupBatch, local_day, organization_zone
from api.services.sessions import SessionAccess, session_access, touch_outcome


def contribution_visibility(caller: Caller, *, closed_learnings: bool) -> ColumnElement[bool]:
    """Which contributions the caller may see outside their own session's board (search,
    related learnings), the one rule, on a statement that joins each contribution's project:
    those of the projects they may read; and, with the organization's closed learnings
    shared (``share_closed_learnings``), the adopted ones of every closed project of the
    organization. A rule that hides contributions for a while (the write phase) goes here."""
    readable = project_visibility(caller)
    if not closed_learnings:
        return readable
    shared = and_(
        col(Project.organization_id) == caller.organization_id,
        col(Project.status) != ProjectStatus.open,
        col(Contribution.status) == ContributionStatus.adopted,
    )
    return or_(readable, shared)


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
    *, session: AsyncSession, caller: Caller, contributions: Sequence[Contribution]
) -> list[ContributionRead]:
    """Author names and the caller's own votes for a page, in two queries."""
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
    return [
        ContributionRead(
            id=c.id,
            session_id=c.session_id,
            author_id=c.author_id,
            author_name=names.get(c.author_id, ""),
            kind=c.kind,
            body=c.body,
            status=c.status,
            votes=c.votes,
            voted_by_me=c.id in mine,
            verdict=c.verdict,
            verdict_note=c.verdict_note,
            verdict_at=c.verdict_at,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )
        for c in contributions
    ]


async def present_contribution(
    session: AsyncSession, caller: Caller, contribution: Contribution
) -> ContributionRead:
    return (
        await present_contributions(session=session, caller=caller, contributions=[contribution])
    )[0]


async def _count_contribution(
    session: AsyncSession, contribution: Contribution, *, contributions: int = 0, ideas: int = 0
) -> None:
    """Keep the ledger's rollup of contributions and adopted ideas in step."""
    zone = await organization_zone(session, contribution.organization_id)
    batch = RollupBatch(contribution.organization_id)
    batch.add_activity(
        user_id=contribution.author_id,
        day=local_day(contribution.created_at, zone),
        contributions_count=contributions,
        ideas_adopted=ideas,
    )
    await batch.apply(session)


async def create_contribution(
    *, session: AsyncSession, caller: Caller, session_id: uuid.UUID, data: ContributionCreate
) -> ContributionRead:
    # The session row is locked before its status is checked, so a contribution cannot
    # slip in after a concurrent cancel or complete (which lock it too).
    access = await session_access(
        session=session, caller=caller, session_id=session_id, for_update=True
    )
    access.project.ensure_can_contribute()
    access.ensure_open_for_contributions()
    contribution = Contribution(
        organization_id=caller.organization_id,
        session_id=access.session.id,
        author_id=caller.user_id,
        kind=data.kind,
        body=data.body,
    )
    session.add(contribution)
    await session.flush()
    await _count_contribution(session, contribution, contributions=1)
    await events.publish(
        session,
        session_id=access.session.id,
        organization_id=caller.organization_id,
        type="contribution.created",
        payload=_payload(contribution, caller.user.full_name),
    )
    audit.record(
        session,
        caller=caller,
        action="contribution.created",
        entity_type="contribution",
        entity_id=contribution.id,
        changes={"kind": data.kind.value},
    )
    return await present_contribution(session, caller, contribution)


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
    statement = select(Contribution).where(col(Contribution.session_id) == access.session.id)
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
        items=await present_contributions(session=session, caller=caller, contributions=rows),
        next_cursor=next_cursor,
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
        await _count_contribution(session, contribution, ideas=1 if data.status == adopted else -1)
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
    return await present_contribution(session, caller, contribution)


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
    return await present_contribution(session, caller, contribution)


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
    changed = False
    if voted:
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
            payload={"contribution_id": contribution.id, "votes": votes},
        )
    return await present_contribution(session, caller, contribution)
