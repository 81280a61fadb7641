"""Presence: who had a session's live room open, and when (measured attendance)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.models.base import UTCDateTime


class PresenceInterval(SQLModel, table=True):
    """One open live stream of one person in one session: from its opening to its clean close,
    or to its last heartbeat when it dropped (the stream extends ``seen_at`` periodically)."""

    __tablename__ = "presence_interval"
    __table_args__ = (sa.Index("ix_presence_interval_session_id_user_id", "session_id", "user_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    session_id: uuid.UUID = Field(foreign_key="mastermind_session.id", ondelete="CASCADE")
    user_id: uuid.UUID = Field(foreign_key="user.id", ondelete="CASCADE")
    opened_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    seen_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    # Set by the stream's clean close, or to seen_at by whoever finds the stream stale.
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
