"""Live session events: written with the change that caused them, then fanned out.

Every event is stored (``session_event``) with a per-session number taken under the
session row's lock, so numbers are gap-free and commit in order; a browser reconnecting
with ``Last-Event-ID`` gets exactly what it missed. Fan-out after commit:

- PostgreSQL: ``pg_notify`` inside the transaction (delivered only if it commits) and one
  ``LISTEN`` connection per API process, so every replica sees every event;
- SQLite (single process): an ``after_commit`` hook hands events to the in-process hub.

The LISTEN connection also carries user-row change notices to ``api.user_cache``, and each
person's own channel: their new in-app notifications (``publish_to_person``), fanned out the
same way to the streams they hold open (``LiveHub.person_stream``).

A stream may carry a ``StreamWatch``: every few seconds it asks whether the reader may
still listen (and ends the stream when not, or when their token expires), and it keeps the
reader's presence in the room (api/services/presence.py) with heartbeats.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import signal
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, TypeVar

import orjson
from sqlalchemy import JSON, Text, bindparam, cast, func, insert, select, text, update
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session as SyncSession
from sqlalchemy.orm import SessionTransaction
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.dml import UpdateBase
from sqlmodel import col

from api.db import dialect_name
from api.models import MastermindSession, SessionEvent, utcnow
from api.models.base import table_of
from api.services.rollup import ZONE_CHANNEL as ORGANIZATION_CHANNEL
from api.services.rollup import forget_calendar
from api.user_cache import CHANNEL as USER_CHANNEL
from api.user_cache import ActiveUserCache

logger = logging.getLogger("api.events")

CHANNEL = "mastermind_session_events"
PERSON_CHANNEL = "mastermind_person_events"
# NOTIFY payloads must stay under 8000 bytes; bigger events travel as a reference.
MAX_NOTIFY_BYTES = 7000
HEARTBEAT_SECONDS = 15.0
QUEUE_LIMIT = 1000
PENDING_KEY = "pending_live_events"
HUB_KEY = "live_hub"


@dataclass(frozen=True, slots=True)
class LiveEvent:
    session_id: uuid.UUID
    seq: int
    type: str
    payload: dict[str, Any]

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "session_id": str(self.session_id),
                "seq": self.seq,
                "type": self.type,
                "payload": self.payload,
            }
        )

    def to_sse(self) -> bytes:
        data = orjson.dumps(self.payload)
        return f"id: {self.seq}\nevent: {self.type}\ndata: ".encode() + data + b"\n\n"


@dataclass(frozen=True, slots=True)
class PersonEvent:
    """One event on a person's own channel. ``event_id`` (a notification's id) is what a
    reconnecting reader resumes after; events without one (read marks) are not replayed."""

    user_id: uuid.UUID
    type: str
    payload: dict[str, Any]
    event_id: str | None = None

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "user_id": str(self.user_id),
                "type": self.type,
                "payload": self.payload,
                "event_id": self.event_id,
            }
        )

    def to_sse(self) -> bytes:
        data = orjson.dumps(self.payload)
        head = f"id: {self.event_id}\n" if self.event_id else ""
        return f"{head}event: {self.type}\ndata: ".encode() + data + b"\n\n"


def _hand_over(session: AsyncSession, live: LiveEvent | PersonEvent) -> None:
    # Remember the innermost SAVEPOINT too: rolling that back must drop the event.
    savepoint = session.sync_session.get_nested_transaction()
    session.sync_session.info.setdefault(PENDING_KEY, []).append((savepoint, live))


async def publish_to_person(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    type: str,
    payload: dict[str, Any],
    event_id: str | None = None,
) -> None:
    """An event for one person's streams, delivered once the current transaction commits
    (nothing is stored for it here: the notification row it announces is the record)."""
    payload = orjson.loads(orjson.dumps(payload, default=str))
    live = PersonEvent(user_id=user_id, type=type, payload=payload, event_id=event_id)
    if dialect_name(session) != "postgresql":
        _hand_over(session, live)
        return
    message = live.to_json()
    if len(message) > MAX_NOTIFY_BYTES:
        # Too big for NOTIFY: the event says only which notification is new; the reader
        # reads it with GET /notifications (the SPA refetches on every event anyway).
        message = orjson.dumps(
            {
                "user_id": str(user_id),
                "type": type,
                "payload": {"id": event_id},
                "event_id": event_id,
            }
        )
    await session.execute(
        text("SELECT pg_notify(:channel, :message)"),
        {"channel": PERSON_CHANNEL, "message": message.decode()},
    )


_SESSION = table_of(MastermindSession)
_EVENT = table_of(SessionEvent)


@dataclass(frozen=True, slots=True)
class Writes:
    """A change's own writes, sent with its event (``publish``): INSERT/UPDATE statements
    built once with named bind parameters (none named like a column, prefixed per
    statement) and this change's values for all of them."""

    statements: tuple[UpdateBase, ...]
    params: dict[str, Any]


NO_WRITES = Writes((), {})


def _next_seq() -> Any:
    # An event is not an edit of the session: keep updated_at (and so its ETag and its
    # place in the outcomes feed) unchanged.
    return (
        update(_SESSION)
        .where(_SESSION.c.id == bindparam("event_session_id", type_=_SESSION.c.id.type))
        .values(event_seq=_SESSION.c.event_seq + 1, updated_at=_SESSION.c.updated_at)
        .returning(_SESSION.c.event_seq)
    )


def _event_values(seq: Any, *, postgres: bool = True) -> list[Any]:
    payload = bindparam("event_payload", type_=Text())
    return [
        bindparam("event_session_id", type_=_EVENT.c.session_id.type),
        seq,
        bindparam("event_organization_id", type_=_EVENT.c.organization_id.type),
        bindparam("event_type", type_=_EVENT.c.type.type),
        # The serialized text as it is: PostgreSQL parses it into the json column; SQLite
        # stores JSON as that text (a CAST there would make it a number).
        cast(payload, JSON()) if postgres else payload,
        bindparam("event_created_at", type_=_EVENT.c.created_at.type),
    ]


_EVENT_COLUMNS = ["session_id", "seq", "organization_id", "type", "payload", "created_at"]
# PostgreSQL: one statement per set of writes, built the first time it is used.
_COMBINED: dict[tuple[UpdateBase, ...], Any] = {}
# SQLite: the number, then the event.
_SQLITE_NEXT = _next_seq()
_SQLITE_EVENT = insert(_EVENT).values(
    dict(zip(_EVENT_COLUMNS, _event_values(bindparam("event_seq"), postgres=False), strict=True))
)


def _combined(statements: tuple[UpdateBase, ...]) -> Any:
    """The writes, the next number taken under the session row's lock, the stored event
    and its NOTIFY, as one statement of data-modifying CTEs. The notice is the event itself
    ({"session_id", "seq", "type", "payload"}) with its number filled in by PostgreSQL."""
    cached = _COMBINED.get(statements)
    if cached is None:
        next_seq = _next_seq().cte("next_seq")
        stored = (
            insert(_EVENT)
            .from_select(_EVENT_COLUMNS, select(*_event_values(next_seq.c.event_seq)))
            .returning(_EVENT.c.seq)
            .cte("stored_event")
        )
        message = (
            bindparam("notify_head", type_=Text())
            + cast(stored.c.seq, Text())
            + bindparam("notify_tail", type_=Text())
        )
        cached = select(stored.c.seq, func.pg_notify(bindparam("notify_channel"), message))
        for number, write in enumerate(statements):
            cached = cached.add_cte(write.cte(f"write_{number}"))
        _COMBINED[statements] = cached
    return cached


async def publish(
    session: AsyncSession,
    *,
    session_id: uuid.UUID,
    organization_id: uuid.UUID,
    type: str,
    payload: dict[str, Any],
    along: Writes = NO_WRITES,
) -> LiveEvent:
    """Record an event in the current transaction; listeners get it once it commits.

    The event's number is the session row's counter plus one, taken under that row's lock
    (gap-free, in commit order). ``along``: the change's own writes, sent with the event:
    on PostgreSQL the whole change is one statement (built once per set of writes), on
    SQLite they run one by one before it. The payload is serialized once, for the stored
    row and the notice alike."""
    data = orjson.dumps(payload, default=str).decode()
    ready = orjson.loads(data)  # what readers get: JSON values only
    params = {
        **along.params,
        "event_session_id": session_id,
        "event_organization_id": organization_id,
        "event_type": type,
        "event_payload": data,
        "event_created_at": utcnow(),
    }
    if dialect_name(session) == "postgresql":
        head = f'{{"session_id":"{session_id}","seq":'
        tail = f',"type":{orjson.dumps(type).decode()},"payload":{data}}}'
        if len(head) + len(tail) + 20 > MAX_NOTIFY_BYTES:
            tail = ',"ref":true}'  # too big for NOTIFY: listeners read the stored row
        params.update(notify_channel=CHANNEL, notify_head=head, notify_tail=tail)
        result = await session.execute(_combined(along.statements), params)
        return LiveEvent(session_id=session_id, seq=result.scalar_one(), type=type, payload=ready)
    for write in along.statements:
        await session.execute(write, params)
    # Events are published for a session the request has found: there is a row.
    seq = (await session.execute(_SQLITE_NEXT, params)).scalar_one()
    await session.execute(_SQLITE_EVENT, {**params, "event_seq": seq})
    live = LiveEvent(session_id=session_id, seq=seq, type=type, payload=ready)
    _hand_over(session, live)
    return live


class Presence(Protocol):
    """A reader's presence in the room, kept while their stream runs."""

    async def open(self) -> None: ...
    async def heartbeat(self) -> None: ...
    async def close(self) -> None: ...


@dataclass
class StreamWatch:
    """What a live stream checks while it runs, besides delivering events.

    ``still_allowed`` runs every ``check_seconds`` (False ends the stream: the reader lost
    access); the stream also ends at ``expires_at`` (the access token's expiry, to the
    second: the client reconnects with a fresh one). ``presence`` is opened with the stream,
    beats every ``heartbeat_seconds`` and is closed however the stream ends.
    """

    still_allowed: Callable[[], Awaitable[bool]]
    check_seconds: float
    expires_at: datetime | None = None
    presence: Presence | None = None
    heartbeat_seconds: float = HEARTBEAT_SECONDS
    _next_check: float = field(default=0.0, init=False)
    _next_heartbeat: float = field(default=0.0, init=False)

    async def __aenter__(self) -> StreamWatch:
        now = time.monotonic()
        self._next_check = now + self.check_seconds
        self._next_heartbeat = now + self.heartbeat_seconds
        if self.presence is not None:
            await self.presence.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.presence is not None:
            await self.presence.close()

    def seconds_to_next(self) -> float:
        """How long the stream may wait before ``tick`` has something to do."""
        due = min(self._next_check, self._next_heartbeat)
        wait = due - time.monotonic()
        if self.expires_at is not None:
            wait = min(wait, self.expires_at.timestamp() - time.time())
        return max(wait, 0.0)

    async def tick(self) -> bool:
        """Run what is due; False when the stream must end."""
        if self.expires_at is not None and time.time() >= self.expires_at.timestamp():
            return False
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + self.check_seconds
            try:
                if not await self.still_allowed():
                    return False
            except Exception as exc:
                # The database is away: the stream stays (no event can be written meanwhile
                # either) and the next check decides; the token's expiry still ends it.
                logger.warning("live stream access check failed: %s", type(exc).__name__)
        if self.presence is not None and now >= self._next_heartbeat:
            self._next_heartbeat = now + self.heartbeat_seconds
            await self.presence.heartbeat()
        return True


_Item = TypeVar("_Item", "LiveEvent", "PersonEvent")


class _Pace(enum.Enum):
    """A stream's beats besides its events (``LiveHub._paced``)."""

    start = "start"
    keep_alive = "keep-alive"


_START = _Pace.start
_KEEP_ALIVE = _Pace.keep_alive


class _NoWatch:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *_exc: object) -> None:
        return None


def _offer(queue: asyncio.Queue[Any], live: LiveEvent | PersonEvent) -> None:
    try:
        queue.put_nowait(live)
    except asyncio.QueueFull:
        # A slow reader fell behind: drop its backlog and let it replay from the store.
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(None)


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


# These events also fire for SAVEPOINTs (begin_nested): releasing one is no commit, and
# rolling one back drops only what was published inside it.
@sa_event.listens_for(SyncSession, "after_commit")
def _deliver_in_process(sync_session: SyncSession) -> None:
    if sync_session.get_nested_transaction() is not None:
        return  # a SAVEPOINT released: the outer transaction may still roll back
    pending = sync_session.info.pop(PENDING_KEY, None)
    hub: LiveHub | None = sync_session.info.get(HUB_KEY)
    if pending and hub is not None:
        for _savepoint, live in pending:
            if isinstance(live, PersonEvent):
                hub.dispatch_to_person(live)
            else:
                hub.dispatch(live)


@sa_event.listens_for(SyncSession, "after_rollback")
def _drop_pending(sync_session: SyncSession) -> None:
    savepoint = sync_session.get_nested_transaction()
    if savepoint is None:
        sync_session.info.pop(PENDING_KEY, None)
        return
    pending = sync_session.info.get(PENDING_KEY)
    if pending:
        pending[:] = [entry for entry in pending if not _within(entry[0], savepoint)]


async def events_since(
    sessionmaker: async_sessionmaker[AsyncSession], session_id: uuid.UUID, after_seq: int
) -> list[LiveEvent]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(SessionEvent)
            .where(col(SessionEvent.session_id) == session_id, col(SessionEvent.seq) > after_seq)
            .order_by(col(SessionEvent.seq))
        )
        return [LiveEvent(row.session_id, row.seq, row.type, row.payload) for row in rows]


class LiveHub:
    """This process's subscribers, by session; fed by LISTEN (PostgreSQL) or after_commit."""

    def __init__(
        self,
        engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession],
        user_cache: ActiveUserCache | None = None,
    ) -> None:
        self._engine = engine
        self._listen_engine: AsyncEngine | None = None
        self._sessionmaker = sessionmaker
        # The same LISTEN connection carries user-row change notices to this cache.
        self._user_cache = user_cache
        self._subscribers: dict[uuid.UUID, set[asyncio.Queue[LiveEvent | None]]] = defaultdict(set)
        # Each person's own streams (the SPA's notification stream), by user id.
        self._person_subscribers: dict[uuid.UUID, set[asyncio.Queue[PersonEvent | None]]] = (
            defaultdict(set)
        )
        self._listener_task: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._connection_lost = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def uses_postgres(self) -> bool:
        return self._engine.dialect.name == "postgresql"

    @property
    def listener_count(self) -> int:
        return sum(len(queues) for queues in self._subscribers.values()) + sum(
            len(queues) for queues in self._person_subscribers.values()
        )

    def dispatch(self, live: LiveEvent) -> None:
        for queue in list(self._subscribers.get(live.session_id, ())):
            _offer(queue, live)

    def dispatch_to_person(self, live: PersonEvent) -> None:
        for queue in list(self._person_subscribers.get(live.user_id, ())):
            _offer(queue, live)

    def _on_person_notification(self, message: str) -> None:
        data = orjson.loads(message)
        self.dispatch_to_person(
            PersonEvent(
                user_id=uuid.UUID(data["user_id"]),
                type=data["type"],
                payload=data["payload"],
                event_id=data.get("event_id"),
            )
        )

    def _on_notification(self, message: str) -> None:
        data = orjson.loads(message)
        session_id = uuid.UUID(data["session_id"])
        if data.get("ref"):
            # Too big for NOTIFY: fetch it from the store.
            task = asyncio.get_running_loop().create_task(
                self._dispatch_stored(session_id, data["seq"])
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        self.dispatch(LiveEvent(session_id, data["seq"], data["type"], data["payload"]))

    async def _dispatch_stored(self, session_id: uuid.UUID, seq: int) -> None:
        for live in await events_since(self._sessionmaker, session_id, seq - 1):
            if live.seq == seq:
                self.dispatch(live)

    async def _listen_forever(self) -> None:
        """Hold one LISTEN connection; reconnect after a database restart.

        The connection is the process's own, outside the request pool (an engine without a
        pool): it never takes a request's place, and when it dies it is simply closed,
        never handed back to the pool for a request to fail on."""
        if self._listen_engine is None:
            self._listen_engine = create_async_engine(
                self._engine.url,
                poolclass=NullPool,
                connect_args={"timeout": 5},
                hide_parameters=True,  # like the request engine (api/db.py)
            )
        while not self._closed:
            try:
                async with self._listen_engine.connect() as connection:
                    raw = await connection.get_raw_connection()
                    driver = raw.driver_connection
                    assert driver is not None  # the asyncpg connection of an open connection
                    self._connection_lost.clear()

                    def on_notify(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
                        self._on_notification(payload)

                    def on_person_notify(
                        _conn: Any, _pid: int, _channel: str, payload: str
                    ) -> None:
                        self._on_person_notification(payload)

                    def on_user_notice(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
                        if self._user_cache is not None:
                            self._user_cache.on_notice(payload)

                    def on_organization_notice(
                        _conn: Any, _pid: int, _channel: str, payload: str
                    ) -> None:
                        # A new time zone or fiscal year (services/organizations.py): look it up again.
                        with contextlib.suppress(ValueError):
                            forget_calendar(uuid.UUID(payload))

                    driver.add_termination_listener(lambda _conn: self._connection_lost.set())
                    await driver.add_listener(CHANNEL, on_notify)
                    await driver.add_listener(PERSON_CHANNEL, on_person_notify)
                    await driver.add_listener(USER_CHANNEL, on_user_notice)
                    await driver.add_listener(ORGANIZATION_CHANNEL, on_organization_notice)
                    self._listening.set()
                    if self._user_cache is not None:
                        self._user_cache.set_live(True)
                    try:
                        await self._connection_lost.wait()
                    finally:
                        self._listening.clear()
                        if self._user_cache is not None:
                            self._user_cache.set_live(False)
                        if not driver.is_closed():
                            with contextlib.suppress(Exception):
                                await driver.remove_listener(CHANNEL, on_notify)
                                await driver.remove_listener(PERSON_CHANNEL, on_person_notify)
                                await driver.remove_listener(USER_CHANNEL, on_user_notice)
                                await driver.remove_listener(
                                    ORGANIZATION_CHANNEL, on_organization_notice
                                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("live event listener lost its connection: %s", type(exc).__name__)
            if not self._closed:
                # Wake current subscribers so they replay what they may have missed.
                self._wake_all()
                await asyncio.sleep(1.0)

    def start_listening(self) -> None:
        """Start the LISTEN connection if it is not running (PostgreSQL only); returns at once."""
        if not self.uses_postgres or self._closed:
            return
        if self._listener_task is None or self._listener_task.done():
            self._listener_task = asyncio.create_task(self._listen_forever())

    async def _ensure_listening(self) -> None:
        if not self.uses_postgres:
            return
        self.start_listening()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), timeout=5.0)

    @contextlib.asynccontextmanager
    async def subscription(
        self, session_id: uuid.UUID
    ) -> AsyncIterator[asyncio.Queue[LiveEvent | None]]:
        queue: asyncio.Queue[LiveEvent | None] = asyncio.Queue(maxsize=QUEUE_LIMIT)
        self._subscribers[session_id].add(queue)
        try:
            await self._ensure_listening()
            yield queue
        finally:
            self._subscribers[session_id].discard(queue)
            if not self._subscribers[session_id]:
                self._subscribers.pop(session_id, None)

    async def _paced(
        self,
        queue: asyncio.Queue[_Item | None],
        *,
        watch: StreamWatch | None,
        is_disconnected: Any,
    ) -> AsyncGenerator[_Item | _Pace | None]:
        """What a stream does next, for as long as it may run: ``_START`` first (the stream
        reads its backlog then, already subscribed), then each item of ``queue`` as it comes
        (None: the listener reconnected) and ``_KEEP_ALIVE`` when one is due. Ends when the
        hub closes, the reader is gone (asked at each keep-alive) or ``watch`` says they may
        no longer listen; the watch is checked between events too, so a busy room cannot
        postpone the checks."""
        loop = asyncio.get_running_loop()
        keep_alive_at = loop.time() + HEARTBEAT_SECONDS
        yield _START
        while not self._closed:
            if watch is not None and watch.seconds_to_next() <= 0 and not await watch.tick():
                return
            if loop.time() >= keep_alive_at:
                if await is_disconnected():
                    return
                yield _KEEP_ALIVE
                keep_alive_at = loop.time() + HEARTBEAT_SECONDS
            timeout = keep_alive_at - loop.time()
            if watch is not None:
                timeout = min(timeout, watch.seconds_to_next())
            with contextlib.suppress(TimeoutError):
                yield await asyncio.wait_for(queue.get(), timeout=max(timeout, 0.0))

    async def stream(
        self,
        session_id: uuid.UUID,
        *,
        last_event_id: int,
        is_disconnected: Any,
        watch: StreamWatch | None = None,
        view: Callable[[LiveEvent], LiveEvent | None] | None = None,
    ) -> AsyncIterator[bytes]:
        """The SSE body: replay after ``last_event_id``, then live events and keep-alives,
        for as long as ``watch`` (if any) lets the reader listen. Each event passes through
        ``view`` (this reader's view of it: an event is stored once for the whole room, what
        a reader may see is decided here, where their stream is written; None drops it)."""

        def seen(live: LiveEvent) -> bytes:
            shown = view(live) if view is not None else live
            return shown.to_sse() if shown is not None else b""

        yield b"retry: 3000\n\n"
        sent = last_event_id
        # Subscribed before the presence opens: the reader hears their own arrival too.
        async with self.subscription(session_id) as queue, watch or _NoWatch():
            beats = self._paced(queue, watch=watch, is_disconnected=is_disconnected)
            async with contextlib.aclosing(beats):
                async for live in beats:
                    if live is _KEEP_ALIVE:
                        yield b": keep-alive\n\n"
                    elif isinstance(live, LiveEvent) and live.seq <= sent + 1:
                        if live.seq == sent + 1:
                            yield seen(live)
                            sent = live.seq
                    else:
                        # The start (subscribed first, then the backlog: nothing falls in
                        # between), the listener reconnected (None), or a gap (should not
                        # happen): read what came after the last event sent from the store.
                        for past in await events_since(self._sessionmaker, session_id, sent):
                            yield seen(past)
                            sent = past.seq

    @contextlib.asynccontextmanager
    async def person_subscription(
        self, user_id: uuid.UUID
    ) -> AsyncIterator[asyncio.Queue[PersonEvent | None]]:
        queue: asyncio.Queue[PersonEvent | None] = asyncio.Queue(maxsize=QUEUE_LIMIT)
        self._person_subscribers[user_id].add(queue)
        try:
            await self._ensure_listening()
            yield queue
        finally:
            self._person_subscribers[user_id].discard(queue)
            if not self._person_subscribers[user_id]:
                self._person_subscribers.pop(user_id, None)

    async def person_stream(
        self,
        user_id: uuid.UUID,
        *,
        replay: Callable[[str | None], Awaitable[list[PersonEvent]]],
        last_event_id: str | None,
        is_disconnected: Any,
        watch: StreamWatch | None = None,
    ) -> AsyncIterator[bytes]:
        """A person's own SSE body, run like a session's (``stream``): subscribed first, then
        ``replay(last_event_id)`` reads what was missed from the store, then live events and
        keep-alives while ``watch`` lets the reader listen. An event already sent (a replay
        overlapping the live feed) is not sent twice. After the listener reconnects it
        replays after the last event sent (``replay(None)``: since the stream opened)."""
        yield b"retry: 3000\n\n"
        sent: set[str] = set()
        last = last_event_id
        async with self.person_subscription(user_id) as queue, watch or _NoWatch():
            beats = self._paced(queue, watch=watch, is_disconnected=is_disconnected)
            async with contextlib.aclosing(beats):
                async for live in beats:
                    if live is _KEEP_ALIVE:
                        yield b": keep-alive\n\n"
                    elif (live is _START and last is not None) or live is None:
                        # Missed before this stream, or while the listener reconnected.
                        for past in await replay(last):
                            if past.event_id not in sent:
                                yield past.to_sse()
                                sent.add(past.event_id or "")
                                last = past.event_id
                    elif isinstance(live, PersonEvent):
                        if live.event_id is not None:
                            if live.event_id in sent:
                                continue
                            sent.add(live.event_id)
                            last = live.event_id
                        yield live.to_sse()

    def begin_shutdown(self) -> None:
        """End every stream now (they finish their response cleanly) and stop listening."""
        self._closed = True
        self._connection_lost.set()
        self._wake_all()

    def _wake_all(self) -> None:
        every: list[set[Any]] = [*self._subscribers.values(), *self._person_subscribers.values()]
        for queues in every:
            for queue in queues:
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(None)

    async def close(self) -> None:
        self.begin_shutdown()
        if self._listener_task is not None:
            self._listener_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener_task
        if self._listen_engine is not None:
            await self._listen_engine.dispose()


def close_streams_on_shutdown_signal(hub: LiveHub) -> None:
    """Close live streams as soon as the server is told to stop.

    uvicorn waits for open connections before it runs the lifespan shutdown, and an SSE
    stream never ends by itself: without this, every restart would wait out the graceful
    timeout and then cut the streams. The server's own handler still runs afterwards.
    """
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(signum)
        if not callable(previous):
            continue

        def handler(received: int, frame: Any, previous: Any = previous) -> None:
            loop.call_soon_threadsafe(hub.begin_shutdown)
            previous(received, frame)

        try:
            signal.signal(signum, handler)
        except ValueError:  # not the main thread (an app run inside tests): nothing to do
            return
