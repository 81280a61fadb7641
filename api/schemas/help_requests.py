"""Help requests: "Ask to help" as a request the colleague answers (DESIGN 7.6)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field

from api.models import HelpRequestState
from api.schemas.base import NO_NUL, RequestModel, ResponseModel, Trimmed

# Short enough that the live notice carrying it always fits one NOTIFY (api/events.py).
MAX_MESSAGE = 1000


class HelpRequestCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "user_id": "7c1d9e3b-2a4f-4b6d-8e0a-3f5b7d9c1e2a",
                    "project_id": "0b9e6c1a-5d3f-4e2b-9a7c-1f3e5d7b9a0c",
                    "message": "You won Medica last year: 30 minutes on the pricing?",
                }
            ]
        }
    )
    user_id: uuid.UUID = Field(description="Who is asked")
    project_id: uuid.UUID = Field(description="The project they are asked to help on")
    message: Annotated[str, Field(max_length=MAX_MESSAGE, pattern=NO_NUL), Trimmed] = ""


class HelpRequestRead(ResponseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    project_title: str
    requester_id: uuid.UUID
    requester_name: str
    user_id: uuid.UUID
    message: str
    state: HelpRequestState
    created_at: datetime
    answered_at: datetime | None = Field(description="Null while pending")
