"""presence_interval and session_participant.present_minutes: measured attendance

Revision ID: 0010_presence
Revises: 0009_token_version
Create Date: 2026-12-02 16:00:00

A person is present in a session while they hold its live stream open. Each open stream is
one ``presence_interval`` row: opened, extended by heartbeats (``seen_at``), closed when the
stream ends (or, for a stream that dropped, at its last heartbeat). Completion credits the
merged intervals and keeps the measured minutes on the participant row
(``present_minutes``) beside the credited ``attended_minutes``. Sessions completed before
this migration have no measurement: their ``present_minutes`` stay empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_presence"
down_revision: str | None = "0009_token_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "presence_interval",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_presence_interval_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["mastermind_session.id"],
            name=op.f("fk_presence_interval_session_id_mastermind_session"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_presence_interval_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presence_interval")),
    )
    op.create_index(
        "ix_presence_interval_session_id_user_id",
        "presence_interval",
        ["session_id", "user_id"],
    )
    with op.batch_alter_table("session_participant") as batch:
        batch.add_column(sa.Column("present_minutes", sa.Integer(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_session_participant_present_non_negative"), "present_minutes >= 0"
        )


def downgrade() -> None:
    with op.batch_alter_table("session_participant") as batch:
        batch.drop_constraint(op.f("ck_session_participant_present_non_negative"), type_="check")
        batch.drop_column("present_minutes")
    op.drop_index("ix_presence_interval_session_id_user_id", table_name="presence_interval")
    op.drop_table("presence_interval")
