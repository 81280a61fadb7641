"""Invitations: the seats offered to the caller that they have not answered yet."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from api.models import MemberRole
from api.pagination import Page
from api.schemas.base import ResponseModel


class InviterRead(ResponseModel):
    id: uuid.UUID
    full_name: str


class InvitationRead(ResponseModel):
    """A pending seat; answer it with ``PATCH /projects/{project_id}/members/{your id}``
    (``{"state": "active"}`` or ``{"state": "declined"}``)."""

    project_id: uuid.UUID
    project_title: str
    client_name: str | None = Field(description="Null for a project without a client")
    role: MemberRole
    budget_minutes: int
    invited_by: InviterRead | None = Field(description="Null when nobody is on record")
    invited_at: datetime


class InvitationPage(Page[InvitationRead]):
    pass
