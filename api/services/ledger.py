"""The reciprocity ledger: minutes given and received, read from maintained rollups.

A fact is help given by one person on a project someone else owned at the time: attendance
minutes of a completed session, or a time entry. Cancelled sessions count nothing; removed
members' history still counts. Every fact adds its delta to the rollups in its own
transaction (``api/services/rollup.py``), so reading a period sums a few hundred rows
however many years of history there are. Periods are whole days in the organization's
time zone.

A team's week (``team_weeks``, for the managers' weekly summary in
api/services/notifications.py) is the ledger's figures of its people with their sessions
held, projects closed and action items overdue, counted in grouped queries.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.errors import Conflict, Forbidden, InvalidInput, NotFound
from api.kit.periods import NamedPeriod, PeriodKind, named_period
from api.kit.principal import Caller
from api.models import (
    ActionItem,
    ActionItemStatus,
    ActivityRollup,
    Grain,
    HelpRollup,
    MastermindSession,
    Project,
    ProjectStatus,
    SessionStatus,
    Team,
    TeamMember,
    User,
)
from api.schemas.ledger import LedgerRow
from api.services.rollup import ACTIVITY_FIELDS, organization_calendar, organization_zone
from api.services.users import by_name, get_user

__all__ = [
    "Period",
    "TeamWeek",
    "compute_ledger",
    "in_period",
    "ledger",
    "organization_zone",
    "pairs_in_period",
    "people_counts",
    "resolve_period",
    "team_weeks",
    "user_ledger",
]

MAX_PERIOD_DAYS = 3 * 366


@dataclass(frozen=True, slots=True)
class Period:
    """A span of whole days and the UTC instants that bound it in the organization's zone.

    ``kind`` names the period when it was asked for by name (or is the default); ``None``
    when the caller gave its own days.
    """

    since: date
    until: date
    starts_at: datetime
    ends_at: datetime  # exclusive: midnight after ``until``
    kind: PeriodKind | None = None
    fiscal_year: int | None = None
    quarter: int | None = None


async def resolve_period(
    session: AsyncSession,
    organization_id: uuid.UUID,
    since: date | None,
    until: date | None,
    period: PeriodKind | None = None,
    *,
    now: datetime | None = None,
) -> Period:
    """A named period (the current one, up to today) or the caller's days.

    The default is the current fiscal quarter up to today, in the organization's zone and
    fiscal calendar; a ``since`` alone runs to today, an ``until`` alone starts with that
    day's fiscal quarter. A name with days is ambiguous and refused.
    """
    if period is not None and (since is not None or until is not None):
        raise InvalidInput(
            "Ask for a named period or for since/until, not both",
            loc=["query", "period"],
        )
    calendar = await organization_calendar(session, organization_id)
    zone = calendar.zone
    today = (now or datetime.now(UTC)).astimezone(zone).date()
    named: NamedPeriod | None = None
    if since is None:
        named = named_period(
            period or PeriodKind.fiscal_quarter,
            until or today,
            calendar.fiscal_year_start_month,
        )
        since = named.first_day
    if period is not None or until is None:
        until = today
    if since > until:
        raise Conflict("since must not be after until")
    if (until - since).days > MAX_PERIOD_DAYS:
        raise Conflict(f"A ledger period spans at most {MAX_PERIOD_DAYS} days")
    starts_at = datetime.combine(since, time.min, zone).astimezone(UTC)
    ends_at = datetime.combine(until + timedelta(days=1), time.min, zone).astimezone(UTC)
    whole = named if named is not None and until <= named.last_day else None
    return Period(
        since=since,
        until=until,
        starts_at=starts_at,
        ends_at=ends_at,
        kind=whole.kind if whole is not None else None,
        fiscal_year=whole.fiscal_year if whole is not None else None,
        quarter=whole.quarter if whole is not None else None,
    )


def _month_after(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def in_period(table: type[ActivityRollup], period: Period) -> ColumnElement[bool]:
    """The activity rows that make up ``period`` exactly: the month rows of the whole
    months inside it, and the day rows of the partial months at either end."""
    first_whole = period.since if period.since.day == 1 else _month_after(period.since)
    # Months that start before this one end on or before ``until``.
    end_whole = (period.until + timedelta(days=1)).replace(day=1)
    grain, bucket = col(table.grain), col(table.bucket)
    days = and_(grain == Grain.day, bucket >= period.since, bucket <= period.until)
    if first_whole >= end_whole:
        return days
    return or_(
        and_(grain == Grain.month, bucket >= first_whole, bucket < end_whole),
        and_(
            grain == Grain.day,
            or_(
                and_(bucket >= period.since, bucket < first_whole),
                and_(bucket >= end_whole, bucket <= period.until),
            ),
        ),
    )


def _days(first: int, last: int) -> int:
    """The ``days_mask`` bits of days ``first`` to ``last`` of a month."""
    return ((1 << last) - 1) ^ ((1 << (first - 1)) - 1)


def pairs_in_period(period: Period) -> ColumnElement[bool]:
    """The per-pair month rows with help inside ``period``: whole months as they are, the
    months at either end only if a day bit inside the period is set."""
    first, last = period.since.replace(day=1), period.until.replace(day=1)
    mask = col(HelpRollup.days_mask).op("&")
    if first == last:
        return and_(
            col(HelpRollup.month) == first, mask(_days(period.since.day, period.until.day)) != 0
        )
    return or_(
        and_(col(HelpRollup.month) == first, mask(_days(period.since.day, 31)) != 0),
        and_(col(HelpRollup.month) > first, col(HelpRollup.month) < last),
        and_(col(HelpRollup.month) == last, mask(_days(1, period.until.day)) != 0),
    )


async def people_counts(
    session: AsyncSession, *, organization_id: uuid.UUID, user_ids: list[uuid.UUID], period: Period
) -> dict[uuid.UUID, tuple[int, int]]:
    """user → (people they helped, people who helped them) in the period: distinct counts
    over the per-pair rollup, two grouped queries."""
    if not user_ids:
        return {}
    counts: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0])
    rows = pairs_in_period(period)
    for index, (me, other) in enumerate(
        (
            (col(HelpRollup.helper_id), col(HelpRollup.owner_id)),
            (col(HelpRollup.owner_id), col(HelpRollup.helper_id)),
        )
    ):
        for user_id, people in await session.execute(
            select(me, func.count(other.distinct()))
            .where(
                col(HelpRollup.organization_id) == organization_id,
                me.in_(user_ids),
                col(HelpRollup.minutes) > 0,
                rows,
            )
            .group_by(me)
        ):
            counts[user_id][index] = people
    return {user_id: (given, received) for user_id, (given, received) in counts.items()}


async def compute_ledger(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    users: list[User],
    period: Period,
    with_people: bool = True,
) -> list[LedgerRow]:
    """Ledger rows for ``users`` from the rollups: one grouped query (three with the
    distinct-people counts), whatever the number of users or the length of history."""
    user_ids = [user.id for user in users]
    if not user_ids:
        return []
    sums = await session.execute(
        select(
            col(ActivityRollup.user_id),
            *(func.sum(getattr(ActivityRollup, name)) for name in ACTIVITY_FIELDS),
        )
        .where(
            col(ActivityRollup.organization_id) == organization_id,
            col(ActivityRollup.user_id).in_(user_ids),
            in_period(ActivityRollup, period),
        )
        .group_by(col(ActivityRollup.user_id))
    )
    figures = {
        user_id: dict(zip(ACTIVITY_FIELDS, (int(v or 0) for v in values), strict=True))
        for user_id, *values in sums
    }
    people = (
        await people_counts(
            session, organization_id=organization_id, user_ids=user_ids, period=period
        )
        if with_people
        else {}
    )
    empty = dict.fromkeys(ACTIVITY_FIELDS, 0)
    rows = []
    for user in users:
        f = figures.get(user.id, empty)
        helped, helped_by = people.get(user.id, (0, 0))
        rows.append(
            LedgerRow(
                user_id=user.id,
                full_name=user.full_name,
                balance_minutes=f["minutes_given"] - f["minutes_received"],
                helped_people=helped,
                helped_by_people=helped_by,
                **f,
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
    period_kind: PeriodKind | None = None,
) -> tuple[Period, list[LedgerRow]]:
    """Admins and managers see everyone (managers may narrow to a team they manage);
    anyone else sees their own row."""
    period = await resolve_period(session, caller.organization_id, since, until, period_kind)
    statement = select(User).where(col(User.organization_id) == caller.organization_id)
    if not caller.is_staff:
        statement = statement.where(col(User.id) == caller.user_id)
    elif team_id is not None:
        team = await session.scalar(
            select(Team).where(
                col(Team.id) == team_id, col(Team.organization_id) == caller.organization_id
            )
        )
        if team is None:
            raise NotFound("Team not found")
        if caller.is_manager and team.manager_id != caller.user_id:
            raise Forbidden("Managers read the ledger of the teams they manage")
        statement = statement.where(
            col(User.id).in_(
                select(col(TeamMember.user_id)).where(col(TeamMember.team_id) == team.id)
            )
        )
    else:
        statement = statement.where(col(User.is_active).is_(True))
    users = list((await session.scalars(statement.order_by(*by_name()))).all())
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
    period_kind: PeriodKind | None = None,
) -> tuple[Period, LedgerRow]:
    user = await get_user(session=session, caller=caller, user_id=user_id)
    if not caller.is_staff and user.id != caller.user_id:
        raise Forbidden("You read your own ledger; managers read everyone's")
    period = await resolve_period(session, caller.organization_id, since, until, period_kind)
    rows = await compute_ledger(
        session, organization_id=caller.organization_id, users=[user], period=period
    )
    return period, rows[0]


# --- a team's week (the managers' weekly summary) -------------------------------------------


GroupKey = TypeVar("GroupKey", bound=Hashable)


@dataclass(frozen=True, slots=True)
class TeamWeek:
    """What a group of people did in a span of days: sessions completed on projects they own,
    minutes they gave as helpers and their ideas adopted (the ledger's figures), their
    projects closed won or lost; and their open action items past due on ``today``."""

    sessions_held: int = 0
    minutes_given: int = 0
    ideas_adopted: int = 0
    projects_won: int = 0
    projects_lost: int = 0
    overdue_action_items: int = 0


async def team_weeks(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    groups: Mapping[GroupKey, Collection[uuid.UUID]],
    since: date,
    until: date,
    today: date,
) -> dict[GroupKey, TeamWeek]:
    """Each group's figures for the days ``since`` to ``until`` in the organization's zone:
    per person in any group, from the ledger's rollups and three grouped queries (sessions
    held, projects closed, items overdue), then summed per group here, so a person in two
    groups is counted once in each."""
    everyone = {user_id for members in groups.values() for user_id in members}
    if not everyone:
        return {key: TeamWeek() for key in groups}
    period = await resolve_period(session, organization_id, since, until)
    users = list(await session.scalars(select(User).where(col(User.id).in_(everyone))))
    per_person: dict[uuid.UUID, dict[str, int]] = {
        user_id: dict.fromkeys(TeamWeek.__dataclass_fields__, 0) for user_id in everyone
    }
    for row in await compute_ledger(
        session, organization_id=organization_id, users=users, period=period, with_people=False
    ):
        per_person[row.user_id]["minutes_given"] = row.minutes_given
        per_person[row.user_id]["ideas_adopted"] = row.ideas_adopted
    held = await session.execute(
        select(col(Project.owner_id), func.count())
        .select_from(MastermindSession)
        .join(Project, col(Project.id) == MastermindSession.project_id)
        .where(
            col(MastermindSession.organization_id) == organization_id,
            col(MastermindSession.status) == SessionStatus.completed,
            col(MastermindSession.completed_at) >= period.starts_at,
            col(MastermindSession.completed_at) < period.ends_at,
            col(Project.owner_id).in_(everyone),
        )
        .group_by(col(Project.owner_id))
    )
    for owner_id, count in held:
        per_person[owner_id]["sessions_held"] = int(count)
    closed = await session.execute(
        select(col(Project.owner_id), col(Project.status), func.count())
        .where(
            col(Project.organization_id) == organization_id,
            col(Project.status).in_([ProjectStatus.won, ProjectStatus.lost]),
            col(Project.closed_at) >= period.starts_at,
            col(Project.closed_at) < period.ends_at,
            col(Project.owner_id).in_(everyone),
        )
        .group_by(col(Project.owner_id), col(Project.status))
    )
    for owner_id, status, count in closed:
        per_person[owner_id][f"projects_{status.value}"] = int(count)
    overdue = await session.execute(
        select(col(ActionItem.assignee_id), func.count())
        .where(
            col(ActionItem.organization_id) == organization_id,
            col(ActionItem.status) == ActionItemStatus.open,
            col(ActionItem.due_date) < today,
            col(ActionItem.assignee_id).in_(everyone),
        )
        .group_by(col(ActionItem.assignee_id))
    )
    for assignee_id, count in overdue:
        per_person[assignee_id]["overdue_action_items"] = int(count)
    return {
        key: TeamWeek(
            **{
                name: sum(per_person[user_id][name] for user_id in set(members))
                for name in TeamWeek.__dataclass_fields__
            }
        )
        for key, members in groups.items()
    }
