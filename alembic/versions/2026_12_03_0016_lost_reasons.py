"""Why a deal was lost: the reason and the competitor, kept with the closed project

Revision ID: 0016_lost_reasons
Revises: 0015_amount_places
Create Date: 2026-12-03 07:40:00

DESIGN 7.5: closing a project as lost names why (``competitor | price | no_decision |
timing | fit | other``) and, optionally, the competitor. Projects closed before have no
reason: they stay null, as do deals a CRM closed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_lost_reasons"
down_revision: str | None = "0015_amount_places"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("project") as batch:
        batch.add_column(
            sa.Column(
                "lost_reason",
                sa.Enum(
                    "competitor",
                    "price",
                    "no_decision",
                    "timing",
                    "fit",
                    "other",
                    name="project_lost_reason",
                    native_enum=False,
                    create_constraint=True,
                    length=11,
                ),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("competitor", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("project") as batch:
        batch.drop_constraint("project_lost_reason", type_="check")
        batch.drop_column("competitor")
        batch.drop_column("lost_reason")
