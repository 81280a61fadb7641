"""Presence in a session's live room, as measured from the live stream."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from api.schemas.base import ResponseModel


class PresenceRead(ResponseModel):
    user_id: uuid.UUID
    full_name: str
    online: bool = Field(description="Holds the session's live stream open now")
    joined_at: datetime | None = Field(description="First opened the live stream")
    minutes_present: int = Field(
        description="Whole minutes present since the session started (to its completion)"
    )


class PresenceList(ResponseModel):
    items: list[PresenceRead]
