"""Chat channels (DESIGN 7.6): a team's Slack, Microsoft Teams or Chatwork room that hears
about the team's projects, and the queue of messages on their way to it.

The events are the outbound webhooks' own (``WebhookEventType``) and travel through the
same outbox: ``outbox.emit`` writes one ``webhook_event`` row per change and, beside the
webhook deliveries, one ``chat_delivery`` per enabled channel of a team whose member owns
the project; the webhook worker's loop drains both (api/services/chat_channel_worker.py).
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.models.base import IdTable, UTCDateTime, enum_type
from api.models.webhooks import DeliveryState, WebhookEventType


class ChatProvider(enum.StrEnum):
    slack = "slack"  # an incoming webhook URL; Block Kit messages
    teams = "teams"  # a Workflows ("When a Teams webhook request is received") URL; Adaptive Cards
    chatwork = "chatwork"  # the REST API: a room id and an API token; Chatwork message syntax


class ChatChannel(IdTable, table=True):
    __tablename__ = "chat_channel"
    __table_args__ = (
        sa.Index("ix_chat_channel_team_id_created_at", "team_id", "created_at", "id"),
        sa.Index("ix_chat_channel_organization_id_created_at", "organization_id", "created_at"),
    )

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    team_id: uuid.UUID = Field(foreign_key="team.id", ondelete="CASCADE")
    provider: ChatProvider = Field(sa_type=enum_type(ChatProvider, "chat_provider"))
    label: str = Field(default="", max_length=120)
    # Chatwork's room (not a secret: the token is). None for Slack and Teams.
    room_id: str | None = Field(default=None, max_length=20)
    # The webhook URL (Slack, Teams: whoever has it can post) or the API token (Chatwork),
    # sealed by api.security.SecretBox bound to this row; the API shows only ``secret_hint``.
    secret_ciphertext: str = Field(sa_type=sa.Text)
    secret_hint: str = Field(max_length=200)
    enabled: bool = Field(default=True)
    disabled_reason: str | None = Field(default=None, max_length=200)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # What the room last answered, written by the worker (and a test message) so the team's
    # screen can say "last posted at" or why it did not, without reading the queue.
    last_delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)
    created_by_id: uuid.UUID | None = Field(
        default=None, foreign_key="user.id", ondelete="SET NULL"
    )


class ChatChannelSubscription(SQLModel, table=True):
    """One row per (channel, event type), as webhook subscriptions: the outbox asks "does
    anyone listen" and fans out with indexed lookups instead of reading event lists."""

    __tablename__ = "chat_channel_subscription"
    __table_args__ = (
        sa.Index(
            "ix_chat_channel_subscription_organization_id_event_type",
            "organization_id",
            "event_type",
        ),
    )

    channel_id: uuid.UUID = Field(
        foreign_key="chat_channel.id", ondelete="CASCADE", primary_key=True
    )
    event_type: WebhookEventType = Field(
        sa_type=enum_type(WebhookEventType, "chat_event_type"), primary_key=True
    )
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")


class ChatDelivery(IdTable, table=True):
    """One event on its way to one channel: the worker's queue (leases and retries as a
    webhook delivery's)."""

    __tablename__ = "chat_delivery"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "channel_id"),
        sa.Index("ix_chat_delivery_state_next_attempt_at", "state", "next_attempt_at"),
        sa.Index("ix_chat_delivery_channel_id_created_at", "channel_id", "created_at", "id"),
        sa.CheckConstraint("attempts >= 0", name="attempts_non_negative"),
    )

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    channel_id: uuid.UUID = Field(foreign_key="chat_channel.id", ondelete="CASCADE")
    event_id: uuid.UUID = Field(foreign_key="webhook_event.id", ondelete="CASCADE")
    state: DeliveryState = Field(
        default=DeliveryState.pending, sa_type=enum_type(DeliveryState, "chat_delivery_state")
    )
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claim_token: uuid.UUID | None = Field(default=None)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = Field(default=None)
    last_error: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
