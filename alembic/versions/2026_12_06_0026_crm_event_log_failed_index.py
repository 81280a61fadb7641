"""The CRM event log's failed filter through an index

Revision ID: 0026_crm_event_log_failed_index
Revises: 0025_overdue_and_weekly_notices
Create Date: 2026-12-06 22:00:00

The CRM settings list a connection's failed events newest first and counts them on every
connection row. With only ``(connection_id, created_at, id)`` both walk every event the
connection ever sent (HubSpot sends thousands a day) to find the few that failed; an
``(connection_id, result, created_at, id)`` index answers the count from its prefix and the
page in key order.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026_crm_event_log_failed_index"
down_revision: str | None = "0025_overdue_and_weekly_notices"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = "ix_crm_inbound_event_connection_id_result_created_at"


def upgrade() -> None:
    op.create_index(_NAME, "crm_inbound_event", ["connection_id", "result", "created_at", "id"])


def downgrade() -> None:
    op.drop_index(_NAME, table_name="crm_inbound_event")
