"""The scheduled scans of the notifications (DESIGN 7.6): session reminders, overdue action
items and the managers' weekly summary, asked for by the app's worker loop
(api/services/webhook_worker.py) whenever it runs, whether or not SMTP is configured; the
mail rows follow only where mail is (api/services/notifications.py decides).

Each scan runs in its own short transaction, at most every ``SCAN_SECONDS``. Two workers
scanning at once is harmless: every notice they write carries a unique key, in the inbox
and in the outbox alike, so a second writer's row is skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.config import Settings
from api.models import utcnow
from api.observability import safe_exception_text
from api.services import notifications

logger = logging.getLogger("api.notifications")

SCAN_SECONDS = 30.0


class NotificationScans:
    """``run_once()`` each round of the worker loop; it scans when the interval is up."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        scan_seconds: float = SCAN_SECONDS,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self.scan_seconds = scan_seconds
        self.clock = clock
        self._next_scan: datetime | None = None

    async def run_once(self) -> None:
        now = self.clock()
        if self._next_scan is not None and now < self._next_scan:
            return
        self._next_scan = now + timedelta(seconds=self.scan_seconds)
        await self.scan(now)

    async def scan(self, now: datetime) -> None:
        """Every scan once, each in its own transaction: one that fails (logged) does not
        keep the others from running."""
        scans: dict[str, Callable[[AsyncSession], Awaitable[None]]] = {
            "reminders": lambda session: notifications.queue_due_reminders(
                session, now=now, default_reminders=self._settings.reminder_minutes
            ),
            "overdue action items": lambda session: notifications.queue_overdue_action_items(
                session, now=now
            ),
            "weekly summaries": lambda session: notifications.queue_weekly_summaries(
                session, now=now
            ),
        }
        for what, run in scans.items():
            try:
                async with self._sessionmaker() as session, session.begin():
                    await run(session)
            except Exception as exc:  # the database is down, say: the next round tries again
                logger.warning(
                    "notification scan of %s failed",
                    what,
                    extra={"exception": safe_exception_text(exc)},
                )
