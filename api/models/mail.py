"""Outbound mail and calendars: the mail outbox, each session's calendar sequence, and the
per-user secret calendar feeds (DESIGN 7.6)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.models.base import IdTable, UTCDateTime, enum_type, utcnow


class MailState(enum.StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class MailMessage(IdTable, table=True):
    """One mail to one recipient, written in the transaction of the change it reports and
    sent by the mail worker (api/services/mail_worker.py), claimed like webhook deliveries."""

    __tablename__ = "mail_message"
    __table_args__ = (
        sa.Index("ix_mail_message_state_next_attempt_at", "state", "next_attempt_at"),
    )

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    user_id: uuid.UUID | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    kind: str = Field(max_length=40)
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    text_body: str = Field(sa_type=sa.Text)
    html_body: str = Field(sa_type=sa.Text)
    # An iCalendar attachment (session mails): its METHOD and the calendar text.
    ics_method: str | None = Field(default=None, max_length=16)
    ics_body: str | None = Field(default=None, sa_type=sa.Text)
    # Mails that must exist once however many workers look (reminders) carry a key; the
    # unique index turns a second insert into nothing.
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    state: MailState = Field(default=MailState.pending, sa_type=enum_type(MailState, "mail_state"))
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claim_token: uuid.UUID | None = None
    last_error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SessionCalendar(SQLModel, table=True):
    """A session's iCalendar SEQUENCE, raised on each change the attendees are told of; the
    mails and the feed read the same number. No row: sequence 0."""

    __tablename__ = "session_calendar"

    session_id: uuid.UUID = Field(
        primary_key=True, foreign_key="mastermind_session.id", ondelete="CASCADE"
    )
    sequence: int = 0


class CalendarFeed(SQLModel, table=True):
    """A person's secret feed URL: only the SHA-256 of its token is kept (api/security.py)."""

    __tablename__ = "calendar_feed"

    user_id: uuid.UUID = Field(primary_key=True, foreign_key="user.id", ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
