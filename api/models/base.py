"""Shared pieces of every table: naming convention, UTC timestamps, ids and enum columns."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

# Deterministic constraint names so alembic migrations are reproducible on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def table_of(model: type[SQLModel]) -> sa.Table:
    """A table model's ``__table__`` (SQLModel's class type does not declare it)."""
    return cast(sa.Table, sa.inspect(model).local_table)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, always hands back aware datetimes (SQLite has no time zone type)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; attach a time zone")
        value = value.astimezone(UTC)
        # SQLite compares datetimes as text: store one canonical naive UTC form there.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def result_processor(self, dialect: sa.Dialect, coltype: object) -> Any:
        # asyncpg already hands back timestamptz as aware UTC datetimes: no call per value
        # on PostgreSQL (a list page reads a few hundred of them).
        if dialect.name == "postgresql":
            return None
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_type(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum column: VARCHAR plus a named CHECK constraint, no native PG type."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_cls),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class IdTable(SQLModel):
    """Columns every domain table has: a UUID key and UTC creation/update times."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(
        default_factory=utcnow,
        sa_type=UTCDateTime,
        nullable=False,
        sa_column_kwargs={"onupdate": utcnow},
    )


# Folded search text (api/kit/folding.py): the grams are a text array on PostgreSQL, where a
# GIN index serves containment; SQLite keeps them as JSON it never queries.
SearchGrams = postgresql.ARRAY(sa.Text()).with_variant(sa.JSON(), "sqlite")


def postgresql_only(index: sa.Index) -> sa.Index:
    """Mark an index that exists on PostgreSQL only (a GIN index has no SQLite twin):
    migrations create it there, and ``alembic check`` skips it elsewhere (alembic/env.py)."""
    index.info["postgresql_only"] = True
    return index


def search_prefix_index(model: Any) -> sa.Index:
    """The btree index on the first 64 folded characters of a table's ``search_text``
    (exact and "starts with" search hits, services/search.py; migration 0022), on
    PostgreSQL. ``text_pattern_ops`` lets ``LIKE 'query%'`` use it whatever the database's
    collation. Declared after the model, on its columns."""
    table = model.__table__
    return postgresql_only(
        sa.Index(
            f"ix_{table.name}_search_prefix",
            table.c.organization_id,
            sa.func.left(table.c.search_text, sa.literal_column("64")).label("search_prefix"),
            postgresql_ops={"search_prefix": "text_pattern_ops"},
        )
    )
