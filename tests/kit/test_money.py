"""Amounts in their currency's minor units."""

from __future__ import annotations

from decimal import Decimal

import pytest

from api.kit.money import format_amount, is_currency, minor_units, places_of, round_amount


@pytest.mark.parametrize(
    ("currency", "units"), [("JPY", 0), ("KRW", 0), ("EUR", 2), ("USD", 2), ("KWD", 3)]
)
def test_minor_units_come_from_iso_4217(currency, units):
    assert minor_units(currency) == units


def test_places_do_not_count_trailing_zeros():
    assert places_of(Decimal("1500")) == 0
    assert places_of(Decimal("1500.00")) == 0
    assert places_of(Decimal("1500.50")) == 1
    assert places_of(Decimal("0.125")) == 3
    assert places_of(Decimal("1E+3")) == 0


def test_amounts_go_out_with_exactly_their_currencys_places():
    assert format_amount(Decimal("125000.0000"), "JPY") == "125000"
    assert format_amount(Decimal("125000.5"), "EUR") == "125000.50"
    assert format_amount(Decimal("1.5"), "KWD") == "1.500"
    assert format_amount(Decimal("1E+3"), "EUR") == "1000.00"  # never in exponent form
    assert format_amount(None, "EUR") is None


def test_rounding_is_half_up_in_the_currencys_places():
    assert round_amount(Decimal("1234.5"), "JPY") == Decimal("1235")
    assert round_amount(Decimal("1234.49"), "JPY") == Decimal("1234")
    assert round_amount(Decimal("0.005"), "EUR") == Decimal("0.01")
    assert round_amount(Decimal("1E-999999")) == Decimal("0")


def test_currency_codes_are_iso_4217():
    assert is_currency("JPY") and is_currency("EUR")
    assert not is_currency("QQQ") and not is_currency("jpy")
