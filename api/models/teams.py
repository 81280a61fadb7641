"""Teams: a named group of users with one manager."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.models.base import IdTable, UTCDateTime, utcnow


class Team(IdTable, table=True):
    __tablename__ = "team"
    __table_args__ = (sa.UniqueConstraint("organization_id", "name"),)

    organization_id: uuid.UUID = Field(
        foreign_key="organization.id", ondelete="CASCADE", index=True
    )
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=2000)
    manager_id: uuid.UUID = Field(foreign_key="user.id", ondelete="RESTRICT", index=True)


class TeamMember(SQLModel, table=True):
    __tablename__ = "team_member"

    team_id: uuid.UUID = Field(foreign_key="team.id", ondelete="CASCADE", primary_key=True)
    user_id: uuid.UUID = Field(
        foreign_key="user.id", ondelete="CASCADE", primary_key=True, index=True
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
