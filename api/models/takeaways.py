"""Takeaways: what one participant learned in one session."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlmodel import Field

from api.models.base import IdTable


class Takeaway(IdTable, table=True):
    """What one participant learned in one session."""

    __tablename__ = "takeaway"
    __table_args__ = (sa.UniqueConstraint("session_id", "user_id"),)

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    session_id: uuid.UUID = Field(foreign_key="mastermind_session.id", ondelete="CASCADE")
    user_id: uuid.UUID = Field(foreign_key="user.id", ondelete="RESTRICT", index=True)
    body: str = Field(sa_type=sa.Text)
