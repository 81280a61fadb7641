"""Organization settings: fiscal year start, default currency, language, shared learnings

Revision ID: 0013_organization_settings
Revises: 0012_folded_search
Create Date: 2026-12-02 23:55:00

DESIGN 7.3: an organization says when its fiscal year starts (1-12, e.g. 4 for April), what
new projects are valued in (ISO 4217), which language it speaks (``ja`` | ``en``) and
whether closed projects' learnings are shared with the whole organization (7.5), and
when a change of time zone last rebuilt its ledger. Existing
organizations keep today's behaviour: a January year, EUR, English, sharing on.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_organization_settings"
down_revision: str | None = "0012_folded_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organization") as batch:
        batch.add_column(
            sa.Column("fiscal_year_start_month", sa.Integer(), nullable=False, server_default="1")
        )
        batch.add_column(
            sa.Column("default_currency", sa.String(length=3), nullable=False, server_default="EUR")
        )
        batch.add_column(
            sa.Column(
                "locale",
                sa.Enum(
                    "ja",
                    "en",
                    name="organization_locale",
                    native_enum=False,
                    create_constraint=True,
                    length=2,
                ),
                nullable=False,
                server_default="en",
            )
        )
        batch.add_column(
            sa.Column(
                "share_closed_learnings", sa.Boolean(), nullable=False, server_default=sa.true()
            )
        )
        batch.add_column(sa.Column("ledger_rebuilt_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_check_constraint(
            "fiscal_year_start_month_range", "fiscal_year_start_month BETWEEN 1 AND 12"
        )


def downgrade() -> None:
    with op.batch_alter_table("organization") as batch:
        batch.drop_constraint("fiscal_year_start_month_range", type_="check")
        batch.drop_constraint("organization_locale", type_="check")
        batch.drop_column("ledger_rebuilt_at")
        batch.drop_column("share_closed_learnings")
        batch.drop_column("locale")
        batch.drop_column("default_currency")
        batch.drop_column("fiscal_year_start_month")
