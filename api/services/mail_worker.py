"""The mail worker: drains the mail outbox into SMTP, with the webhook worker's claim
discipline (api/services/webhook_worker.py). The reminders and the other notices that come
with time are queued by the webhook worker's loop (api/services/notification_worker.py),
which runs with or without SMTP.

Each round claims a batch of due rows in a short transaction (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so several workers share the queue and no row is handed to two of them), stamps
a lease and commits; the sends run outside any transaction and each result is written back
only while the claim token still matches. A mail server that is down or refuses is a failed
attempt retried on ``SCHEDULE``: nothing is lost, and a row the server accepted is never
sent again by another worker.

Reminders are rows like any other, keyed ``reminder:<session>:<minutes>:<start>:<person>``
under a unique index (in the outbox and in the inbox alike), so however many workers find
the same reminder due only one row exists, and only one mail goes out (overdue notices and
weekly summaries likewise).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from api.config import Settings
from api.db import rowcount
from api.models import MailMessage, MailState, utcnow
from api.observability import safe_exception_text
from api.services import mail

logger = logging.getLogger("api.mail")

# Seconds before attempt 1, 2, ...: at once, 10 s, 1 min, 5 min, 30 min, 2 h, 6 h, 12 h.
SCHEDULE: tuple[float, ...] = (0, 10, 60, 5 * 60, 30 * 60, 2 * 3600, 6 * 3600, 12 * 3600)
JITTER = 0.1
BATCH_SIZE = 10


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    hostname: str
    port: int
    use_tls: bool
    start_tls: bool
    username: str | None
    password: str | None


def smtp_target(settings: Settings) -> SmtpTarget:
    assert settings.smtp_url is not None
    url = urlsplit(settings.smtp_url)
    use_tls = url.scheme == "smtps"
    return SmtpTarget(
        hostname=url.hostname or "localhost",
        port=url.port or (465 if use_tls else 25),
        use_tls=use_tls,
        start_tls=settings.smtp_starttls and not use_tls,
        username=unquote(url.username) if url.username else None,
        password=unquote(url.password) if url.password else None,
    )


def build_message(row: MailMessage, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = formatdate(localtime=False)
    # From the row's id: a retry after a lost answer is recognizably the same mail.
    message["Message-ID"] = make_msgid(idstring=row.id.hex, domain="sales-mastermind")
    message.set_content(row.text_body)
    message.add_alternative(row.html_body, subtype="html")
    if row.ics_body is not None and row.ics_method is not None:
        message.add_attachment(
            row.ics_body.encode(),
            maintype="text",
            subtype="calendar",
            filename="invite.ics",
            params={"method": row.ics_method},
        )
    return message


class MailWorker:
    """One mail loop. ``run()`` until ``stop()``; ``run_once()`` for a single round."""

    def __init__(
        self,
        engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        schedule: tuple[float, ...] = SCHEDULE,
        jitter: float = JITTER,
        batch_size: int = BATCH_SIZE,
        lease_seconds: float | None = None,
        poll_seconds: float | None = None,
        clock: Callable[[], datetime] = utcnow,
        name: str | None = None,
    ) -> None:
        self._engine = engine
        self._sessionmaker = sessionmaker
        self._settings = settings
        self.target = smtp_target(settings)
        self.schedule = schedule
        self.jitter = jitter
        self.batch_size = batch_size
        self.timeout = settings.smtp_timeout_seconds
        self.lease = timedelta(seconds=lease_seconds or self.timeout * 2 + 30)
        self.poll_seconds = poll_seconds or settings.webhook_poll_seconds
        self.clock = clock
        self.name = name or f"mail-{uuid.uuid4().hex[:8]}"
        self.sent = 0  # mails this worker handed to the server (for logs and tests)
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    # --- the queue -------------------------------------------------------------------------

    async def claim(self) -> list[MailMessage]:
        now = self.clock()
        token = uuid.uuid4()
        due = (
            select(col(MailMessage.id))
            .where(
                col(MailMessage.state) == MailState.pending,
                col(MailMessage.next_attempt_at) <= now,
                or_(
                    col(MailMessage.claimed_until).is_(None),
                    col(MailMessage.claimed_until) < now,
                ),
            )
            .order_by(col(MailMessage.next_attempt_at), col(MailMessage.id))
            .limit(self.batch_size)
            .with_for_update(skip_locked=True)
        )
        async with self._sessionmaker() as session, session.begin():
            claimed = await session.execute(
                update(MailMessage)
                .where(col(MailMessage.id).in_(due.scalar_subquery()))
                .values(claimed_until=now + self.lease, claim_token=token)
                .returning(col(MailMessage.id))
            )
            if not claimed.all():
                return []
            rows = await session.scalars(
                select(MailMessage)
                .where(col(MailMessage.claim_token) == token)
                .order_by(col(MailMessage.next_attempt_at), col(MailMessage.id))
            )
            return list(rows)

    async def _send(self, row: MailMessage) -> str | None:
        """None when the server took the mail, else why not (never the credentials)."""
        target = self.target
        try:
            await aiosmtplib.send(
                build_message(row, self._settings.smtp_from),
                hostname=target.hostname,
                port=target.port,
                username=target.username,
                password=target.password,
                use_tls=target.use_tls,
                start_tls=target.start_tls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPException as exc:
            return f"{type(exc).__name__}: {exc}"[:500]
        except (OSError, TimeoutError) as exc:
            return f"{type(exc).__name__}: {exc}"[:500]
        return None

    def _delay(self, attempts: int) -> timedelta:
        base = self.schedule[attempts]
        return timedelta(seconds=base * (1 + random.uniform(-self.jitter, self.jitter)))  # noqa: S311

    async def _record(self, row: MailMessage, error: str | None) -> None:
        now = self.clock()
        attempts = row.attempts + 1
        values: dict[str, Any] = {
            "attempts": col(MailMessage.attempts) + 1,
            "last_error": error,
            "claimed_until": None,
            "claim_token": None,
            "updated_at": now,
        }
        if error is None:
            values.update(state=MailState.sent, sent_at=now, next_attempt_at=None)
        elif attempts >= len(self.schedule):
            values.update(state=MailState.failed, next_attempt_at=None)
        else:
            values.update(next_attempt_at=now + self._delay(attempts))
        async with self._sessionmaker() as session, session.begin():
            result = await session.execute(
                update(MailMessage)
                .where(
                    col(MailMessage.id) == row.id, col(MailMessage.claim_token) == row.claim_token
                )
                .values(**values)
            )
        if rowcount(result) == 0:
            logger.warning("mail %s: claim lost before recording", row.id)
        logger.info("mail %s (%s) attempt %d: %s", row.id, row.kind, attempts, error or "sent")

    async def _release(self, row: MailMessage) -> None:
        async with self._sessionmaker() as session, session.begin():
            await session.execute(
                update(MailMessage)
                .where(
                    col(MailMessage.id) == row.id, col(MailMessage.claim_token) == row.claim_token
                )
                .values(claimed_until=None, claim_token=None)
            )

    async def _deliver(self, row: MailMessage) -> None:
        try:
            error = await self._send(row)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._release(row))
            raise
        except Exception as exc:  # a bug must not take the loop down: count it as a failure
            logger.error("mail %s crashed", row.id, extra={"exception": safe_exception_text(exc)})
            error = f"Internal error: {type(exc).__name__}"
        await asyncio.shield(self._record(row, error))
        if error is None:
            self.sent += 1

    # --- the loop --------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Claim one batch and send it; returns how many rows were claimed."""
        rows = await self.claim()
        # One connection per mail keeps a slow recipient from holding up the rest; the
        # batch is small.
        if rows:
            await asyncio.gather(*(self._deliver(row) for row in rows))
        return len(rows)

    async def _listen(self) -> None:
        """PostgreSQL: LISTEN for new mail (other processes' commits); reconnect when lost."""
        await mail.MAIL_WAKE.listen(self._engine, self._wake, stopping=lambda: self.stopping)

    async def _seconds_until_due(self) -> float:
        now = self.clock()
        async with self._sessionmaker() as session:
            earliest = await session.scalar(
                select(col(MailMessage.next_attempt_at))
                .where(col(MailMessage.state) == MailState.pending)
                .order_by(col(MailMessage.next_attempt_at))
                .limit(1)
            )
        if earliest is None:
            return self.poll_seconds
        return min(self.poll_seconds, max(0.05, (earliest - now).total_seconds()))

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        remove_waker = mail.add_local_waker(loop, self._wake)
        listener = (
            loop.create_task(self._listen()) if self._engine.dialect.name == "postgresql" else None
        )
        logger.info("mail worker %s started", self.name)
        try:
            while not self.stopping:
                self._wake.clear()
                try:
                    if await self.run_once() >= self.batch_size:
                        continue
                    delay = await self._seconds_until_due()
                except (asyncio.CancelledError, KeyboardInterrupt):
                    raise
                except Exception as exc:  # the database is down, say: wait and try again
                    logger.warning("mail worker round failed: %s", type(exc).__name__)
                    delay = self.poll_seconds
                if self.stopping:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)
        finally:
            remove_waker()
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await listener
            logger.info("mail worker %s stopped", self.name)


async def stop_worker(worker: MailWorker, task: asyncio.Task[None], *, grace: float) -> None:
    worker.stop()
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=grace)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def running_in(app: Any) -> AsyncIterator[MailWorker | None]:
    """Beside the API when the webhook worker runs there too and SMTP is configured."""
    settings: Settings = app.state.settings
    if not (settings.mail_enabled and settings.webhook_worker_in_process):
        yield None
        return
    worker = MailWorker(app.state.engine, app.state.sessionmaker, settings)
    task = asyncio.create_task(worker.run())
    app.state.mail_worker = worker
    try:
        yield worker
    finally:
        await stop_worker(worker, task, grace=settings.smtp_timeout_seconds + 5)
