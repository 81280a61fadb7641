"""The reciprocity ledger: help given and received, per person."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field

from api.kit.periods import PeriodKind


class LedgerRow(BaseModel):
    user_id: uuid.UUID
    full_name: str
    minutes_given: int
    minutes_received: int
    balance_minutes: int
    sessions_attended: int
    contributions_count: int
    ideas_adopted: int
    helped_people: int
    helped_by_people: int


class LedgerPage(BaseModel):
    items: list[LedgerRow]
    next_cursor: str | None = None
    since: date
    until: date
    period: PeriodKind | None = Field(
        default=None, description="The named period these days are, if they are one"
    )
    fiscal_year: int | None = Field(
        default=None, description="Calendar year the period's (fiscal) year starts in"
    )
    quarter: int | None = Field(default=None, description="1-4 for a (fiscal) quarter")
