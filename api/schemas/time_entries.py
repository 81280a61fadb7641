"""Time logged on a project outside sessions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import ConfigDict, Field

from api.pagination import Page
from api.schemas.base import NO_NUL, CalendarDate, RequestModel, ResponseModel, WholeNumber


class TimeEntryCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"minutes": 30, "spent_on": "2027-01-08", "note": "Reviewed the tender documents"}
            ]
        }
    )
    minutes: Annotated[int, Field(ge=1, le=24 * 60), WholeNumber]
    spent_on: CalendarDate
    note: Annotated[str, Field(max_length=2000, pattern=NO_NUL)] = ""


class TimeEntryRead(ResponseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    user_id: uuid.UUID
    minutes: int
    spent_on: date
    note: str
    created_at: datetime
    updated_at: datetime


class TimeEntryPage(Page[TimeEntryRead]):
    pass
