"""CRM events received, then applied by the worker; CRM API credentials; property stamps

Revision ID: 0020_crm_apply
Revises: 0017_verdicts
Create Date: 2026-12-03 13:30:00

DESIGN 7.4: a verified request is stored and acknowledged at once, and the worker applies
each event (``pending`` until then, with attempts, a next attempt time and a lease).
Connections may carry a sealed CRM API token and a base URL. ``crm_property_stamp`` keeps,
per CRM object and property, when its value was set at the CRM, so an older change that
arrives late changes nothing. Projects point to the project their deal was merged into,
and take the 255-character titles Pipedrive allows. Outbound webhooks add the event types
project.updated, session.scheduled and action_item.created.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_crm_apply"
down_revision: str | None = "0017_verdicts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_EVENTS = ("project.created", "project.closed", "session.completed", "action_item.completed")
_NEW_EVENTS = (*_OLD_EVENTS, "project.updated", "session.scheduled", "action_item.created")
_OLD_RESULTS = ("created", "updated", "ignored", "failed")
_NEW_RESULTS = ("pending", *_OLD_RESULTS)


def _check(column: str, values: tuple[str, ...]) -> str:
    # The columns keep their VARCHAR lengths (the new values fit); only the CHECK changes.
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _results_check(values: tuple[str, ...]) -> str:
    return _check("result", values)


def _event_types(values: tuple[str, ...]) -> None:
    for table, column in (("webhook_event", "type"), ("webhook_subscription", "event_type")):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint("webhook_event_type", type_="check")
            batch.create_check_constraint("webhook_event_type", _check(column, values))


def upgrade() -> None:
    _event_types(_NEW_EVENTS)
    with op.batch_alter_table("crm_connection") as batch:
        batch.add_column(sa.Column("api_token_sealed", sa.Text(), nullable=True))
        batch.add_column(sa.Column("api_base_url", sa.String(length=500), nullable=True))

    with op.batch_alter_table("crm_inbound_event") as batch:
        batch.drop_constraint("crm_inbound_result", type_="check")
        batch.create_check_constraint("crm_inbound_result", _results_check(_NEW_RESULTS))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("claim_token", sa.Uuid(), nullable=True))
        batch.create_index(
            "ix_crm_inbound_event_result_next_attempt_at", ["result", "next_attempt_at"]
        )

    op.create_table(
        "crm_property_stamp",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=200), nullable=False),
        sa.Column("property_name", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_crm_property_stamp_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_property_stamp")),
        sa.UniqueConstraint(
            "organization_id",
            "source",
            "object_id",
            "property_name",
            name="uq_crm_property_stamp_object_property",
        ),
    )

    with op.batch_alter_table("project") as batch:
        batch.alter_column(
            "title",
            existing_type=sa.String(length=200),
            type_=sa.String(length=255),
            existing_nullable=False,
        )
        batch.add_column(sa.Column("merged_into_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_project_merged_into_id_project"),
            "project",
            ["merged_into_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    # Events of the new types cannot stay under the old CHECK: they go, with their rows.
    added = [value for value in _NEW_EVENTS if value not in _OLD_EVENTS]
    event = sa.table("webhook_event", sa.column("id"), sa.column("type"))
    delivery = sa.table("webhook_delivery", sa.column("event_id"))
    subscription = sa.table("webhook_subscription", sa.column("event_type"))
    op.execute(
        delivery.delete().where(
            delivery.c.event_id.in_(sa.select(event.c.id).where(event.c.type.in_(added)))
        )
    )
    op.execute(subscription.delete().where(subscription.c.event_type.in_(added)))
    op.execute(event.delete().where(event.c.type.in_(added)))
    _event_types(_OLD_EVENTS)
    with op.batch_alter_table("project") as batch:
        batch.drop_constraint(op.f("fk_project_merged_into_id_project"), type_="foreignkey")
        batch.drop_column("merged_into_id")
        batch.alter_column(
            "title",
            existing_type=sa.String(length=255),
            type_=sa.String(length=200),
            existing_nullable=False,
        )
    op.drop_table("crm_property_stamp")
    op.execute("UPDATE crm_inbound_event SET result = 'failed' WHERE result = 'pending'")
    with op.batch_alter_table("crm_inbound_event") as batch:
        batch.drop_index("ix_crm_inbound_event_result_next_attempt_at")
        batch.drop_column("claim_token")
        batch.drop_column("claimed_until")
        batch.drop_column("next_attempt_at")
        batch.drop_column("attempts")
        batch.drop_constraint("crm_inbound_result", type_="check")
        batch.create_check_constraint("crm_inbound_result", _results_check(_OLD_RESULTS))
    with op.batch_alter_table("crm_connection") as batch:
        batch.drop_column("api_base_url")
        batch.drop_column("api_token_sealed")
