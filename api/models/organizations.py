"""The tenant: every other row belongs to exactly one organization."""

from __future__ import annotations

from sqlmodel import Field

from api.models.base import IdTable


class Organization(IdTable, table=True):
    __tablename__ = "organization"

    name: str = Field(max_length=200)
    # Ledger periods are cut at midnight in this zone (IANA name).
    time_zone: str = Field(default="UTC", max_length=64)
