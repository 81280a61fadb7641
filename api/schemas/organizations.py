"""The organization and its settings as the API shows and takes them (DESIGN 7.3)."""

from __future__ import annotations

import functools
import uuid
import zoneinfo
from datetime import datetime
from typing import Annotated

from pydantic import MISSING, AfterValidator, ConfigDict, Field, StrictBool

from api.models import Locale
from api.schemas.base import (
    NOT_BLANK,
    IsoCurrency,
    ResponseModel,
    Trimmed,
    UpdateModel,
    WholeNumber,
)


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _known_zone(value: str) -> str:
    if value not in _zones():
        raise ValueError("must be an IANA time zone name, e.g. Asia/Tokyo or Europe/Berlin")
    return value


OrganizationName = Annotated[str, Field(min_length=1, max_length=200, pattern=NOT_BLANK), Trimmed]
TimeZone = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_known_zone)]
Month = Annotated[int, Field(ge=1, le=12), WholeNumber]


class OrganizationRead(ResponseModel):
    id: uuid.UUID
    name: str
    time_zone: str
    fiscal_year_start_month: int
    default_currency: str
    locale: Locale
    share_closed_learnings: bool
    created_at: datetime
    updated_at: datetime


class OrganizationUpdate(UpdateModel):
    """Admins only. A new ``time_zone`` re-cuts the ledger's days: its rollups are rebuilt
    in the same transaction, so the answer comes once they are (``ledger_rebuilt_at``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "time_zone": "Asia/Tokyo",
                    "fiscal_year_start_month": 4,
                    "default_currency": "JPY",
                    "locale": "ja",
                }
            ]
        }
    )

    name: OrganizationName | MISSING = MISSING
    time_zone: TimeZone | MISSING = MISSING
    fiscal_year_start_month: Month | MISSING = MISSING
    default_currency: IsoCurrency | MISSING = MISSING
    locale: Locale | MISSING = MISSING
    share_closed_learnings: StrictBool | MISSING = MISSING


class OrganizationSettingsRead(OrganizationRead):
    """The organization as ``GET``/``PATCH /organization`` answer: with when a change of
    zone last rebuilt its ledger (``null``: never needed)."""

    ledger_rebuilt_at: datetime | None
