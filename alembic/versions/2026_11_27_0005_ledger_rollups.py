"""ledger rollups: help/activity/session rollups, owner-at-the-time on facts, member burn

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 14:15:07.006004

Backfills everything from the existing facts, self-contained (no application imports, so
the migration keeps working as the code moves on): the project owner on each fact, the
members' minutes used, the learning-mix flag of completed sessions, and the rollups.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRAIN = sa.Enum("day", "month", name="rollup_grain", native_enum=False, create_constraint=True)


def upgrade() -> None:
    op.create_table(
        "session_rollup",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sessions_completed", sa.Integer(), nullable=False),
        sa.Column("mixed_sessions", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_session_rollup_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "day", name=op.f("pk_session_rollup")),
    )
    op.create_table(
        "activity_rollup",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("grain", GRAIN, nullable=False),
        sa.Column("bucket", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("minutes_given", sa.Integer(), nullable=False),
        sa.Column("minutes_received", sa.Integer(), nullable=False),
        sa.Column("sessions_attended", sa.Integer(), nullable=False),
        sa.Column("contributions_count", sa.Integer(), nullable=False),
        sa.Column("ideas_adopted", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_activity_rollup_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_activity_rollup_user_id_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "organization_id", "grain", "bucket", "user_id", name=op.f("pk_activity_rollup")
        ),
    )
    op.create_index(
        "ix_activity_rollup_user",
        "activity_rollup",
        ["organization_id", "user_id", "grain", "bucket"],
        unique=False,
    )
    op.create_table(
        "help_rollup",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("helper_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("days_mask", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["helper_id"],
            ["user.id"],
            name=op.f("fk_help_rollup_helper_id_user"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_help_rollup_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user.id"],
            name=op.f("fk_help_rollup_owner_id_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "organization_id", "month", "helper_id", "owner_id", name=op.f("pk_help_rollup")
        ),
    )
    op.create_index(
        "ix_help_rollup_helper",
        "help_rollup",
        ["organization_id", "helper_id", "month"],
        unique=False,
    )
    op.create_index(
        "ix_help_rollup_owner",
        "help_rollup",
        ["organization_id", "owner_id", "month"],
        unique=False,
    )
    op.add_column("mastermind_session", sa.Column("mixed_seniority", sa.Boolean(), nullable=True))
    op.add_column(
        "project_member",
        sa.Column("minutes_used", sa.Integer(), server_default="0", nullable=False),
    )
    with op.batch_alter_table("session_participant") as batch:
        batch.add_column(sa.Column("project_owner_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_session_participant_project_owner_id_user"),
            "user",
            ["project_owner_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    with op.batch_alter_table("time_entry") as batch:
        batch.add_column(sa.Column("project_owner_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_time_entry_project_owner_id_user"),
            "user",
            ["project_owner_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    _backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("time_entry") as batch:
        batch.drop_constraint(op.f("fk_time_entry_project_owner_id_user"), type_="foreignkey")
        batch.drop_column("project_owner_id")
    with op.batch_alter_table("session_participant") as batch:
        batch.drop_constraint(
            op.f("fk_session_participant_project_owner_id_user"), type_="foreignkey"
        )
        batch.drop_column("project_owner_id")
    with op.batch_alter_table("project_member") as batch:
        batch.drop_column("minutes_used")
    with op.batch_alter_table("mastermind_session") as batch:
        batch.drop_column("mixed_seniority")
    op.drop_index("ix_help_rollup_owner", table_name="help_rollup")
    op.drop_index("ix_help_rollup_helper", table_name="help_rollup")
    op.drop_table("help_rollup")
    op.drop_index("ix_activity_rollup_user", table_name="activity_rollup")
    op.drop_table("activity_rollup")
    op.drop_table("session_rollup")


# --- backfill ---------------------------------------------------------------------------------

ACTIVITY = (
    "minutes_given",
    "minutes_received",
    "sessions_attended",
    "contributions_count",
    "ideas_adopted",
)


def _uuid(value) -> uuid.UUID:  # type: ignore[no-untyped-def]
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _day(value, zone: ZoneInfo) -> date:  # type: ignore[no-untyped-def]
    if isinstance(value, str):  # SQLite hands back text
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone).date()


def _date(value) -> date:  # type: ignore[no-untyped-def]
    return date.fromisoformat(value) if isinstance(value, str) else value


def _backfill(bind: sa.Connection) -> None:
    # The owner at the time is unknown for old facts: the current owner is the best we have.
    bind.execute(
        sa.text(
            "UPDATE time_entry SET project_owner_id = "
            "(SELECT owner_id FROM project WHERE project.id = time_entry.project_id)"
        )
    )
    bind.execute(
        sa.text(
            "UPDATE session_participant SET project_owner_id = (SELECT project.owner_id "
            "FROM mastermind_session JOIN project ON project.id = mastermind_session.project_id "
            "WHERE mastermind_session.id = session_participant.session_id) "
            "WHERE attended_minutes IS NOT NULL"
        )
    )
    bind.execute(
        sa.text(
            "UPDATE mastermind_session SET mixed_seniority = ("
            ' EXISTS (SELECT 1 FROM session_participant p JOIN "user" u ON u.id = p.user_id'
            "  WHERE p.session_id = mastermind_session.id AND p.attended_minutes > 0"
            "  AND u.seniority = 'junior')"
            ' AND EXISTS (SELECT 1 FROM session_participant p JOIN "user" u ON u.id = p.user_id'
            "  WHERE p.session_id = mastermind_session.id AND p.attended_minutes > 0"
            "  AND u.seniority = 'senior')) WHERE status = 'completed'"
        )
    )
    for org_id, zone_name in bind.execute(sa.text("SELECT id, time_zone FROM organization")):
        try:
            zone = ZoneInfo(zone_name or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        _backfill_organization(bind, _uuid(org_id), org_id, zone)


def _backfill_organization(bind: sa.Connection, org: uuid.UUID, raw_org, zone: ZoneInfo) -> None:  # type: ignore[no-untyped-def]
    help_rows: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])  # minutes, days_mask
    activity: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ACTIVITY, 0))
    sessions: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    burn: dict[tuple, int] = defaultdict(int)

    def help_fact(helper, owner, project, day: date, minutes: int) -> None:  # type: ignore[no-untyped-def]
        helper, owner, project = _uuid(helper), _uuid(owner), _uuid(project)
        burn[(project, helper)] += minutes
        if helper == owner:
            return
        pair = help_rows[(day.replace(day=1), helper, owner)]
        pair[0] += minutes
        pair[1] |= 1 << (day.day - 1)
        for grain, bucket in (("day", day), ("month", day.replace(day=1))):
            activity[(grain, bucket, helper)]["minutes_given"] += minutes
            activity[(grain, bucket, owner)]["minutes_received"] += minutes

    def count(user, day: date, name: str, value: int = 1) -> None:  # type: ignore[no-untyped-def]
        for grain, bucket in (("day", day), ("month", day.replace(day=1))):
            activity[(grain, bucket, _uuid(user))][name] += value

    params = {"org": raw_org}
    for user, owner, minutes, project, completed_at in bind.execute(
        sa.text(
            "SELECT p.user_id, p.project_owner_id, p.attended_minutes, s.project_id, s.completed_at "
            "FROM session_participant p JOIN mastermind_session s ON s.id = p.session_id "
            "WHERE s.organization_id = :org AND s.status = 'completed' AND p.attended_minutes > 0"
        ),
        params,
    ):
        day = _day(completed_at, zone)
        help_fact(user, owner, project, day, minutes)
        count(user, day, "sessions_attended")
    for user, owner, minutes, project, spent_on in bind.execute(
        sa.text(
            "SELECT user_id, project_owner_id, minutes, project_id, spent_on FROM time_entry "
            "WHERE organization_id = :org"
        ),
        params,
    ):
        help_fact(user, owner, project, _date(spent_on), minutes)
    for author, created_at, status in bind.execute(
        sa.text(
            "SELECT c.author_id, c.created_at, c.status FROM contribution c "
            "JOIN mastermind_session s ON s.id = c.session_id "
            "WHERE c.organization_id = :org AND s.status <> 'cancelled'"
        ),
        params,
    ):
        day = _day(created_at, zone)
        count(author, day, "contributions_count")
        count(author, day, "ideas_adopted", int(status == "adopted"))
    for completed_at, mixed in bind.execute(
        sa.text(
            "SELECT completed_at, mixed_seniority FROM mastermind_session "
            "WHERE organization_id = :org AND status = 'completed'"
        ),
        params,
    ):
        row = sessions[_day(completed_at, zone)]
        row[0] += 1
        row[1] += int(bool(mixed))

    ids = ("organization_id", "helper_id", "owner_id", "user_id", "project_id")

    def table(name: str, *columns: str) -> sa.TableClause:
        # Typed columns: SQLite stores UUIDs as 32 hex digits and needs them bound that way.
        return sa.table(
            name,
            *(
                sa.column(
                    c,
                    sa.Uuid()
                    if c in ids
                    else sa.Date()
                    if c in ("bucket", "day", "month")
                    else None,
                )
                for c in columns
            ),
        )

    help_table = table(
        "help_rollup", "organization_id", "month", "helper_id", "owner_id", "minutes", "days_mask"
    )
    activity_table = table(
        "activity_rollup", "organization_id", "grain", "bucket", "user_id", *ACTIVITY
    )
    session_table = table(
        "session_rollup", "organization_id", "day", "sessions_completed", "mixed_sessions"
    )
    if help_rows:
        bind.execute(
            help_table.insert(),
            [
                {
                    "organization_id": org,
                    "month": month,
                    "helper_id": h,
                    "owner_id": o,
                    "minutes": minutes,
                    "days_mask": mask,
                }
                for (month, h, o), (minutes, mask) in help_rows.items()
            ],
        )
    if activity:
        bind.execute(
            activity_table.insert(),
            [
                {"organization_id": org, "grain": g, "bucket": b, "user_id": u, **counts}
                for (g, b, u), counts in activity.items()
            ],
        )
    if sessions:
        bind.execute(
            session_table.insert(),
            [
                {"organization_id": org, "day": d, "sessions_completed": c, "mixed_sessions": m}
                for d, (c, m) in sessions.items()
            ],
        )
    member = table("project_member", "project_id", "user_id", "minutes_used")
    for (project, user), minutes in burn.items():
        bind.execute(
            member.update()
            .where(member.c.project_id == project, member.c.user_id == user)
            .values(minutes_used=minutes)
        )
