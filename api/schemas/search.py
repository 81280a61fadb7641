"""Search across the team's memory (DESIGN 7.5): one kind of hit for every type found."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from pydantic import BaseModel

from api.models import ProjectStatus, Verdict


class SearchType(enum.StrEnum):
    clients = "clients"
    projects = "projects"
    ideas = "ideas"
    outcomes = "outcomes"
    takeaways = "takeaways"


class SearchHit(BaseModel):
    """One thing found. ``project_id`` is null for a client, and for an idea or outcome of a
    closed project the caller cannot open (shared learnings show the project's title and
    client name only). ``result`` is the project's result once it is closed; ``verdict``
    is what an adopted idea did."""

    type: SearchType
    id: uuid.UUID
    title: str
    snippet: str
    project_id: uuid.UUID | None
    project_title: str | None
    client_name: str | None
    result: ProjectStatus | None
    verdict: Verdict | None = None
    created_at: datetime


class SearchPage(BaseModel):
    items: list[SearchHit]
    next_cursor: str | None = None
