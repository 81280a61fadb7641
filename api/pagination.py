"""Keyset pagination: opaque cursors over ``(timestamp, id)`` so pages stay stable under inserts."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar, cast

import orjson
from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import (
    BindParameter,
    Column,
    Integer,
    Select,
    SQLColumnExpression,
    and_,
    bindparam,
    or_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from api.errors import InvalidInput

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size (1-200)")]
CursorQuery = Annotated[
    str | None,
    Query(max_length=512, description="Opaque cursor from the previous page's next_cursor"),
]


# A statement of any number of columns or entities (``Select[Any]`` is one of them).
AnySelect = Select[*tuple[Any, ...]]
# The columns a page is ordered by: ORM attributes (``sqlmodel.col(Model.created_at)``) or
# table columns. A nullable time column is allowed where the rows paged never hold NULL.
TimeColumn = SQLColumnExpression[datetime] | SQLColumnExpression[datetime | None]
IdColumn = SQLColumnExpression[uuid.UUID]


def _key(column: TimeColumn | IdColumn) -> str:
    # Both kinds name themselves with ``key``; SQLColumnExpression's type does not say so.
    return cast(QueryableAttribute[Any] | Column[Any], column).key


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(moment: datetime, row_id: uuid.UUID) -> str:
    raw = orjson.dumps([moment.isoformat(), str(row_id)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment_text, id_text = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        moment = datetime.fromisoformat(moment_text)
        if moment.tzinfo is None:
            raise ValueError("naive cursor time")
        # Normalise here: a time at the edge of the calendar overflows when shifted to UTC.
        return moment.astimezone(UTC), uuid.UUID(id_text)
    # AttributeError: uuid.UUID() given a number; OverflowError: a time out of range in UTC.
    except (
        ValueError,
        TypeError,
        AttributeError,
        OverflowError,
        binascii.Error,
        orjson.JSONDecodeError,
        UnicodeError,
    ) as exc:
        raise InvalidInput(
            "The cursor is not one this API issued.", loc=["query", "cursor"]
        ) from exc


# The parameters a keyset page statement takes (``page_parameters`` fills them).
# ``LIMIT 51`` is written into the SQL at execution, not sent as a parameter: PostgreSQL
# cannot know a parameter's value when it plans a prepared statement once for every
# execution (a generic plan), so it assumes a large share of the table, prices the generic
# plan above the custom one and plans the statement again on every execution. A literal
# limit keeps one cached plan per page size (there are few) and saves that planning.
_PAGE_LIMIT = bindparam("page_limit", type_=Integer, literal_execute=True)
_CURSOR_TIME = "cursor_time"
_CURSOR_ID = "cursor_id"


def keyset_page(
    statement: AnySelect,
    *,
    time_column: TimeColumn,
    id_column: IdColumn,
    after_cursor: bool,
    newest_first: bool = False,
) -> AnySelect:
    """``statement`` as a page: ordered by ``(time_column, id_column)``, limited, and with
    ``after_cursor`` starting after the cursor's key. The limit and the cursor are
    parameters, so one page statement can be built once and run for every request
    (``run_page`` with ``page_parameters``)."""
    if after_cursor:
        moment: BindParameter[datetime] = bindparam(_CURSOR_TIME)
        row_id: BindParameter[uuid.UUID] = bindparam(_CURSOR_ID)
        if newest_first:
            after = or_(time_column < moment, and_(time_column == moment, id_column < row_id))
        else:
            after = or_(time_column > moment, and_(time_column == moment, id_column > row_id))
        statement = statement.where(after)
    order = (time_column.desc(), id_column.desc()) if newest_first else (time_column, id_column)
    return statement.order_by(*order).limit(_PAGE_LIMIT)


def page_parameters(limit: int, cursor: str | None) -> dict[str, Any]:
    """The values of a ``keyset_page`` statement's parameters (one row more than the page,
    to know whether another page follows)."""
    parameters: dict[str, Any] = {"page_limit": limit + 1}
    if cursor:
        parameters[_CURSOR_TIME], parameters[_CURSOR_ID] = decode_cursor(cursor)
    return parameters


async def run_page(
    session: AsyncSession,
    statement: AnySelect,
    parameters: dict[str, Any],
    *,
    limit: int,
    row_keys: tuple[str, str],
    plain_rows: bool = False,
    keys_of: Callable[[Any], Any] = lambda row: row,
) -> tuple[Sequence[Any], str | None]:
    """Run a ``keyset_page`` statement; the rows and the next page's cursor (None on the
    last page), read from the attributes ``row_keys`` of ``keys_of(last row)``."""
    if plain_rows:
        rows = (await session.execute(statement, parameters)).all()
    else:
        rows = (await session.scalars(statement, parameters)).all()
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = keys_of(rows[-1])
    time_key, id_key = row_keys
    return rows, encode_cursor(getattr(last, time_key), getattr(last, id_key))


async def paginate(
    session: AsyncSession,
    statement: AnySelect,
    *,
    time_column: TimeColumn,
    id_column: IdColumn,
    limit: int,
    cursor: str | None,
    plain_rows: bool = False,
    newest_first: bool = False,
    keys_of: Callable[[Any], Any] = lambda row: row,
    row_keys: tuple[str, str] | None = None,
) -> tuple[Sequence[Any], str | None]:
    """Run ``statement`` ordered by ``(time_column, id_column)`` from the cursor on, oldest
    first (feeds a script resumes) or with ``newest_first`` (logs a person reads).

    Returns the rows (entities, or with ``plain_rows`` the selected columns as rows) and
    the cursor of the next page, or None on the last page. ``keys_of`` picks, from a row,
    the object carrying the two key attributes (for rows of several entities), and
    ``row_keys`` their names on it when they differ from the ordering columns' (a page
    ordered by a copy of the key, such as a seat's ``project_created_at``).
    """
    parameters = page_parameters(limit, cursor)  # a bad cursor is refused before any query
    page = keyset_page(
        statement,
        time_column=time_column,
        id_column=id_column,
        after_cursor=bool(cursor),
        newest_first=newest_first,
    )
    return await run_page(
        session,
        page,
        parameters,
        limit=limit,
        row_keys=row_keys or (_key(time_column), _key(id_column)),
        plain_rows=plain_rows,
        keys_of=keys_of,
    )
