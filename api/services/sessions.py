"""Time-boxed sessions: scheduling, the state machine, completion with measured attendance,
the outcome, presence in the room, and the outcomes feed. Access always goes through the
session's project."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api import events
from api.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound, Unavailable
from api.kit import audit, outbox
from api.kit.patching import apply_changes, requested_changes
from api.kit.principal import Caller
from api.kit.versioning import ensure_current
from api.models import (
    PHASE_ORDER,
    ActionItem,
    Anonymity,
    Client,
    Contribution,
    ContributionStatus,
    MastermindSession,
    MemberRole,
    MemberState,
    Project,
    ProjectMember,
    ProjectStatus,
    Seniority,
    SessionFormat,
    SessionParticipant,
    SessionPhase,
    SessionStatus,
    User,
    utcnow,
)
from api.pagination import paginate
from api.schemas.action_items import ActionItemRead
from api.schemas.presence import PresenceRead
from api.schemas.sessions import (
    AdoptedContribution,
    AttendanceRead,
    ParticipantRead,
    ParticipationRead,
    SessionComplete,
    SessionCreate,
    SessionOutcome,
    SessionPage,
    SessionPhaseChange,
    SessionRead,
    SessionSort,
    SessionUpdate,
)
from api.services import notifications, presence, webhook_events
from api.services.projects import (
    ProjectAccess,
    project_access,
    project_visibility,
    readable_projects,
)
from api.services.rollup import RollupBatch, local_day, organization_zone
from api.services.users import by_name

# Which transitions each action makes; anything else is a 409.
TRANSITIONS = {
    "start": ({SessionStatus.scheduled}, SessionStatus.live),
    "complete": ({SessionStatus.live}, SessionStatus.completed),
    "cancel": ({SessionStatus.scheduled, SessionStatus.live}, SessionStatus.cancelled),
}
OUTCOME_FIELDS = {"summary", "decisions", "recommended_approach"}
# Changes the attendees' calendars show: these send a "changed" mail with a new SEQUENCE.
NOTICE_FIELDS = {
    "title",
    "agenda",
    "scheduled_at",
    "timebox_minutes",
    "facilitator_id",
    "participant_ids",
}
# What SessionRead copies from the row; participants and the project's context (title,
# client) come from their own queries.
_CONTEXT_FIELDS = {"participants", "project_title", "client_id", "client_name"}
_SESSION_FIELDS = tuple(
    f for f in SessionRead.model_fields if f not in _CONTEXT_FIELDS and f != "outcome"
)


def readable_sessions(caller: Caller) -> Select[MastermindSession]:
    """Sessions of the projects the caller may read."""
    projects = readable_projects(caller).with_only_columns(col(Project.id))
    return select(MastermindSession).where(
        col(MastermindSession.organization_id) == caller.organization_id,
        col(MastermindSession.project_id).in_(projects),
    )


def outcome_visibility(caller: Caller, *, closed_learnings: bool) -> ColumnElement[bool]:
    """Which completed sessions' outcomes the caller may see in search and related
    learnings, on a statement that joins each session's project: those of the projects
    they may read; with closed learnings shared, those of every closed project."""
    readable = project_visibility(caller)
    if not closed_learnings:
        return readable
    shared = and_(
        col(Project.organization_id) == caller.organization_id,
        col(Project.status) != ProjectStatus.open,
    )
    return or_(readable, shared)


def may_facilitate(seat: ProjectMember | None) -> bool:
    """Who may be a session's facilitator: the project's owner or an active helper (not an
    observer, nor someone invited who has not accepted, declined or left)."""
    return (
        seat is not None
        and seat.state == MemberState.active
        and seat.role in (MemberRole.owner, MemberRole.helper)
    )


@dataclass(frozen=True, slots=True)
class SessionAccess:
    project: ProjectAccess
    session: MastermindSession

    @property
    def can_steer(self) -> bool:
        """The one rule for running the room (adopt, park, reject, start, complete, cancel,
        edit, assign action items): the project's owner, managers, admins, and the
        session's facilitator while their seat still lets them facilitate."""
        return self.project.can_manage or (
            self.session.facilitator_id == self.project.caller.user_id
            and may_facilitate(self.project.membership)
        )

    def ensure_can_steer(self) -> None:
        if not self.can_steer:
            raise Forbidden("Only the owner, the facilitator, managers and admins do this")

    def ensure_open_for_contributions(self) -> None:
        if self.session.status not in (SessionStatus.scheduled, SessionStatus.live):
            raise Conflict(f"The session is {self.session.status.value}")


async def session_access(
    *, session: AsyncSession, caller: Caller, session_id: uuid.UUID, for_update: bool = False
) -> SessionAccess:
    """The session with its project and the caller's seat, in one query; 404 when the
    project is not readable. ``for_update`` locks the session's row first, alone, then
    reads the rest: the same join with ``FOR UPDATE OF`` made 50 concurrent votes on one
    session twice as slow on PostgreSQL (their pool waits ran out,
    tests/routers/test_contributions.py), so the lock stays a statement of its own."""
    if for_update:
        locked = await session.scalar(
            select(MastermindSession)
            .where(
                col(MastermindSession.id) == session_id,
                col(MastermindSession.organization_id) == caller.organization_id,
            )
            .with_for_update()
            # The row as it is now under the lock, even if this transaction read it before.
            .execution_options(populate_existing=True)
        )
        if locked is None:
            raise NotFound("Session not found")
        try:
            access = await project_access(
                session=session, caller=caller, project_id=locked.project_id
            )
        except NotFound:
            raise NotFound("Session not found") from None
        return SessionAccess(project=access, session=locked)
    statement = (
        select(MastermindSession, Project, ProjectMember)
        .select_from(MastermindSession)
        .join(
            Project,
            and_(col(Project.id) == col(MastermindSession.project_id), project_visibility(caller)),
        )
        .outerjoin(
            ProjectMember,
            and_(
                col(ProjectMember.project_id) == col(Project.id),
                col(ProjectMember.user_id) == caller.user_id,
            ),
        )
        .where(
            col(MastermindSession.id) == session_id,
            col(MastermindSession.organization_id) == caller.organization_id,
        )
    )
    row = (await session.execute(statement)).first()
    if row is None:
        raise NotFound("Session not found")
    mm_session, project, membership = row
    return SessionAccess(
        project=ProjectAccess(caller=caller, project=project, membership=membership),
        session=mm_session,
    )


async def _project_members(
    session: AsyncSession, project_id: uuid.UUID
) -> dict[uuid.UUID, ProjectMember]:
    rows = await session.scalars(
        select(ProjectMember).where(col(ProjectMember.project_id) == project_id)
    )
    return {row.user_id: row for row in rows}


async def _check_participants(
    session: AsyncSession, caller: Caller, project_id: uuid.UUID, user_ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    members = await _project_members(session, project_id)
    wanted = list(dict.fromkeys(user_ids))
    outsiders = [
        u
        for u in wanted
        if u not in members or members[u].state not in (MemberState.invited, MemberState.active)
    ]
    if outsiders:
        known = await session.scalar(
            select(col(User.id)).where(
                col(User.id) == outsiders[0], col(User.organization_id) == caller.organization_id
            )
        )
        if known is None:
            raise NotFound(f"User not found: {outsiders[0]}")
        raise Conflict(f"Only project members take part in its sessions: {outsiders[0]} is not one")
    return wanted


async def _check_facilitator(
    session: AsyncSession, access: ProjectAccess, facilitator_id: uuid.UUID
) -> None:
    """409 unless ``facilitator_id`` may facilitate (``may_facilitate``); 404 for a person
    of another organization. Whoever steers the project may name themselves."""
    caller = access.caller
    if facilitator_id == caller.user_id and access.can_manage:
        return
    seat = (await _project_members(session, access.project.id)).get(facilitator_id)
    if may_facilitate(seat):
        return
    await _check_participants(session, caller, access.project.id, [facilitator_id])
    raise Conflict(
        f"The facilitator is the project's owner or an active helper: {facilitator_id} is not"
    )


async def create_session(
    *, session: AsyncSession, caller: Caller, project_id: uuid.UUID, data: SessionCreate
) -> SessionRead:
    access = await project_access(session=session, caller=caller, project_id=project_id)
    access.ensure_can_manage()
    access.ensure_open()
    project = access.project
    facilitator_id = data.facilitator_id or caller.user_id
    if data.participant_ids is None:
        members = await _project_members(session, project.id)
        participant_ids = [u for u, m in members.items() if m.state == MemberState.active]
    else:
        participant_ids = await _check_participants(
            session, caller, project.id, data.participant_ids
        )
    await _check_facilitator(session, access, facilitator_id)
    mm_session = MastermindSession(
        organization_id=project.organization_id,
        project_id=project.id,
        purpose=data.purpose,
        title=data.title,
        agenda=data.agenda,
        scheduled_at=data.scheduled_at,
        timebox_minutes=data.timebox_minutes,
        facilitator_id=facilitator_id,
        **format_rules(data.format, data.anonymity, data.vote_budget, given=data.model_fields_set),
    )
    session.add(mm_session)
    await session.flush()
    session.add_all(
        SessionParticipant(
            session_id=mm_session.id, user_id=u, organization_id=project.organization_id
        )
        for u in participant_ids
    )
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="session.created",
        entity_type="session",
        entity_id=mm_session.id,
        changes=data.model_dump(exclude_unset=True),
    )
    await _emit_scheduled(session, mm_session)
    await notifications.session_notice(session, mm_session, "scheduled", actor_id=caller.user_id)
    return await present_session(session, mm_session)


def format_rules(
    format: SessionFormat,
    anonymity: Anonymity | None,
    vote_budget: int | None,
    *,
    given: set[str],
) -> dict[str, Any]:
    """DESIGN 7.2's defaults: a mastermind hides authors until completion and gives 3 dots;
    the open board names authors and has no budget. A ``vote_budget`` sent as null is kept
    (unlimited), so ``given`` tells a null sent from a null left out."""
    mastermind = format == SessionFormat.mastermind
    if anonymity is None:
        anonymity = Anonymity.until_complete if mastermind else Anonymity.none
    if vote_budget is None and "vote_budget" not in given and mastermind:
        vote_budget = 3
    return {"format": format, "anonymity": anonymity, "vote_budget": vote_budget}


async def _emit_scheduled(session: AsyncSession, mm_session: MastermindSession) -> None:
    """``session.scheduled``: a session is planned, or moved to another time."""
    await outbox.emit(
        session,
        organization_id=mm_session.organization_id,
        event_type="session.scheduled",
        payload=lambda: webhook_events.session_scheduled(session, mm_session),
    )


async def session_row(
    *, session: AsyncSession, caller: Caller, session_id: uuid.UUID
) -> MastermindSession:
    return (await session_access(session=session, caller=caller, session_id=session_id)).session


async def get_session(
    *, session: AsyncSession, caller: Caller, session_id: uuid.UUID
) -> SessionRead:
    return await present_session(
        session, await session_row(session=session, caller=caller, session_id=session_id)
    )


async def update_session(
    *,
    session: AsyncSession,
    caller: Caller,
    session_id: uuid.UUID,
    data: SessionUpdate,
    if_match: str | None,
) -> SessionRead:
    access = await session_access(
        session=session, caller=caller, session_id=session_id, for_update=True
    )
    access.ensure_can_steer()
    mm_session = access.session
    ensure_current(mm_session, if_match)
    changes = requested_changes(data)
    if mm_session.status == SessionStatus.completed:
        if not caller.is_admin:
            raise Forbidden("A completed session is read-only")
        if set(changes) - OUTCOME_FIELDS:
            raise Conflict("On a completed session only the outcome can be corrected")
    elif mm_session.status == SessionStatus.cancelled:
        raise Conflict("The session is cancelled")
    else:
        if changes.keys() & OUTCOME_FIELDS:
            raise Conflict("The outcome is recorded when the session completes")
        if mm_session.status == SessionStatus.live and changes.keys() & {"agenda", "scheduled_at"}:
            raise Conflict("The agenda and schedule are read-only while the session is live")
    if changes.keys() & {"format", "anonymity", "vote_budget"}:
        # The rules of the room are fixed once its first phase has started: changing the
        # anonymity or the budget mid-way would expose authors or recount dots.
        if mm_session.phase is not None or mm_session.status != SessionStatus.scheduled:
            raise Conflict("The format is settled once the session has started")
        if "format" in changes:
            # A new format brings its own defaults for what the body did not send.
            changes.update(
                format_rules(
                    changes["format"],
                    changes.get("anonymity"),
                    changes.get("vote_budget"),
                    given=set(changes),
                )
            )
    participant_ids = changes.pop("participant_ids", None)
    dropped: set[uuid.UUID] = set()
    if participant_ids is not None:
        dropped = await notifications.participant_ids(session, mm_session.id)  # told if left out
        participant_ids = await _check_participants(
            session, caller, mm_session.project_id, participant_ids
        )
        await session.execute(
            delete(SessionParticipant).where(col(SessionParticipant.session_id) == mm_session.id)
        )
        session.add_all(
            SessionParticipant(
                session_id=mm_session.id, user_id=u, organization_id=mm_session.organization_id
            )
            for u in participant_ids
        )
        changes["participant_ids"] = participant_ids
        dropped -= set(participant_ids)
    if "facilitator_id" in changes:
        await _check_facilitator(session, access.project, changes["facilitator_id"])
    apply_changes(mm_session, changes, except_for={"participant_ids"})
    mm_session.updated_at = utcnow()
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="session.updated",
        entity_type="session",
        entity_id=mm_session.id,
        changes=changes,
    )
    if "scheduled_at" in changes:
        await _emit_scheduled(session, mm_session)
    if mm_session.status == SessionStatus.scheduled and changes.keys() & NOTICE_FIELDS:
        await notifications.session_notice(
            session, mm_session, "changed", actor_id=caller.user_id, dropped=dropped
        )
    return await present_session(session, mm_session)


async def _transition(
    session: AsyncSession, caller: Caller, session_id: uuid.UUID, action: str, now: datetime
) -> SessionAccess:
    access = await session_access(
        session=session, caller=caller, session_id=session_id, for_update=True
    )
    access.ensure_can_steer()
    sources, target = TRANSITIONS[action]
    mm_session = access.session
    if mm_session.status not in sources:
        raise Conflict(f"A {mm_session.status.value} session cannot {action}")
    mm_session.status = target
    mm_session.updated_at = now
    if target == SessionStatus.live:
        mm_session.started_at = now
        if mm_session.format == SessionFormat.mastermind:
            # The room opens on the brief; the facilitator time-boxes each phase after it.
            mm_session.phase, mm_session.phase_started_at = SessionPhase.brief, now
    elif target == SessionStatus.completed:
        mm_session.completed_at = now
    elif target == SessionStatus.cancelled:
        mm_session.cancelled_at = now
    return access


async def _publish_status(session: AsyncSession, mm_session: MastermindSession) -> None:
    await session.flush()
    await events.publish(
        session,
        session_id=mm_session.id,
        organization_id=mm_session.organization_id,
        type="session.status_changed",
        payload={
            "session_id": mm_session.id,
            "status": mm_session.status.value,
            "updated_at": mm_session.updated_at.isoformat(),
        },
    )


async def _plain_transition(
    session: AsyncSession,
    caller: Caller,
    session_id: uuid.UUID,
    action: str,
    audit_action: str,
    now: datetime | None,
) -> MastermindSession:
    access = await _transition(session, caller, session_id, action, now or utcnow())
    await _publish_status(session, access.session)
    audit.record(
        session,
        caller=caller,
        action=audit_action,
        entity_type="session",
        entity_id=session_id,
    )
    return access.session


async def change_phase(
    *,
    session: AsyncSession,
    caller: Caller,
    session_id: uuid.UUID,
    data: SessionPhaseChange,
    now: datetime | None = None,
) -> SessionRead:
    """Start the next phase of a live mastermind session with its own time box: forward
    only (skipping is allowed), never back, so what was revealed stays revealed."""
    access = await session_access(
        session=session, caller=caller, session_id=session_id, for_update=True
    )
    access.ensure_can_steer()
    mm_session = access.session
    if mm_session.format != SessionFormat.mastermind:
        raise Conflict("Only a mastermind session has phases")
    if mm_session.status != SessionStatus.live:
        raise Conflict(f"Phases run while the session is live; it is {mm_session.status.value}")
    current = mm_session.phase or SessionPhase.brief
    if PHASE_ORDER[data.phase] <= PHASE_ORDER[current]:
        raise Conflict(f"The session is in {current.value}; phases only move forward")
    now = now or utcnow()
    previous = mm_session.phase
    mm_session.phase = data.phase
    mm_session.phase_started_at = mm_session.updated_at = now
    mm_session.phase_ends_at = now + timedelta(minutes=data.minutes)
    await session.flush()
    # Imported here: contributions builds on this module (session access), not the reverse.
    from api.services.contributions import phase_payload

    await events.publish(
        session,
        session_id=mm_session.id,
        organization_id=mm_session.organization_id,
        type="phase.changed",
        payload={
            "session_id": mm_session.id,
            "phase": data.phase.value,
            "previous_phase": previous.value if previous else None,
            "phase_started_at": now.isoformat(),
            "phase_ends_at": mm_session.phase_ends_at.isoformat(),
            **await phase_payload(session, mm_session, previous),
        },
    )
    audit.record(
        session,
        caller=caller,
        action="session.phase_changed",
        entity_type="session",
        entity_id=mm_session.id,
        changes={"phase": [previous.value if previous else None, data.phase.value]},
    )
    return await present_session(session, mm_session)


async def start_session(
    *, session: AsyncSession, caller: Caller, session_id: uuid.UUID, now: datetime | None = None
) -> SessionRead:
    return await present_session(
        session,
        await _plain_transition(session, caller, session_id, "start", "session.started", now),
    )


async def cancel_session(
    *, session: AsyncSession, caller: Caller, session_id: uuid.UUID, now: datetime | None = None
) -> SessionRead:
    mm_session = await _plain_transition(
        session, caller, session_id, "cancel", "session.cancelled", now
    )
    await _uncount_contributions(session, mm_session)
    await notifications.session_notice(session, mm_session, "cancelled", actor_id=caller.user_id)
    return await present_session(session, mm_session)


async def complete_session(
    *,
    session: AsyncSession,
    caller: Caller,
    session_id: uuid.UUID,
    data: SessionComplete,
    now: datetime | None = None,
    stale_after: timedelta = timedelta(seconds=30),
) -> SessionRead:
    """Complete a live session. Without ``attendance`` each active member is credited the
    minutes they were measured present (nothing for those who never joined); a given
    ``attendance`` (people in the physical room) may not exceed the held duration."""
    now = now or utcnow()
    access = await _transition(session, caller, session_id, "complete", now)
    mm_session = access.session
    members = await _project_members(session, mm_session.project_id)
    participants = {
        row.user_id: row
        for row in await session.scalars(
            select(SessionParticipant).where(col(SessionParticipant.session_id) == mm_session.id)
        )
    }
    measured = await presence.measured_minutes(
        session, mm_session, now=now, stale_after=stale_after
    )
    if data.attendance is None:
        attendance = {
            user_id: minutes
            for user_id, minutes in measured.items()
            if user_id in members and members[user_id].state == MemberState.active
        }
    else:
        held = presence.held_minutes(mm_session, now)
        attendance = {}
        for index, entry in enumerate(data.attendance):
            if entry.minutes > held:
                raise InvalidInput(
                    f"The session was held for {held} minutes: {entry.minutes} is more",
                    loc=["body", "attendance", index, "minutes"],
                )
            if entry.user_id not in members:
                # Another organization's user is not found, as everywhere else (404).
                await _check_participants(session, caller, mm_session.project_id, [entry.user_id])
            attendance[entry.user_id] = entry.minutes
    owner_id = access.project.project.owner_id
    # Members who were present without being credited keep a row too: the outcome shows
    # their measured minutes beside the credited 0.
    counted = attendance.keys() | {
        u for u in measured if u in members and members[u].state == MemberState.active
    }
    for user_id in counted:
        minutes, present = attendance.get(user_id, 0), measured.get(user_id, 0)
        row = participants.get(user_id)
        if row is None:  # came without an invitation: still counted
            session.add(
                SessionParticipant(
                    session_id=mm_session.id,
                    user_id=user_id,
                    organization_id=mm_session.organization_id,
                    attended_minutes=minutes,
                    present_minutes=present,
                    project_owner_id=owner_id,
                )
            )
        else:
            row.attended_minutes, row.present_minutes = minutes, present
            row.project_owner_id = owner_id
    for user_id, row in participants.items():
        if user_id not in counted:
            row.attended_minutes, row.project_owner_id = 0, owner_id
            row.present_minutes = measured.get(user_id, 0)
    await _count_attendance(session, mm_session, owner_id, attendance)
    if mm_session.format == SessionFormat.mastermind and (
        mm_session.anonymity == Anonymity.until_complete
    ):
        # Completed now: the anonymous session's cards count in the ledger from here on.
        await _count_contributions(session, mm_session, sign=1)
    mm_session.summary = data.summary
    mm_session.decisions = data.decisions
    mm_session.recommended_approach = data.recommended_approach
    await _publish_status(session, mm_session)
    audit.record(
        session,
        caller=caller,
        action="session.completed",
        entity_type="session",
        entity_id=session_id,
        changes={"attendance": {str(k): v for k, v in attendance.items()}},
    )

    async def completed_payload() -> dict[str, object]:
        outcome = await present_outcome(session=session, mm_session=mm_session)
        return await webhook_events.session_completed(session, mm_session, outcome)

    await outbox.emit(
        session,
        organization_id=mm_session.organization_id,
        event_type="session.completed",
        payload=completed_payload,
    )
    return await present_session(session, mm_session)


async def _count_attendance(
    session: AsyncSession,
    mm_session: MastermindSession,
    owner_id: uuid.UUID,
    attendance: dict[uuid.UUID, int],
) -> None:
    """Record the completed session in the ledger's rollups and the members' burn, and
    whether juniors sat with seniors (kept on the session as a fact)."""
    present = [user_id for user_id, minutes in attendance.items() if minutes > 0]
    levels = set(
        (await session.scalars(select(col(User.seniority)).where(col(User.id).in_(present)))).all()
        if present
        else ()
    )
    mm_session.mixed_seniority = {Seniority.junior, Seniority.senior} <= levels
    zone = await organization_zone(session, mm_session.organization_id)
    assert mm_session.completed_at is not None  # counted as the session completes
    day = local_day(mm_session.completed_at, zone)
    batch = RollupBatch(mm_session.organization_id)
    for user_id in present:
        batch.add_help(
            helper_id=user_id,
            owner_id=owner_id,
            project_id=mm_session.project_id,
            day=day,
            minutes=attendance[user_id],
        )
        batch.add_activity(user_id=user_id, day=day, sessions_attended=1)
    batch.add_session(day=day, mixed=mm_session.mixed_seniority)
    await batch.apply(session)


def ledger_waits(mm_session: MastermindSession) -> bool:
    """Do this session's contributions wait for completion to count in the ledger? They do
    in an anonymous mastermind: the ledger's counters moving as cards appear would name
    their authors to the room. They count at completion; a cancelled one never names them,
    so never counts them."""
    return (
        mm_session.format == SessionFormat.mastermind
        and mm_session.anonymity == Anonymity.until_complete
        and mm_session.status != SessionStatus.completed
    )


async def _uncount_contributions(session: AsyncSession, mm_session: MastermindSession) -> None:
    """A cancelled session counts nothing: take its contributions out of the rollups (an
    anonymous mastermind's were never in: ``ledger_waits``)."""
    if ledger_waits(mm_session):
        return
    await _count_contributions(session, mm_session, sign=-1)


async def _count_contributions(
    session: AsyncSession, mm_session: MastermindSession, *, sign: int
) -> None:
    """Add (``sign`` 1) or take out (-1) all of a session's contributions and adopted ideas
    in the ledger's rollups, in one query and one batch."""
    rows = (
        await session.execute(
            select(
                col(Contribution.author_id), col(Contribution.created_at), col(Contribution.status)
            ).where(col(Contribution.session_id) == mm_session.id)
        )
    ).all()
    if not rows:
        return
    zone = await organization_zone(session, mm_session.organization_id)
    batch = RollupBatch(mm_session.organization_id)
    for author_id, created_at, status in rows:
        batch.add_activity(
            user_id=author_id,
            day=local_day(created_at, zone),
            contributions_count=sign,
            ideas_adopted=sign * int(status == ContributionStatus.adopted),
        )
    await batch.apply(session)


async def touch_outcome(session: AsyncSession, session_id: uuid.UUID | None) -> None:
    """A completed session's outcome changed (an idea adopted later, an action item done):
    move its updated_at so the outcomes feed hands it to scripts again."""
    if session_id is None:
        return
    await session.execute(
        update(MastermindSession)
        .where(
            col(MastermindSession.id) == session_id,
            col(MastermindSession.status) == SessionStatus.completed,
        )
        .values(updated_at=utcnow())
    )


async def list_sessions(
    *,
    session: AsyncSession,
    caller: Caller,
    limit: int,
    cursor: str | None,
    project_id: uuid.UUID | None = None,
    status: SessionStatus | None = None,
    updated_since: datetime | None = None,
    sort: SessionSort = SessionSort.updated_at,
    with_outcome: bool = False,
) -> SessionPage:
    """The outcomes feed: ordered by (updated_at, id), so a script resumes where it stopped;
    or, for people, by (scheduled_at, id), soonest or newest first. ``with_outcome`` inlines
    each session's outcome (three more queries for the page, not three per session)."""
    statement = readable_sessions(caller)
    if project_id is not None:
        statement = statement.where(col(MastermindSession.project_id) == project_id)
    if status is not None:
        statement = statement.where(col(MastermindSession.status) == status)
    if updated_since is not None:
        statement = statement.where(col(MastermindSession.updated_at) > updated_since)
    rows, next_cursor = await paginate(
        session,
        statement,
        time_column=(
            col(MastermindSession.updated_at)
            if sort is SessionSort.updated_at
            else col(MastermindSession.scheduled_at)
        ),
        id_column=col(MastermindSession.id),
        limit=limit,
        cursor=cursor,
        newest_first=sort is SessionSort.newest_scheduled_first,
    )
    items = await present_sessions(session=session, sessions=rows)
    if with_outcome:
        outcomes = await present_outcomes(session=session, sessions=rows, viewer_id=caller.user_id)
        items = [item.model_copy(update={"outcome": outcomes[item.id]}) for item in items]
    return SessionPage(items=items, next_cursor=next_cursor)


async def list_project_sessions(
    *,
    session: AsyncSession,
    caller: Caller,
    project_id: uuid.UUID,
    limit: int,
    cursor: str | None,
    status: SessionStatus | None = None,
) -> SessionPage:
    access = await project_access(session=session, caller=caller, project_id=project_id)
    statement = select(MastermindSession).where(
        col(MastermindSession.project_id) == access.project.id
    )
    if status is not None:
        statement = statement.where(col(MastermindSession.status) == status)
    rows, next_cursor = await paginate(
        session,
        statement,
        time_column=col(MastermindSession.scheduled_at),
        id_column=col(MastermindSession.id),
        limit=limit,
        cursor=cursor,
    )
    return SessionPage(
        items=await present_sessions(session=session, sessions=rows), next_cursor=next_cursor
    )


async def present_sessions(
    *, session: AsyncSession, sessions: Sequence[MastermindSession]
) -> list[SessionRead]:
    """Sessions with their participants and their project's title and client, loaded in one
    query each for the page."""
    participants: dict[uuid.UUID, list[ParticipantRead]] = defaultdict(list)
    context: dict[uuid.UUID, tuple[str, uuid.UUID | None, str | None]] = {}
    if sessions:
        for project_id, title, client_id, client_name in await session.execute(
            select(col(Project.id), col(Project.title), col(Project.client_id), col(Client.name))
            .outerjoin(Client, col(Client.id) == Project.client_id)
            .where(col(Project.id).in_({s.project_id for s in sessions}))
        ):
            context[project_id] = (title, client_id, client_name)
        rows = await session.execute(
            select(
                col(SessionParticipant.session_id),
                col(SessionParticipant.user_id),
                col(SessionParticipant.attended_minutes),
                col(User.full_name),
            )
            .join(User, col(User.id) == SessionParticipant.user_id)
            .where(col(SessionParticipant.session_id).in_([s.id for s in sessions]))
            .order_by(*by_name())
        )
        for session_id, user_id, minutes, full_name in rows:
            participants[session_id].append(
                ParticipantRead(user_id=user_id, full_name=full_name, attended_minutes=minutes)
            )
    return [
        SessionRead(
            **{field: getattr(s, field) for field in _SESSION_FIELDS},
            participants=participants[s.id],
            project_title=context[s.project_id][0],
            client_id=context[s.project_id][1],
            client_name=context[s.project_id][2],
        )
        for s in sessions
    ]


async def present_session(session: AsyncSession, mm_session: MastermindSession) -> SessionRead:
    return (await present_sessions(session=session, sessions=[mm_session]))[0]


async def get_outcome(
    *, session: AsyncSession, caller: Caller, session_id: uuid.UUID
) -> SessionOutcome:
    access = await session_access(session=session, caller=caller, session_id=session_id)
    return await present_outcome(
        session=session, mm_session=access.session, viewer_id=caller.user_id
    )


def evenness(counts: Sequence[int]) -> float:
    """1 - the Gini coefficient of ``counts``: 1.0 when everyone contributed alike (or
    nobody did: nothing was uneven), falling toward 0 as one person does all of it."""
    n, total = len(counts), sum(counts)
    if n <= 1 or total <= 0:
        return 1.0
    # Sorted form of the mean absolute difference: O(n log n), exact for whole numbers.
    ordered = sorted(counts)
    weighted = sum((2 * (i + 1) - n - 1) * x for i, x in enumerate(ordered))
    gini = weighted / (n * total)
    return round(min(1.0, max(0.0, 1.0 - gini)), 4)


async def _participation(
    session: AsyncSession, session_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ParticipationRead]]:
    """Contributions and adopted ideas per participant (and per author who was not one) of
    each session, in one grouped query for all of them."""
    found: dict[uuid.UUID, list[ParticipationRead]] = defaultdict(list)
    if not session_ids:
        return found
    adopted = func.sum(case((col(Contribution.status) == ContributionStatus.adopted, 1), else_=0))
    counted = (
        select(
            col(Contribution.session_id).label("session_id"),
            col(Contribution.author_id).label("user_id"),
            func.count().label("contributions"),
            adopted.label("adopted"),
        )
        .where(col(Contribution.session_id).in_(session_ids))
        .group_by(col(Contribution.session_id), col(Contribution.author_id))
        .subquery()
    )
    seated_columns: tuple[Any, ...] = (
        col(SessionParticipant.session_id).label("session_id"),
        col(SessionParticipant.user_id).label("user_id"),
    )
    seated = select(*seated_columns).where(col(SessionParticipant.session_id).in_(session_ids))
    people = seated.union(select(counted.c.session_id, counted.c.user_id)).subquery()
    rows = await session.execute(
        select(
            people.c.session_id,
            col(User.id),
            col(User.full_name),
            func.coalesce(counted.c.contributions, 0),
            func.coalesce(counted.c.adopted, 0),
        )
        .select_from(people)
        .join(User, col(User.id) == people.c.user_id)
        .outerjoin(
            counted,
            and_(
                counted.c.session_id == people.c.session_id,
                counted.c.user_id == people.c.user_id,
            ),
        )
        .order_by(*by_name())
    )
    for sid, u, n, c, a in rows:
        found[sid].append(
            ParticipationRead(user_id=u, full_name=n, contributions=int(c), adopted=int(a))
        )
    return found


async def present_outcome(
    *, session: AsyncSession, mm_session: MastermindSession, viewer_id: uuid.UUID | None = None
) -> SessionOutcome:
    """The outcome of a session the caller was already allowed to read (also the payload of
    the ``session.completed`` webhook). For ``viewer_id`` during an anonymous mastermind,
    authors other than the viewer are left out, by the same rule as everywhere."""
    outcomes = await present_outcomes(session=session, sessions=[mm_session], viewer_id=viewer_id)
    return outcomes[mm_session.id]


async def present_outcomes(
    *,
    session: AsyncSession,
    sessions: Sequence[MastermindSession],
    viewer_id: uuid.UUID | None = None,
) -> dict[uuid.UUID, SessionOutcome]:
    """The outcomes of sessions the caller may read, four queries for any number of them
    (the feed's ``include=outcome`` inlines a page's outcomes this way). With ``viewer_id``,
    each is cut to what that viewer may see (``contributions.visibility``)."""
    # Imported here: contributions builds on this module (session access), not the reverse.
    from api.services.contributions import visibility

    ids = [s.id for s in sessions]
    adopted: dict[uuid.UUID, list[tuple[Contribution, str]]] = defaultdict(list)
    items: dict[uuid.UUID, list[ActionItemRead]] = defaultdict(list)
    attendance: dict[uuid.UUID, list[AttendanceRead]] = defaultdict(list)
    participation = await _participation(session, ids)
    if ids:
        for c, name in await session.execute(
            select(Contribution, col(User.full_name))
            .join(User, col(User.id) == Contribution.author_id)
            .where(
                col(Contribution.session_id).in_(ids),
                col(Contribution.status) == ContributionStatus.adopted,
            )
            .order_by(
                col(Contribution.votes).desc(), col(Contribution.created_at), col(Contribution.id)
            )
        ):
            adopted[c.session_id].append((c, name))
        for item in await session.scalars(
            select(ActionItem)
            .where(col(ActionItem.session_id).in_(ids))
            .order_by(col(ActionItem.created_at), col(ActionItem.id))
        ):
            assert item.session_id is not None  # selected by it
            items[item.session_id].append(ActionItemRead.model_validate(item))
        for sid, u, n, m, p in await session.execute(
            select(
                col(SessionParticipant.session_id),
                col(SessionParticipant.user_id),
                col(User.full_name),
                col(SessionParticipant.attended_minutes),
                col(SessionParticipant.present_minutes),
            )
            .join(User, col(User.id) == SessionParticipant.user_id)
            .where(
                col(SessionParticipant.session_id).in_(ids),
                col(SessionParticipant.attended_minutes).is_not(None),
            )
            .order_by(*by_name())
        ):
            # ``m`` is never None: the query keeps the seats with credited minutes.
            attendance[sid].append(
                AttendanceRead(user_id=u, full_name=n, minutes=cast(int, m), minutes_present=p)
            )

    def outcome(s: MastermindSession) -> SessionOutcome:
        seen = visibility(s, viewer_id) if viewer_id is not None else None

        def shown(author_id: uuid.UUID) -> bool:
            return seen is None or seen.shows_author(author_id)

        people = participation[s.id]
        return SessionOutcome(
            session_id=s.id,
            project_id=s.project_id,
            status=s.status,
            completed_at=s.completed_at,
            summary=s.summary,
            decisions=s.decisions,
            recommended_approach=s.recommended_approach,
            adopted_contributions=[
                AdoptedContribution(
                    id=c.id,
                    kind=c.kind,
                    body=c.body,
                    author_id=c.author_id if shown(c.author_id) else None,
                    author_name=name if shown(c.author_id) else "",
                    votes=c.votes,
                    verdict=c.verdict,
                    verdict_note=c.verdict_note,
                )
                for c, name in adopted[s.id]
            ],
            action_items=items[s.id],
            attendance=attendance[s.id],
            participation=[] if seen is not None and seen.authors_hidden else people,
            evenness=evenness([p.contributions for p in people]),
        )

    return {s.id: outcome(s) for s in sessions}


async def get_presence(
    *,
    session: AsyncSession,
    caller: Caller,
    session_id: uuid.UUID,
    now: datetime,
    stale_after: timedelta,
) -> list[PresenceRead]:
    access = await session_access(session=session, caller=caller, session_id=session_id)
    return await presence.present_room(session, access.session, now=now, stale_after=stale_after)


async def reader_still_allowed(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    authenticate: Callable[[AsyncSession], Awaitable[Caller]],
    session_id: uuid.UUID,
) -> bool:
    """For a live stream: the reader's authentication, run again, and the session's access
    rule still let them in (False once they were removed, deactivated, signed out...)."""
    async with sessionmaker() as session:
        try:
            caller = await authenticate(session)
            await session_access(session=session, caller=caller, session_id=session_id)
        except Unavailable:
            raise
        except AppError:
            return False
    return True
