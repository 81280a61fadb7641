"""What each outbound webhook event carries (DESIGN 7.4), and the body it travels in.

A subscriber should act without calling back: every event names its project (with the
CRM ids it came from) and client, people come with their names and emails, and ``url``
links open the SPA (``PUBLIC_BASE_URL``; null when it is unset). The project and action
item events keep the resource's own fields at the top level, as they always had, and add
these beside them. The models are the ``webhooks`` section of openapi.json.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import Field

from api.models import ProjectStatus, SessionPurpose, WebhookEventType
from api.schemas.action_items import ActionItemRead
from api.schemas.base import ResponseModel
from api.schemas.projects import ProjectRead
from api.schemas.sessions import SessionOutcome

Link = str | None


class PersonRef(ResponseModel):
    id: uuid.UUID
    full_name: str
    email: str


class ClientRef(ResponseModel):
    id: uuid.UUID
    name: str


class ProjectRef(ResponseModel):
    id: uuid.UUID
    title: str
    status: ProjectStatus
    external_source: str | None = Field(description="The CRM it came from, if any")
    external_id: str | None = Field(description="Its id in that CRM (the deal id)")
    url: Link = Field(description="The project's page in the SPA")


class ProjectEventData(ProjectRead):
    """``project.created``, ``project.updated`` and ``project.closed``."""

    url: Link = Field(description="The project's page in the SPA")
    project: ProjectRef
    client: ClientRef | None
    owner: PersonRef


class SessionScheduledData(ResponseModel):
    """``session.scheduled``: a session is planned, or moved to another time."""

    id: uuid.UUID
    title: str
    purpose: SessionPurpose
    agenda: str
    scheduled_at: datetime
    timebox_minutes: int
    url: Link = Field(description="The session room in the SPA")
    project: ProjectRef
    client: ClientRef | None
    facilitator: PersonRef | None
    participants: list[PersonRef]


class SessionCompletedData(SessionOutcome):
    """``session.completed``: the outcome, as ``GET /sessions/{id}/outcome``, and context."""

    title: str
    purpose: SessionPurpose
    url: Link = Field(description="The outcome in the SPA")
    project: ProjectRef
    client: ClientRef | None
    participants: list[PersonRef]


class ActionItemEventData(ActionItemRead):
    """``action_item.created`` and ``action_item.completed``."""

    url: Link = Field(description="The action item's project in the SPA")
    project: ProjectRef
    client: ClientRef | None
    assignee: PersonRef


Data = TypeVar("Data", bound=ResponseModel)


class WebhookEnvelope(ResponseModel, Generic[Data]):
    """The body of every delivery (Standard Webhooks): signed with the endpoint's secret,
    ``webhook-id`` the same on every retry and for every endpoint."""

    type: WebhookEventType
    timestamp: datetime
    data: Data


# Named bodies, so generated receivers get readable type names.
class ProjectEvent(WebhookEnvelope[ProjectEventData]):
    pass


class SessionScheduledEvent(WebhookEnvelope[SessionScheduledData]):
    pass


class SessionCompletedEvent(WebhookEnvelope[SessionCompletedData]):
    pass


class ActionItemEvent(WebhookEnvelope[ActionItemEventData]):
    pass


# The body of each event type, for the contract (openapi.json ``webhooks``).
EVENT_BODY: dict[WebhookEventType, type[WebhookEnvelope[Any]]] = {
    WebhookEventType.project_created: ProjectEvent,
    WebhookEventType.project_updated: ProjectEvent,
    WebhookEventType.project_closed: ProjectEvent,
    WebhookEventType.session_scheduled: SessionScheduledEvent,
    WebhookEventType.session_completed: SessionCompletedEvent,
    WebhookEventType.action_item_created: ActionItemEvent,
    WebhookEventType.action_item_completed: ActionItemEvent,
}
