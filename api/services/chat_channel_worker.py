"""Delivering chat channel messages: the webhook worker's loop drains this queue too.

``outbox.emit`` queues one ``chat_delivery`` per channel that hears about an event (in the
transaction of the change, woken the same way); each round of ``WebhookWorker`` claims due
rows here with the same lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), formats the event
for the channel's provider (api/services/chat_channel_messages.py) and posts it with the
webhooks' own ``post_pinned`` (the SSRF guard at every attempt, the connection pinned to
the address checked, no redirects). Retries follow the worker's schedule; a 429 or 503
comes back when ``Retry-After`` (or Chatwork's ``X-RateLimit-Reset``) says.

What the provider refuses for good is not retried: a 400 (the message) fails that one
message; a 401, 403, 404 or 410 (a revoked webhook, a wrong token, an archived channel)
also disables the channel, with the reason on it, and drops its queue, so a dead channel
does not keep the worker busy. An admin or the team's manager enables it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.config import Settings
from api.db import rowcount
from api.kit.outbound import Outcome
from api.models import (
    ChatChannel,
    ChatDelivery,
    DeliveryState,
    Locale,
    Organization,
    WebhookEvent,
    utcnow,
)
from api.observability import safe_exception_text
from api.services.chat_channel_messages import message_for
from api.services.chat_channels import post_message, record_answer

logger = logging.getLogger("api.chat")


@dataclass(frozen=True, slots=True)
class ChatClaim:
    delivery_id: uuid.UUID
    token: uuid.UUID
    attempts: int
    channel: ChatChannel
    event: WebhookEvent
    locale: Locale


def is_final(outcome: Outcome) -> bool:
    """A 4xx other than 408 and 429: sending the same message again will not help."""
    code = outcome.status_code
    return code is not None and 400 <= code < 500 and code not in (408, 429)


class ChatChannelWorker:
    """The chat half of a ``WebhookWorker`` round: same schedule, jitter, clock and lease."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        schedule: tuple[float, ...],
        jitter: float,
        batch_size: int,
        lease: timedelta,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self.schedule = schedule
        self.jitter = jitter
        self.batch_size = batch_size
        self.lease = lease
        self.clock = clock
        self.attempts_made = 0

    def _unclaimed(self, now: datetime) -> Any:
        return or_(col(ChatDelivery.claimed_until).is_(None), col(ChatDelivery.claimed_until) < now)

    async def claim(self) -> list[ChatClaim]:
        now = self.clock()
        token = uuid.uuid4()
        due = (
            select(col(ChatDelivery.id))
            .join(ChatChannel, col(ChatChannel.id) == ChatDelivery.channel_id)
            .where(
                col(ChatDelivery.state) == DeliveryState.pending,
                col(ChatDelivery.next_attempt_at) <= now,
                self._unclaimed(now),
                col(ChatChannel.enabled).is_(True),
            )
            .order_by(col(ChatDelivery.next_attempt_at), col(ChatDelivery.id))
            .limit(self.batch_size)
            .with_for_update(skip_locked=True, of=ChatDelivery)
        )
        async with self._sessionmaker() as session, session.begin():
            claimed = await session.execute(
                update(ChatDelivery)
                .where(col(ChatDelivery.id).in_(due.scalar_subquery()))
                .values(claimed_until=now + self.lease, claim_token=token)
                .returning(col(ChatDelivery.id))
                .execution_options(synchronize_session=False)
            )
            if not claimed.all():
                return []
            rows = await session.execute(
                select(ChatDelivery, ChatChannel, WebhookEvent, col(Organization.locale))
                .join(ChatChannel, col(ChatChannel.id) == ChatDelivery.channel_id)
                .join(WebhookEvent, col(WebhookEvent.id) == ChatDelivery.event_id)
                .join(Organization, col(Organization.id) == ChatDelivery.organization_id)
                .where(col(ChatDelivery.claim_token) == token)
                # The order things happened in: a session scheduled before its completion.
                .order_by(col(WebhookEvent.created_at), col(ChatDelivery.id))
            )
            return [
                ChatClaim(
                    delivery_id=delivery.id,
                    token=token,
                    attempts=delivery.attempts,
                    channel=channel,
                    event=event,
                    locale=Locale(locale),
                )
                for delivery, channel, event, locale in rows
            ]

    async def earliest_due(self) -> datetime | None:
        now = self.clock()
        async with self._sessionmaker() as session:
            earliest = await session.scalar(
                select(func.min(ChatDelivery.next_attempt_at))
                .join(ChatChannel, col(ChatChannel.id) == ChatDelivery.channel_id)
                .where(
                    col(ChatDelivery.state) == DeliveryState.pending,
                    self._unclaimed(now),
                    col(ChatChannel.enabled).is_(True),
                )
            )
        if earliest is not None and earliest.tzinfo is None:  # min() over SQLite text
            earliest = earliest.replace(tzinfo=UTC)
        return earliest

    def _delay(self, attempts: int) -> timedelta:
        base = self.schedule[attempts]
        return timedelta(seconds=base * (1 + random.uniform(-self.jitter, self.jitter)))  # noqa: S311

    async def _record(self, claim: ChatClaim, outcome: Outcome) -> None:
        now = self.clock()
        attempts = claim.attempts + 1
        values: dict[str, Any] = {
            "attempts": col(ChatDelivery.attempts) + 1,
            "last_attempt_at": now,
            "last_status_code": outcome.status_code,
            "last_error": outcome.error,
            "claimed_until": None,
            "claim_token": None,
            "updated_at": now,
        }
        if outcome.delivered:
            values.update(state=DeliveryState.delivered, delivered_at=now, next_attempt_at=None)
        elif is_final(outcome) or attempts >= len(self.schedule):
            values.update(state=DeliveryState.failed, next_attempt_at=None)
        elif outcome.retry_after is not None:
            values.update(next_attempt_at=now + outcome.retry_after)
        else:
            values.update(next_attempt_at=now + self._delay(attempts))
        async with self._sessionmaker() as session, session.begin():
            result = await session.execute(
                update(ChatDelivery)
                .where(
                    col(ChatDelivery.id) == claim.delivery_id,
                    col(ChatDelivery.claim_token) == claim.token,
                )
                .values(**values)
            )
            if rowcount(result):
                await record_answer(session, claim.channel.id, outcome, now=now)
        if rowcount(result) == 0:
            logger.warning("chat delivery %s: claim lost before recording", claim.delivery_id)
        logger.info(
            "chat delivery %s (%s) attempt %d: %s",
            claim.delivery_id,
            claim.channel.provider.value,
            attempts,
            outcome.status_code if outcome.error is None else outcome.error,
        )

    async def _release(self, claim: ChatClaim) -> None:
        async with self._sessionmaker() as session, session.begin():
            await session.execute(
                update(ChatDelivery)
                .where(
                    col(ChatDelivery.id) == claim.delivery_id,
                    col(ChatDelivery.claim_token) == claim.token,
                )
                .values(claimed_until=None, claim_token=None)
            )

    async def _deliver(self, claim: ChatClaim, http: httpx.AsyncClient) -> None:
        event = claim.event
        try:
            outcome = await post_message(
                http,
                self._settings,
                claim.channel,
                lambda: message_for(
                    event.type, event.payload, locale=claim.locale, timestamp=event.created_at
                ),
                now=self.clock,
            )
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._release(claim))
            raise
        except Exception as exc:  # a bug must not take the loop down: count it as a failure
            logger.error(
                "chat delivery %s crashed",
                claim.delivery_id,
                extra={"exception": safe_exception_text(exc)},
            )
            outcome = Outcome(error=f"Internal error: {type(exc).__name__}")
        await asyncio.shield(self._record(claim, outcome))
        self.attempts_made += 1

    async def run_once(self, http: httpx.AsyncClient) -> int:
        """Claim one batch and post it; returns how many rows were claimed."""
        claims = await self.claim()
        if claims:
            await asyncio.gather(*(self._deliver(claim, http) for claim in claims))
        return len(claims)
