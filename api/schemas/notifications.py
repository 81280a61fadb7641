"""In-app notifications and notification preferences (DESIGN 7.6)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import MISSING, ConfigDict, Field, StrictBool

from api.models import HelpRequestState, NotificationKind
from api.pagination import Page
from api.schemas.base import RequestModel, ResponseModel, UpdateModel, WholeNumber

# A reminder at most a week ahead; a handful of them is plenty.
MAX_REMINDER_MINUTES = 7 * 24 * 60
MAX_REMINDERS = 5


class NotificationData(ResponseModel):
    """What the notice is about, for the reader's own language: every field is optional and
    present when the kind has it."""

    actor_name: str | None = Field(default=None, description="Who caused it")
    project_id: uuid.UUID | None = None
    project_title: str | None = None
    session_id: uuid.UUID | None = None
    session_title: str | None = None
    scheduled_at: datetime | None = None
    minutes_before: int | None = Field(default=None, description="Reminders: how long before")
    action_item_id: uuid.UUID | None = None
    action_item_title: str | None = None
    due_on: date | None = Field(default=None, description="Overdue action items: the due date")
    help_request_id: uuid.UUID | None = None
    help_request_state: HelpRequestState | None = Field(
        default=None, description="Help requests: the answer now"
    )
    message: str | None = Field(default=None, description="Help requests: the asker's words")
    # The weekly summary: the manager's teams over one ISO week in the organization's zone.
    week_starts_on: date | None = Field(default=None, description="Weekly summary: its Monday")
    team_names: list[str] | None = Field(default=None, description="Weekly summary: the teams")
    sessions_held: int | None = Field(default=None, description="Weekly summary")
    minutes_given: int | None = Field(default=None, description="Weekly summary: by helpers")
    ideas_adopted: int | None = Field(default=None, description="Weekly summary")
    projects_won: int | None = Field(default=None, description="Weekly summary")
    projects_lost: int | None = Field(default=None, description="Weekly summary")
    overdue_action_items: int | None = Field(
        default=None, description="Weekly summary: open past their due date, now"
    )


class NotificationRead(ResponseModel):
    id: uuid.UUID
    kind: NotificationKind
    data: NotificationData
    link: str = Field(description="The SPA path the notice opens")
    read_at: datetime | None = Field(description="Null while unread")
    created_at: datetime


class NotificationPage(Page[NotificationRead]):
    unread_count: int = Field(description="How many of your notifications are unread (all pages)")


class ReadAllResult(ResponseModel):
    marked: int = Field(description="How many were unread until now")


class KindPreference(ResponseModel):
    kind: NotificationKind
    email: bool
    in_app: bool


class NotificationPreferencesRead(ResponseModel):
    kinds: list[KindPreference] = Field(description="Every kind, with its two channels")
    reminder_minutes: list[int] = Field(
        description="Minutes before a session you are reminded, largest first"
    )


class KindPreferenceUpdate(RequestModel):
    kind: NotificationKind
    email: StrictBool | MISSING = MISSING
    in_app: StrictBool | MISSING = MISSING


ReminderMinutes = Annotated[int, Field(ge=1, le=MAX_REMINDER_MINUTES), WholeNumber]


class NotificationPreferencesUpdate(UpdateModel):
    """``PATCH /users/me/notification-preferences``: the kinds named change (a channel left
    out stays as it is; a kind named twice, the later wins); ``reminder_minutes`` replaces
    the list (``[]``: no reminders)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kinds": [{"kind": "session_reminder", "email": False}]},
                {"reminder_minutes": [60, 10]},
            ]
        },
    )

    kinds: Annotated[list[KindPreferenceUpdate], Field(max_length=50)] | MISSING = MISSING
    reminder_minutes: (
        Annotated[list[ReminderMinutes], Field(max_length=MAX_REMINDERS)] | MISSING
    ) = MISSING
