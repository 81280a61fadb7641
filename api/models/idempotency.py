"""Stored responses of idempotent requests, replayed when a client retries with the same key."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from api.models.base import IdTable


class IdempotencyRecord(IdTable, table=True):
    """The first response to a create request sent with an Idempotency-Key.

    Inserted in the same transaction as the created row, so a concurrent duplicate waits
    on the unique key and then replays the stored response instead of creating twice.
    """

    __tablename__ = "idempotency_record"
    __table_args__ = (sa.UniqueConstraint("principal", "key"),)

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    principal: str = Field(max_length=80)  # "user:<uuid>" (API keys get their own namespace)
    key: str = Field(max_length=255)
    fingerprint: str = Field(max_length=64)  # SHA-256 of method, path and body
    response_status: int
    response_body: Any = Field(sa_type=sa.JSON)
