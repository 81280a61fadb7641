"""Outbound webhook endpoints and their delivery log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import MISSING, ConfigDict, Field, StrictBool, field_validator

from api.models import DeliveryState, WebhookEventType
from api.pagination import Page
from api.schemas.base import NO_NUL, RequestModel, ResponseModel, UpdateModel

# The syntax only; whether the host may be called is the SSRF guard's call (422 with a reason).
WebhookURL = Annotated[
    str,
    Field(
        min_length=8,
        max_length=2048,
        # Spaces spelled out, not \s: Python's and JSON Schema's (ECMA) \s differ (U+0085,
        # U+FEFF...), and a client must read the rule as the server applies it.
        pattern=r"^https?://[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+$",
        description="https (http outside production); must resolve to a public address",
        examples=["https://hooks.example.com/mastermind"],
    ),
]
Events = Annotated[
    list[WebhookEventType],
    Field(min_length=1, max_length=len(WebhookEventType), description="Event types to receive"),
]
Description = Annotated[str, Field(max_length=500, pattern=NO_NUL)]


def _unique(events: list[WebhookEventType] | None) -> list[WebhookEventType] | None:
    return None if events is None else list(dict.fromkeys(events))


class WebhookEndpointCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "https://hooks.example.com/mastermind",
                    "events": ["session.completed", "project.closed"],
                    "description": "Post outcomes to the sales channel",
                }
            ]
        }
    )
    url: WebhookURL
    events: Events
    description: Description = ""

    _unique_events = field_validator("events")(_unique)


class WebhookEndpointUpdate(UpdateModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"enabled": True}, {"events": ["session.completed"]}]}
    )
    url: WebhookURL | MISSING = MISSING
    events: Events | MISSING = MISSING
    description: Description | MISSING = MISSING
    enabled: StrictBool | MISSING = Field(
        default=MISSING, description="true re-enables an endpoint (after a 410 Gone, say)"
    )

    _unique_events = field_validator("events")(_unique)


class WebhookEndpointRead(ResponseModel):
    id: uuid.UUID
    url: str
    events: list[WebhookEventType]
    description: str
    enabled: bool
    disabled_reason: str | None
    disabled_at: datetime | None
    created_at: datetime
    updated_at: datetime


class WebhookEndpointCreated(WebhookEndpointRead):
    secret: str = Field(
        description="Standard Webhooks signing secret (whsec_...): shown once, keep it safe"
    )


class WebhookEndpointPage(Page[WebhookEndpointRead]):
    pass


class WebhookDeliveryRead(ResponseModel):
    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID = Field(description="Sent as the webhook-id header, the same on retries")
    event_type: WebhookEventType
    payload: dict[str, Any]
    state: DeliveryState
    attempts: int
    last_status_code: int | None
    last_error: str | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime
    updated_at: datetime


class WebhookDeliveryPage(Page[WebhookDeliveryRead]):
    pass
