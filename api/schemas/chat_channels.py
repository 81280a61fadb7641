"""Chat channels: a team's Slack, Microsoft Teams or Chatwork room (DESIGN 7.6).

The secret that lets anyone post to the room (a Slack or Teams webhook URL, a Chatwork API
token) is write-only: it is sealed at rest and the API answers only ``secret_hint``, enough
to tell two channels apart.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import MISSING, ConfigDict, Field, RootModel, StrictBool, field_validator

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


def _unique(events: list[WebhookEventType] | None) -> list[WebhookEventType] | None:
    return None if events is None else list(dict.fromkeys(events))


TEAM_ID = "0b5e3c1a-6f2d-4a8e-9c7b-2d4f6a8c0e1f"
SLACK_EXAMPLE: dict[str, Any] = {
    "provider": "slack",
    "team_id": TEAM_ID,
    "events": ["session.scheduled", "project.closed"],
    "webhook_url": "https://hooks.slack.com/services/T000/B000/XXXXXXXX",
    "label": "#sales-tokyo",
}
TEAMS_EXAMPLE: dict[str, Any] = {
    "provider": "teams",
    "team_id": TEAM_ID,
    "events": ["action_item.created"],
    "webhook_url": "https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke",
}
CHATWORK_EXAMPLE: dict[str, Any] = {
    "provider": "chatwork",
    "team_id": TEAM_ID,
    "events": ["session.scheduled"],
    "api_token": "0123456789abcdef0123456789abcdef",
    "room_id": "123456789",
}


class _ChannelCreate(RequestModel):
    team_id: uuid.UUID
    events: Events
    label: Label = ""

    _unique_events = field_validator("events")(_unique)


# One body per provider, told apart by ``provider``: each takes its own fields and no
# other's (unknown fields are refused), so openapi.json says exactly what each needs.
class SlackChannelCreate(_ChannelCreate):
    model_config = ConfigDict(json_schema_extra={"examples": [SLACK_EXAMPLE]})
    provider: Literal[ChatProvider.slack]
    webhook_url: WebhookURL = Field(description="The Slack app's incoming webhook URL")


class TeamsChannelCreate(_ChannelCreate):
    model_config = ConfigDict(json_schema_extra={"examples": [TEAMS_EXAMPLE]})
    provider: Literal[ChatProvider.teams]
    webhook_url: WebhookURL = Field(
        description='The Workflows webhook URL ("When a Teams webhook request is received")'
    )


class ChatworkChannelCreate(_ChannelCreate):
    model_config = ConfigDict(json_schema_extra={"examples": [CHATWORK_EXAMPLE]})
    provider: Literal[ChatProvider.chatwork]
    api_token: ChatworkToken
    room_id: RoomId


AnyChannelCreate = Annotated[
    SlackChannelCreate | TeamsChannelCreate | ChatworkChannelCreate,
    Field(discriminator="provider"),
]


class ChatChannelCreate(RootModel[AnyChannelCreate]):
    """A Slack, Teams or Chatwork channel, by ``provider``."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [SLACK_EXAMPLE, TEAMS_EXAMPLE, CHATWORK_EXAMPLE]}
    )


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
