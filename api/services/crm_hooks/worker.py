"""Applying received CRM events: the worker's half of "receive, then apply".

The hook stores each verified event as ``pending`` and answers at once (HubSpot waits five
seconds at most). Each round here claims a batch of due pending events with a lease
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers share the queue), then, one event at a
time: parses the stored payload again, reads what it only points at from the CRM's API
(outside any transaction: a slow CRM holds no database connection), and applies it in a
transaction of its own, recording the result in the same transaction. One bad event fails
alone: its row says ``failed`` and why, and an admin can retry it.

A CRM that is down, slow or rate limiting puts the event back with a delay (its
``Retry-After`` when longer) for up to ``len(SCHEDULE)`` attempts; then it is failed.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.config import Settings
from api.models import CrmConnection, CrmInboundEvent, InboundResult, utcnow
from api.observability import safe_exception_text
from api.security import InvalidToken, secret_box
from api.services.crm_hooks import crm_api
from api.services.crm_hooks.apply import EffectFailed, apply_event
from api.services.crm_hooks.providers import ParseFailure, parse_stored, printable
from api.services.crm_hooks.verify import api_token_context

logger = logging.getLogger("api.crm")

# Seconds before attempt 2, 3, ...: the CRM API is usually back within minutes.
SCHEDULE: tuple[float, ...] = (5, 30, 2 * 60, 10 * 60, 30 * 60, 2 * 3600)
MAX_RETRY_AFTER = 24 * 3600.0
BATCH_SIZE = 50
LEASE_SECONDS = 120.0


@dataclass(frozen=True, slots=True)
class _Claimed:
    row_id: uuid.UUID
    attempts: int
    payload: str
    external_id: str
    connection: CrmConnection


class CrmEventWorker:
    """Applies pending inbound events; ``run_once()`` a batch, ``drain()`` until none is due.

    ``schedule`` and ``clock`` let tests compress the retry delays and move time on."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        schedule: tuple[float, ...] = SCHEDULE,
        batch_size: int = BATCH_SIZE,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self.schedule = schedule
        self.batch_size = batch_size
        self.clock = clock
        self.applied = 0

    async def claim(self) -> list[_Claimed]:
        now = self.clock()
        token = uuid.uuid4()
        due = (
            select(col(CrmInboundEvent.id))
            .where(
                col(CrmInboundEvent.result) == InboundResult.pending,
                col(CrmInboundEvent.next_attempt_at) <= now,
                or_(
                    col(CrmInboundEvent.claimed_until).is_(None),
                    col(CrmInboundEvent.claimed_until) < now,
                ),
            )
            .order_by(col(CrmInboundEvent.next_attempt_at), col(CrmInboundEvent.created_at))
            .limit(self.batch_size)
            .with_for_update(skip_locked=True)
        )
        async with self._sessionmaker() as session, session.begin():
            claimed = await session.execute(
                update(CrmInboundEvent)
                .where(col(CrmInboundEvent.id).in_(due.scalar_subquery()))
                .values(claimed_until=now + timedelta(seconds=LEASE_SECONDS), claim_token=token)
                .returning(col(CrmInboundEvent.id))
                .execution_options(synchronize_session=False)
            )
            if not claimed.all():
                return []
            rows = await session.execute(
                select(CrmInboundEvent, CrmConnection)
                .join(CrmConnection, col(CrmConnection.id) == CrmInboundEvent.connection_id)
                .where(col(CrmInboundEvent.claim_token) == token)
                # Received order: within a HubSpot batch, a deal's creation before its changes.
                .order_by(col(CrmInboundEvent.created_at), col(CrmInboundEvent.id))
            )
            return [
                _Claimed(row.id, row.attempts, row.payload, row.external_id, connection)
                for row, connection in rows.all()
            ]

    def _retry_delay(self, attempts: int, retry_after: float | None) -> timedelta | None:
        """The wait before the next attempt, None when the attempts are spent."""
        if attempts > len(self.schedule):
            return None
        base = self.schedule[attempts - 1] * (1 + random.uniform(-0.1, 0.1))  # noqa: S311
        wanted = min(retry_after or 0.0, MAX_RETRY_AFTER)
        return timedelta(seconds=max(base, wanted))

    async def _api(
        self, connection: CrmConnection, http: httpx.AsyncClient
    ) -> crm_api.HubSpotApi | crm_api.PipedriveApi | None:
        if connection.api_token_sealed is None or connection.provider.value == "generic":
            return None
        try:
            token = secret_box(self._settings.secret_key or "").open(
                connection.api_token_sealed, context=api_token_context(connection.id)
            )
        except InvalidToken:
            raise crm_api.CrmRefused(
                "The API token cannot be decrypted (was SECRET_KEY changed?)"
            ) from None
        return await crm_api.reader(
            provider=connection.provider.value,
            connection_id=connection.id,
            token=token,
            base_url=connection.api_base_url,
            client=http,
            allow_private=self._settings.webhook_allow_private_targets,
            https_only=self._settings.webhook_https_only,
            dns_timeout=self._settings.webhook_dns_timeout_seconds,
            call_seconds=self._settings.crm_api_timeout_seconds,
        )

    async def _apply(self, claimed: _Claimed, http: httpx.AsyncClient) -> None:
        attempts = claimed.attempts + 1
        connection = claimed.connection
        values: dict[str, Any] = {"attempts": attempts}
        try:
            if connection.deleted_at is not None:
                raise EffectFailed("The connection was deleted")
            event = parse_stored(connection.provider, claimed.payload, claimed.external_id)
            notes = await crm_api.enrich(event, await self._api(connection, http))
        except crm_api.CrmUnavailable as exc:
            delay = self._retry_delay(attempts, exc.retry_after)
            reason = f"The CRM API is unavailable: {exc}"
            if delay is None:
                values |= {"result": InboundResult.failed, "reason": reason}
            else:
                values |= {"reason": reason, "next_attempt_at": self.clock() + delay}
            await self._record(claimed, values)
            return
        except (crm_api.CrmRefused, ParseFailure, EffectFailed) as exc:
            reason = exc.reason if isinstance(exc, ParseFailure) else str(exc)
            await self._record(claimed, values | {"result": InboundResult.failed, "reason": reason})
            return
        except Exception as exc:  # a bug must fail its event, not stop the loop on it
            logger.error(
                "crm event %s could not be read",
                claimed.row_id,
                extra={"exception": safe_exception_text(exc)},
            )
            reason = f"Internal error: {type(exc).__name__}"
            await self._record(claimed, values | {"result": InboundResult.failed, "reason": reason})
            return
        try:
            async with self._sessionmaker() as session, session.begin():
                try:
                    async with session.begin_nested():
                        connection = await session.get_one(CrmConnection, connection.id)
                        result, reason, client_id, project_id = await apply_event(
                            session, connection, event
                        )
                except EffectFailed as exc:
                    result, reason, client_id, project_id = (
                        InboundResult.failed,
                        str(exc),
                        None,
                        None,
                    )
                reason = "; ".join(part for part in (reason, *notes) if part)
                values |= {
                    "result": result,
                    "reason": printable(reason)[:2000],
                    "client_id": client_id,
                    "project_id": project_id,
                }
                await self._write(session, claimed, values)
        except Exception as exc:  # a bug or the database: the event is tried again later
            logger.error(
                "crm event %s could not be applied",
                claimed.row_id,
                extra={"exception": safe_exception_text(exc)},
            )
            delay = self._retry_delay(attempts, None)
            reason = f"Internal error: {type(exc).__name__}"
            if delay is None:
                values = {"attempts": attempts, "result": InboundResult.failed, "reason": reason}
            else:
                values = {"attempts": attempts, "reason": reason}
                values["next_attempt_at"] = self.clock() + delay
            await self._record(claimed, values)
            return
        self.applied += 1

    async def _write(
        self, session: AsyncSession, claimed: _Claimed, values: dict[str, Any]
    ) -> None:
        await session.execute(
            update(CrmInboundEvent)
            .where(col(CrmInboundEvent.id) == claimed.row_id)
            .values(**values, claimed_until=None, claim_token=None, updated_at=self.clock())
            .execution_options(synchronize_session=False)
        )

    async def _record(self, claimed: _Claimed, values: dict[str, Any]) -> None:
        async with self._sessionmaker() as session, session.begin():
            await self._write(session, claimed, values)

    async def run_once(self, http: httpx.AsyncClient | None = None) -> int:
        """Claim one batch and apply it; returns how many events were claimed."""
        if http is None:
            async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as client:
                return await self.run_once(client)
        claims = await self.claim()
        for claimed in claims:
            await self._apply(claimed, http)
        return len(claims)

    async def drain(self, http: httpx.AsyncClient | None = None) -> int:
        """Apply until nothing is due (tests, and a worker catching up)."""
        total = 0
        while claimed := await self.run_once(http):
            total += claimed
        return total
