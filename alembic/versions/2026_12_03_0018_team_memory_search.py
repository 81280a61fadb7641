"""Team memory search: folded search text on contributions, takeaways and session outcomes

Revision ID: 0018_team_memory_search
Revises: 0020_crm_apply
Create Date: 2026-12-03 14:00:00

DESIGN 7.5: ``GET /search`` finds ideas (a contribution's body and its verdict's note),
takeaways and completed sessions' outcomes (title, summary, decisions, recommended
approach), folded as in 7.3 (api/kit/folding.py). Each table gets ``search_text`` and
``search_grams``, with a GIN index on the grams on PostgreSQL, as clients and projects did
in 0012. Existing rows are folded here, in batches; the folding is written out rather than
imported, so the migration keeps meaning what it meant when the code moves on.
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018_team_memory_search"
down_revision: str | None = "0020_crm_apply"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KANA = {code: code + 0x60 for code in range(0x3041, 0x3097)} | {0x309D: 0x30FD, 0x309E: 0x30FE}
_BATCH = 2000

# table -> (text source columns, list source columns)
_TABLES = {
    "contribution": (("body", "verdict_note"), ()),
    "takeaway": (("body",), ()),
    "mastermind_session": (("title", "summary", "recommended_approach"), ("decisions",)),
}


def _fold(text: str) -> str:
    normalized = unicodedata.normalize("NFKC", text).translate(_KANA)
    return " ".join(normalized.casefold().split())


def _grams(folded: str) -> list[str]:
    seen: dict[str, None] = {}
    for index, character in enumerate(folded):
        if not character.isspace():
            seen[character] = None
        pair = folded[index : index + 2]
        if len(pair) == 2:
            seen[pair] = None
    return list(seen)


def upgrade() -> None:
    bind = op.get_bind()
    on_postgres = bind.dialect.name == "postgresql"
    grams_type = postgresql.ARRAY(sa.Text()) if on_postgres else sa.JSON()
    grams_default = sa.text("'{}'") if on_postgres else sa.text("'[]'")
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
            batch.add_column(
                sa.Column("search_grams", grams_type, nullable=False, server_default=grams_default)
            )
    for table, (texts, lists) in _TABLES.items():
        _backfill(bind, table, texts, lists)
    if on_postgres:
        for table in _TABLES:
            op.create_index(
                f"ix_{table}_search_grams", table, ["search_grams"], postgresql_using="gin"
            )


def _backfill(bind: sa.Connection, table: str, texts: Sequence[str], lists: Sequence[str]) -> None:
    grams_type = postgresql.ARRAY(sa.Text()) if bind.dialect.name == "postgresql" else sa.JSON()
    rows_table = sa.table(
        table,
        sa.column("id", sa.Uuid()),
        sa.column("search_text", sa.Text()),
        sa.column("search_grams", grams_type),
        *[sa.column(name, sa.Text()) for name in texts],
        *[sa.column(name, sa.JSON()) for name in lists],
    )
    sources = [*texts, *lists]
    update = rows_table.update().where(rows_table.c.id == sa.bindparam("row_id"))
    last_id = None
    while True:
        query = sa.select(rows_table.c.id, *[rows_table.c[name] for name in sources])
        if last_id is not None:
            query = query.where(rows_table.c.id > last_id)
        rows = bind.execute(query.order_by(rows_table.c.id).limit(_BATCH)).all()
        if not rows:
            return
        batch = []
        for row in rows:
            parts: list[str] = []
            for value in row[1:]:
                if isinstance(value, list):
                    parts.extend(str(item) for item in value if item)
                elif value:
                    parts.append(value)
            text = _fold(" ".join(parts))
            batch.append({"row_id": row[0], "search_text": text, "search_grams": _grams(text)})
        bind.execute(update, batch)  # one executemany per batch
        last_id = rows[-1][0]


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _TABLES:
            op.drop_index(f"ix_{table}_search_grams", table_name=table)
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("search_grams")
            batch.drop_column("search_text")
