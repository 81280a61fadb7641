"""The reciprocity ledger: minutes given and received, computed from the facts.

A fact is help given by one person on a project someone else owns: attendance minutes of
a completed session, or a time entry. Cancelled sessions count nothing. Periods are whole
days in the organization's time zone; removed members' history still counts.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import case, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import Conflict, Forbidden, NotFound
from api.models import (
    Contribution,
    ContributionStatus,
    MastermindSession,
    Organization,
    Project,
    SessionParticipant,
    SessionStatus,
    Team,
    TeamMember,
    TimeEntry,
    User,
)
from api.schemas.insight import LedgerRow
from api.services.principal import Caller
from api.services.users import get_user

MAX_PERIOD_DAYS = 3 * 366


@dataclass(frozen=True, slots=True)
class Period:
    """A span of whole days and the UTC instants that bound it in the organization's zone."""

    since: date
    until: date
    starts_at: datetime
    ends_at: datetime  # exclusive: midnight after ``until``


async def organization_zone(session: AsyncSession, organization_id: uuid.UUID) -> ZoneInfo:
    name = await session.scalar(
        select(Organization.time_zone).where(Organization.id == organization_id)
    )
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


async def resolve_period(
    session: AsyncSession, organization_id: uuid.UUID, since: date | None, until: date | None
) -> Period:
    """Default: the current calendar quarter up to today, in the organization's zone."""
    zone = await organization_zone(session, organization_id)
    today = datetime.now(zone).date()
    until = until or today
    since = since or date(until.year, 3 * ((until.month - 1) // 3) + 1, 1)
    if since > until:
        raise Conflict("since must not be after until")
    if (until - since).days > MAX_PERIOD_DAYS:
        raise Conflict(f"A ledger period spans at most {MAX_PERIOD_DAYS} days")
    starts_at = datetime.combine(since, time.min, zone).astimezone(UTC)
    ends_at = datetime.combine(until + timedelta(days=1), time.min, zone).astimezone(UTC)
    return Period(since=since, until=until, starts_at=starts_at, ends_at=ends_at)


def help_facts(organization_id: uuid.UUID, period: Period):  # type: ignore[no-untyped-def]
    """(helper_id, owner_id, minutes) for every minute of help in the period."""
    attended = (
        select(
            SessionParticipant.user_id.label("helper_id"),
            Project.owner_id.label("owner_id"),
            SessionParticipant.attended_minutes.label("minutes"),
        )
        .join(MastermindSession, MastermindSession.id == SessionParticipant.session_id)
        .join(Project, Project.id == MastermindSession.project_id)
        .where(
            MastermindSession.organization_id == organization_id,
            MastermindSession.status == SessionStatus.completed,
            MastermindSession.completed_at >= period.starts_at,
            MastermindSession.completed_at < period.ends_at,
            SessionParticipant.attended_minutes > 0,
        )
    )
    logged = (
        select(
            TimeEntry.user_id.label("helper_id"),
            Project.owner_id.label("owner_id"),
            TimeEntry.minutes.label("minutes"),
        )
        .join(Project, Project.id == TimeEntry.project_id)
        .where(
            TimeEntry.organization_id == organization_id,
            TimeEntry.spent_on >= period.since,
            TimeEntry.spent_on <= period.until,
        )
    )
    return union_all(attended, logged).subquery("help")


async def compute_ledger(
    session: AsyncSession, *, organization_id: uuid.UUID, users: list[User], period: Period
) -> list[LedgerRow]:
    """Ledger rows for ``users``: five grouped queries, whatever the number of users."""
    user_ids = [user.id for user in users]
    if not user_ids:
        return []
    facts = help_facts(organization_id, period)
    others = facts.c.helper_id != facts.c.owner_id
    given = await session.execute(
        select(
            facts.c.helper_id,
            func.sum(facts.c.minutes),
            func.count(facts.c.owner_id.distinct()),
        )
        .where(others, facts.c.helper_id.in_(user_ids))
        .group_by(facts.c.helper_id)
    )
    received = await session.execute(
        select(
            facts.c.owner_id,
            func.sum(facts.c.minutes),
            func.count(facts.c.helper_id.distinct()),
        )
        .where(others, facts.c.owner_id.in_(user_ids))
        .group_by(facts.c.owner_id)
    )
    attended = await session.execute(
        select(SessionParticipant.user_id, func.count(SessionParticipant.session_id.distinct()))
        .join(MastermindSession, MastermindSession.id == SessionParticipant.session_id)
        .where(
            MastermindSession.organization_id == organization_id,
            MastermindSession.status == SessionStatus.completed,
            MastermindSession.completed_at >= period.starts_at,
            MastermindSession.completed_at < period.ends_at,
            SessionParticipant.attended_minutes > 0,
            SessionParticipant.user_id.in_(user_ids),
        )
        .group_by(SessionParticipant.user_id)
    )
    adopted = func.sum(case((Contribution.status == ContributionStatus.adopted, 1), else_=0))
    contributed = await session.execute(
        select(Contribution.author_id, func.count(), adopted)
        .join(MastermindSession, MastermindSession.id == Contribution.session_id)
        .where(
            Contribution.organization_id == organization_id,
            Contribution.author_id.in_(user_ids),
            Contribution.created_at >= period.starts_at,
            Contribution.created_at < period.ends_at,
            MastermindSession.status != SessionStatus.cancelled,
        )
        .group_by(Contribution.author_id)
    )
    figures: dict[uuid.UUID, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for user_id, minutes, people in given:
        figures[user_id]["minutes_given"], figures[user_id]["helped_people"] = (
            int(minutes or 0),
            people,
        )
    for user_id, minutes, people in received:
        figures[user_id]["minutes_received"], figures[user_id]["helped_by_people"] = (
            int(minutes or 0),
            people,
        )
    for user_id, count in attended:
        figures[user_id]["sessions_attended"] = count
    for user_id, count, ideas in contributed:
        figures[user_id]["contributions_count"], figures[user_id]["ideas_adopted"] = (
            count,
            int(ideas or 0),
        )
    rows = []
    for user in users:
        f = figures[user.id]
        rows.append(
            LedgerRow(
                user_id=user.id,
                full_name=user.full_name,
                minutes_given=f["minutes_given"],
                minutes_received=f["minutes_received"],
                balance_minutes=f["minutes_given"] - f["minutes_received"],
                sessions_attended=f["sessions_attended"],
                contributions_count=f["contributions_count"],
                ideas_adopted=f["ideas_adopted"],
                helped_people=f["helped_people"],
                helped_by_people=f["helped_by_people"],
            )
        )
    return rows


async def ledger(
    *,
    session: AsyncSession,
    caller: Caller,
    team_id: uuid.UUID | None,
    since: date | None,
    until: date | None,
) -> tuple[Period, list[LedgerRow]]:
    """Admins and managers see everyone (managers may narrow to a team they manage);
    anyone else sees their own row."""
    period = await resolve_period(session, caller.organization_id, since, until)
    statement = select(User).where(User.organization_id == caller.organization_id)
    if not caller.is_staff:
        statement = statement.where(User.id == caller.user_id)
    elif team_id is not None:
        team = await session.scalar(
            select(Team).where(Team.id == team_id, Team.organization_id == caller.organization_id)
        )
        if team is None:
            raise NotFound("Team not found")
        if caller.is_manager and team.manager_id != caller.user_id:
            raise Forbidden("Managers read the ledger of the teams they manage")
        statement = statement.where(
            User.id.in_(select(TeamMember.user_id).where(TeamMember.team_id == team.id))
        )
    else:
        statement = statement.where(User.is_active.is_(True))
    users = list((await session.scalars(statement.order_by(User.full_name, User.id))).all())
    return period, await compute_ledger(
        session, organization_id=caller.organization_id, users=users, period=period
    )


async def user_ledger(
    *,
    session: AsyncSession,
    caller: Caller,
    user_id: uuid.UUID,
    since: date | None,
    until: date | None,
) -> tuple[Period, LedgerRow]:
    user = await get_user(session=session, caller=caller, user_id=user_id)
    if not caller.is_staff and user.id != caller.user_id:
        raise Forbidden("You read your own ledger; managers read everyone's")
    period = await resolve_period(session, caller.organization_id, since, until)
    rows = await compute_ledger(
        session, organization_id=caller.organization_id, users=[user], period=period
    )
    return period, rows[0]
