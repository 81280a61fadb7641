"""Folded search text on clients, projects and people; gram indexes on PostgreSQL

Revision ID: 0012_folded_search
Revises: 0011_one_sealing_scheme
Create Date: 2026-12-02 23:50:00

Search matches folded text (NFKC, hiragana as katakana, case-folded: api/kit/folding.py) so
that てすと, ﾃｽﾄ and テスト find each other and one- and two-character Japanese queries match.
``client`` and ``project`` get ``search_text`` and ``search_grams`` (every character and
every neighbouring pair of the folded text), with a GIN index on the grams on PostgreSQL;
``user`` gets ``search_text`` only (people are few per organization). Existing rows are
folded here, in batches. The folding is written out rather than imported, so the migration
keeps meaning what it meant when the code moves on.
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_folded_search"
down_revision: str | None = "0011_one_sealing_scheme"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KANA = {code: code + 0x60 for code in range(0x3041, 0x3097)} | {0x309D: 0x30FD, 0x309E: 0x30FE}
_BATCH = 2000

# table -> (source columns, whether it has grams)
_TABLES = {
    "client": (("name",), True),
    "project": (("title",), True),
    "user": (("full_name", "email"), False),
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
    for table, (_sources, with_grams) in _TABLES.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
            if with_grams:
                batch.add_column(
                    sa.Column(
                        "search_grams", grams_type, nullable=False, server_default=grams_default
                    )
                )
    for table, (sources, with_grams) in _TABLES.items():
        _backfill(bind, table, sources, with_grams=with_grams)
    if on_postgres:
        op.create_index(
            "ix_client_search_grams", "client", ["search_grams"], postgresql_using="gin"
        )
        op.create_index(
            "ix_project_search_grams", "project", ["search_grams"], postgresql_using="gin"
        )


def _backfill(bind: sa.Connection, table: str, sources: Sequence[str], *, with_grams: bool) -> None:
    rows_table = sa.table(
        table,
        sa.column("id", sa.Uuid()),
        sa.column("search_text", sa.Text()),
        *[sa.column(name, sa.Text()) for name in sources],
        *(
            [
                sa.column(
                    "search_grams",
                    postgresql.ARRAY(sa.Text()) if bind.dialect.name == "postgresql" else sa.JSON(),
                )
            ]
            if with_grams
            else []
        ),
    )
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
            text = _fold(" ".join(value for value in row[1:] if value))
            values: dict[str, object] = {"row_id": row[0], "search_text": text}
            if with_grams:
                values["search_grams"] = _grams(text)
            batch.append(values)
        bind.execute(update, batch)  # one executemany per batch
        last_id = rows[-1][0]


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_project_search_grams", table_name="project")
        op.drop_index("ix_client_search_grams", table_name="client")
    for table, (_sources, with_grams) in _TABLES.items():
        with op.batch_alter_table(table) as batch:
            if with_grams:
                batch.drop_column("search_grams")
            batch.drop_column("search_text")
