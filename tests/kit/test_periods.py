"""Named periods: fiscal quarters and years for any first month, calendar ones, months."""

from __future__ import annotations

from datetime import date

import pytest

from api.kit.periods import PeriodKind, named_period


@pytest.mark.parametrize(
    ("today", "first", "last", "fiscal_year", "quarter"),
    [
        # An April year (Japan): Q1 Apr-Jun, ..., Q3 Oct-Dec (第3四半期), Q4 Jan-Mar.
        (date(2026, 4, 1), date(2026, 4, 1), date(2026, 6, 30), 2026, 1),
        (date(2026, 6, 30), date(2026, 4, 1), date(2026, 6, 30), 2026, 1),
        (date(2026, 12, 2), date(2026, 10, 1), date(2026, 12, 31), 2026, 3),
        (date(2027, 1, 1), date(2027, 1, 1), date(2027, 3, 31), 2026, 4),
        (date(2027, 3, 31), date(2027, 1, 1), date(2027, 3, 31), 2026, 4),
    ],
)
def test_fiscal_quarters_of_an_april_year(today, first, last, fiscal_year, quarter):
    named = named_period(PeriodKind.fiscal_quarter, today, 4)
    assert (named.first_day, named.last_day, named.fiscal_year, named.quarter) == (
        first,
        last,
        fiscal_year,
        quarter,
    )


def test_fiscal_years_are_named_by_the_year_they_start_in():
    assert named_period(PeriodKind.fiscal_year, date(2027, 2, 14), 4) == named_period(
        PeriodKind.fiscal_year, date(2026, 4, 1), 4
    )
    year = named_period(PeriodKind.fiscal_year, date(2027, 2, 14), 4)
    assert (year.first_day, year.last_day, year.fiscal_year, year.quarter) == (
        date(2026, 4, 1),
        date(2027, 3, 31),
        2026,
        None,
    )
    # A year starting in February ends on the last day of January, leap year or not.
    assert named_period(PeriodKind.fiscal_year, date(2028, 1, 31), 2).last_day == date(2028, 1, 31)
    assert named_period(PeriodKind.fiscal_year, date(2028, 2, 1), 2).last_day == date(2029, 1, 31)


@pytest.mark.parametrize("start_month", range(1, 13))
def test_every_day_of_two_years_lies_in_exactly_one_quarter_of_its_fiscal_year(start_month):
    day = date(2026, 1, 1)
    while day < date(2028, 1, 1):
        quarter = named_period(PeriodKind.fiscal_quarter, day, start_month)
        year = named_period(PeriodKind.fiscal_year, day, start_month)
        assert quarter.first_day <= day <= quarter.last_day
        assert year.first_day <= quarter.first_day and quarter.last_day <= year.last_day
        assert year.first_day.month == start_month and year.first_day.day == 1
        assert quarter.first_day.month == (start_month - 1 + 3 * (quarter.quarter - 1)) % 12 + 1
        assert quarter.fiscal_year == year.fiscal_year == year.first_day.year
        day = date.fromordinal(day.toordinal() + 1)


def test_a_january_year_gives_the_calendar_quarters():
    def bounds(kind: PeriodKind, day: date, start_month: int) -> tuple:
        named = named_period(kind, day, start_month)
        return named.first_day, named.last_day, named.fiscal_year, named.quarter

    for month in range(1, 13):
        day = date(2026, month, 15)
        # The calendar quarter is the same whatever the fiscal year's first month.
        assert bounds(PeriodKind.fiscal_quarter, day, 1) == bounds(PeriodKind.quarter, day, 7)


def test_calendar_quarters_and_months_ignore_the_fiscal_year():
    quarter = named_period(PeriodKind.quarter, date(2027, 2, 28), 4)
    assert (quarter.first_day, quarter.last_day, quarter.fiscal_year, quarter.quarter) == (
        date(2027, 1, 1),
        date(2027, 3, 31),
        2027,
        1,
    )
    month = named_period(PeriodKind.month, date(2028, 2, 10), 4)
    assert (month.first_day, month.last_day, month.quarter) == (
        date(2028, 2, 1),
        date(2028, 2, 29),
        None,
    )
    assert month.fiscal_year == 2027  # February 2028 belongs to the year that began April 2027


def test_a_first_month_outside_1_to_12_is_refused():
    with pytest.raises(ValueError, match="1 to 12"):
        named_period(PeriodKind.fiscal_quarter, date(2026, 1, 1), 13)
