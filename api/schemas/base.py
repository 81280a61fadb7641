"""Base classes of request and response models."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)

from api.kit.money import MAX_PLACES, is_currency, places_of

# Text that is stored. PostgreSQL cannot store U+0000, so no text may hold it (SQLite could,
# and both backends must agree). A required text must also hold a character that is not
# blank as ``str.strip()`` sees it. Written this way the patterns mean the same to pydantic's
# regex engine and to Python's ``re`` (which schemathesis generates from): openapi.json and
# the validation agree. The blank characters are listed one by one (every character
# ``str.isspace()`` accepts) rather than written ``\s``: engines disagree on ``\s`` (the
# generator schemathesis uses sent U+0085 as "not blank"; pydantic's engine refused it).
NO_NUL = r"^[^\x00]*$"
_BLANK = r"\x00\x09-\x0d\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK = rf"^[^\x00]*[^{_BLANK}][^\x00]*$"


def _strip(value: str) -> str:
    return value.strip()


# Surrounding whitespace is trimmed after the limits were checked on what was sent
# (``StringConstraints(strip_whitespace=True)`` checks them after trimming, which the schema
# cannot say: 121 characters with a leading space would pass a 120 limit).
Trimmed = AfterValidator(_strip)


class RequestModel(BaseModel):
    """Request bodies: unknown fields are refused, so nothing can be smuggled in.

    Numbers and flags use ``StrictInt`` / ``StrictBool`` (``false`` is not an integer,
    ``"yes"`` is not a flag); model-wide strict mode would refuse UUIDs and dates sent as
    JSON strings, because FastAPI validates the decoded Python objects.
    """

    model_config = ConfigDict(extra="forbid")


class UpdateModel(RequestModel):
    """PATCH bodies, all under one rule (api/kit/patching.py applies them): an omitted field is
    left as it is; a field typed ``X | MISSING = MISSING`` cannot be cleared, so ``null`` is
    422 and openapi.json does not mark it nullable; only a field typed
    ``X | None | MISSING = MISSING`` is nullable, and ``null`` clears it."""


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _number_not_flag_or_text(value: object) -> object:
    # JSON Schema's "integer" admits 58.0 but never true or "58"; pydantic's lax int would
    # take both and StrictInt would refuse 58.0: this says exactly what the schema says.
    if isinstance(value, bool | str | bytes):
        raise ValueError("must be a whole number")
    return value


def _iso_text_only(value: object) -> object:
    # Lax pydantic reads 1700000000 (or "0.5" in a query) as a Unix time; the contract says
    # RFC 3339 text, so only text is parsed.
    if not isinstance(value, str | datetime | date):
        raise ValueError("must be an RFC 3339 date or date-time string")
    if isinstance(value, str) and not _ISO_START.match(value):
        raise ValueError("must be an RFC 3339 date or date-time string")
    return value


_ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}")


# A JSON integer, not a flag or text: ``Annotated[int, Field(ge=0, le=9), WholeNumber]``.
# The bounds come before it so they land in the JSON schema.
WholeNumber = BeforeValidator(_number_not_flag_or_text)


def _number_only(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("must be a number")
    return value


MAX_AMOUNT = Decimal("999999999999.9999")
_DECIMAL_TEXT = r"^[0-9]{1,12}(\.[0-9]{1,4})?$"


def _number_or_decimal_text(value: object) -> object:
    if isinstance(value, str):
        if re.fullmatch(_DECIMAL_TEXT, value) is None:
            raise ValueError("must be a decimal number such as 1500 or 1500.50")
        return Decimal(value)
    return _number_only(value)


def _in_minor_units_of_some_currency(value: Decimal) -> Decimal:
    if not value.is_finite() or places_of(value) > MAX_PLACES:
        raise ValueError(f"has more than {MAX_PLACES} decimal places")
    return value


# Money: a decimal string (DESIGN 7.3) or a JSON number, kept exact as a Decimal. Whether its
# places fit its currency (none for JPY, 2 for EUR) is the service's check, which knows the
# currency (api/kit/money.py); no currency has more than 4.
Amount = Annotated[
    Decimal,
    Field(ge=0, le=MAX_AMOUNT),
    BeforeValidator(_number_or_decimal_text),
    AfterValidator(_in_minor_units_of_some_currency),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": _DECIMAL_TEXT},
                {"type": "number", "minimum": 0, "maximum": float(MAX_AMOUNT)},
            ],
            "description": "A decimal string (or number) with at most the currency's places: "
            "whole numbers for JPY or KRW, cents for EUR",
        }
    ),
]


def _known_currency(value: str) -> str:
    if not is_currency(value):
        raise ValueError("must be an ISO 4217 currency code, e.g. JPY, EUR or USD")
    return value


# Any ISO 4217 code (babel's list, current and historical), upper case as the standard has it.
IsoCurrency = Annotated[str, Field(pattern=r"^[A-Z]{3}$"), AfterValidator(_known_currency)]
# An amount as it goes out: a decimal string with exactly its currency's places.
AmountText = Annotated[
    str,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[0-9]+(\.[0-9]{1,4})?$",
            "description": "Decimal string with exactly the currency's places",
        }
    ),
]


# Years 2 to 9998 as written. Times and days are shifted by up to 14 hours (the widest UTC
# offsets) on their way to the database, and a period's end is the midnight after its last
# day: inside these years that always stays within Python's and the databases' calendar
# (years 1 to 9999), where 9999-12-31T23:59:59-14:00 overflows once in UTC. pydantic's date
# types cannot carry a pattern, so the schema says it and a validator checks the same.
_YEARS_2_TO_9998 = (
    r"^(?:000[2-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-"
)


def _in_the_years(value: date) -> None:
    if not 2 <= value.year <= 9998:
        raise ValueError("must be within the years 0002 to 9998")


def _in_utc(value: datetime) -> datetime:
    _in_the_years(value)
    return value.astimezone(UTC)


def _in_a_period(value: date) -> date:
    _in_the_years(value)
    return value


# Every date-time a request carries (bodies and queries): RFC 3339 text with an offset,
# handed on in UTC (as it is stored).
Timestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_text_only),
    AfterValidator(_in_utc),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": _YEARS_2_TO_9998}),
]
CalendarDate = Annotated[date, BeforeValidator(_iso_text_only)]
# The first or last day of a period (ledger): turned into instants in the organization's
# time zone, so held to the same years.
PeriodDay = Annotated[
    date,
    BeforeValidator(_iso_text_only),
    AfterValidator(_in_a_period),
    WithJsonSchema({"type": "string", "format": "date", "pattern": _YEARS_2_TO_9998}),
]
