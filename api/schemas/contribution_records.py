"""A person's contribution record for a period: what they gave, for an appraisal interview."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from api.kit.periods import PeriodKind
from api.models import ProjectStatus, Verdict


class RecordIdea(BaseModel):
    id: uuid.UUID
    body: str
    session_id: uuid.UUID
    session_title: str
    project_id: uuid.UUID
    project_title: str
    verdict: Verdict | None = Field(description="What it did with the client; null: not said")
    created_at: datetime


class RecordProject(BaseModel):
    project_id: uuid.UUID
    title: str
    client_name: str | None
    status: ProjectStatus = Field(description="The project's result so far")
    minutes: int = Field(description="Minutes given to it in the period (sessions and time)")


class RecordTakeaway(BaseModel):
    session_id: uuid.UUID
    session_title: str
    body: str
    created_at: datetime


class ContributionRecord(BaseModel):
    user_id: uuid.UUID
    full_name: str
    since: date
    until: date
    period: PeriodKind | None = None
    fiscal_year: int | None = None
    quarter: int | None = None
    minutes_given: int
    minutes_received: int
    sessions_attended: int
    ideas_adopted: int
    ideas: list[RecordIdea] = Field(description="Their adopted ideas, with what each did")
    projects_helped: list[RecordProject] = Field(
        description="Colleagues' projects they gave time to, most minutes first"
    )
    takeaways: list[RecordTakeaway]
