"""Outbound webhooks: subscriber endpoints, the events they subscribe to, and the outbox
(one event row per change, one delivery row per subscribed endpoint) the worker drains."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.models.base import IdTable, UTCDateTime, enum_type, utcnow


class WebhookEventType(enum.StrEnum):
    project_created = "project.created"
    project_updated = "project.updated"
    project_closed = "project.closed"
    session_scheduled = "session.scheduled"
    session_completed = "session.completed"
    action_item_created = "action_item.created"
    action_item_completed = "action_item.completed"


class DeliveryState(enum.StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class WebhookEndpoint(IdTable, table=True):
    __tablename__ = "webhook_endpoint"
    __table_args__ = (
        sa.Index(
            "ix_webhook_endpoint_organization_id_created_at", "organization_id", "created_at", "id"
        ),
    )

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    url: str = Field(max_length=2048)
    description: str = Field(default="", max_length=500)
    enabled: bool = Field(default=True)
    # Why the endpoint stopped (a 410 from the receiver, or an admin): shown in the API.
    disabled_reason: str | None = Field(default=None, max_length=200)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The signing secret, sealed by api.security.SecretBox (api/services/webhooks.py): the
    # worker can sign with it, nobody can read it back through the API.
    secret_ciphertext: str = Field(sa_type=sa.Text)


class WebhookSubscription(SQLModel, table=True):
    """One row per (endpoint, event type): the outbox fans an event out with one indexed
    INSERT ... SELECT over these rows instead of reading every endpoint's event list."""

    __tablename__ = "webhook_subscription"
    __table_args__ = (
        sa.Index(
            "ix_webhook_subscription_organization_id_event_type", "organization_id", "event_type"
        ),
    )

    endpoint_id: uuid.UUID = Field(
        foreign_key="webhook_endpoint.id", ondelete="CASCADE", primary_key=True
    )
    event_type: WebhookEventType = Field(
        sa_type=enum_type(WebhookEventType, "webhook_event_type"), primary_key=True
    )
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")


class WebhookEvent(SQLModel, table=True):
    """What happened, written in the transaction of the change (only when someone listens)."""

    __tablename__ = "webhook_event"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    type: WebhookEventType = Field(sa_type=enum_type(WebhookEventType, "webhook_event_type"))
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)


class WebhookDelivery(IdTable, table=True):
    """One event on its way to one endpoint: the worker's queue and the delivery log."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "endpoint_id"),
        # The worker's claim: pending rows that are due.
        sa.Index("ix_webhook_delivery_state_next_attempt_at", "state", "next_attempt_at"),
        # The delivery log of one endpoint, newest first.
        sa.Index("ix_webhook_delivery_endpoint_id_created_at", "endpoint_id", "created_at", "id"),
        sa.CheckConstraint("attempts >= 0", name="attempts_non_negative"),
    )

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    endpoint_id: uuid.UUID = Field(foreign_key="webhook_endpoint.id", ondelete="CASCADE")
    event_id: uuid.UUID = Field(foreign_key="webhook_event.id", ondelete="CASCADE")
    state: DeliveryState = Field(
        default=DeliveryState.pending, sa_type=enum_type(DeliveryState, "webhook_delivery_state")
    )
    attempts: int = Field(default=0)
    # When the worker may try next; null once delivered or failed.
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A worker's lease on the row while it posts: a crashed worker's rows come back after it.
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claim_token: uuid.UUID | None = Field(default=None)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = Field(default=None)
    last_error: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
