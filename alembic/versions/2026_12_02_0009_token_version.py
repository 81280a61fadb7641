"""user.token_version and project_member.invited_by_id / invited_at

Revision ID: 0009_token_version
Revises: 0008
Create Date: 2026-12-02 15:50:00

``user.token_version`` is carried in every access token (claim ``ver``) and compared with
the row on each request (api/deps.py: authenticate_bearer). Signing out, a password change,
an admin's reset and deactivation raise it by one in SQL, so every access token issued
before stops working at once on every API process: the row changes, migration 0007's
trigger tells every process, and each forgets its cached copy.

``project_member.invited_by_id`` and ``invited_at`` record who offered a seat and when
(``GET /invitations``). Existing seats other than owners' are filled from the audit log's
latest ``project_member.invited`` row for that person and project, else with the project's
owner and the seat's creation time.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_token_version"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    connection = op.get_bind()
    op.add_column(
        "user",
        sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"),
    )
    with op.batch_alter_table("project_member") as batch:
        batch.add_column(sa.Column("invited_by_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("invited_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            op.f("fk_project_member_invited_by_id_user"),
            "user",
            ["invited_by_id"],
            ["id"],
            ondelete="SET NULL",
        )

    # The audit log knows who invited whom (the latest invitation wins: a seat offered again
    # after a decline was offered by whoever asked last). JSON is read in Python so the same
    # code runs on both databases, whose JSON functions and UUID storage differ.
    key, moment = sa.Uuid(), sa.DateTime(timezone=True)
    invitations = connection.execute(
        sa.text(
            "SELECT entity_id, actor_id, created_at, changes FROM audit_event"
            " WHERE action = 'project_member.invited' AND actor_id IS NOT NULL"
            " ORDER BY created_at"
        ).columns(entity_id=key, actor_id=key, created_at=moment, changes=sa.JSON())
    )
    latest: dict[tuple[str, str], tuple[object, object]] = {}
    for row in invitations:
        invitee = (row.changes or {}).get("user_id")
        if invitee:
            latest[(str(row.entity_id), str(invitee))] = (row.actor_id, row.created_at)
    if latest:
        seats = connection.execute(
            sa.text(
                "SELECT id, project_id, user_id FROM project_member WHERE role <> 'owner'"
            ).columns(id=key, project_id=key, user_id=key)
        ).all()
        updates = [
            {"seat_id": seat.id, "by": found[0], "at": found[1]}
            for seat in seats
            if (found := latest.get((str(seat.project_id), str(seat.user_id)))) is not None
        ]
        if updates:
            connection.execute(
                sa.text(
                    "UPDATE project_member SET invited_by_id = :by, invited_at = :at"
                    " WHERE id = :seat_id"
                ).bindparams(
                    sa.bindparam("seat_id", type_=key),
                    sa.bindparam("by", type_=key),
                    sa.bindparam("at", type_=moment),
                ),
                updates,
            )
    op.execute(
        "UPDATE project_member SET"
        " invited_by_id = (SELECT project.owner_id FROM project"
        " WHERE project.id = project_member.project_id),"
        " invited_at = created_at"
        " WHERE role <> 'owner' AND invited_by_id IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("project_member") as batch:
        batch.drop_constraint(op.f("fk_project_member_invited_by_id_user"), type_="foreignkey")
        batch.drop_column("invited_at")
        batch.drop_column("invited_by_id")
    op.drop_column("user", "token_version")
