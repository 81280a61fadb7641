"""In-app notifications, each person's notification preferences, and help requests
(DESIGN 7.6).

A notification is written in the transaction of the event that causes it (the same places
that queue mail, through one fan-out in api/services/notifications.py), so it exists exactly
when the change does. Preferences are one row per person who changed a default: the kinds
they turned off per channel (a kind added later is on for everyone) and their reminder
offsets (NULL: the deployment's ``REMINDER_MINUTES``).
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.models.base import IdTable, UTCDateTime, enum_type, utcnow


class NotificationKind(enum.StrEnum):
    project_invitation = "project_invitation"
    session_scheduled = "session_scheduled"
    session_changed = "session_changed"
    session_cancelled = "session_cancelled"
    session_reminder = "session_reminder"
    action_item_assigned = "action_item_assigned"
    action_item_overdue = "action_item_overdue"
    help_request = "help_request"
    help_request_answered = "help_request_answered"
    weekly_summary = "weekly_summary"


class Notification(IdTable, table=True):
    """One notice in one person's inbox. ``data`` holds what the SPA words it with (names,
    titles, ids), so it reads in the language of whoever opens it; ``link`` is the SPA path
    it opens."""

    __tablename__ = "notification"
    __table_args__ = (
        # The inbox, newest first, and its unread part (the bell's count).
        sa.Index("ix_notification_user_id_created_at_id", "user_id", "created_at", "id"),
        sa.Index("ix_notification_user_id_read_at", "user_id", "read_at"),
    )

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    user_id: uuid.UUID = Field(foreign_key="user.id", ondelete="CASCADE")
    kind: NotificationKind = Field(sa_type=enum_type(NotificationKind, "notification_kind"))
    data: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    link: str = Field(max_length=300)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Notices that must exist once however many workers look (reminders, overdue action
    # items, weekly summaries), like mail's.
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)


class NotificationPreference(SQLModel, table=True):
    """A person's departures from the defaults (every kind on in every channel)."""

    __tablename__ = "notification_preference"

    user_id: uuid.UUID = Field(primary_key=True, foreign_key="user.id", ondelete="CASCADE")
    email_off: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    in_app_off: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    reminder_minutes: list[int] | None = Field(default=None, sa_type=sa.JSON(none_as_null=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class HelpRequestState(enum.StrEnum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"


class HelpRequest(IdTable, table=True):
    """Someone who may invite to a project asks a colleague to help on it ("Ask to help");
    accepting seats them as a helper through the project's seat service."""

    __tablename__ = "help_request"
    __table_args__ = (sa.Index("ix_help_request_user_id_state", "user_id", "state"),)

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    project_id: uuid.UUID = Field(foreign_key="project.id", ondelete="CASCADE", index=True)
    requester_id: uuid.UUID = Field(foreign_key="user.id", ondelete="CASCADE")
    user_id: uuid.UUID = Field(foreign_key="user.id", ondelete="CASCADE")
    message: str = Field(max_length=2000)
    state: HelpRequestState = Field(
        default=HelpRequestState.pending, sa_type=enum_type(HelpRequestState, "help_request_state")
    )
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
