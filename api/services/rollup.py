"""Keeping the ledger's rollups in step with the facts, and rebuilding them from scratch.

Writers describe what happened as deltas on a ``RollupBatch`` (help given, a session
attended, a contribution made or adopted, a session completed) and ``apply`` it inside the
transaction that writes the facts: one multi-row ``INSERT … ON CONFLICT DO UPDATE`` per
table adds the deltas, on PostgreSQL and SQLite alike. Keys are sorted first so two
transactions touching the same rows lock them in the same order (no deadlock).

``expected_rollups`` recomputes the same rows from the facts alone; ``rebuild`` replaces the
stored rows with them and ``verify`` lists the differences. Both back the
``mastermind rebuild-ledger`` command and the test that the rollup equals a recomputation.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy import Exists, and_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import UpdateBase
from sqlmodel import col

from api.db import dialect_name
from api.models import (
    ActivityRollup,
    Anonymity,
    Contribution,
    ContributionStatus,
    Grain,
    HelpRollup,
    MastermindSession,
    Organization,
    Project,
    ProjectMember,
    Seniority,
    SessionFormat,
    SessionParticipant,
    SessionRollup,
    SessionStatus,
    TimeEntry,
    User,
)
from api.models.base import SQLModel, table_of

ACTIVITY_FIELDS = (
    "minutes_given",
    "minutes_received",
    "sessions_attended",
    "contributions_count",
    "ideas_adopted",
)
SESSION_FIELDS = ("sessions_completed", "mixed_sessions")
WRITE_CHUNK = 1_000


# organization → (its calendar, when to look again). Every write of a fact needs the zone and
# every ledger read the fiscal year's first month; they change through PATCH /organization
# (which rebuilds the rollups for a new zone and tells every process, below) or by an
# operator's hand followed by ``mastermind rebuild-ledger``; processes look again within
# ZONE_TTL_SECONDS at the latest.
_CALENDARS: dict[uuid.UUID, tuple[OrganizationCalendar, float]] = {}
ZONE_TTL_SECONDS = 60.0
# A change of zone or fiscal year through the API (services/organizations.py) NOTIFYs the
# organization's id here; every process's LISTEN connection (api/events.py) then forgets
# the calendar it cached.
ZONE_CHANNEL = "mastermind_organization_zones"


@dataclass(frozen=True, slots=True)
class OrganizationCalendar:
    zone: ZoneInfo
    fiscal_year_start_month: int


async def organization_calendar(
    session: AsyncSession, organization_id: uuid.UUID
) -> OrganizationCalendar:
    """The zone whose midnights cut the ledger's days (UTC if the name is unknown) and the
    month the fiscal year starts in."""
    cached = _CALENDARS.get(organization_id)
    if cached is not None and cached[1] > time.monotonic():
        return cached[0]
    row = (
        await session.execute(
            select(col(Organization.time_zone), col(Organization.fiscal_year_start_month)).where(
                col(Organization.id) == organization_id
            )
        )
    ).first()
    name, start_month = (row[0], row[1]) if row is not None else ("UTC", 1)
    try:
        zone = ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    calendar = OrganizationCalendar(zone=zone, fiscal_year_start_month=start_month or 1)
    _CALENDARS[organization_id] = (calendar, time.monotonic() + ZONE_TTL_SECONDS)
    return calendar


async def organization_zone(session: AsyncSession, organization_id: uuid.UUID) -> ZoneInfo:
    return (await organization_calendar(session, organization_id)).zone


def forget_calendar(organization_id: uuid.UUID) -> None:
    _CALENDARS.pop(organization_id, None)


def month_of(day: date) -> date:
    return day.replace(day=1)


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def _buckets(day: date) -> tuple[tuple[Grain, date], tuple[Grain, date]]:
    return (Grain.day, day), (Grain.month, month_of(day))


@dataclass
class RollupBatch:
    """Deltas to add, merged by key; nothing touches the database until ``apply``."""

    organization_id: uuid.UUID
    # (month, helper, owner) → [minutes, days_mask]
    help: dict[tuple, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    activity: dict[tuple, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: dict.fromkeys(ACTIVITY_FIELDS, 0))
    )
    sessions: dict[date, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: dict.fromkeys(SESSION_FIELDS, 0))
    )
    # (project_id, user_id) → minutes: the members' budget burn.
    member_minutes: dict[tuple[uuid.UUID, uuid.UUID], int] = field(
        default_factory=lambda: defaultdict(int)
    )

    def add_help(
        self,
        *,
        helper_id: uuid.UUID,
        # None only on a fact a bulk write left without its owner (``fill_missing_facts``
        # fills those in; until then ``verify_organization`` reports them).
        owner_id: uuid.UUID | None,
        project_id: uuid.UUID,
        day: date,
        minutes: int,
    ) -> None:
        """Minutes a person spent on a project. They count in the ledger only on a project
        someone else owned; they always count toward the member's budget burn."""
        if minutes == 0:
            return
        self.member_minutes[(project_id, helper_id)] += minutes
        if helper_id == owner_id:
            return
        pair = self.help[(month_of(day), helper_id, owner_id)]
        pair[0] += minutes
        pair[1] |= 1 << (day.day - 1)
        for grain, bucket in _buckets(day):
            self.activity[(grain, bucket, helper_id)]["minutes_given"] += minutes
            self.activity[(grain, bucket, owner_id)]["minutes_received"] += minutes

    def add_activity(self, *, user_id: uuid.UUID, day: date, **counts: int) -> None:
        for grain, bucket in _buckets(day):
            row = self.activity[(grain, bucket, user_id)]
            for name, value in counts.items():
                row[name] += value

    def add_session(self, *, day: date, mixed: bool, sign: int = 1) -> None:
        row = self.sessions[day]
        row["sessions_completed"] += sign
        row["mixed_sessions"] += sign if mixed else 0

    def _rows(self) -> tuple[list[dict[str, Any]], ...]:
        """The deltas as rows of each table, keys sorted (one lock order for every writer)."""
        org = self.organization_id
        help_rows = [
            {
                "organization_id": org,
                "month": month,
                "helper_id": helper,
                "owner_id": owner,
                "minutes": minutes,
                "days_mask": mask,
            }
            for (month, helper, owner), (minutes, mask) in sorted(
                self.help.items(), key=lambda item: _sort_key(item[0])
            )
            if minutes
        ]
        activity_rows = [
            {"organization_id": org, "grain": grain, "bucket": bucket, "user_id": user, **counts}
            for (grain, bucket, user), counts in sorted(
                self.activity.items(), key=lambda item: _sort_key(item[0])
            )
            if any(counts.values())
        ]
        session_rows = [
            {"organization_id": org, "day": day, **counts}
            for day, counts in sorted(self.sessions.items())
            if any(counts.values())
        ]
        burn = [
            {"member_project": project_id, "member_user": user_id, "minutes": minutes}
            for (project_id, user_id), minutes in sorted(
                self.member_minutes.items(), key=lambda item: _sort_key(item[0])
            )
        ]
        return help_rows, activity_rows, session_rows, burn

    def _clear(self) -> None:
        self.help.clear()
        self.activity.clear()
        self.sessions.clear()
        self.member_minutes.clear()

    async def apply(self, session: AsyncSession) -> None:
        """Add every delta in one statement per table (keys sorted: one lock order)."""
        help_rows, activity_rows, session_rows, burn = self._rows()
        await _add(session, HelpRollup, help_rows, ("minutes",), masks=("days_mask",))
        await _add(session, ActivityRollup, activity_rows, ACTIVITY_FIELDS)
        await _add(session, SessionRollup, session_rows, SESSION_FIELDS)
        if burn:
            await session.execute(_ADD_BURN, burn)
        self._clear()

    def prepared(self, dialect: str) -> tuple[tuple[UpdateBase, ...], dict[str, Any]]:
        """The same deltas as ``apply``, for one change's few rows, as statements built once
        (one per row, with bind parameters) and this batch's values for them: sent along
        with the change's other writes in one round trip (``events.Writes``). Same
        statements, same key order as ``apply``."""
        help_rows, activity_rows, session_rows, burn = self._rows()
        statements: list[UpdateBase] = []
        params: dict[str, Any] = {}
        for model, rows, counters, masks in (
            (HelpRollup, help_rows, ("minutes",), ("days_mask",)),
            (ActivityRollup, activity_rows, ACTIVITY_FIELDS, ()),
            (SessionRollup, session_rows, SESSION_FIELDS, ()),
        ):
            table = table_of(model)
            for number, row in enumerate(rows):
                statements.append(_prepared_upsert(dialect, table, counters, masks, number))
                params.update({f"{table.name}_{number}_{k}": v for k, v in row.items()})
        for number, row in enumerate(burn):
            statements.append(_prepared_burn(number))
            params.update({f"burn_{number}_{k}": v for k, v in row.items()})
        self._clear()
        return tuple(statements), params


def _sort_key(key: object) -> tuple:
    return tuple(str(part) for part in key) if isinstance(key, tuple) else (str(key),)


_MEMBER = table_of(ProjectMember)
_ADD_BURN = (
    sa.update(_MEMBER)
    .where(
        _MEMBER.c.project_id == sa.bindparam("member_project"),
        _MEMBER.c.user_id == sa.bindparam("member_user"),
    )
    .values(minutes_used=_MEMBER.c.minutes_used + sa.bindparam("minutes"))
)
_UPSERTS: dict[tuple[str, str], postgresql.Insert | sqlite.Insert] = {}


def _upsert(
    dialect: str, table: sa.Table, counters: tuple[str, ...], masks: tuple[str, ...]
) -> postgresql.Insert | sqlite.Insert:
    """``INSERT … ON CONFLICT (key) DO UPDATE`` adding the counters and OR-ing the masks,
    built once per table: executed with a list of rows it compiles once and runs as
    batched VALUES, instead of compiling a new statement for every write."""
    cached = _UPSERTS.get((dialect, table.name))
    if cached is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(table)
        cached = statement.on_conflict_do_update(
            index_elements=[column.name for column in table.primary_key.columns],
            set_={
                **{name: table.c[name] + statement.excluded[name] for name in counters},
                **{name: table.c[name].op("|")(statement.excluded[name]) for name in masks},
            },
        )
        _UPSERTS[(dialect, table.name)] = cached
    return cached


_PREPARED: dict[tuple[str, str, int], UpdateBase] = {}


def _prepared_upsert(
    dialect: str, table: sa.Table, counters: tuple[str, ...], masks: tuple[str, ...], number: int
) -> UpdateBase:
    """``_upsert`` for one row, its values bind parameters named ``<table>_<number>_<column>``
    (never a column's own name: SQLAlchemy would take such a key for a column to set):
    built once, so neither its compilation nor its cache key is paid again per write."""
    key = (dialect, table.name, number)
    cached = _PREPARED.get(key)
    if cached is None:
        names = ["organization_id", *(c.name for c in table.primary_key.columns), *counters, *masks]
        values = {
            name: sa.bindparam(f"{table.name}_{number}_{name}", type_=table.c[name].type)
            for name in dict.fromkeys(names)
        }
        cached = _PREPARED[key] = _upsert(dialect, table, counters, masks).values(values)
    return cached


def _prepared_burn(number: int) -> UpdateBase:
    key = ("any", "burn", number)
    cached = _PREPARED.get(key)
    if cached is None:
        cached = _PREPARED[key] = (
            sa.update(_MEMBER)
            .where(
                _MEMBER.c.project_id == sa.bindparam(f"burn_{number}_member_project"),
                _MEMBER.c.user_id == sa.bindparam(f"burn_{number}_member_user"),
            )
            .values(minutes_used=_MEMBER.c.minutes_used + sa.bindparam(f"burn_{number}_minutes"))
        )
    return cached


async def _add(
    session: AsyncSession,
    table: type[SQLModel],
    rows: list[dict[str, Any]],
    counters: Iterable[str],
    masks: Iterable[str] = (),
) -> None:
    """Insert the rows, or add their counters to (and OR their masks into) existing ones."""
    if not rows:
        return
    statement = _upsert(dialect_name(session), table_of(table), tuple(counters), tuple(masks))
    for start in range(0, len(rows), WRITE_CHUNK):
        await session.execute(statement, rows[start : start + WRITE_CHUNK])


# --- recomputation from the facts ------------------------------------------------------------


@dataclass
class Expected:
    """The rollup rows and member minutes the facts imply, keyed like the tables."""

    help: dict[tuple, list[int]]
    activity: dict[tuple, dict[str, int]]
    sessions: dict[date, dict[str, int]]
    member_minutes: dict[tuple[uuid.UUID, uuid.UUID], int]
    facts: int


STREAM_ROWS = 5_000
# Told how many facts were read so far (the CLI's progress bar).
Progress = Callable[[int], object]


async def expected_rollups(
    session: AsyncSession,
    organization_id: uuid.UUID,
    zone: ZoneInfo,
    progress: Progress | None = None,
) -> Expected:
    """Recompute every rollup of one organization from its facts, streaming them.

    ``progress(n)`` is called with the number of facts read so far (for a progress bar).
    """
    batch = RollupBatch(organization_id)
    read = 0

    def tick(count: int) -> None:
        nonlocal read
        read += count
        if progress is not None:
            progress(read)

    attendance = (
        select(
            col(SessionParticipant.user_id),
            col(SessionParticipant.project_owner_id),
            col(SessionParticipant.attended_minutes),
            col(MastermindSession.project_id),
            col(MastermindSession.completed_at),
        )
        .join(MastermindSession, col(MastermindSession.id) == SessionParticipant.session_id)
        .where(
            col(MastermindSession.organization_id) == organization_id,
            col(MastermindSession.status) == SessionStatus.completed,
            col(SessionParticipant.attended_minutes) > 0,
        )
        .execution_options(yield_per=STREAM_ROWS)
    )
    async for rows in (await session.stream(attendance)).partitions():
        for user_id, owner_id, minutes, project_id, completed_at in rows:
            # A completed session has its time; the WHERE keeps attendees with minutes.
            assert minutes is not None and completed_at is not None
            day = local_day(completed_at, zone)
            batch.add_help(
                helper_id=user_id,
                owner_id=owner_id,
                project_id=project_id,
                day=day,
                minutes=minutes,
            )
            batch.add_activity(user_id=user_id, day=day, sessions_attended=1)
        tick(len(rows))

    entries = (
        select(
            col(TimeEntry.user_id),
            col(TimeEntry.project_owner_id),
            col(TimeEntry.minutes),
            col(TimeEntry.project_id),
            col(TimeEntry.spent_on),
        )
        .where(col(TimeEntry.organization_id) == organization_id)
        .execution_options(yield_per=STREAM_ROWS)
    )
    async for entry_rows in (await session.stream(entries)).partitions():
        for user_id, owner_id, minutes, project_id, spent_on in entry_rows:
            batch.add_help(
                helper_id=user_id,
                owner_id=owner_id,
                project_id=project_id,
                day=spent_on,
                minutes=minutes,
            )
        tick(len(entry_rows))

    contributions = (
        select(col(Contribution.author_id), col(Contribution.created_at), col(Contribution.status))
        .join(MastermindSession, col(MastermindSession.id) == Contribution.session_id)
        .where(
            col(Contribution.organization_id) == organization_id,
            col(MastermindSession.status) != SessionStatus.cancelled,
            # An anonymous mastermind's cards count once it completes (sessions.ledger_waits).
            ~and_(
                col(MastermindSession.format) == SessionFormat.mastermind,
                col(MastermindSession.anonymity) == Anonymity.until_complete,
                col(MastermindSession.status) != SessionStatus.completed,
            ),
        )
        .execution_options(yield_per=STREAM_ROWS)
    )
    async for contribution_rows in (await session.stream(contributions)).partitions():
        for author_id, created_at, status in contribution_rows:
            batch.add_activity(
                user_id=author_id,
                day=local_day(created_at, zone),
                contributions_count=1,
                ideas_adopted=int(status == ContributionStatus.adopted),
            )
        tick(len(contribution_rows))

    completed = select(
        col(MastermindSession.completed_at), col(MastermindSession.mixed_seniority)
    ).where(
        col(MastermindSession.organization_id) == organization_id,
        col(MastermindSession.status) == SessionStatus.completed,
    )
    for completed_at, mixed in await session.execute(completed):
        assert completed_at is not None  # set as the session completes
        batch.add_session(day=local_day(completed_at, zone), mixed=bool(mixed))

    # Burn is kept on member rows; minutes of someone who attended without being a member
    # count in the ledger but have no budget to burn.
    members = {
        (project_id, user_id)
        for project_id, user_id in await session.execute(
            select(col(ProjectMember.project_id), col(ProjectMember.user_id)).where(
                col(ProjectMember.organization_id) == organization_id
            )
        )
    }
    return Expected(
        help={k: list(v) for k, v in batch.help.items() if v[0]},
        activity={k: dict(v) for k, v in batch.activity.items() if any(v.values())},
        sessions={k: dict(v) for k, v in batch.sessions.items() if any(v.values())},
        member_minutes={k: v for k, v in batch.member_minutes.items() if v and k in members},
        facts=read,
    )


async def stored_rollups(session: AsyncSession, organization_id: uuid.UUID) -> Expected:
    """The rollup rows as they are stored now, in the shape of ``expected_rollups``."""
    help_rows = await session.execute(
        select(
            col(HelpRollup.month),
            col(HelpRollup.helper_id),
            col(HelpRollup.owner_id),
            col(HelpRollup.minutes),
            col(HelpRollup.days_mask),
        ).where(col(HelpRollup.organization_id) == organization_id, col(HelpRollup.minutes) != 0)
    )
    activity_rows = await session.execute(
        select(
            col(ActivityRollup.grain),
            col(ActivityRollup.bucket),
            col(ActivityRollup.user_id),
            *(getattr(ActivityRollup, name) for name in ACTIVITY_FIELDS),
        ).where(col(ActivityRollup.organization_id) == organization_id)
    )
    session_rows = await session.execute(
        select(
            col(SessionRollup.day), *(getattr(SessionRollup, name) for name in SESSION_FIELDS)
        ).where(col(SessionRollup.organization_id) == organization_id)
    )
    members = await session.execute(
        select(
            col(ProjectMember.project_id),
            col(ProjectMember.user_id),
            col(ProjectMember.minutes_used),
        ).where(
            col(ProjectMember.organization_id) == organization_id,
            col(ProjectMember.minutes_used) != 0,
        )
    )
    activity = {}
    for grain, bucket, user_id, *counts in activity_rows:
        if any(counts):
            activity[(Grain(grain), bucket, user_id)] = dict(
                zip(ACTIVITY_FIELDS, counts, strict=True)
            )
    return Expected(
        help={
            (month, helper, owner): [minutes, mask]
            for month, helper, owner, minutes, mask in help_rows
        },
        activity=activity,
        sessions={
            day: dict(zip(SESSION_FIELDS, counts, strict=True))
            for day, *counts in session_rows
            if any(counts)
        },
        member_minutes={(p, u): m for p, u, m in members},
        facts=0,
    )


def differences(expected: Expected, stored: Expected) -> list[str]:
    """Human-readable lines for every rollup row that differs from the recomputation."""
    lines: list[str] = []
    for name in ("help", "activity", "sessions", "member_minutes"):
        want, have = getattr(expected, name), getattr(stored, name)
        for key in sorted(want.keys() | have.keys(), key=_sort_key):
            if want.get(key) != have.get(key):
                lines.append(f"{name} {key}: facts say {want.get(key)}, rollup has {have.get(key)}")
    return lines


async def rebuild(session: AsyncSession, organization_id: uuid.UUID, expected: Expected) -> None:
    """Replace one organization's rollups with a recomputation (in the caller's transaction)."""
    for table in (HelpRollup, ActivityRollup, SessionRollup):
        await session.execute(sa.delete(table).where(col(table.organization_id) == organization_id))
    await session.execute(
        sa.update(ProjectMember)
        .where(col(ProjectMember.organization_id) == organization_id)
        .values(minutes_used=0)
    )
    batch = RollupBatch(organization_id)
    batch.help.update({key: list(value) for key, value in expected.help.items()})
    for key, counts in expected.activity.items():
        batch.activity[key].update(counts)
    for day, counts in expected.sessions.items():
        batch.sessions[day].update(counts)
    batch.member_minutes.update(expected.member_minutes)
    await batch.apply(session)


async def fill_missing_facts(session: AsyncSession, organization_id: uuid.UUID) -> None:
    """Facts written in bulk (the demo, benchmark seeds) may lack what the services record
    at write time: the project owner then, and the learning-mix flag. Take the current
    owner and the current seniorities, the best there is."""
    owner = (
        select(col(Project.owner_id))
        .where(col(Project.id) == TimeEntry.project_id)
        .scalar_subquery()
    )
    await session.execute(
        sa.update(TimeEntry)
        .where(
            col(TimeEntry.organization_id) == organization_id,
            col(TimeEntry.project_owner_id).is_(None),
        )
        .values(project_owner_id=owner)
    )
    session_owner = (
        select(col(Project.owner_id))
        .join(MastermindSession, col(MastermindSession.project_id) == Project.id)
        .where(col(MastermindSession.id) == SessionParticipant.session_id)
        .scalar_subquery()
    )
    await session.execute(
        sa.update(SessionParticipant)
        .where(
            col(SessionParticipant.organization_id) == organization_id,
            col(SessionParticipant.project_owner_id).is_(None),
            col(SessionParticipant.attended_minutes).is_not(None),
        )
        .values(project_owner_id=session_owner)
    )

    def attended_by(level: Seniority) -> Exists:
        return (
            select(col(SessionParticipant.session_id))
            .join(User, col(User.id) == SessionParticipant.user_id)
            .where(
                col(SessionParticipant.session_id) == MastermindSession.id,
                col(SessionParticipant.attended_minutes) > 0,
                col(User.seniority) == level,
            )
            .exists()
        )

    await session.execute(
        sa.update(MastermindSession)
        .where(
            col(MastermindSession.organization_id) == organization_id,
            col(MastermindSession.status) == SessionStatus.completed,
            col(MastermindSession.mixed_seniority).is_(None),
        )
        .values(mixed_seniority=and_(attended_by(Seniority.junior), attended_by(Seniority.senior)))
    )


async def refresh_organization(
    session: AsyncSession, organization_id: uuid.UUID, progress: Progress | None = None
) -> Expected:
    """Fill what bulk writes left out, then rebuild the rollups from the facts."""
    forget_calendar(organization_id)  # a rebuild is what follows a change of time zone
    await fill_missing_facts(session, organization_id)
    zone = await organization_zone(session, organization_id)
    expected = await expected_rollups(session, organization_id, zone, progress)
    await rebuild(session, organization_id, expected)
    return expected


async def verify_organization(
    session: AsyncSession, organization_id: uuid.UUID, progress: Progress | None = None
) -> list[str]:
    """Differences between the stored rollups and a recomputation from the facts."""
    zone = await organization_zone(session, organization_id)
    expected = await expected_rollups(session, organization_id, zone, progress)
    return differences(expected, await stored_rollups(session, organization_id))
