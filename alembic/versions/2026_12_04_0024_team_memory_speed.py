"""Team memory at speed: walk indexes, prefix indexes and project topic words

Revision ID: 0024_team_memory_speed
Revises: 0023_chat_channels
Create Date: 2026-12-04 18:30:00

Issue "Team memory", item 7 (docs/performance.md): search ranks each tier newest first and
walks ``created_at`` down from the newest row, so contributions, sessions and takeaways get
an ``(organization_id, created_at, id)`` index as clients and projects have. Exact and
"starts with" hits are found through a btree index on the first 64 folded characters
(PostgreSQL, ``text_pattern_ops`` so ``LIKE 'q%'`` uses it whatever the collation).
Related learnings score candidate projects in SQL: each project keeps the words of its
title and objective (``topic_words``), backfilled here with the rule written out, so the
migration keeps meaning what it meant when the code moves on.
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0024_team_memory_speed"
down_revision: str | None = "0023_chat_channels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WALKED = ("contribution", "mastermind_session", "takeaway")
_PREFIXED = ("client", "project", "contribution", "mastermind_session", "takeaway")
_BATCH = 2000

_KANA = {code: code + 0x60 for code in range(0x3041, 0x3097)} | {0x309D: 0x30FD, 0x309E: 0x30FE}
_ASCII_WORD = re.compile(r"[a-z0-9]{3,}")
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,}|[\u30a1-\u30fa\u30fc]{2,}|[\u3041-\u3096\u30fc]{2,}")
_STOP_WORDS = frozenset({"the", "and", "for", "with", "new", "our", "from", "into"})
_KANA_STOP_WORDS = frozenset(
    {"カラ", "マデ", "ヨリ", "ナド", "ノデ", "デス", "マス", "スル", "シタ"}
)


def _fold(text: str) -> str:
    normalized = unicodedata.normalize("NFKC", text).translate(_KANA)
    return " ".join(normalized.casefold().split())


def _words(text: str) -> list[str]:
    normalized = unicodedata.normalize("NFKC", text).casefold()
    found = set(_ASCII_WORD.findall(normalized)) - _STOP_WORDS
    japanese = {_fold(run) for run in _CJK_WORD.findall(normalized)} - _KANA_STOP_WORDS
    return sorted(found | japanese)


def upgrade() -> None:
    bind = op.get_bind()
    on_postgres = bind.dialect.name == "postgresql"
    for table in _WALKED:
        op.create_index(
            f"ix_{table}_organization_id_created_at",
            table,
            ["organization_id", "created_at", "id"],
        )
    words_type = postgresql.ARRAY(sa.Text()) if on_postgres else sa.JSON()
    words_default = sa.text("'{}'") if on_postgres else sa.text("'[]'")
    with op.batch_alter_table("project") as batch:
        batch.add_column(
            sa.Column("topic_words", words_type, nullable=False, server_default=words_default)
        )
    _backfill(bind, words_type)
    if on_postgres:
        for table in _PREFIXED:
            op.create_index(
                f"ix_{table}_search_prefix",
                table,
                ["organization_id", sa.text("left(search_text, 64) text_pattern_ops")],
            )


def _backfill(bind: sa.Connection, words_type: sa.types.TypeEngine[object]) -> None:
    projects = sa.table(
        "project",
        sa.column("id", sa.Uuid()),
        sa.column("title", sa.Text()),
        sa.column("objective", sa.Text()),
        sa.column("topic_words", words_type),
    )
    update = projects.update().where(projects.c.id == sa.bindparam("row_id"))
    last_id = None
    while True:
        query = sa.select(projects.c.id, projects.c.title, projects.c.objective)
        if last_id is not None:
            query = query.where(projects.c.id > last_id)
        rows = bind.execute(query.order_by(projects.c.id).limit(_BATCH)).all()
        if not rows:
            return
        batch = [
            {"row_id": row.id, "topic_words": _words(f"{row.title or ''} {row.objective or ''}")}
            for row in rows
        ]
        bind.execute(update, batch)  # one executemany per batch
        last_id = rows[-1][0]


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _PREFIXED:
            op.drop_index(f"ix_{table}_search_prefix", table_name=table)
    with op.batch_alter_table("project") as batch:
        batch.drop_column("topic_words")
    for table in _WALKED:
        op.drop_index(f"ix_{table}_organization_id_created_at", table_name=table)
