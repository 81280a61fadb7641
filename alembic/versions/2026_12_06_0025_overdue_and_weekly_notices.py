"""Notification kinds for overdue action items and the managers' weekly summary

Revision ID: 0025_overdue_and_weekly_notices
Revises: 0024_team_memory_speed
Create Date: 2026-12-06 21:30:00

DESIGN 7.6 (issue 18, item 3): an assignee is told once when an open action item passes
its due date (``action_item_overdue``), and each team manager gets a summary of their
teams' last week (``weekly_summary``). ``notification.kind`` is a VARCHAR with a CHECK
(``enum_type``), so only the CHECK changes; the new values fit the column's 21 characters.
Going down deletes the notices of the two kinds first, so the old CHECK holds.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025_overdue_and_weekly_notices"
down_revision: str | None = "0024_team_memory_speed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KINDS = (
    "project_invitation",
    "session_scheduled",
    "session_changed",
    "session_cancelled",
    "session_reminder",
    "action_item_assigned",
    "help_request",
    "help_request_answered",
)
_ADDED = ("action_item_overdue", "weekly_summary")
_NEW_KINDS = (*_OLD_KINDS, *_ADDED)


def _kinds(values: tuple[str, ...]) -> None:
    check = "kind IN (" + ", ".join(f"'{value}'" for value in values) + ")"
    with op.batch_alter_table("notification") as batch:
        batch.drop_constraint("notification_kind", type_="check")
        batch.create_check_constraint("notification_kind", check)


def upgrade() -> None:
    _kinds(_NEW_KINDS)


def downgrade() -> None:
    notification = sa.table("notification", sa.column("kind", sa.String()))
    op.execute(notification.delete().where(notification.c.kind.in_(_ADDED)))
    _kinds(_OLD_KINDS)
