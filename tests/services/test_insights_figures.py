"""The impact figures' arithmetic, without a database: Wilson intervals and groups."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from api.models import ProjectStatus
from api.services.insights import MIN_GROUP, ClosedProject, impact_group, wilson_interval


@pytest.mark.parametrize(
    ("won", "count", "low", "high"),
    [
        # Published values of the 95% Wilson score interval.
        (7, 10, 0.3968, 0.8922),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (9, 12, 0.4677, 0.9111),
        (1, 3, 0.0615, 0.7923),
    ],
)
def test_wilson_intervals(won, count, low, high):
    assert [round(bound, 4) for bound in wilson_interval(won, count)] == [low, high]


def test_an_interval_needs_a_trial():
    with pytest.raises(ValueError, match="trial"):
        wilson_interval(0, 0)


def _project(status: ProjectStatus, days: int, value: str | None) -> ClosedProject:
    return ClosedProject(
        id=uuid.uuid4(),
        owner_id=uuid.uuid4(),
        status=status,
        helped=True,
        days_to_close=days,
        value=Decimal(value) if value else None,
    )


def test_a_small_group_gives_counts_but_no_rate():
    group = impact_group(
        [_project(ProjectStatus.won, 10, "1000"), _project(ProjectStatus.lost, 30, None)], "EUR"
    )
    assert (group.count, group.won, group.lost, group.abandoned) == (2, 1, 1, 0)
    assert group.enough_data is False
    assert (group.win_rate, group.win_rate_low, group.win_rate_high) == (None, None, None)
    assert group.median_days_to_close == 20
    assert group.median_value == "1000.00"  # only the valued project counts


def test_a_group_of_min_group_has_a_rate_and_its_interval():
    projects = [_project(ProjectStatus.won, d, str(1000 * d)) for d in range(1, 8)] + [
        _project(ProjectStatus.lost, 8, "8000"),
        _project(ProjectStatus.abandoned, 9, "9000"),
        _project(ProjectStatus.lost, 10, "10000"),
    ]
    assert len(projects) == MIN_GROUP
    group = impact_group(projects, "JPY")
    assert (group.count, group.won, group.lost, group.abandoned) == (10, 7, 2, 1)
    assert (group.win_rate, group.win_rate_low, group.win_rate_high) == (0.7, 0.3968, 0.8922)
    assert group.median_days_to_close == 5.5
    assert group.median_value == "5500"  # yen: whole


def test_an_empty_group():
    group = impact_group([], "EUR")
    assert (group.count, group.enough_data, group.median_days_to_close, group.median_value) == (
        0,
        False,
        None,
        None,
    )
