"""The Mastermind format: phases, anonymity and a dot budget on a session

Revision ID: 0019_mastermind_format
Revises: 0021_mail_outbox
Create Date: 2026-12-03 14:30:00

DESIGN 7.2: a session is "open" (the board as before; every existing session) or
"mastermind", which moves through phases (brief, write, reveal, vote, discuss, decide) with
a time box each, may hide authors until completion and gives each person a number of dots.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_mastermind_format"
down_revision: str | None = "0021_mail_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(
        *values,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(v) for v in values),
    )


def upgrade() -> None:
    with op.batch_alter_table("mastermind_session") as batch:
        batch.add_column(
            sa.Column(
                "format",
                _enum("session_format", "open", "mastermind"),
                nullable=False,
                server_default="open",
            )
        )
        batch.add_column(
            sa.Column(
                "anonymity",
                _enum("session_anonymity", "none", "until_complete"),
                nullable=False,
                server_default="none",
            )
        )
        batch.add_column(sa.Column("vote_budget", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "phase",
                _enum("session_phase", "brief", "write", "reveal", "vote", "discuss", "decide"),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("phase_started_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("phase_ends_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_check_constraint("vote_budget_positive", "vote_budget > 0")


def downgrade() -> None:
    with op.batch_alter_table("mastermind_session") as batch:
        batch.drop_constraint("vote_budget_positive", type_="check")
        for name in ("session_phase", "session_anonymity", "session_format"):
            batch.drop_constraint(name, type_="check")
        for column in (
            "phase_ends_at",
            "phase_started_at",
            "phase",
            "vote_budget",
            "anonymity",
            "format",
        ):
            batch.drop_column(column)
