"""Teams and their members."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import MISSING, ConfigDict, Field

from api.models import Role, Seniority
from api.pagination import Page
from api.schemas.base import NO_NUL, NOT_BLANK, RequestModel, ResponseModel, Trimmed, UpdateModel

TeamName = Annotated[str, Field(min_length=1, max_length=120, pattern=NOT_BLANK), Trimmed]
Description = Annotated[str, Field(max_length=2000, pattern=NO_NUL)]


class TeamCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Enterprise East",
                    "description": "Accounts over 1,000 seats",
                    "manager_id": "0b5e3c1a-6f2d-4a8e-9c7b-2d4f6a8c0e1f",
                    "member_ids": ["7c1d9e3b-2a4f-4b6d-8e0a-3f5b7d9c1e2a"],
                }
            ]
        }
    )
    name: TeamName
    description: Description = ""
    manager_id: uuid.UUID | None = Field(default=None, description="Default: the caller")
    member_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)


class TeamUpdate(UpdateModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "Enterprise Japan", "manager_id": "7c1d9e3b-2a4f-4b6d-8e0a-3f5b7d9c1e2a"}
            ]
        }
    )
    name: TeamName | MISSING = MISSING
    description: Description | MISSING = MISSING
    manager_id: uuid.UUID | MISSING = MISSING


class TeamMemberRead(ResponseModel):
    user_id: uuid.UUID
    full_name: str
    role: Role
    seniority: Seniority
    joined_at: datetime


class TeamRead(ResponseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    description: str
    manager_id: uuid.UUID
    members: list[TeamMemberRead]
    created_at: datetime
    updated_at: datetime


class TeamPage(Page[TeamRead]):
    pass
