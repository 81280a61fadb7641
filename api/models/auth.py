"""Sign-in state: refresh tokens and the failed-login throttle's records."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from api.models.base import IdTable, UTCDateTime, enum_type, utcnow


class RefreshToken(IdTable, table=True):
    """One issued refresh token (its id is the JWT's jti); only its hash is kept.

    Tokens rotate inside a family: using a spent token again revokes the family.
    """

    __tablename__ = "refresh_token"

    user_id: uuid.UUID = Field(foreign_key="user.id", ondelete="CASCADE", index=True)
    family_id: uuid.UUID = Field(index=True)
    token_hash: str = Field(max_length=64, repr=False)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ThrottleScope(enum.StrEnum):
    account = "account"
    address = "address"


class LoginFailure(IdTable, table=True):
    """A counted attempt in a sliding window (api/kit/throttle.py): a failed sign-in, per
    account and per address, or a sign-up per address (address scope, keys of their own).

    Kept in the database (not process memory) so every API replica sees the same count.
    """

    __tablename__ = "login_failure"
    __table_args__ = (
        sa.Index("ix_login_failure_scope_key_failed_at", "scope", "key", "failed_at"),
    )

    scope: ThrottleScope = Field(sa_type=enum_type(ThrottleScope, "login_failure_scope"))
    # A SHA-256 of the lower-cased email or the client address: no PII in this table.
    key: str = Field(max_length=64)
    failed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
