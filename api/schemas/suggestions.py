"""Suggested helpers for a project, ranked."""

from __future__ import annotations

import uuid

from pydantic import BaseModel

from api.models import Seniority


class SuggestedHelper(BaseModel):
    user_id: uuid.UUID
    full_name: str
    seniority: Seniority
    expertise: list[str]
    score: float
    reasons: list[str]


class SuggestedHelperList(BaseModel):
    items: list[SuggestedHelper]
    next_cursor: str | None = None
