"""Action items: follow-ups with an assignee and a due date, from a session or a project."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field

from api.models.base import IdTable, UTCDateTime, enum_type


class ActionItemStatus(enum.StrEnum):
    open = "open"
    done = "done"
    cancelled = "cancelled"


class ActionItem(IdTable, table=True):
    __tablename__ = "action_item"
    __table_args__ = (sa.Index("ix_action_item_assignee_id_status", "assignee_id", "status"),)

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    project_id: uuid.UUID = Field(foreign_key="project.id", ondelete="CASCADE", index=True)
    session_id: uuid.UUID | None = Field(
        default=None, foreign_key="mastermind_session.id", ondelete="SET NULL"
    )
    contribution_id: uuid.UUID | None = Field(
        default=None, foreign_key="contribution.id", ondelete="SET NULL"
    )
    title: str = Field(max_length=300)
    assignee_id: uuid.UUID = Field(foreign_key="user.id", ondelete="RESTRICT")
    due_date: date | None = None
    status: ActionItemStatus = Field(
        default=ActionItemStatus.open, sa_type=enum_type(ActionItemStatus, "action_item_status")
    )
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
