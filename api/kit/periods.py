"""Named reporting periods: calendar and fiscal quarters and years, and months.

A Japanese company's year usually starts in April: its first fiscal quarter is April to
June, and "第3四半期" is October to December. ``fiscal_year_start_month`` (1 to 12) on the
organization says where its year starts; with 1 the fiscal periods are the calendar ones.
A fiscal year is named by the calendar year it starts in (FY2026 runs from April 2026 to
March 2027 for an April year), the Japanese convention for 年度.

Everything here is pure date arithmetic on the organization's local "today": the caller
turns days into instants in the organization's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

__all__ = ["NamedPeriod", "PeriodKind", "named_period"]


class PeriodKind(StrEnum):
    """The current one of each, in the organization's zone and fiscal calendar."""

    fiscal_quarter = "fiscal_quarter"
    fiscal_year = "fiscal_year"
    quarter = "quarter"
    month = "month"


@dataclass(frozen=True, slots=True)
class NamedPeriod:
    kind: PeriodKind
    first_day: date
    last_day: date  # inclusive: the period's own end, which may lie after today
    fiscal_year: int  # the calendar year the (fiscal) year containing the period starts in
    quarter: int | None  # 1 to 4 for quarters, counted from the year's first month


def _add_months(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def named_period(kind: PeriodKind, today: date, fiscal_year_start_month: int = 1) -> NamedPeriod:
    """The period of ``kind`` that contains ``today``.

    Calendar quarters and years are fiscal ones whose year starts in January.
    """
    if not 1 <= fiscal_year_start_month <= 12:
        raise ValueError("fiscal_year_start_month is 1 to 12")
    start = 1 if kind is PeriodKind.quarter else fiscal_year_start_month
    this_month = today.replace(day=1)
    months_into_year = (today.month - start) % 12
    year_start = _add_months(this_month, -months_into_year)
    if kind is PeriodKind.month:
        first, length, quarter = this_month, 1, None
    elif kind is PeriodKind.fiscal_year:
        first, length, quarter = year_start, 12, None
    else:
        quarter = months_into_year // 3 + 1
        first, length = _add_months(year_start, 3 * (quarter - 1)), 3
    last = _add_months(first, length) - timedelta(days=1)
    return NamedPeriod(
        kind=kind, first_day=first, last_day=last, fiscal_year=year_start.year, quarter=quarter
    )
