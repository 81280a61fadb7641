"""Whether team selling pays: helped versus solo projects closed in a period."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field

from api.kit.periods import PeriodKind
from api.models import SessionPurpose
from api.schemas.base import AmountText


class ImpactGroup(BaseModel):
    count: int = Field(description="Projects closed in the period")
    won: int
    lost: int
    abandoned: int
    enough_data: bool = Field(
        description="At least min_group projects: below that no rate is given, only counts"
    )
    win_rate: float | None = Field(description="Won of those closed, 0 to 1; null: too few")
    win_rate_low: float | None = Field(description="95% Wilson interval, lower bound")
    win_rate_high: float | None = Field(description="95% Wilson interval, upper bound")
    median_days_to_close: float | None = Field(description="From creation to close")
    median_value: AmountText | None = Field(
        description="Median estimated value of those valued in the organization's currency"
    )


class PurposeImpact(BaseModel):
    purpose: SessionPurpose
    helped: ImpactGroup
    solo: ImpactGroup


class TeamImpact(BaseModel):
    team_id: uuid.UUID
    team_name: str
    helped: ImpactGroup
    solo: ImpactGroup


class ImpactReport(BaseModel):
    since: date
    until: date
    period: PeriodKind | None = None
    fiscal_year: int | None = None
    quarter: int | None = None
    currency: str = Field(description="The currency of median_value: the organization's")
    min_group: int = Field(description="The fewest projects a group needs for a win rate")
    helped: ImpactGroup = Field(
        description="Projects with a completed session attended by someone other than the owner"
    )
    solo: ImpactGroup
    by_purpose: list[PurposeImpact] = Field(
        description="Projects with a completed session of each purpose"
    )
    by_team: list[TeamImpact] = Field(description="By the teams of the project's owner")
    verdicts: dict[str, int] = Field(
        description="What the adopted ideas of these projects did: worked, did_not_work, "
        "not_tried, not_said"
    )
