"""Sessions: creating, updating and completing them, and their outcome."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import MISSING, ConfigDict, Field

from api.models import (
    Anonymity,
    ContributionKind,
    SessionFormat,
    SessionPhase,
    SessionPurpose,
    SessionStatus,
    Verdict,
)
from api.pagination import Page
from api.schemas.action_items import ActionItemRead
from api.schemas.base import (
    NO_NUL,
    NOT_BLANK,
    RequestModel,
    ResponseModel,
    Timestamp,
    Trimmed,
    UpdateModel,
    WholeNumber,
)

Title = Annotated[str, Field(min_length=1, max_length=200, pattern=NOT_BLANK), Trimmed]
LongText = Annotated[str, Field(max_length=20_000, pattern=NO_NUL)]
Timebox = Annotated[int, Field(ge=5, le=8 * 60), WholeNumber]
AttendedMinutes = Annotated[int, Field(ge=0, le=24 * 60), WholeNumber]
Body = Annotated[str, Field(min_length=1, max_length=4000, pattern=NOT_BLANK), Trimmed]
VoteBudget = Annotated[int, Field(ge=1, le=100), WholeNumber]
PhaseMinutes = Annotated[int, Field(ge=1, le=8 * 60), WholeNumber]
Decision = Annotated[str, Field(min_length=1, max_length=1000, pattern=NOT_BLANK), Trimmed]


class SessionCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "purpose": "approach",
                    "title": "How do we open the door at Northwind?",
                    "agenda": "10 min context, 20 min ideas, 10 min decide",
                    "scheduled_at": "2027-01-12T09:30:00+09:00",
                    "timebox_minutes": 45,
                    "facilitator_id": "7c1d9e3b-2a4f-4b6d-8e0a-3f5b7d9c1e2a",
                }
            ]
        }
    )
    purpose: SessionPurpose
    title: Title
    agenda: LongText = ""
    scheduled_at: Timestamp
    timebox_minutes: Timebox = 45
    facilitator_id: uuid.UUID | None = Field(default=None, description="Default: the caller")
    participant_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=200, description="Project members; default: every active member"
    )
    format: SessionFormat = SessionFormat.open
    anonymity: Anonymity | None = Field(
        default=None, description='Default: "until_complete" for mastermind, "none" for open'
    )
    vote_budget: VoteBudget | None = Field(
        default=None,
        description="Dots per person. Default: 3 for mastermind, unlimited (null) for open",
    )


class SessionUpdate(UpdateModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"scheduled_at": "2027-01-13T14:00:00+09:00", "timebox_minutes": 60},
                {"recommended_approach": "Lead with the total cost of ownership"},
            ]
        }
    )
    title: Title | MISSING = MISSING
    agenda: LongText | MISSING = MISSING
    scheduled_at: Timestamp | MISSING = MISSING
    timebox_minutes: Timebox | MISSING = MISSING
    facilitator_id: uuid.UUID | MISSING = MISSING
    participant_ids: list[uuid.UUID] | MISSING = Field(default=MISSING, max_length=200)
    # The format and its rules are settled before the first phase starts (409 after).
    format: SessionFormat | MISSING = MISSING
    anonymity: Anonymity | MISSING = MISSING
    vote_budget: VoteBudget | MISSING | None = MISSING
    # Outcome corrections on a completed session (admins only).
    summary: LongText | MISSING = MISSING
    decisions: list[Decision] | MISSING = Field(default=MISSING, max_length=100)
    recommended_approach: LongText | MISSING = MISSING


class SessionPhaseChange(RequestModel):
    """Start the next phase of a mastermind session, with its own time box."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"phase": "write", "minutes": 8}]})
    phase: SessionPhase
    minutes: PhaseMinutes


class Attendance(RequestModel):
    user_id: uuid.UUID
    minutes: AttendedMinutes


class SessionComplete(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "summary": "Three angles; we lead with cost of ownership",
                    "decisions": ["Ask for a pilot depot"],
                    "recommended_approach": "Open with the depot pilot",
                },
                {
                    "summary": "Held in the meeting room",
                    "attendance": [
                        {"user_id": "7c1d9e3b-2a4f-4b6d-8e0a-3f5b7d9c1e2a", "minutes": 40}
                    ],
                },
            ]
        }
    )
    summary: LongText = ""
    decisions: list[Decision] = Field(default_factory=list, max_length=100)
    recommended_approach: LongText = ""
    attendance: list[Attendance] | None = Field(
        default=None,
        max_length=200,
        description="Default: the measured presence of each active member (whole minutes, "
        "at least 1 if present at all; nothing for those who never joined). Given: minutes "
        "above the held duration (start to completion) are refused",
    )


class ParticipantRead(ResponseModel):
    user_id: uuid.UUID
    full_name: str
    attended_minutes: int | None


class SessionRead(ResponseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    project_id: uuid.UUID
    project_title: str
    client_id: uuid.UUID | None = Field(description="The project's client, if it has one")
    client_name: str | None
    purpose: SessionPurpose
    title: str
    agenda: str
    scheduled_at: datetime
    timebox_minutes: int
    facilitator_id: uuid.UUID | None
    status: SessionStatus
    started_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    participants: list[ParticipantRead]
    summary: str
    decisions: list[str]
    recommended_approach: str
    format: SessionFormat
    anonymity: Anonymity
    vote_budget: int | None
    phase: SessionPhase | None
    phase_started_at: datetime | None
    phase_ends_at: datetime | None
    created_at: datetime
    updated_at: datetime
    outcome: SessionOutcome | None = Field(
        default=None,
        description="With include=outcome on GET /sessions: the session's outcome, as GET "
        "/sessions/{id}/outcome; otherwise null",
    )


class SessionPage(Page[SessionRead]):
    pass


class SessionSort(StrEnum):
    """The order of ``GET /sessions``: the outcomes feed by update time (the default, for
    scripts that resume), or by the time a session is planned for (people reading a list)."""

    updated_at = "updated_at"
    scheduled_at = "scheduled_at"
    newest_scheduled_first = "-scheduled_at"


class AdoptedContribution(ResponseModel):
    id: uuid.UUID
    kind: ContributionKind
    body: str
    author_id: uuid.UUID | None = Field(
        description="Null to others while an anonymous mastermind session is not completed"
    )
    author_name: str
    votes: int
    verdict: Verdict | None = Field(
        default=None, description="What it did once tried with the client; null: not said yet"
    )
    verdict_note: str = ""


class AttendanceRead(ResponseModel):
    user_id: uuid.UUID
    full_name: str
    minutes: int = Field(description="Credited: counted in the ledger")
    minutes_present: int | None = Field(
        description="Measured from the live stream; null for sessions completed before "
        "presence was measured"
    )


class ParticipationRead(ResponseModel):
    user_id: uuid.UUID
    full_name: str
    contributions: int
    adopted: int


class SessionOutcome(ResponseModel):
    session_id: uuid.UUID
    project_id: uuid.UUID
    status: SessionStatus
    completed_at: datetime | None
    summary: str
    decisions: list[str]
    recommended_approach: str
    adopted_contributions: list[AdoptedContribution]
    action_items: list[ActionItemRead]
    attendance: list[AttendanceRead]
    participation: list[ParticipationRead] = Field(
        default_factory=list,
        description="Per participant; empty to others while an anonymous mastermind session "
        "is not completed (counts per person would point at authors)",
    )
    evenness: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="1 - Gini over the participants' contribution counts: 1 is everyone "
        "alike, near 0 is one voice",
    )


# SessionRead names SessionOutcome, defined after it.
SessionRead.model_rebuild()
