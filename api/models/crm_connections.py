"""CRM connections and the inbound events they delivered."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from api.models.base import IdTable, UTCDateTime, enum_type


class CrmProvider(enum.StrEnum):
    generic = "generic"
    hubspot = "hubspot"
    pipedrive = "pipedrive"


class InboundResult(enum.StrEnum):
    # Stored and acknowledged, not applied yet: the worker applies it (crm_hooks/worker.py).
    pending = "pending"
    created = "created"
    updated = "updated"
    ignored = "ignored"
    failed = "failed"


class CrmConnection(IdTable, table=True):
    """One CRM sending events to ``/hooks/crm/{id}``.

    Its credentials are written once: the HMAC secret sealed (it must be used again to
    verify signatures), Pipedrive's Basic password only as a hash. Deleting a connection
    archives it (``deleted_at``) and wipes its credentials, so its event log stays readable.
    """

    __tablename__ = "crm_connection"
    __table_args__ = (
        sa.Index(
            "ix_crm_connection_organization_id_created_at", "organization_id", "created_at", "id"
        ),
    )

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    provider: CrmProvider = Field(sa_type=enum_type(CrmProvider, "crm_provider"))
    name: str = Field(max_length=120)
    default_owner_id: uuid.UUID = Field(foreign_key="user.id", ondelete="RESTRICT", index=True)
    signing_secret_sealed: str | None = Field(default=None, sa_type=sa.Text, repr=False)
    basic_username: str | None = Field(default=None, max_length=120)
    basic_password_hash: str | None = Field(default=None, max_length=64, repr=False)
    # The CRM API credential (HubSpot private app access token, Pipedrive API token), sealed
    # like the signing secret: the worker reads what a webhook only points at with it.
    api_token_sealed: str | None = Field(default=None, sa_type=sa.Text, repr=False)
    api_base_url: str | None = Field(default=None, max_length=500)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CrmInboundEvent(IdTable, table=True):
    """An event a connection delivered, stored once by its id in the same transaction as its
    effects: the unique key is what makes replays (even concurrent ones) change nothing."""

    __tablename__ = "crm_inbound_event"
    __table_args__ = (
        sa.UniqueConstraint("connection_id", "external_id"),
        sa.Index(
            "ix_crm_inbound_event_connection_id_created_at", "connection_id", "created_at", "id"
        ),
        # The event log's "failed only" page and each connection's failed count.
        sa.Index(
            "ix_crm_inbound_event_connection_id_result_created_at",
            "connection_id",
            "result",
            "created_at",
            "id",
        ),
        sa.Index("ix_crm_inbound_event_result_next_attempt_at", "result", "next_attempt_at"),
    )

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    connection_id: uuid.UUID = Field(foreign_key="crm_connection.id", ondelete="CASCADE")
    external_id: str = Field(max_length=200)
    event_type: str = Field(default="", max_length=80)
    result: InboundResult = Field(sa_type=enum_type(InboundResult, "crm_inbound_result"))
    reason: str = Field(default="", sa_type=sa.Text)
    client_id: uuid.UUID | None = Field(default=None, foreign_key="client.id", ondelete="SET NULL")
    project_id: uuid.UUID | None = Field(
        default=None, foreign_key="project.id", ondelete="SET NULL"
    )
    # What was received (the raw body, or one element of a HubSpot batch), for inspection;
    # the worker applies the event from it.
    payload: str = Field(default="", sa_type=sa.Text)
    # The worker's queue: applications tried, when the next may run, and its lease.
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claim_token: uuid.UUID | None = Field(default=None)


class CrmPropertyStamp(IdTable, table=True):
    """When the value a CRM object's property now has was set at the CRM (HubSpot's
    ``occurredAt``): a change that happened earlier arrives late and changes nothing."""

    __tablename__ = "crm_property_stamp"
    __table_args__ = (
        sa.UniqueConstraint(
            "organization_id",
            "source",
            "object_id",
            "property_name",
            name="uq_crm_property_stamp_object_property",
        ),
    )

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    source: str = Field(max_length=40)
    object_id: str = Field(max_length=200)
    property_name: str = Field(max_length=200)
    occurred_at: int = Field(sa_type=sa.BigInteger)  # milliseconds since the epoch
