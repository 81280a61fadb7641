"""Contributions to a session and the caller's votes on them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field

from api.models import ContributionKind, ContributionStatus, SessionPurpose, Verdict
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


class ContributionMerge(RequestModel):
    """Merge a duplicate into another card of the same session: the survivor keeps its
    text and gains the votes; someone who voted for both counts once."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"into": "5b0f3c7e-9d2a-4e61-8a4b-2c7d9e1f3a5b"}]}
    )
    into: uuid.UUID


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
    author_id: uuid.UUID | None = Field(
        description="Null while an anonymous mastermind session is not completed, for all but "
        "the author"
    )
    author_name: str
    mine: bool | None = Field(
        default=None,
        description="In a mastermind session: you wrote it (authors may be hidden). Null in "
        "an open session, where author_id says who wrote it",
    )
    kind: ContributionKind
    body: str
    status: ContributionStatus
    votes: int | None = Field(
        description="Null during a mastermind session's vote phase: the dots stay secret until "
        "it ends"
    )
    voted_by_me: bool
    verdict: Verdict | None = None
    verdict_note: str = ""
    verdict_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class ContributionPage(Page[ContributionRead]):
    hidden_count: int = Field(
        default=0,
        description="Others' contributions you cannot see yet (a mastermind's write phase)",
    )


class IdeaAwaitingVerdict(ContributionRead):
    """An adopted idea of an earlier, completed session whose verdict nobody has said yet,
    with the session it came from (the debrief lists them)."""

    session_title: str
    session_purpose: SessionPurpose
    session_completed_at: datetime


class IdeasAwaitingVerdictPage(Page[IdeaAwaitingVerdict]):
    can_record_verdict: bool = Field(
        description="Whether the caller may say what these ideas did "
        "(POST /contributions/{id}/verdict: the project's owner, managers, admins)"
    )
