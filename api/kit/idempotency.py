"""Idempotency-Key on create requests: a replay answers with the first response.

The record is inserted before the work and in the same transaction, so a concurrent
duplicate blocks on the unique key (PostgreSQL) until the first one commits, then replays;
the response is stored into it once the work is done.

A create that shows a secret once (an API key, a webhook signing secret) must show it again
on a replay, or the retry that the key exists for loses it. Those fields are stored sealed
(``SecretBox``, bound to the principal, the key and the field) and opened for the replay.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert
from sqlmodel import col

from api.db import dialect_name, upsert
from api.errors import InvalidInput
from api.kit.principal import Caller
from api.models import IdempotencyRecord, utcnow
from api.security import SecretBox

# How long a key is remembered; a client retrying after a day is making a new request.
RETENTION = timedelta(hours=24)
HEADER_LOC: list[str | int] = ["header", "Idempotency-Key"]
# The stored body's list of sealed fields (never a field of a response model).
_SEALED = "__sealed__"


# The claim's upsert, built once per database: on the hot path of every keyed create (the
# SPA sends a key with each card), building it anew cost more CPU than running it.
_CLAIMS: dict[str, ReturningInsert[uuid.UUID]] = {}
# What a takeover of an expired record replaces (its id and key stay).
_RENEWED = (
    "created_at",
    "updated_at",
    "organization_id",
    "fingerprint",
    "response_status",
    "response_body",
)


def _claim_statement(session: AsyncSession) -> ReturningInsert[uuid.UUID]:
    dialect = dialect_name(session)
    cached = _CLAIMS.get(dialect)
    if cached is None:
        statement = upsert(session, IdempotencyRecord)
        cached = statement.on_conflict_do_update(
            index_elements=[col(IdempotencyRecord.principal), col(IdempotencyRecord.key)],
            set_={name: statement.excluded[name] for name in _RENEWED},
            where=col(IdempotencyRecord.created_at) <= bindparam("live_since"),
        ).returning(col(IdempotencyRecord.id))
        _CLAIMS[dialect] = cached
    return cached


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status_code: int
    body: Any


@dataclass
class IdempotentCreate:
    session: AsyncSession
    caller: Caller
    key: str | None
    request_fingerprint: str
    secret_box: SecretBox

    @property
    def principal(self) -> str:
        # A key acts as its admin but keeps its own keyspace: a script's retries never
        # replay (or collide with) what the admin sent by hand.
        if self.caller.api_key_id is not None:
            return f"api_key:{self.caller.api_key_id}"
        return f"user:{self.caller.user_id}"

    async def _stored(self, live_since: datetime) -> IdempotencyRecord | None:
        return await self.session.scalar(
            select(IdempotencyRecord).where(
                col(IdempotencyRecord.principal) == self.principal,
                col(IdempotencyRecord.key) == self.key,
                col(IdempotencyRecord.created_at) > live_since,
            )
        )

    def _context(self, field: str) -> str:
        return f"idempotency:{self.principal}:{self.key}:{field}"

    def _replay(self, record: IdempotencyRecord) -> StoredResponse:
        if record.fingerprint != self.request_fingerprint:
            raise InvalidInput(
                "This Idempotency-Key was already used with a different request", loc=HEADER_LOC
            )
        body = dict(record.response_body)
        for field in body.pop(_SEALED, []):
            body[field] = self.secret_box.open(body[field], context=self._context(field))
        return StoredResponse(record.response_status, body)

    async def _claim(self, live_since: datetime, status_code: int) -> uuid.UUID | None:
        """Take the key: insert its record, or take over an expired one (a retry after the
        retention is a new request). None when a live record holds it: a first request that
        committed, or that PostgreSQL made us wait for on the unique key until it committed.
        One statement, so a keyed create costs two more than an unkeyed one (this and the
        stored response), not a read, a delete and a savepoint around the insert."""
        now = utcnow()
        return await self.session.scalar(
            _claim_statement(self.session),
            {
                "id": uuid.uuid4(),
                "created_at": now,
                "updated_at": now,
                "organization_id": self.caller.organization_id,
                "principal": self.principal,
                "key": self.key,
                "fingerprint": self.request_fingerprint,
                "response_status": status_code,
                "response_body": {},
                "live_since": live_since,
            },
        )

    async def run(
        self,
        produce: Callable[[], Awaitable[BaseModel]],
        *,
        status_code: int,
        sealed: tuple[str, ...] = (),
    ) -> BaseModel | StoredResponse:
        """Run ``produce`` once per key; later calls get the stored first response, with the
        ``sealed`` fields (secrets shown once) kept sealed in between."""
        if self.key is None:
            return await produce()
        live_since = utcnow() - RETENTION
        record_id = await self._claim(live_since, status_code)
        if record_id is None:
            existing = await self._stored(live_since)
            if existing is None:  # cannot happen: the conflicting row is live and committed
                raise RuntimeError("Idempotency-Key conflict without a stored record")
            return self._replay(existing)
        result = await produce()
        body = result.model_dump(mode="json")
        for field in sealed:
            if body.get(field) is not None:
                body[field] = self.secret_box.seal(body[field], context=self._context(field))
                body.setdefault(_SEALED, []).append(field)
        await self.session.execute(
            update(IdempotencyRecord)
            .where(col(IdempotencyRecord.id) == record_id)
            .values(response_body=body)
        )
        return result
