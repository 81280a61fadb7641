"""What an adopted idea did: its verdict after the client meeting

Revision ID: 0017_verdicts
Revises: 0016_lost_reasons
Create Date: 2026-12-03 07:50:00

DESIGN 7.5: the project's owner records whether an adopted idea worked, did not work or
was not tried, with a note; who said it and when are kept. Existing ideas have no verdict.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_verdicts"
down_revision: str | None = "0016_lost_reasons"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contribution") as batch:
        batch.add_column(
            sa.Column(
                "verdict",
                sa.Enum(
                    "worked",
                    "did_not_work",
                    "not_tried",
                    name="contribution_verdict",
                    native_enum=False,
                    create_constraint=True,
                    length=12,
                ),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("verdict_note", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("verdict_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("verdict_by_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_contribution_verdict_by_id_user"),
            "user",
            ["verdict_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("contribution") as batch:
        batch.drop_constraint(op.f("fk_contribution_verdict_by_id_user"), type_="foreignkey")
        batch.drop_constraint("contribution_verdict", type_="check")
        batch.drop_column("verdict_by_id")
        batch.drop_column("verdict_at")
        batch.drop_column("verdict_note")
        batch.drop_column("verdict")
