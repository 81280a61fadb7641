"""Action items: follow-ups with an assignee and a due date."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import MISSING, ConfigDict, Field

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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Send the pilot proposal",
                    "assignee_id": "0b5e3c1a-6f2d-4a8e-9c7b-2d4f6a8c0e1f",
                    "due_date": "2027-01-20",
                    "session_id": "9d3f5b7c-4e6a-4c8d-a0b2-5e7f9a1c3d4b",
                    "contribution_id": "2a4c6e8f-0b1d-4f3a-b5c7-9d1e3f5a7b9c",
                }
            ]
        }
    )
    title: Annotated[str, Field(min_length=1, max_length=300, pattern=NOT_BLANK), Trimmed]
    assignee_id: uuid.UUID
    due_date: CalendarDate | None = None
    session_id: uuid.UUID | None = None
    contribution_id: uuid.UUID | None = None


class ActionItemUpdate(UpdateModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "done"}, {"due_date": None}]}
    )
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
