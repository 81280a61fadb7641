"""The audit log: who changed what, when."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from api.models.base import IdTable


class AuditEvent(IdTable, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index(
            "ix_audit_event_organization_id_created_at", "organization_id", "created_at", "id"
        ),
    )

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    # Null when the change came from a CRM event or a background job.
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    action: str = Field(max_length=64)  # e.g. "project.created", "session.completed"
    entity_type: str = Field(max_length=40)
    entity_id: uuid.UUID
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
