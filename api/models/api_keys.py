"""API keys for machine callers, and their rate-limit windows."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.models.base import IdTable, UTCDateTime


class ApiKey(IdTable, table=True):
    """A key for scripts: only its SHA-256 is stored; it acts for the admin who created it,
    within its scopes (api/services/api_keys.py says how)."""

    __tablename__ = "api_key"
    __table_args__ = (
        sa.Index("ix_api_key_organization_id_created_at", "organization_id", "created_at", "id"),
    )

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    created_by_id: uuid.UUID = Field(foreign_key="user.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=120)
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, unique=True, repr=False)
    scopes: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiKeyWindow(SQLModel, table=True):
    """Requests of one key in one fixed one-minute window, counted with an atomic upsert in
    the database so every API replica shares the count."""

    __tablename__ = "api_key_window"

    api_key_id: uuid.UUID = Field(foreign_key="api_key.id", ondelete="CASCADE", primary_key=True)
    # Minutes since the Unix epoch: an integer compares the same on every database.
    window: int = Field(primary_key=True, sa_type=sa.BigInteger)
    hits: int = Field(default=0)
