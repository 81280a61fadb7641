"""crm connections, inbound events, api keys

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 14:13:41.803411
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "crm_connection",
        *_timestamps(),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column(
            "provider",
            sa.Enum(
                "generic",
                "hubspot",
                "pipedrive",
                name="crm_provider",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("default_owner_id", sa.Uuid(), nullable=False),
        sa.Column("signing_secret_sealed", sa.Text(), nullable=True),
        sa.Column("basic_username", sa.String(length=120), nullable=True),
        sa.Column("basic_password_hash", sa.String(length=64), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["default_owner_id"],
            ["user.id"],
            name=op.f("fk_crm_connection_default_owner_id_user"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_crm_connection_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_connection")),
    )
    op.create_index(
        op.f("ix_crm_connection_default_owner_id"), "crm_connection", ["default_owner_id"]
    )
    op.create_index(
        "ix_crm_connection_organization_id_created_at",
        "crm_connection",
        ["organization_id", "created_at", "id"],
    )

    op.create_table(
        "crm_inbound_event",
        *_timestamps(),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column(
            "result",
            sa.Enum(
                "created",
                "updated",
                "ignored",
                "failed",
                name="crm_inbound_result",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_crm_inbound_event_client_id_client"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["crm_connection.id"],
            name=op.f("fk_crm_inbound_event_connection_id_crm_connection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_crm_inbound_event_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_crm_inbound_event_project_id_project"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_inbound_event")),
        sa.UniqueConstraint(
            "connection_id",
            "external_id",
            name=op.f("uq_crm_inbound_event_connection_id_external_id"),
        ),
    )
    op.create_index(
        "ix_crm_inbound_event_connection_id_created_at",
        "crm_inbound_event",
        ["connection_id", "created_at", "id"],
    )

    op.create_table(
        "api_key",
        *_timestamps(),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_api_key_created_by_id_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_api_key_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_key_key_hash")),
    )
    op.create_index(op.f("ix_api_key_created_by_id"), "api_key", ["created_by_id"])
    op.create_index(
        "ix_api_key_organization_id_created_at",
        "api_key",
        ["organization_id", "created_at", "id"],
    )

    op.create_table(
        "api_key_window",
        sa.Column("api_key_id", sa.Uuid(), nullable=False),
        sa.Column("window", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_key.id"],
            name=op.f("fk_api_key_window_api_key_id_api_key"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("api_key_id", "window", name=op.f("pk_api_key_window")),
    )


def downgrade() -> None:
    op.drop_table("api_key_window")
    op.drop_index("ix_api_key_organization_id_created_at", table_name="api_key")
    op.drop_index(op.f("ix_api_key_created_by_id"), table_name="api_key")
    op.drop_table("api_key")
    op.drop_index("ix_crm_inbound_event_connection_id_created_at", table_name="crm_inbound_event")
    op.drop_table("crm_inbound_event")
    op.drop_index("ix_crm_connection_organization_id_created_at", table_name="crm_connection")
    op.drop_index(op.f("ix_crm_connection_default_owner_id"), table_name="crm_connection")
    op.drop_table("crm_connection")
