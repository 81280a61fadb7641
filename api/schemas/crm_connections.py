"""CRM connections (credentials shown once), the events they delivered, and hook replies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field

from api.models import CrmProvider, InboundResult
from api.pagination import Page
from api.schemas.base import NO_NUL, NOT_BLANK, RequestModel, ResponseModel, Trimmed

Token = Annotated[str, Field(min_length=1, max_length=500, pattern=r"^[\x21-\x7e]+$")]


class CrmConnectionCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "provider": "pipedrive",
                    "name": "Pipedrive (sales EU)",
                    "default_owner_id": "0b5e3c1a-6f2d-4a8e-9c7b-2d4f6a8c0e1f",
                },
                {
                    "provider": "hubspot",
                    "name": "HubSpot",
                    "default_owner_id": "0b5e3c1a-6f2d-4a8e-9c7b-2d4f6a8c0e1f",
                    "client_secret": "your-hubspot-app-client-secret",
                },
            ]
        }
    )
    provider: CrmProvider
    name: Annotated[str, Field(min_length=1, max_length=120, pattern=NOT_BLANK), Trimmed]
    default_owner_id: uuid.UUID = Field(
        description="Owns what arrives when the CRM's owner email matches nobody here"
    )
    client_secret: Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)] | None = (
        Field(
            default=None,
            description=(
                "hubspot only, and required there: your HubSpot app's client secret, which "
                "HubSpot signs with (it cannot be chosen here). Stored sealed, never shown."
            ),
        )
    )
    access_token: Token | None = Field(
        default=None,
        description=(
            "hubspot only: a private app's access token (scopes crm.objects.deals.read, "
            "crm.objects.companies.read, crm.objects.owners.read), so the worker reads the "
            "deal, its company, its owner's email and the pipelines' stages. Sealed, never shown."
        ),
    )
    api_token: Token | None = Field(
        default=None,
        description=(
            "pipedrive only: an API token, so the worker reads owners' emails (users API) and "
            "organization names. Sealed, never shown."
        ),
    )
    api_base_url: Annotated[str, Field(min_length=8, max_length=500, pattern=NO_NUL)] | None = (
        Field(
            default=None,
            description=(
                "The CRM API's address, for a proxy or a test double; default "
                "https://api.hubapi.com (hubspot) or https://api.pipedrive.com (pipedrive)"
            ),
        )
    )


class CrmConnectionRead(ResponseModel):
    id: uuid.UUID
    provider: CrmProvider
    name: str
    default_owner_id: uuid.UUID
    webhook_url: str = Field(description="Where the CRM sends its events")
    basic_username: str | None = Field(
        default=None, description="pipedrive: the HTTP Basic user name to configure"
    )
    api_token_set: bool = Field(
        default=False,
        description="An API token (hubspot access_token, pipedrive api_token) is stored",
    )
    api_base_url: str | None = Field(
        default=None, description="The CRM API's address (null: the provider's default)"
    )
    missing: list[str] = Field(
        default_factory=list,
        description=(
            "What the service cannot do with this connection as it is, and why; empty when "
            "nothing is missing"
        ),
    )
    last_event_at: datetime | None = Field(
        default=None, description="When the CRM last sent an event here (null: never)"
    )
    failed_events: int = Field(
        default=0, description="Events that failed to apply and can be retried from the log"
    )
    created_at: datetime
    updated_at: datetime


class CrmConnectionCreated(CrmConnectionRead):
    signing_secret: str | None = Field(
        description=(
            "Shown this once. generic: the Standard Webhooks secret (whsec_...) to sign with; "
            "pipedrive: the HTTP Basic password; hubspot: null (you supplied the secret)"
        )
    )


class CrmConnectionPage(Page[CrmConnectionRead]):
    pass


class CrmInboundEventRead(ResponseModel):
    id: uuid.UUID
    connection_id: uuid.UUID
    external_id: str = Field(
        description=(
            "The event's identity at the CRM (unique per connection); for HubSpot "
            "subscriptionId:eventId:objectId:propertyName"
        )
    )
    event_type: str
    result: InboundResult = Field(
        description="pending: received, not applied yet; failed events can be retried"
    )
    reason: str
    attempts: int = Field(default=0, description="How many times the worker tried to apply it")
    next_attempt_at: datetime | None = Field(
        default=None, description="When a pending event is tried (again)"
    )
    client_id: uuid.UUID | None
    project_id: uuid.UUID | None
    project_title: str | None = Field(
        default=None, description="The title of the project it touched, as it is now"
    )
    payload: str = Field(description="What was received, for inspection")
    created_at: datetime = Field(description="When it was received")
    updated_at: datetime = Field(
        description="When its result was last recorded (applied, failed, or queued again)"
    )


class CrmInboundEventPage(Page[CrmInboundEventRead]):
    pass


class HookEventResult(ResponseModel):
    external_id: str
    result: InboundResult
    reason: str = ""
    replayed: bool = Field(
        default=False, description="Seen before: acknowledged again, nothing changed"
    )
    project_id: uuid.UUID | None = None


class HookAck(ResponseModel):
    events: list[HookEventResult]
