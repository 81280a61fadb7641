"""The ledger's maintained rollups: totals per day and per month, kept in step with the facts.

The facts (session attendance, time entries, contributions) grow for years; the ledger and
the dashboard must not slow down with them. Every write of a fact adds its delta to these
tables in the same transaction (``api/services/rollup.py``), so a period's figures are a
sum over a few hundred rollup rows: whole months from the ``month`` grain, the days of a
partial month at either end from the ``day`` grain (and, for the distinct-people counts,
the day bits of the per-pair month rows). ``mastermind rebuild-ledger``
recomputes them from the facts and verifies them.

Buckets are calendar days and months in the organization's time zone.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.models.base import enum_type


class Grain(enum.StrEnum):
    day = "day"
    month = "month"


class HelpRollup(SQLModel, table=True):
    """Minutes one person gave on projects another person owned, per month.

    Pairs (not just per-person totals) so "how many different people did I help" is exact
    for any period: a distinct count over the pairs. ``days_mask`` has bit ``d - 1`` set
    when there was help on day ``d`` of the month, so a period that starts or ends inside a
    month still counts exactly which pairs it holds, from the month row alone.
    """

    __tablename__ = "help_rollup"
    __table_args__ = (
        sa.Index("ix_help_rollup_helper", "organization_id", "helper_id", "month"),
        sa.Index("ix_help_rollup_owner", "organization_id", "owner_id", "month"),
    )

    organization_id: uuid.UUID = Field(
        foreign_key="organization.id", ondelete="CASCADE", primary_key=True
    )
    month: date = Field(primary_key=True)
    helper_id: uuid.UUID = Field(foreign_key="user.id", ondelete="RESTRICT", primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="user.id", ondelete="RESTRICT", primary_key=True)
    minutes: int = Field(default=0)
    days_mask: int = Field(default=0)


class ActivityRollup(SQLModel, table=True):
    """One person's ledger figures per bucket: everything but the distinct-people counts."""

    __tablename__ = "activity_rollup"
    __table_args__ = (
        sa.Index("ix_activity_rollup_user", "organization_id", "user_id", "grain", "bucket"),
    )

    organization_id: uuid.UUID = Field(
        foreign_key="organization.id", ondelete="CASCADE", primary_key=True
    )
    grain: Grain = Field(sa_type=enum_type(Grain, "rollup_grain"), primary_key=True)
    bucket: date = Field(primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="user.id", ondelete="RESTRICT", primary_key=True)
    minutes_given: int = Field(default=0)
    minutes_received: int = Field(default=0)
    sessions_attended: int = Field(default=0)
    contributions_count: int = Field(default=0)
    ideas_adopted: int = Field(default=0)


class SessionRollup(SQLModel, table=True):
    """Completed sessions per day, and how many of them mixed juniors with seniors."""

    __tablename__ = "session_rollup"

    organization_id: uuid.UUID = Field(
        foreign_key="organization.id", ondelete="CASCADE", primary_key=True
    )
    day: date = Field(primary_key=True)
    sessions_completed: int = Field(default=0)
    mixed_sessions: int = Field(default=0)
