"""Amounts with up to four places, for every ISO 4217 currency

Revision ID: 0015_amount_places
Revises: 0014_user_profile
Create Date: 2026-12-03 07:30:00

``project.estimated_value`` held cents (NUMERIC(14, 2)). DESIGN 7.3 wants every currency
in its own minor units: none for JPY, 2 for EUR, 3 for the Kuwaiti dinar, 4 for the
Chilean UF. The column now keeps four places and the same twelve whole digits, so every
stored amount is kept as it is.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_amount_places"
down_revision: str | None = "0014_user_profile"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("project") as batch:
        batch.alter_column(
            "estimated_value",
            existing_type=sa.Numeric(14, 2),
            type_=sa.Numeric(16, 4),
            existing_nullable=True,
        )


def downgrade() -> None:
    # Amounts with three or four places are rounded to cents on the way down.
    with op.batch_alter_table("project") as batch:
        batch.alter_column(
            "estimated_value",
            existing_type=sa.Numeric(16, 4),
            type_=sa.Numeric(14, 2),
            existing_nullable=True,
        )
