"""Amounts of money in their currency's minor units (ISO 4217, through babel's data).

A yen or a won has no minor unit: 1500 JPY is a whole number, and 1500.5 JPY is no amount
at all. A euro has cents (2 places), a Kuwaiti dinar fils (3), the Chilean UF 4. An amount
sent with more places than its currency has is refused (DESIGN 7.3: a fraction of a yen is
422), never rounded away silently; one from a CRM, which we cannot send back, is rounded
half up to the currency's places instead. Amounts go out as decimal strings with exactly
the currency's places (``"1500"`` for yen, ``"1500.50"`` for euros), whatever scale the
database column hands back.
"""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision, list_currencies

__all__ = [
    "MAX_PLACES",
    "format_amount",
    "is_currency",
    "minor_units",
    "places_of",
    "round_amount",
]

# The most places any ISO 4217 currency has (CLF, UYW: 4); the column stores this many.
MAX_PLACES = 4


@functools.cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def is_currency(code: str) -> bool:
    return code in _currencies()


@functools.lru_cache(maxsize=512)
def minor_units(currency: str) -> int:
    """Places after the decimal point: 0 for JPY and KRW, 2 for EUR, 3 for KWD."""
    return min(get_currency_precision(currency), MAX_PLACES)


def places_of(amount: Decimal) -> int:
    """How many places after the point ``amount`` needs: trailing zeros do not count, so
    ``1500.00`` is a whole number and a fine amount of yen."""
    exponent = amount.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def round_amount(amount: Decimal, currency: str | None = None) -> Decimal:
    """Rounded half up to the currency's places (to the column's, without a currency)."""
    places = MAX_PLACES if currency is None else minor_units(currency)
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_amount(amount: Decimal | None, currency: str) -> str | None:
    """The decimal string of ``amount`` with exactly its currency's places."""
    if amount is None:
        return None
    return format(round_amount(amount, currency), "f")
