"""Chat channels: a team's Slack, Teams or Chatwork room, its events and its message queue

Revision ID: 0023_chat_channels
Revises: 0022_notifications
Create Date: 2026-12-04 18:03:43

DESIGN 7.6: the channel's webhook URL or API token is sealed (SecretBox, bound to the row);
one subscription row per event type, as webhooks have, so the outbox fans out with indexed
lookups; chat deliveries point at the same webhook_event rows the webhook deliveries do.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_chat_channels"
down_revision: str | None = "0022_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_channel",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column(
            "provider",
            sa.Enum(
                "slack",
                "teams",
                "chatwork",
                name="chat_provider",
                native_enum=False,
                create_constraint=True,
                length=8,
            ),
            nullable=False,
        ),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("room_id", sa.String(length=20), nullable=True),
        sa.Column("secret_ciphertext", sa.Text(), nullable=False),
        sa.Column("secret_hint", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(length=200), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_chat_channel_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_chat_channel_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_chat_channel_team_id_team"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_channel")),
    )
    with op.batch_alter_table("chat_channel", schema=None) as batch_op:
        batch_op.create_index(
            "ix_chat_channel_organization_id_created_at",
            ["organization_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_chat_channel_team_id_created_at", ["team_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "chat_channel_subscription",
        sa.Column("channel_id", sa.Uuid(), nullable=False),
        sa.Column(
            "event_type",
            sa.Enum(
                "project.created",
                "project.updated",
                "project.closed",
                "session.scheduled",
                "session.completed",
                "action_item.created",
                "action_item.completed",
                name="chat_event_type",
                native_enum=False,
                create_constraint=True,
                length=21,
            ),
            nullable=False,
        ),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["chat_channel.id"],
            name=op.f("fk_chat_channel_subscription_channel_id_chat_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_chat_channel_subscription_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "channel_id", "event_type", name=op.f("pk_chat_channel_subscription")
        ),
    )
    with op.batch_alter_table("chat_channel_subscription", schema=None) as batch_op:
        batch_op.create_index(
            "ix_chat_channel_subscription_organization_id_event_type",
            ["organization_id", "event_type"],
            unique=False,
        )

    op.create_table(
        "chat_delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("channel_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "delivered",
                "failed",
                name="chat_delivery_state",
                native_enum=False,
                create_constraint=True,
                length=9,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.Uuid(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_chat_delivery_attempts_non_negative")),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["chat_channel.id"],
            name=op.f("fk_chat_delivery_channel_id_chat_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["webhook_event.id"],
            name=op.f("fk_chat_delivery_event_id_webhook_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_chat_delivery_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_delivery")),
        sa.UniqueConstraint(
            "event_id", "channel_id", name=op.f("uq_chat_delivery_event_id_channel_id")
        ),
    )
    with op.batch_alter_table("chat_delivery", schema=None) as batch_op:
        batch_op.create_index(
            "ix_chat_delivery_channel_id_created_at",
            ["channel_id", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_chat_delivery_state_next_attempt_at", ["state", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("chat_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_delivery_state_next_attempt_at")
        batch_op.drop_index("ix_chat_delivery_channel_id_created_at")

    op.drop_table("chat_delivery")
    with op.batch_alter_table("chat_channel_subscription", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_channel_subscription_organization_id_event_type")

    op.drop_table("chat_channel_subscription")
    with op.batch_alter_table("chat_channel", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_channel_team_id_created_at")
        batch_op.drop_index("ix_chat_channel_organization_id_created_at")

    op.drop_table("chat_channel")
