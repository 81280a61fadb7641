"""Delivering chat channel messages: the webhook worker's loop drains this queue too.

``outbox.emit`` queues one ``chat_delivery`` per channel that hears about an event (in the
transaction of the change, woken the same way); each round of ``WebhookWorker`` claims due
rows here with the same leased queue (api/kit/delivery_queue.py), formats the event
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
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.config import Settings
from api.kit.delivery_queue import DeliveryQueue, Lease, attempt
from api.kit.outbound import Outcome
from api.models import ChatChannel, ChatDelivery, Locale, Organization, WebhookEvent, utcnow
from api.services.chat_channel_messages import message_for
from api.services.chat_channels import post_message, record_answer

logger = logging.getLogger("api.chat")


@dataclass(frozen=True, slots=True)
class ChatClaim:
    lease: Lease
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
        self.queue = DeliveryQueue(
            rows=ChatDelivery,
            target=ChatChannel,
            target_id=col(ChatDelivery.channel_id),
            schedule=schedule,
            jitter=jitter,
            batch_size=batch_size,
            lease=lease,
            clock=clock,
        )
        self.clock = clock
        self.attempts_made = 0

    async def claim(self) -> list[ChatClaim]:
        async with self._sessionmaker() as session, session.begin():
            token = await self.queue.claim(session)
            if token is None:
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
                    lease=Lease(delivery.id, token, delivery.attempts),
                    channel=channel,
                    event=event,
                    locale=Locale(locale),
                )
                for delivery, channel, event, locale in rows
            ]

    async def earliest_due(self) -> datetime | None:
        return await self.queue.earliest_due(self._sessionmaker)

    async def _record(self, claim: ChatClaim, outcome: Outcome) -> None:
        values = self.queue.outcome_values(claim.lease, outcome, final=is_final(outcome))
        async with self._sessionmaker() as session, session.begin():
            recorded = await self.queue.record(session, claim.lease, values)
            if recorded:
                await record_answer(session, claim.channel.id, outcome, now=values["updated_at"])
        if not recorded:
            logger.warning("chat delivery %s: claim lost before recording", claim.lease.delivery_id)
        logger.info(
            "chat delivery %s (%s) attempt %d: %s",
            claim.lease.delivery_id,
            claim.channel.provider.value,
            claim.lease.attempts + 1,
            outcome.status_code if outcome.error is None else outcome.error,
        )

    async def _deliver(self, claim: ChatClaim, http: httpx.AsyncClient) -> None:
        event = claim.event
        await attempt(
            claim.lease,
            lambda: post_message(
                http,
                self._settings,
                claim.channel,
                lambda: message_for(
                    event.type, event.payload, locale=claim.locale, timestamp=event.created_at
                ),
                now=self.clock,
            ),
            lambda outcome: self._record(claim, outcome),
            lambda: self.queue.release(self._sessionmaker, claim.lease),
            logger=logger,
            what="chat delivery",
        )
        self.attempts_made += 1

    async def run_once(self, http: httpx.AsyncClient) -> int:
        """Claim one batch and post it; returns how many rows were claimed."""
        claims = await self.claim()
        if claims:
            await asyncio.gather(*(self._deliver(claim, http) for claim in claims))
        return len(claims)
