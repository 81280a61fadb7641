"""Action items: follow-ups with an assignee and a due date."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import MISSING, Field

from api.models import ActionItemStatus
from api.pagination import Page
from api.schemas.base import (
    NOT_BLANK,
    CalendarDate,
    RequestModel,
    ResponseModel,
    Trimmed,
    UpdateModel,
)


class ActionItemCreate(RequestModel):
    title: Annotated[str, Field(min_length=1, max_length=300, pattern=NOT_BLANK), Trimmed]
    assignee_id: uuid.UUID
    due_date: CalendarDate | None = None
    session_id: uuid.UUID | None = None
    contribution_id: uuid.UUID | None = None


class ActionItemUpdate(UpdateModel):
    status: ActionItemStatus | MISSING = MISSING
    title: (
        Annotated[str, Field(min_length=1, max_length=300, pattern=NOT_BLANK), Trimmed] | MISSING
    ) = MISSING
    assignee_id: uuid.UUID | MISSING = MISSING
    due_date: CalendarDate | MISSING | None = MISSING


class ActionItemRead(ResponseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    session_id: uuid.UUID | None
    contribution_id: uuid.UUID | None
    title: str
    assignee_id: uuid.UUID
    due_date: date | None
    status: ActionItemStatus
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ActionItemPage(Page[ActionItemRead]):
    pass
