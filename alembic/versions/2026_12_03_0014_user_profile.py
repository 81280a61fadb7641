"""People's profile: the reading of their name and their own language

Revision ID: 0014_user_profile
Revises: 0013_organization_settings
Create Date: 2026-12-03 06:50:00

DESIGN 7.3: ``name_reading`` is how a name reads (kana for a Japanese name), used to sort
people and to find them; ``locale`` (``ja`` | ``en``) is the person's own language, null
following the organization's. Both start empty: people keep today's behaviour. A reading
is folded into the person's search text when it is set (api/models/search.py), so no row
needs refolding here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_user_profile"
down_revision: str | None = "0013_organization_settings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("name_reading", sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column(
                "locale",
                sa.Enum(
                    "ja",
                    "en",
                    name="user_locale",
                    native_enum=False,
                    create_constraint=True,
                    length=2,
                ),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.drop_constraint("user_locale", type_="check")
        batch.drop_column("locale")
        batch.drop_column("name_reading")
