"""The manager's dashboard: projects, sessions, action items, burn, stalls, learning mix."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.kit.periods import PeriodKind
from api.models import Seniority
from api.schemas.ledger import LedgerRow
from api.schemas.progress import BurnWarning


class ProjectSummary(BaseModel):
    id: uuid.UUID
    title: str
    kind: str
    status: str
    client_id: uuid.UUID | None
    owner_id: uuid.UUID
    due_date: date | None


class SessionSummary(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    project_title: str
    title: str
    purpose: str
    status: str
    scheduled_at: datetime
    timebox_minutes: int


class ActionItemSummary(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    project_title: str
    title: str
    assignee_id: uuid.UUID
    due_date: date | None
    status: str


class ProjectBurn(BaseModel):
    project_id: uuid.UUID
    title: str
    budget_minutes: int
    minutes_used: int
    burn_warning: BurnWarning


class HelperSeat(BaseModel):
    project_id: uuid.UUID
    title: str
    budget_minutes: int
    minutes_used: int
    burn_warning: BurnWarning


class HelperBurn(BaseModel):
    """One helper's minutes against their budgets, summed over the open projects they help on
    (``seats``: those projects, the most burnt first)."""

    user_id: uuid.UUID
    full_name: str
    projects: int
    budget_minutes: int
    minutes_used: int
    projects_over_budget: int
    burn_warning: BurnWarning
    seats: list[HelperSeat]


StallReason = Literal["idle", "overdue_actions"]


class StalledProject(BaseModel):
    """An open project nobody has touched for ``STALL_DAYS`` days, or with overdue actions."""

    project_id: uuid.UUID
    title: str
    client_name: str | None
    owner_id: uuid.UUID
    last_activity_at: datetime = Field(
        description="The latest past sign of life: a session held, time logged, an action item"
    )
    next_session_at: datetime | None = Field(description="The next planned session, if any")
    overdue_action_items: int
    reasons: list[StallReason]


class WeekCount(BaseModel):
    week_start: date
    sessions: int


class AdoptedBySeniority(BaseModel):
    """Of the ideas put up in completed sessions in a month, the share adopted, by the
    seniority of their author (DESIGN 7.2: is the junior voice heard?)."""

    month: str = Field(description="YYYY-MM in the organization's time zone")
    seniority: Seniority
    contributions: int
    adopted: int
    share_adopted: float


class LearningMix(BaseModel):
    completed_sessions: int
    mixed_sessions: int = 0
    share_mixed: float = 0.0
    adopted_by_seniority: list[AdoptedBySeniority] = Field(default_factory=list)


class TeamOverview(BaseModel):
    projects_by_status: dict[str, int]
    budget_burn: list[ProjectBurn]
    helper_burn: list[HelperBurn]
    stalled_projects: list[StalledProject]
    stall_days: int
    overdue_action_items: list[ActionItemSummary]
    overdue_count: int
    sessions_per_week: list[WeekCount]
    top_givers: list[LedgerRow]
    top_takers: list[LedgerRow]
    learning_mix: LearningMix


class Dashboard(BaseModel):
    role: str
    since: date
    until: date
    period: PeriodKind | None = None
    fiscal_year: int | None = None
    quarter: int | None = None
    my_balance: LedgerRow
    my_projects: list[ProjectSummary]
    helping_on: list[ProjectSummary]
    next_sessions: list[SessionSummary]
    my_action_items: list[ActionItemSummary]
    team: TeamOverview | None = None
