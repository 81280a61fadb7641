"""Time logged on a project outside sessions."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlmodel import Field

from api.models.base import IdTable


class TimeEntry(IdTable, table=True):
    """Minutes a member spent on a project outside sessions (preparation, a call)."""

    __tablename__ = "time_entry"
    __table_args__ = (
        sa.CheckConstraint("minutes > 0", name="minutes_positive"),
        sa.Index("ix_time_entry_user_id_spent_on", "user_id", "spent_on"),
    )

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    project_id: uuid.UUID = Field(foreign_key="project.id", ondelete="CASCADE", index=True)
    user_id: uuid.UUID = Field(foreign_key="user.id", ondelete="RESTRICT")
    minutes: int
    spent_on: date
    # The project's owner when the time was logged (see SessionParticipant.project_owner_id).
    project_owner_id: uuid.UUID | None = Field(
        default=None, foreign_key="user.id", ondelete="RESTRICT"
    )
    note: str = Field(default="", max_length=2000)
