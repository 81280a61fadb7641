"""Clients (the rep's castle) and the buyers at them."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from api.kit.folding import fold_columns
from api.models.base import (
    IdTable,
    SearchGrams,
    UTCDateTime,
    enum_type,
    postgresql_only,
    search_prefix_index,
)
from api.models.search import folded_on_write


class ClientStatus(enum.StrEnum):
    prospect = "prospect"
    active = "active"
    dormant = "dormant"
    lost = "lost"


class BuyingRole(enum.StrEnum):
    decision_maker = "decision_maker"
    influencer = "influencer"
    champion = "champion"
    gatekeeper = "gatekeeper"
    user = "user"


class Client(IdTable, table=True):
    __tablename__ = "client"
    __table_args__ = (
        # A CRM company maps to one client per organization and source.
        sa.UniqueConstraint("organization_id", "external_source", "external_id"),
        sa.Index("ix_client_organization_id_created_at", "organization_id", "created_at", "id"),
        postgresql_only(sa.Index("ix_client_search_grams", "search_grams", postgresql_using="gin")),
    )

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    owner_id: uuid.UUID = Field(foreign_key="user.id", ondelete="RESTRICT", index=True)
    name: str = Field(max_length=200)
    industry: str = Field(default="", max_length=120)
    status: ClientStatus = Field(
        default=ClientStatus.prospect, sa_type=enum_type(ClientStatus, "client_status")
    )
    notes: str = Field(default="", sa_type=sa.Text)
    external_source: str | None = Field(default=None, max_length=40)
    external_id: str | None = Field(default=None, max_length=200)
    # Deleting archives: closed projects keep pointing at their client.
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The name folded for search, and its grams (api/kit/folding.py); kept by
    # folded_on_write below, never written by hand.
    search_text: str = Field(
        default="",
        sa_type=sa.Text,
        sa_column_kwargs={"default": lambda c: _folded(c)["search_text"]},
    )
    search_grams: list[str] = Field(
        default_factory=list,
        sa_type=SearchGrams,
        sa_column_kwargs={"default": lambda c: _folded(c)["search_grams"]},
    )


CLIENT_SEARCH_SOURCES = ("name",)


def _folded(context: Any) -> dict[str, Any]:
    """The search columns of a row inserted through Core, from its other values."""
    return fold_columns(context.get_current_parameters(), CLIENT_SEARCH_SOURCES, with_grams=True)


folded_on_write(Client, CLIENT_SEARCH_SOURCES, with_grams=True)
search_prefix_index(Client)


class Contact(IdTable, table=True):
    __tablename__ = "contact"

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    client_id: uuid.UUID = Field(foreign_key="client.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=200)
    title: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=60)
    buying_role: BuyingRole = Field(
        default=BuyingRole.influencer, sa_type=enum_type(BuyingRole, "contact_buying_role")
    )
    notes: str = Field(default="", sa_type=sa.Text)
