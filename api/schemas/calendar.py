"""The secret calendar feed: its URL is shown once, when it is made."""

from __future__ import annotations

from pydantic import BaseModel


class CalendarFeedRead(BaseModel):
    url: str
