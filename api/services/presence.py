"""Presence: who holds a session's live stream open, kept as intervals in the database, and
the minutes it measures (what completion credits when no attendance is given).

Each open stream is one ``presence_interval`` (api/models/presence.py): opened with the
stream, extended by its heartbeats, closed when it ends. A stream that dropped without
closing (its process died) counts until its last heartbeat; whichever stream of the room
next finds it stale closes it there and tells the room. A person's intervals are merged, so
two tabs or two API processes count once, and ``presence.changed`` goes out only when their
first stream opens or their last one ends.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
from sqlalchemy import exc as sa_exc
from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api import events
from api.db import rowcount
from api.models import MastermindSession, PresenceInterval, SessionParticipant, User
from api.schemas.presence import PresenceRead
from api.services.users import by_name

logger = logging.getLogger("api.presence")

Clock = Callable[[], datetime]
# A closing stream's last write waits at most this long (a database that is down must not
# hold a finished response, or a shutdown, for ever).
CLOSE_TIMEOUT_SECONDS = 5.0
_DATABASE_ERRORS = (sa_exc.SQLAlchemyError, OSError, TimeoutError)


# --- measuring: pure functions over loaded intervals ------------------------------------------


@dataclass(frozen=True, slots=True)
class Stay:
    """One stored interval, as measurement reads it."""

    user_id: uuid.UUID
    opened_at: datetime
    seen_at: datetime
    closed_at: datetime | None

    def is_live(self, now: datetime, stale_after: timedelta) -> bool:
        return self.closed_at is None and self.seen_at >= now - stale_after

    def end(self, now: datetime, stale_after: timedelta) -> datetime:
        """Closed: when it closed; still heard from: now; dropped: its last heartbeat."""
        if self.closed_at is not None:
            return self.closed_at
        return now if self.is_live(now, stale_after) else self.seen_at


def held_window(mm_session: MastermindSession, now: datetime) -> tuple[datetime, datetime] | None:
    """From the start to the completion (or cancellation, or now while live); None before
    the session started: time in the room before the start is not time in the session."""
    if mm_session.started_at is None:
        return None
    return mm_session.started_at, mm_session.completed_at or mm_session.cancelled_at or now


def present_seconds(
    stays: Iterable[Stay],
    *,
    window: tuple[datetime, datetime] | None,
    now: datetime,
    stale_after: timedelta,
) -> float:
    """Seconds inside ``window`` covered by one person's stays; overlaps count once."""
    if window is None:
        return 0.0
    start, end = window
    spans = sorted(
        (max(stay.opened_at, start), min(stay.end(now, stale_after), end)) for stay in stays
    )
    total = 0.0
    current: tuple[datetime, datetime] | None = None
    for span_start, span_end in spans:
        if span_end <= span_start:
            continue
        if current is None or span_start > current[1]:
            if current is not None:
                total += (current[1] - current[0]).total_seconds()
            current = (span_start, span_end)
        elif span_end > current[1]:
            current = (current[0], span_end)
    if current is not None:
        total += (current[1] - current[0]).total_seconds()
    return total


def whole_minutes(seconds: float) -> int:
    """To the nearest minute, and at least 1 for any time at all."""
    if seconds <= 0:
        return 0
    return max(1, math.floor(seconds / 60 + 0.5))


def held_minutes(mm_session: MastermindSession, now: datetime) -> int:
    window = held_window(mm_session, now)
    return 0 if window is None else whole_minutes((window[1] - window[0]).total_seconds())


# --- reading ---------------------------------------------------------------------------------


async def _stays(session: AsyncSession, session_id: uuid.UUID) -> dict[uuid.UUID, list[Stay]]:
    rows = await session.execute(
        select(
            col(PresenceInterval.user_id),
            col(PresenceInterval.opened_at),
            col(PresenceInterval.seen_at),
            col(PresenceInterval.closed_at),
        ).where(col(PresenceInterval.session_id) == session_id)
    )
    stays: dict[uuid.UUID, list[Stay]] = defaultdict(list)
    for user_id, opened_at, seen_at, closed_at in rows:
        stays[user_id].append(Stay(user_id, opened_at, seen_at, closed_at))
    return stays


async def measured_minutes(
    session: AsyncSession, mm_session: MastermindSession, *, now: datetime, stale_after: timedelta
) -> dict[uuid.UUID, int]:
    """Whole minutes each person was present during the held session (only those present)."""
    window = held_window(mm_session, now)
    measured = {
        user_id: whole_minutes(
            present_seconds(stays, window=window, now=now, stale_after=stale_after)
        )
        for user_id, stays in (await _stays(session, mm_session.id)).items()
    }
    return {user_id: minutes for user_id, minutes in measured.items() if minutes > 0}


async def present_room(
    session: AsyncSession, mm_session: MastermindSession, *, now: datetime, stale_after: timedelta
) -> list[PresenceRead]:
    """Everyone invited to the session or ever present in it, by name."""
    stays = await _stays(session, mm_session.id)
    invited = (
        await session.scalars(
            select(col(SessionParticipant.user_id)).where(
                col(SessionParticipant.session_id) == mm_session.id
            )
        )
    ).all()
    people = set(invited) | set(stays)
    if not people:
        return []
    names = (
        await session.execute(
            select(col(User.id), col(User.full_name))
            .where(col(User.id).in_(people))
            .order_by(*by_name())
        )
    ).all()
    window = held_window(mm_session, now)
    items = []
    for user_id, full_name in names:
        own = stays.get(user_id, [])
        items.append(
            PresenceRead(
                user_id=user_id,
                full_name=full_name,
                online=any(stay.is_live(now, stale_after) for stay in own),
                joined_at=min((stay.opened_at for stay in own), default=None),
                minutes_present=whole_minutes(
                    present_seconds(own, window=window, now=now, stale_after=stale_after)
                ),
            )
        )
    return items


# --- writing: one stream's interval ------------------------------------------------------------


async def _lock_room(session: AsyncSession, session_id: uuid.UUID) -> None:
    """Joins and leaves of one room, one at a time (on SQLite the write lock does it), so
    two tabs opening together announce the person once."""
    await session.execute(
        select(col(MastermindSession.id))
        .where(col(MastermindSession.id) == session_id)
        .with_for_update()
    )


async def _still_present(
    session: AsyncSession,
    *,
    session_id: uuid.UUID,
    user_id: uuid.UUID,
    now: datetime,
    stale_after: timedelta,
    other_than: uuid.UUID | None = None,
) -> bool:
    condition = [
        col(PresenceInterval.session_id) == session_id,
        col(PresenceInterval.user_id) == user_id,
        col(PresenceInterval.closed_at).is_(None),
        col(PresenceInterval.seen_at) >= now - stale_after,
    ]
    if other_than is not None:
        condition.append(col(PresenceInterval.id) != other_than)
    return bool(await session.scalar(select(exists().where(*condition))))


async def _announce(
    session: AsyncSession,
    *,
    session_id: uuid.UUID,
    organization_id: uuid.UUID,
    user_id: uuid.UUID,
    full_name: str,
    online: bool,
) -> None:
    await events.publish(
        session,
        session_id=session_id,
        organization_id=organization_id,
        type="presence.changed",
        payload={
            "session_id": session_id,
            "user_id": user_id,
            "full_name": full_name,
            "online": online,
        },
    )


class PresenceTracker:
    """The interval of one live stream: ``open`` with the stream, ``heartbeat`` while it
    runs (one UPDATE, plus a look for stale streams of the room), ``close`` when it ends.

    Database errors are logged and skipped, never raised into the stream: a heartbeat
    missed during an outage is made up by the next one (reopening the interval if another
    stream found it stale meanwhile).
    """

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        read_sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        stale_after: timedelta,
        mm_session: MastermindSession,
        user: User,
    ) -> None:
        self._sessionmaker = sessionmaker
        # Autocommit on PostgreSQL: a heartbeat is one round trip, no BEGIN/COMMIT around it.
        self._read_sessionmaker = read_sessionmaker
        self._clock = clock
        self._stale_after = stale_after
        self._session_id = mm_session.id
        self._organization_id = mm_session.organization_id
        self._user_id = user.id
        self._full_name = user.full_name
        self.interval_id: uuid.UUID | None = None

    async def open(self) -> None:
        try:
            async with self._sessionmaker() as session:
                now = self._clock()
                await _lock_room(session, self._session_id)
                joined = not await self._others_present(session, now)
                interval = PresenceInterval(
                    organization_id=self._organization_id,
                    session_id=self._session_id,
                    user_id=self._user_id,
                    opened_at=now,
                    seen_at=now,
                )
                session.add(interval)
                await session.flush()
                if joined:
                    await self._announce(session, online=True)
                await session.commit()
                self.interval_id = interval.id
        except _DATABASE_ERRORS as exc:
            logger.warning("presence not recorded: %s", type(exc).__name__)

    async def heartbeat(self) -> None:
        if self.interval_id is None:
            await self.open()
            return
        try:
            async with self._read_sessionmaker() as session:
                result = await session.execute(
                    update(PresenceInterval)
                    .where(
                        col(PresenceInterval.id) == self.interval_id,
                        col(PresenceInterval.closed_at).is_(None),
                    )
                    .values(seen_at=self._clock())
                    .execution_options(synchronize_session=False)
                )
                await session.commit()
            if rowcount(result) == 0:
                # Found stale and closed by another stream (this one was not heard from for
                # too long): a new interval from now on.
                self.interval_id = None
                await self.open()
            await self.close_stale()
        except _DATABASE_ERRORS as exc:
            logger.warning("presence heartbeat failed: %s", type(exc).__name__)

    async def close(self) -> None:
        """End the interval now; shielded, since it runs while the stream is being cancelled."""
        if self.interval_id is None:
            return
        with anyio.move_on_after(CLOSE_TIMEOUT_SECONDS, shield=True):
            try:
                async with self._sessionmaker() as session:
                    now = self._clock()
                    await _lock_room(session, self._session_id)
                    result = await session.execute(
                        update(PresenceInterval)
                        .where(
                            col(PresenceInterval.id) == self.interval_id,
                            col(PresenceInterval.closed_at).is_(None),
                        )
                        .values(closed_at=now, seen_at=now)
                        .execution_options(synchronize_session=False)
                    )
                    left = rowcount(result) == 1
                    if left and not await self._others_present(session, now):
                        await self._announce(session, online=False)
                    await session.commit()
                self.interval_id = None
            except _DATABASE_ERRORS as exc:
                logger.warning("presence not closed: %s", type(exc).__name__)

    async def close_stale(self) -> None:
        """Close the room's dropped streams at their last heartbeat; announce who left."""
        now = self._clock()
        cutoff = now - self._stale_after
        stale = (
            col(PresenceInterval.session_id) == self._session_id,
            col(PresenceInterval.closed_at).is_(None),
            col(PresenceInterval.seen_at) < cutoff,
        )
        async with self._read_sessionmaker() as session:
            found = await session.scalar(select(exists().where(*stale)))
        if not found:
            return
        async with self._sessionmaker() as session:
            await _lock_room(session, self._session_id)
            rows = (
                await session.execute(
                    select(
                        col(PresenceInterval.id),
                        col(PresenceInterval.user_id),
                        col(User.full_name),
                    )
                    .join(User, col(User.id) == PresenceInterval.user_id)
                    .where(*stale)
                )
            ).all()
            if not rows:
                return  # another stream closed them first
            # Closed where they were last heard of: that is when they count until.
            await session.execute(
                update(PresenceInterval)
                .where(col(PresenceInterval.id).in_([row[0] for row in rows]))
                .values(closed_at=col(PresenceInterval.seen_at))
                .execution_options(synchronize_session=False)
            )
            for user_id, full_name in {(row[1], row[2]) for row in rows}:
                if not await _still_present(
                    session,
                    session_id=self._session_id,
                    user_id=user_id,
                    now=now,
                    stale_after=self._stale_after,
                ):
                    await _announce(
                        session,
                        session_id=self._session_id,
                        organization_id=self._organization_id,
                        user_id=user_id,
                        full_name=full_name,
                        online=False,
                    )
            await session.commit()

    async def _others_present(self, session: AsyncSession, now: datetime) -> bool:
        return await _still_present(
            session,
            session_id=self._session_id,
            user_id=self._user_id,
            now=now,
            stale_after=self._stale_after,
            other_than=self.interval_id,
        )

    async def _announce(self, session: AsyncSession, *, online: bool) -> None:
        await _announce(
            session,
            session_id=self._session_id,
            organization_id=self._organization_id,
            user_id=self._user_id,
            full_name=self._full_name,
            online=online,
        )
