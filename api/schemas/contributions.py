"""Contributions to a session and the caller's votes on them."""

from __future__ import annotations

import uuid
from datetime import datetime

from api.models import ContributionKind, ContributionStatus
from api.pagination import Page
from api.schemas.base import RequestModel, ResponseModel, UpdateModel
from api.schemas.sessions import Body


class ContributionCreate(RequestModel):
    kind: ContributionKind
    body: Body


class ContributionUpdate(UpdateModel):
    status: ContributionStatus


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
    created_at: datetime
    updated_at: datetime


class ContributionPage(Page[ContributionRead]):
    pass
