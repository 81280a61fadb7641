"""clients projects sessions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 11:57:34.167799
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "client",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("industry", sa.String(length=120), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "prospect",
                "active",
                "dormant",
                "lost",
                name="client_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("external_source", sa.String(length=40), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_client_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user.id"], name=op.f("fk_client_owner_id_user"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client")),
        sa.UniqueConstraint(
            "organization_id",
            "external_source",
            "external_id",
            name=op.f("uq_client_organization_id_external_source_external_id"),
        ),
    )
    op.create_index(
        "ix_client_organization_id_created_at",
        "client",
        ["organization_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(op.f("ix_client_owner_id"), "client", ["owner_id"], unique=False)
    op.create_table(
        "contact",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=60), nullable=True),
        sa.Column(
            "buying_role",
            sa.Enum(
                "decision_maker",
                "influencer",
                "champion",
                "gatekeeper",
                "user",
                name="contact_buying_role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_contact_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_contact_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
    )
    op.create_index(op.f("ix_contact_client_id"), "contact", ["client_id"], unique=False)
    op.create_table(
        "project",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "account",
                "prospecting",
                "campaign",
                name="project_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("objective", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "won",
                "lost",
                "abandoned",
                name="project_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("estimated_value", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("helper_budget_minutes", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=False),
        sa.Column("external_source", sa.String(length=40), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "helper_budget_minutes >= 0", name=op.f("ck_project_helper_budget_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_project_client_id_client"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_project_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user.id"], name=op.f("fk_project_owner_id_user"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project")),
        sa.UniqueConstraint(
            "organization_id",
            "external_source",
            "external_id",
            name=op.f("uq_project_organization_id_external_source_external_id"),
        ),
    )
    op.create_index(op.f("ix_project_client_id"), "project", ["client_id"], unique=False)
    op.create_index(
        "ix_project_organization_id_created_at",
        "project",
        ["organization_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(op.f("ix_project_owner_id"), "project", ["owner_id"], unique=False)
    op.create_table(
        "mastermind_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "targeting",
                "campaign",
                "approach",
                "solution",
                "debrief",
                name="session_purpose",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timebox_minutes", sa.Integer(), nullable=False),
        sa.Column("facilitator_id", sa.Uuid(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "scheduled",
                "live",
                "completed",
                "cancelled",
                name="session_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("decisions", sa.JSON(), nullable=False),
        sa.Column("recommended_approach", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "timebox_minutes > 0", name=op.f("ck_mastermind_session_timebox_positive")
        ),
        sa.ForeignKeyConstraint(
            ["facilitator_id"],
            ["user.id"],
            name=op.f("fk_mastermind_session_facilitator_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_mastermind_session_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_mastermind_session_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mastermind_session")),
    )
    op.create_index(
        "ix_mastermind_session_organization_id_updated_at",
        "mastermind_session",
        ["organization_id", "updated_at", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_mastermind_session_project_id"), "mastermind_session", ["project_id"], unique=False
    )
    op.create_table(
        "project_member",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "owner",
                "helper",
                "observer",
                name="project_member_role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "invited",
                "active",
                "declined",
                "left",
                name="project_member_state",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("budget_minutes", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "budget_minutes >= 0", name=op.f("ck_project_member_budget_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_project_member_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_project_member_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_project_member_user_id_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_member")),
        sa.UniqueConstraint(
            "project_id", "user_id", name=op.f("uq_project_member_project_id_user_id")
        ),
    )
    op.create_index(op.f("ix_project_member_user_id"), "project_member", ["user_id"], unique=False)
    op.create_table(
        "time_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("spent_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.CheckConstraint("minutes > 0", name=op.f("ck_time_entry_minutes_positive")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_time_entry_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_time_entry_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_time_entry_user_id_user"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_entry")),
    )
    op.create_index(op.f("ix_time_entry_project_id"), "time_entry", ["project_id"], unique=False)
    op.create_index(
        "ix_time_entry_user_id_spent_on", "time_entry", ["user_id", "spent_on"], unique=False
    )
    op.create_table(
        "contribution",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "idea",
                "question",
                "insight",
                "experience",
                "risk",
                "resource",
                name="contribution_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "adopted",
                "parked",
                "rejected",
                name="contribution_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user.id"],
            name=op.f("fk_contribution_author_id_user"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_contribution_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["mastermind_session.id"],
            name=op.f("fk_contribution_session_id_mastermind_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contribution")),
    )
    op.create_index(op.f("ix_contribution_author_id"), "contribution", ["author_id"], unique=False)
    op.create_index(
        "ix_contribution_session_id_created_at",
        "contribution",
        ["session_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "session_participant",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("attended_minutes", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "attended_minutes >= 0", name=op.f("ck_session_participant_attended_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_session_participant_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["mastermind_session.id"],
            name=op.f("fk_session_participant_session_id_mastermind_session"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_session_participant_user_id_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("session_id", "user_id", name=op.f("pk_session_participant")),
    )
    op.create_index(
        op.f("ix_session_participant_user_id"), "session_participant", ["user_id"], unique=False
    )
    op.create_table(
        "takeaway",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_takeaway_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["mastermind_session.id"],
            name=op.f("fk_takeaway_session_id_mastermind_session"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_takeaway_user_id_user"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_takeaway")),
        sa.UniqueConstraint("session_id", "user_id", name=op.f("uq_takeaway_session_id_user_id")),
    )
    op.create_index(op.f("ix_takeaway_user_id"), "takeaway", ["user_id"], unique=False)
    op.create_table(
        "action_item",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("contribution_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("assignee_id", sa.Uuid(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "done",
                "cancelled",
                name="action_item_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["user.id"],
            name=op.f("fk_action_item_assignee_id_user"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contribution.id"],
            name=op.f("fk_action_item_contribution_id_contribution"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_action_item_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_action_item_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["mastermind_session.id"],
            name=op.f("fk_action_item_session_id_mastermind_session"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_item")),
    )
    op.create_index(
        "ix_action_item_assignee_id_status", "action_item", ["assignee_id", "status"], unique=False
    )
    op.create_index(op.f("ix_action_item_project_id"), "action_item", ["project_id"], unique=False)
    op.create_table(
        "contribution_vote",
        sa.Column("contribution_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contribution.id"],
            name=op.f("fk_contribution_vote_contribution_id_contribution"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_contribution_vote_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contribution_id", "user_id", name=op.f("pk_contribution_vote")),
    )


def downgrade() -> None:

    op.drop_table("contribution_vote")
    op.drop_index(op.f("ix_action_item_project_id"), table_name="action_item")
    op.drop_index("ix_action_item_assignee_id_status", table_name="action_item")
    op.drop_table("action_item")
    op.drop_index(op.f("ix_takeaway_user_id"), table_name="takeaway")
    op.drop_table("takeaway")
    op.drop_index(op.f("ix_session_participant_user_id"), table_name="session_participant")
    op.drop_table("session_participant")
    op.drop_index("ix_contribution_session_id_created_at", table_name="contribution")
    op.drop_index(op.f("ix_contribution_author_id"), table_name="contribution")
    op.drop_table("contribution")
    op.drop_index("ix_time_entry_user_id_spent_on", table_name="time_entry")
    op.drop_index(op.f("ix_time_entry_project_id"), table_name="time_entry")
    op.drop_table("time_entry")
    op.drop_index(op.f("ix_project_member_user_id"), table_name="project_member")
    op.drop_table("project_member")
    op.drop_index(op.f("ix_mastermind_session_project_id"), table_name="mastermind_session")
    op.drop_index(
        "ix_mastermind_session_organization_id_updated_at", table_name="mastermind_session"
    )
    op.drop_table("mastermind_session")
    op.drop_index(op.f("ix_project_owner_id"), table_name="project")
    op.drop_index("ix_project_organization_id_created_at", table_name="project")
    op.drop_index(op.f("ix_project_client_id"), table_name="project")
    op.drop_table("project")
    op.drop_index(op.f("ix_contact_client_id"), table_name="contact")
    op.drop_table("contact")
    op.drop_index(op.f("ix_client_owner_id"), table_name="client")
    op.drop_index("ix_client_organization_id_created_at", table_name="client")
    op.drop_table("client")
