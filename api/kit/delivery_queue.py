"""A leased delivery queue: the rows a worker posts somewhere else (webhook deliveries to
their endpoints, chat messages to their channels), shared by any number of workers.

A round claims a batch of due rows in a short transaction (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so workers never take the same row; on SQLite the single writer's claim) and
stamps them with a lease (``claimed_until``) and a claim token. The posts run outside any
transaction; each result is written back only while the token still matches, so a worker
whose lease ran out (it crashed, or hung) cannot overwrite the result of the worker that
took the row over. Delivery is at least once; what was acknowledged and recorded is never
sent again. A row whose target (endpoint, channel) is disabled waits, unclaimed.

Both queues keep the same columns (``state``, ``attempts``, ``next_attempt_at``,
``claimed_until``, ``claim_token``, ``last_attempt_at``, ``last_status_code``,
``last_error``, ``delivered_at``) and differ only in their tables, in what a claimed row is
posted with and in which answers end it for good; those stay with each worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.db import rowcount
from api.kit.outbound import Outcome
from api.models import ChatChannel, ChatDelivery, DeliveryState, WebhookDelivery, WebhookEndpoint
from api.observability import safe_exception_text

DeliveryRow = WebhookDelivery | ChatDelivery
Target = WebhookEndpoint | ChatChannel


@dataclass(frozen=True, slots=True)
class Lease:
    """What a claim holds: the row and the token that must still match to record it."""

    delivery_id: uuid.UUID
    token: uuid.UUID
    attempts: int  # made before this one


@dataclass
class DeliveryQueue:
    """One queue's claiming, back-off and recording. ``schedule`` is the delay before each
    attempt (its length is the number of attempts), stretched or shrunk by up to ``jitter``
    so that retries do not stampede; ``clock`` lets tests move time past a lease."""

    rows: type[DeliveryRow]
    target: type[Target]
    target_id: Any  # the rows' column naming their target
    schedule: tuple[float, ...]
    jitter: float
    batch_size: int
    lease: timedelta
    clock: Callable[[], datetime]

    def _waiting(self, now: datetime) -> list[ColumnElement[bool]]:
        """Pending, not leased (or the lease ran out), its target enabled."""
        return [
            col(self.rows.state) == DeliveryState.pending,
            or_(col(self.rows.claimed_until).is_(None), col(self.rows.claimed_until) < now),
            col(self.target.enabled).is_(True),
        ]

    async def claim(self, session: AsyncSession) -> uuid.UUID | None:
        """Lease up to ``batch_size`` due rows (oldest due first) in ``session``'s
        transaction; the claim token to read them by, or None when nothing is due."""
        now = self.clock()
        token = uuid.uuid4()
        due = (
            select(col(self.rows.id))
            .join(self.target, col(self.target.id) == self.target_id)
            .where(col(self.rows.next_attempt_at) <= now, *self._waiting(now))
            .order_by(col(self.rows.next_attempt_at), col(self.rows.id))
            .limit(self.batch_size)
            .with_for_update(skip_locked=True, of=self.rows)
        )
        claimed = await session.execute(
            update(self.rows)
            .where(col(self.rows.id).in_(due.scalar_subquery()))
            .values(claimed_until=now + self.lease, claim_token=token)
            .returning(col(self.rows.id))
            .execution_options(synchronize_session=False)
        )
        return token if claimed.all() else None

    async def earliest_due(self, sessionmaker: async_sessionmaker[AsyncSession]) -> datetime | None:
        """When the next waiting row falls due (it may be due already)."""
        now = self.clock()
        async with sessionmaker() as session:
            earliest = await session.scalar(
                select(func.min(self.rows.next_attempt_at))
                .join(self.target, col(self.target.id) == self.target_id)
                .where(*self._waiting(now))
            )
        if earliest is not None and earliest.tzinfo is None:  # min() over SQLite text: naive UTC
            earliest = earliest.replace(tzinfo=UTC)
        return earliest

    def delay(self, attempts: int) -> timedelta:
        """The wait before attempt ``attempts + 1``, jittered."""
        base = self.schedule[attempts]
        return timedelta(seconds=base * (1 + random.uniform(-self.jitter, self.jitter)))  # noqa: S311

    def outcome_values(self, lease: Lease, outcome: Outcome, *, final: bool) -> dict[str, Any]:
        """The row's columns after this attempt: delivered; failed (``final``: the answer
        ends it, or it was the last attempt); or due again when the receiver said
        (``Retry-After``) or the schedule says. The lease ends either way."""
        now = self.clock()
        values: dict[str, Any] = {
            "attempts": col(self.rows.attempts) + 1,
            "last_attempt_at": now,
            "last_status_code": outcome.status_code,
            "last_error": outcome.error,
            "claimed_until": None,
            "claim_token": None,
            "updated_at": now,
        }
        attempts = lease.attempts + 1
        if outcome.delivered:
            values.update(state=DeliveryState.delivered, delivered_at=now, next_attempt_at=None)
        elif final or attempts >= len(self.schedule):
            values.update(state=DeliveryState.failed, next_attempt_at=None)
        elif outcome.retry_after is not None:
            values.update(next_attempt_at=now + outcome.retry_after)
        else:
            values.update(next_attempt_at=now + self.delay(attempts))
        return values

    async def record(self, session: AsyncSession, lease: Lease, values: dict[str, Any]) -> bool:
        """Write ``values`` if the lease is still ours; False when another worker took the
        row over after our lease ran out (its result stands)."""
        result = await session.execute(
            update(self.rows)
            .where(
                col(self.rows.id) == lease.delivery_id, col(self.rows.claim_token) == lease.token
            )
            .values(**values)
        )
        return rowcount(result) > 0

    async def release(self, sessionmaker: async_sessionmaker[AsyncSession], lease: Lease) -> None:
        """Give the row back untouched (stopped mid-post): the next round sends it."""
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(self.rows)
                .where(
                    col(self.rows.id) == lease.delivery_id,
                    col(self.rows.claim_token) == lease.token,
                )
                .values(claimed_until=None, claim_token=None)
            )


async def attempt(
    lease: Lease,
    post: Callable[[], Awaitable[Outcome]],
    record: Callable[[Outcome], Awaitable[None]],
    release: Callable[[], Awaitable[None]],
    *,
    logger: logging.Logger,
    what: str,
) -> None:
    """Post once and record the outcome, whatever happens: cancelled mid-post (the worker
    is stopping), the row is released for the next worker; a bug in the post counts as a
    failed attempt instead of taking the loop down. Recording is shielded from
    cancellation, so an answer received is never lost to a stop."""
    try:
        outcome = await post()
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await asyncio.shield(release())
        raise
    except Exception as exc:
        logger.error(
            "%s %s crashed",
            what,
            lease.delivery_id,
            extra={"exception": safe_exception_text(exc)},  # no SQL parameters
        )
        outcome = Outcome(error=f"Internal error: {type(exc).__name__}")
    await asyncio.shield(record(outcome))
