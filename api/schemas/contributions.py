"""Contributions to a session and the caller's votes on them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field

from api.models import ContributionKind, ContributionStatus, Verdict
from api.pagination import Page
from api.schemas.base import NO_NUL, RequestModel, ResponseModel, UpdateModel
from api.schemas.sessions import Body


class ContributionCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"kind": "idea", "body": "Offer a one-depot pilot before the tender"}]
        }
    )
    kind: ContributionKind
    body: Body


class ContributionUpdate(UpdateModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "adopted"}]})
    status: ContributionStatus


class ContributionVerdict(RequestModel):
    """What an adopted idea did once tried with the client (DESIGN 7.5)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"verdict": "worked", "note": "The pilot got us into the shortlist"}]
        }
    )

    verdict: Verdict
    note: Annotated[str, Field(max_length=5000, pattern=NO_NUL)] = ""


class ContributionRead(ResponseModel):
    id: uuid.UUID
    session_id: uuid.UUID
    author_id: uuid.UUID
    author_name: str
    kind: ContributionKind
    body: str
    status: ContributionStatus
    votes: int
    voted_by_me: bool
    verdict: Verdict | None = None
    verdict_note: str = ""
    verdict_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class ContributionPage(Page[ContributionRead]):
    pass
