"""A project's progress: sessions, action items, and the time budget burnt."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel

from api.models import MemberRole, MemberState

BurnWarning = Literal["none", "over_80", "over_100"]


class ProgressMember(BaseModel):
    user_id: uuid.UUID
    full_name: str
    role: MemberRole
    state: MemberState
    budget_minutes: int
    minutes_used: int
    burn_warning: BurnWarning


class SessionCounts(BaseModel):
    held: int
    planned: int
    live: int
    cancelled: int


class ActionItemCounts(BaseModel):
    open: int
    done: int
    overdue: int
    cancelled: int


class ProjectProgress(BaseModel):
    project_id: uuid.UUID
    due_date: date | None
    days_to_due: int | None
    budget_minutes: int
    minutes_used: int
    members: list[ProgressMember]
    sessions: SessionCounts
    action_items: ActionItemCounts
