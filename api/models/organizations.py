"""The tenant: every other row belongs to exactly one organization, and its settings."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from api.models.base import IdTable, UTCDateTime, enum_type


class Locale(enum.StrEnum):
    """The languages the product speaks (DESIGN 7.3)."""

    ja = "ja"
    en = "en"


class Organization(IdTable, table=True):
    __tablename__ = "organization"
    __table_args__ = (
        sa.CheckConstraint(
            "fiscal_year_start_month BETWEEN 1 AND 12", name="fiscal_year_start_month_range"
        ),
    )

    name: str = Field(max_length=200)
    # Ledger periods are cut at midnight in this zone (IANA name).
    time_zone: str = Field(default="UTC", max_length=64)
    # The month the fiscal year starts in (4 = April, as most Japanese companies).
    fiscal_year_start_month: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    # ISO 4217: what new projects are valued in unless they say otherwise.
    default_currency: str = Field(
        default="EUR", max_length=3, sa_column_kwargs={"server_default": "EUR"}
    )
    locale: Locale = Field(
        default=Locale.en,
        sa_type=enum_type(Locale, "organization_locale"),
        sa_column_kwargs={"server_default": "en"},
    )
    # Closed projects' adopted ideas and outcomes searchable by the whole organization.
    share_closed_learnings: bool = Field(
        default=True, sa_column_kwargs={"server_default": sa.true()}
    )
    # When a change of time zone last rebuilt the ledger's rollups (None: never needed).
    ledger_rebuilt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
