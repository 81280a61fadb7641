"""user change notices: NOTIFY mastermind_user_changes when a user row changes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 17:40:00

The API processes keep signed-in users' rows between read-only requests
(api/user_cache.py). This trigger tells every process when a row changes, whoever changed
it: the id of an updated or deleted user, or ``*`` when the table is truncated. NOTIFY is
transactional, so the notice leaves only when the change commits. PostgreSQL only: SQLite
runs a single process, which forgets its own changes.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION notify_user_changes() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                PERFORM pg_notify('mastermind_user_changes', '*');
            ELSE
                PERFORM pg_notify('mastermind_user_changes', OLD.id::text);
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        'CREATE TRIGGER user_row_changes AFTER UPDATE OR DELETE ON "user"'
        " FOR EACH ROW EXECUTE FUNCTION notify_user_changes()"
    )
    op.execute(
        'CREATE TRIGGER user_table_truncated AFTER TRUNCATE ON "user"'
        " FOR EACH STATEMENT EXECUTE FUNCTION notify_user_changes()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute('DROP TRIGGER user_table_truncated ON "user"')
    op.execute('DROP TRIGGER user_row_changes ON "user"')
    op.execute("DROP FUNCTION notify_user_changes()")
