"""Takeaways: what one participant learned in one session."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import ConfigDict

from api.pagination import Page
from api.schemas.base import RequestModel, ResponseModel
from api.schemas.sessions import Body


class TakeawayWrite(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"body": "Ask about the depot managers' pains before pricing"}]
        }
    )
    body: Body


class TakeawayRead(ResponseModel):
    id: uuid.UUID
    session_id: uuid.UUID
    user_id: uuid.UUID
    body: str
    created_at: datetime
    updated_at: datetime


class TakeawayPage(Page[TakeawayRead]):
    pass
