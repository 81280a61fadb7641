"""Waking a queue's workers once the transaction that filled it commits.

The webhook outbox and the mail outbox work the same way: a service writes rows in its
transaction and calls ``wake``; on PostgreSQL that is a ``pg_notify`` (delivered only if the
transaction commits) that each worker hears on a ``LISTEN`` connection of its own; on
SQLite (one process) an ``after_commit`` hook sets the event of every worker in this
process. A rollback, or a SAVEPOINT released inside a transaction that may still roll back,
wakes nobody. One ``WorkerWake`` per queue (api/kit/outbox.py, api/services/mail.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session as SyncSession

from api.db import dialect_name

logger = logging.getLogger("api.wakeup")


class WorkerWake:
    """The wake-up of one queue's workers, by its NOTIFY channel."""

    def __init__(self, channel: str, *, what: str) -> None:
        self.channel = channel
        self.what = what  # for the logs: "webhook", "mail"
        self._key = f"wake:{channel}"
        # Workers running in this process (SQLite): called after a commit that woke them.
        self._wakers: set[Callable[[], None]] = set()
        sa_event.listen(SyncSession, "after_commit", self._after_commit)
        sa_event.listen(SyncSession, "after_rollback", self._after_rollback)

    async def wake(self, session: AsyncSession) -> None:
        """Wake the workers once this transaction commits."""
        if dialect_name(session) == "postgresql":
            await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": self.channel})
        else:
            session.sync_session.info[self._key] = True

    def add_local_waker(
        self, loop: asyncio.AbstractEventLoop, wake_event: asyncio.Event
    ) -> Callable[[], None]:
        """Have commits in this process set ``wake_event``; returns the function that undoes it."""

        def waker() -> None:
            # A commit may run on another thread's loop (a CLI command): hand over safely.
            with contextlib.suppress(RuntimeError):  # the worker's loop is already closed
                loop.call_soon_threadsafe(wake_event.set)

        self._wakers.add(waker)
        return lambda: self._wakers.discard(waker)

    def _after_commit(self, sync_session: SyncSession) -> None:
        if sync_session.get_nested_transaction() is not None:
            return  # a SAVEPOINT released: the outer transaction may still roll back
        if sync_session.info.pop(self._key, False):
            for waker in list(self._wakers):
                waker()

    def _after_rollback(self, sync_session: SyncSession) -> None:
        if sync_session.get_nested_transaction() is None:
            sync_session.info.pop(self._key, None)

    async def listen(
        self, engine: AsyncEngine, wake_event: asyncio.Event, *, stopping: Callable[[], bool]
    ) -> None:
        """PostgreSQL: LISTEN on the channel (other processes' commits) and set
        ``wake_event`` on each notice; reconnect when the connection is lost."""
        while not stopping():
            lost = asyncio.Event()
            try:
                async with engine.connect() as connection:
                    raw = await connection.get_raw_connection()
                    driver = raw.driver_connection
                    assert driver is not None  # the asyncpg connection of an open connection

                    def on_notify(*_args: Any) -> None:
                        wake_event.set()

                    driver.add_termination_listener(lambda _conn, lost=lost: lost.set())
                    await driver.add_listener(self.channel, on_notify)
                    wake_event.set()  # catch up on whatever came while not listening
                    try:
                        await lost.wait()
                    finally:
                        with contextlib.suppress(Exception):
                            await driver.remove_listener(self.channel, on_notify)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("%s listener lost its connection: %s", self.what, type(exc).__name__)
            await asyncio.sleep(1.0)
