"""Idempotency-Key on create requests: a replay answers with the first response.

The record is inserted before the work and in the same transaction, so a concurrent
duplicate blocks on the unique key (PostgreSQL) until the first one commits, then replays.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.errors import InvalidInput
from api.kit.principal import Caller
from api.models import IdempotencyRecord, utcnow
from api.security import SecretBox

# How long a key is remembered; a client retrying after a day is making a new request.
RETENTION = timedelta(hours=24)
HEADER_LOC: list[str | int] = ["header", "Idempotency-Key"]


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class SecretField:
    """A field of a create's response that is a secret shown once (a webhook endpoint's
    signing secret): kept sealed in the record, opened again only to replay it."""

    name: str
    box: SecretBox

    def context(self, record: IdempotencyRecord) -> str:
        return f"idempotency_record:{record.id}:{self.name}"


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

    @property
    def principal(self) -> str:
        # A key acts as its admin but keeps its own keyspace: a script's retries never
        # replay (or collide with) what the admin sent by hand.
        if self.caller.api_key_id is not None:
            return f"api_key:{self.caller.api_key_id}"
        return f"user:{self.caller.user_id}"

    async def _stored(self) -> IdempotencyRecord | None:
        return await self.session.scalar(
            select(IdempotencyRecord).where(
                col(IdempotencyRecord.principal) == self.principal,
                col(IdempotencyRecord.key) == self.key,
                col(IdempotencyRecord.created_at) > utcnow() - RETENTION,
            )
        )

    def _replay(self, record: IdempotencyRecord, secret: SecretField | None) -> StoredResponse:
        if record.fingerprint != self.request_fingerprint:
            raise InvalidInput(
                "This Idempotency-Key was already used with a different request", loc=HEADER_LOC
            )
        body = record.response_body
        if secret is not None and isinstance(body, dict) and body.get(secret.name):
            body = {
                **body,
                secret.name: secret.box.open(body[secret.name], context=secret.context(record)),
            }
        return StoredResponse(record.response_status, body)

    async def run(
        self,
        produce: Callable[[], Awaitable[BaseModel]],
        *,
        status_code: int,
        secret: SecretField | None = None,
    ) -> BaseModel | StoredResponse:
        """Run ``produce`` once per key; later calls get the stored first response (with
        ``secret``, that field is stored sealed and opened for the replay)."""
        if self.key is None:
            return await produce()
        existing = await self._stored()
        if existing is not None:
            return self._replay(existing, secret)
        # Only an expired record may be cleared: a live one belongs to a concurrent request
        # that committed after our read, and deleting it would let a duplicate through.
        await self.session.execute(
            delete(IdempotencyRecord).where(
                col(IdempotencyRecord.principal) == self.principal,
                col(IdempotencyRecord.key) == self.key,
                col(IdempotencyRecord.created_at) <= utcnow() - RETENTION,
            )
        )
        record = IdempotencyRecord(
            organization_id=self.caller.organization_id,
            principal=self.principal,
            key=self.key,
            fingerprint=self.request_fingerprint,
            response_status=status_code,
            response_body={},
        )
        try:
            async with self.session.begin_nested():
                self.session.add(record)
        except IntegrityError:
            # A concurrent request with this key committed first: answer as it did.
            winner = await self._stored()
            if winner is None:
                raise
            return self._replay(winner, secret)
        result = await produce()
        body = result.model_dump(mode="json")
        if secret is not None and body.get(secret.name):
            body[secret.name] = secret.box.seal(body[secret.name], context=secret.context(record))
        record.response_body = body
        await self.session.flush()
        return result
