"""Outbound events a subscriber can act on: project.updated, session.scheduled, action_item.created

Revision ID: 0023_outbound_events
Revises: 0017_verdicts
Create Date: 2026-12-03 13:40:00

DESIGN 7.4: three more event types. The type columns of webhook_subscription and
webhook_event are portable enums (VARCHAR with a named CHECK constraint): the constraint is
replaced to admit the new values; the columns are wide enough already (21 characters, for
action_item.completed).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023_outbound_events"
down_revision: str | None = "0017_verdicts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ("project.created", "project.closed", "session.completed", "action_item.completed")
AFTER = (
    "project.created",
    "project.updated",
    "project.closed",
    "session.scheduled",
    "session.completed",
    "action_item.created",
    "action_item.completed",
)
COLUMNS = {"webhook_subscription": "event_type", "webhook_event": "type"}


def _allow(values: Sequence[str]) -> None:
    listed = ", ".join(f"'{value}'" for value in values)
    for table, column in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint("webhook_event_type", type_="check")
            batch.create_check_constraint("webhook_event_type", f"{column} IN ({listed})")


def upgrade() -> None:
    _allow(AFTER)


def downgrade() -> None:
    # Events of the new types cannot stay: their rows go with the types.
    new = ", ".join(f"'{value}'" for value in AFTER if value not in BEFORE)
    op.execute(f"DELETE FROM webhook_subscription WHERE event_type IN ({new})")  # noqa: S608
    op.execute(f"DELETE FROM webhook_event WHERE type IN ({new})")  # noqa: S608
    _allow(BEFORE)
