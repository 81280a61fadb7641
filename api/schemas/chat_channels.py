"""Chat channels: a team's Slack, Microsoft Teams or Chatwork room (DESIGN 7.6).

The secret that lets anyone post to the room (a Slack or Teams webhook URL, a Chatwork API
token) is write-only: it is sealed at rest and the API answers only ``secret_hint``, enough
to tell two channels apart.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import MISSING, ConfigDict, Field, StrictBool, field_validator, model_validator

from api.models import ChatProvider, WebhookEventType
from api.pagination import Page
from api.schemas.base import NO_NUL, RequestModel, ResponseModel, Trimmed, UpdateModel
from api.schemas.webhooks import WebhookURL

Events = Annotated[
    list[WebhookEventType],
    Field(
        min_length=1,
        max_length=len(WebhookEventType),
        description="The outbound webhook event types the channel hears about",
    ),
]
Label = Annotated[str, Field(max_length=120, pattern=NO_NUL), Trimmed]
ChatworkToken = Annotated[
    str,
    Field(
        min_length=8,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Chatwork: the API token of the account that posts (X-ChatWorkToken)",
    ),
]
RoomId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=20,
        pattern=r"^[0-9]+$",
        description="Chatwork: the room id (the digits after #!rid in the room's address)",
    ),
]

# Which fields each provider takes: the others must be absent.
NEEDS: dict[ChatProvider, tuple[str, ...]] = {
    ChatProvider.slack: ("webhook_url",),
    ChatProvider.teams: ("webhook_url",),
    ChatProvider.chatwork: ("api_token", "room_id"),
}
SECRET_FIELDS = ("webhook_url", "api_token", "room_id")


def _unique(events: list[WebhookEventType] | None) -> list[WebhookEventType] | None:
    return None if events is None else list(dict.fromkeys(events))


class ChatChannelCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "provider": "slack",
                    "team_id": "0b5e3c1a-6f2d-4a8e-9c7b-2d4f6a8c0e1f",
                    "events": ["session.scheduled", "project.closed"],
                    "webhook_url": "https://hooks.slack.com/services/T000/B000/XXXXXXXX",
                    "label": "#sales-tokyo",
                },
                {
                    "provider": "teams",
                    "team_id": "0b5e3c1a-6f2d-4a8e-9c7b-2d4f6a8c0e1f",
                    "events": ["action_item.created"],
                    "webhook_url": "https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke",
                },
                {
                    "provider": "chatwork",
                    "team_id": "0b5e3c1a-6f2d-4a8e-9c7b-2d4f6a8c0e1f",
                    "events": ["session.scheduled"],
                    "api_token": "0123456789abcdef0123456789abcdef",
                    "room_id": "123456789",
                },
            ]
        }
    )
    provider: ChatProvider
    team_id: uuid.UUID
    events: Events
    label: Label = ""
    webhook_url: WebhookURL | None = Field(
        default=None, description="Slack (incoming webhook) and Teams (Workflows webhook)"
    )
    api_token: ChatworkToken | None = None
    room_id: RoomId | None = None

    _unique_events = field_validator("events")(_unique)

    @model_validator(mode="after")
    def _fields_of_the_provider(self) -> ChatChannelCreate:
        needed = NEEDS[self.provider]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"A {self.provider} channel needs {' and '.join(missing)}")
        extra = [n for n in SECRET_FIELDS if n not in needed and getattr(self, n) is not None]
        if extra:
            raise ValueError(f"A {self.provider} channel takes no {' or '.join(extra)}")
        return self


class ChatChannelUpdate(UpdateModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"enabled": False}, {"events": ["session.scheduled"]}]}
    )
    events: Events | MISSING = MISSING
    label: Label | MISSING = MISSING
    enabled: StrictBool | MISSING = Field(
        default=MISSING, description="false stops the channel (its queued messages are dropped)"
    )

    _unique_events = field_validator("events")(_unique)


class ChatChannelRead(ResponseModel):
    id: uuid.UUID
    team_id: uuid.UUID
    provider: ChatProvider
    label: str
    events: list[WebhookEventType]
    room_id: str | None = Field(description="Chatwork's room; null for Slack and Teams")
    secret_hint: str = Field(
        description="Where it posts, masked (the webhook URL's host and last characters, or "
        "the token's last four): the secret itself is never returned"
    )
    enabled: bool
    disabled_reason: str | None
    disabled_at: datetime | None
    last_delivered_at: datetime | None = Field(description="The last message the room took")
    last_error: str | None = Field(description="Why the last message that failed did")
    created_at: datetime
    updated_at: datetime


class ChatChannelPage(Page[ChatChannelRead]):
    pass


class ChatTestResult(ResponseModel):
    """What the provider answered to a test message, sent at once (not queued)."""

    delivered: bool
    status_code: int | None = Field(description="The provider's HTTP status, if it answered")
    error: str | None
