"""Related learnings for a project (DESIGN 7.5): what worked before on similar clients."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from pydantic import BaseModel

from api.models import ProjectStatus, SessionPurpose, Verdict


class LearningKind(enum.StrEnum):
    idea = "idea"  # an adopted contribution
    approach = "approach"  # a completed session's recommended approach


class ReasonCode(enum.StrEnum):
    same_industry = "same_industry"
    shared_words = "shared_words"
    same_purpose = "same_purpose"


class LearningReason(BaseModel):
    code: ReasonCode
    # For shared_words: the words of the title and objective both projects have.
    words: list[str] = []


class LearningPerson(BaseModel):
    id: uuid.UUID
    full_name: str


class RelatedLearning(BaseModel):
    kind: LearningKind
    id: uuid.UUID  # the contribution's, or the session's for an approach
    text: str
    session_id: uuid.UUID
    purpose: SessionPurpose
    project_id: uuid.UUID
    project_title: str
    client_name: str | None
    result: ProjectStatus
    verdict: Verdict | None
    # Who had the idea; for an approach, who attended the session.
    people: list[LearningPerson]
    score: float
    reasons: list[LearningReason]
    created_at: datetime


class RelatedLearningList(BaseModel):
    items: list[RelatedLearning]
