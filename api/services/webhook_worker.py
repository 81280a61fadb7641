"""The delivery worker: drains the webhook outbox into signed HTTP POSTs, and in the same
loop posts chat channels' messages (api/services/chat_channel_worker.py), applies received
CRM events (api/services/crm_hooks/worker.py) and runs the notifications' scheduled scans
(api/services/notification_worker.py: reminders, overdue action items, weekly summaries),
so in-app notices come whenever the app's worker runs, with or without SMTP.

Each round claims a batch of due rows from a leased queue (api/kit/delivery_queue.py: a
short transaction, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so any number of workers share
it, a lease and a claim token); the posts run outside any transaction and each result is
written back only while the token still matches. A worker that crashes mid-post leaves a
lease that simply runs out, and another worker sends the row again: delivery is at least
once, and what a receiver acknowledged (and was recorded) is never sent twice.

Retries follow ``SCHEDULE`` (the delay before each attempt), with jitter, unless a 429 or
503 answer says when to come back (``Retry-After``, honoured up to a day). 2xx is delivered;
410 Gone disables the endpoint and stops its queue; anything else, a 3xx included
(redirects are never followed), a timeout or a refused address, is a failed attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col
from standardwebhooks import Webhook

from api.config import Settings
from api.kit import outbox
from api.kit.delivery_queue import DeliveryQueue, Lease, attempt
from api.kit.links import BASE_URL_KEY
from api.kit.outbound import Outcome, post_pinned
from api.models import WebhookDelivery, WebhookEndpoint, WebhookEvent, utcnow
from api.security import InvalidToken
from api.services.chat_channel_worker import ChatChannelWorker
from api.services.crm_hooks.worker import CrmEventWorker
from api.services.notification_worker import NotificationScans
from api.services.webhooks import envelope, open_secret, stop_pending

logger = logging.getLogger("api.webhooks")

# Seconds to wait before attempt 1, 2, ...: at once, then 5 s, 5 min, 30 min, 2 h, 5 h,
# 10 h and 10 h after each failure; the delivery is failed after the last attempt fails.
SCHEDULE: tuple[float, ...] = (0, 5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
JITTER = 0.1  # each delay is stretched or shrunk by up to 10%, so retries do not stampede
BATCH_SIZE = 10
GONE_REASON = "The receiver answered 410 Gone"
USER_AGENT = "SalesMastermind-Webhooks/1.0"


@dataclass(frozen=True, slots=True)
class Claim:
    lease: Lease
    endpoint_id: uuid.UUID
    url: str
    secret_ciphertext: str
    event: WebhookEvent


class WebhookWorker:
    """One delivery loop. ``run()`` until ``stop()``; ``run_once()`` for a single round.

    ``schedule``, ``jitter``, ``clock`` and ``lease_seconds`` are there so tests can compress
    hours of back-off into fractions of a second and move time past a lease.
    """

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
        self.batch_size = batch_size
        self.timeout = settings.webhook_timeout_seconds
        # Longer than any post can take (DNS, then the whole request), so a live worker's
        # rows are never taken over; a dead worker's come back after it.
        self.lease = timedelta(
            seconds=lease_seconds or self.timeout + settings.webhook_dns_timeout_seconds + 30
        )
        self.poll_seconds = poll_seconds or settings.webhook_poll_seconds
        self.clock = clock
        self.queue = DeliveryQueue(
            rows=WebhookDelivery,
            target=WebhookEndpoint,
            target_id=col(WebhookDelivery.endpoint_id),
            schedule=schedule,
            jitter=jitter,
            batch_size=batch_size,
            lease=self.lease,
            clock=clock,
        )
        self.name = name or f"worker-{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._http: httpx.AsyncClient | None = None
        self.attempts_made = 0  # posts this worker recorded (for logs and tests)
        # The same loop applies received CRM events (woken by the same notifications).
        self.crm_events = CrmEventWorker(sessionmaker, settings, clock=clock)
        # And chat channels' messages, on the same schedule, lease and HTTP client.
        self.chat = ChatChannelWorker(
            sessionmaker,
            settings,
            schedule=schedule,
            jitter=jitter,
            batch_size=batch_size,
            lease=self.lease,
            clock=clock,
        )
        # And asks for the notices that come with time (reminders, overdue, weekly).
        self.notices = NotificationScans(sessionmaker, settings, clock=clock)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def stop(self) -> None:
        """Finish the posts in flight, record them, then return from ``run()``."""
        self._stopping.set()
        self._wake.set()

    # --- the queue -------------------------------------------------------------------------

    async def claim(self) -> list[Claim]:
        """Lease up to ``batch_size`` due deliveries to this worker (committed at once)."""
        async with self._sessionmaker() as session, session.begin():
            token = await self.queue.claim(session)
            if token is None:
                return []
            rows = await session.execute(
                select(
                    WebhookDelivery,
                    col(WebhookEndpoint.url),
                    col(WebhookEndpoint.secret_ciphertext),
                )
                .add_columns(WebhookEvent)
                .join(WebhookEndpoint, col(WebhookEndpoint.id) == WebhookDelivery.endpoint_id)
                .join(WebhookEvent, col(WebhookEvent.id) == WebhookDelivery.event_id)
                .where(col(WebhookDelivery.claim_token) == token)
                .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
            )
            return [
                Claim(
                    lease=Lease(delivery.id, token, delivery.attempts),
                    endpoint_id=delivery.endpoint_id,
                    url=url,
                    secret_ciphertext=secret,
                    event=event,
                )
                for delivery, url, secret, event in rows
            ]

    async def _seconds_until_due(self) -> float:
        now = self.clock()
        due = [
            at
            for at in (
                await self.queue.earliest_due(self._sessionmaker),
                await self.chat.earliest_due(),
            )
            if at is not None
        ]
        if not due:
            return self.poll_seconds
        # Due already but not claimed: another worker holds the row lock this instant.
        return min(self.poll_seconds, max(0.05, (min(due) - now).total_seconds()))

    # --- one delivery ----------------------------------------------------------------------

    async def _post(self, claim: Claim) -> Outcome:
        try:
            signer = Webhook(
                open_secret(self._settings, claim.endpoint_id, claim.secret_ciphertext)
            )
        except (InvalidToken, ValueError):
            return Outcome(error="The signing secret cannot be decrypted (was SECRET_KEY changed?)")
        body = orjson.dumps(envelope(claim.event)).decode()
        msg_id = str(claim.event.id)
        timestamp = datetime.now(UTC)
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(timestamp.timestamp())),
            "webhook-signature": signer.sign(msg_id, timestamp, body),
        }
        assert self._http is not None
        return await post_pinned(
            self._http,
            self._settings,
            claim.url,
            content=body.encode(),
            headers=headers,
            seconds=self.timeout,
            now=self.clock,
        )

    async def _record(self, claim: Claim, outcome: Outcome) -> None:
        values = self.queue.outcome_values(claim.lease, outcome, final=outcome.gone)
        now = values["updated_at"]
        async with self._sessionmaker() as session, session.begin():
            recorded = await self.queue.record(session, claim.lease, values)
            if outcome.gone:
                await session.execute(
                    update(WebhookEndpoint)
                    .where(
                        col(WebhookEndpoint.id) == claim.endpoint_id,
                        col(WebhookEndpoint.enabled).is_(True),
                    )
                    .values(
                        enabled=False, disabled_reason=GONE_REASON, disabled_at=now, updated_at=now
                    )
                )
                await stop_pending(session, claim.endpoint_id, "the receiver answered 410 Gone")
        if not recorded:
            # The lease ran out and another worker took the row over: its result stands.
            logger.warning(
                "webhook delivery %s: claim lost before recording", claim.lease.delivery_id
            )
        logger.info(
            "webhook delivery %s attempt %d: %s",
            claim.lease.delivery_id,
            claim.lease.attempts + 1,
            outcome.status_code if outcome.error is None else outcome.error,
        )

    async def _deliver(self, claim: Claim) -> None:
        await attempt(
            claim.lease,
            lambda: self._post(claim),
            lambda outcome: self._record(claim, outcome),
            lambda: self.queue.release(self._sessionmaker, claim.lease),
            logger=logger,
            what="webhook delivery",
        )
        self.attempts_made += 1

    # --- the loop --------------------------------------------------------------------------

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=httpx.Timeout(self.timeout),
            follow_redirects=False,
            trust_env=False,  # no proxy from the environment may carry requests elsewhere
        )

    async def run_once(self) -> int:
        """Claim one batch and deliver it; returns how many rows were claimed."""
        if self._http is None:  # a single round outside run()
            async with self._client() as self._http:
                try:
                    return await self.run_once()
                finally:
                    self._http = None
        await self.notices.run_once()
        claims = await self.claim()
        if claims:
            await asyncio.gather(*(self._deliver(claim) for claim in claims))
        chat = await self.chat.run_once(self._http)
        return len(claims) + chat + await self.crm_events.run_once(self._http)

    async def _listen(self) -> None:
        """PostgreSQL: LISTEN for new rows (other processes' commits); reconnect when lost."""
        await outbox.WEBHOOK_WAKE.listen(self._engine, self._wake, stopping=lambda: self.stopping)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        remove_waker = outbox.add_local_waker(loop, self._wake)
        listener = (
            loop.create_task(self._listen()) if self._engine.dialect.name == "postgresql" else None
        )
        self._http = client = self._client()
        logger.info("webhook worker %s started", self.name)
        try:
            while not self.stopping:
                self._wake.clear()
                try:
                    if await self.run_once() >= self.batch_size:
                        continue  # more may be due right now
                    delay = await self._seconds_until_due()
                except (asyncio.CancelledError, KeyboardInterrupt):
                    raise
                except Exception as exc:  # the database is down, say: wait and try again
                    logger.warning("webhook worker round failed: %s", type(exc).__name__)
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
            await client.aclose()
            self._http = None
            logger.info("webhook worker %s stopped", self.name)


async def stop_worker(worker: WebhookWorker, task: asyncio.Task[None], *, grace: float) -> None:
    """Ask the worker to stop; past ``grace`` seconds, cancel it (its claims are released)."""
    worker.stop()
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=grace)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def running_in(app: Any) -> AsyncIterator[WebhookWorker | None]:
    """The app's lifespan runs a worker beside the API when the settings say so
    (``mastermind serve`` on one machine); it stops with the app, posts in flight finished."""
    settings: Settings = app.state.settings
    if not settings.webhook_worker_in_process:
        yield None
        return
    worker = WebhookWorker(app.state.engine, app.state.sessionmaker, settings)
    task = asyncio.create_task(worker.run())
    app.state.webhook_worker = worker
    try:
        yield worker
    finally:
        await stop_worker(worker, task, grace=settings.webhook_timeout_seconds + 5)


async def run_worker_process(settings: Settings) -> None:
    """``mastermind worker``: one worker in its own process, stopped by SIGTERM or SIGINT."""
    from api.db import create_engine, create_sessionmaker
    from api.services.mail import MAIL_KEY, mail_config
    from api.services.mail_worker import MailWorker

    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    # The CRM events it applies emit webhooks whose payloads link into the SPA, and its scans
    # queue notices (and their mails) through the same services as the API: the same info.
    sessionmaker.configure(
        info={BASE_URL_KEY: settings.public_base_url, MAIL_KEY: mail_config(settings)}
    )
    worker = WebhookWorker(engine, sessionmaker, settings)
    task = asyncio.create_task(worker.run())
    # With SMTP configured the same process drains the mail outbox (api/services/mail_worker.py).
    mailer = MailWorker(engine, sessionmaker, settings) if settings.mail_enabled else None
    mail_task = asyncio.create_task(mailer.run()) if mailer is not None else None

    def on_signal() -> None:
        if worker.stopping:
            task.cancel()  # asked twice: stop now; the claims in flight are released
            if mail_task is not None:
                mail_task.cancel()
        else:
            worker.stop()
            if mailer is not None:
                mailer.stop()

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await task
            if mail_task is not None:
                await mail_task
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        await engine.dispose()
