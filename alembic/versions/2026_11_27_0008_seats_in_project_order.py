"""project_member.project_created_at: a person's seats in their projects' order

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 18:10:00

A rep's project list is "the projects I hold a visible seat on, oldest first". Walking the
organization's projects by created_at and testing each against the rep's seats reads
about forty rows for every one a rep with a few percent of them sees. With the project's
created_at copied onto the seat (it never changes) and indexed after user_id, the list
walks the rep's own seats in order and reads only the page it returns.

The index (user_id, project_created_at, project_id, state) also answers every lookup by
user_id the old one did, from the index alone, so it replaces it. Every project has an
owner's seat (api/services/projects.py: owner_seat); this migration adds any that is
missing, since the visibility rule now relies on seats alone.

It rewrites every seat row once and builds an index: on a large table, run it at a quiet
time (the table is locked while it runs).
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    connection = op.get_bind()
    op.add_column(
        "project_member",
        sa.Column("project_created_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.execute(
        "UPDATE project_member SET project_created_at = ("
        " SELECT project.created_at FROM project WHERE project.id = project_member.project_id)"
    )
    moment, key = sa.DateTime(timezone=True), sa.Uuid()
    seatless = connection.execute(
        sa.text(
            "SELECT p.id, p.organization_id, p.owner_id, p.created_at FROM project p"
            " WHERE NOT EXISTS (SELECT 1 FROM project_member m"
            " WHERE m.project_id = p.id AND m.user_id = p.owner_id)"
        ).columns(id=key, organization_id=key, owner_id=key, created_at=moment)
    ).all()
    if seatless:
        now = datetime.now(UTC)
        if connection.dialect.name == "sqlite":
            now = now.replace(tzinfo=None)  # the app stores naive UTC there
        members = sa.table(
            "project_member",
            sa.column("id", key),
            sa.column("created_at", moment),
            sa.column("updated_at", moment),
            sa.column("organization_id", key),
            sa.column("project_id", key),
            sa.column("user_id", key),
            sa.column("role", sa.String()),
            sa.column("state", sa.String()),
            sa.column("budget_minutes", sa.Integer()),
            sa.column("minutes_used", sa.Integer()),
            sa.column("project_created_at", moment),
        )
        op.bulk_insert(
            members,
            [
                {
                    "id": uuid.uuid4(),
                    "created_at": now,
                    "updated_at": now,
                    "organization_id": row.organization_id,
                    "project_id": row.id,
                    "user_id": row.owner_id,
                    "role": "owner",
                    "state": "active",
                    "budget_minutes": 0,
                    "minutes_used": 0,
                    "project_created_at": row.created_at,
                }
                for row in seatless
            ],
        )
    with op.batch_alter_table("project_member") as batch:
        batch.alter_column(
            "project_created_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )
    op.create_index(
        "ix_project_member_user_id_project_created_at",
        "project_member",
        ["user_id", "project_created_at", "project_id", "state"],
    )
    op.drop_index("ix_project_member_user_id", table_name="project_member")


def downgrade() -> None:
    op.create_index("ix_project_member_user_id", "project_member", ["user_id"])
    op.drop_index("ix_project_member_user_id_project_created_at", table_name="project_member")
    with op.batch_alter_table("project_member") as batch:
        batch.drop_column("project_created_at")
