"""Engine and the per-request session: one transaction per request, committed before the response."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

from fastapi import Request
from sqlalchemy import Connection, CursorResult, Result, event
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from api.config import Settings
from api.errors import AppError


def create_engine(settings: Settings) -> AsyncEngine:
    """The process's engine. ``hide_parameters``: a statement's error never repeats its
    values (CRM titles, key hashes) into a log; api/observability.py redacts the rest."""
    if settings.is_sqlite:
        engine = create_async_engine(
            settings.database_url,
            connect_args={"timeout": 30},
            hide_parameters=True,
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, decide when transactions begin (below), so
            # SAVEPOINTs nest inside the request's transaction instead of committing early.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            # Foreign keys are off by default in SQLite; WAL lets readers run beside a writer.
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _begin_immediate(connection: Connection) -> None:
            # Take the write lock up front: concurrent writers queue on busy_timeout instead
            # of failing when a read lock cannot be upgraded (SQLite has one writer anyway).
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_async_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        # No ping before each use (a round trip on every request): a connection that died
        # with a restarted server fails its first statement instead, which is a 503, and
        # SQLAlchemy then invalidates the whole pool so the next requests reconnect.
        pool_pre_ping=False,
        # Requests beyond the pool queue for a connection this long, then get 503 +
        # Retry-After (api/errors.py): a burst waits instead of failing or growing the pool.
        pool_timeout=settings.database_pool_timeout,
        connect_args={
            "timeout": 5,
            "command_timeout": 30,
            # No JIT: PostgreSQL compiles a statement whose estimated cost passes
            # jit_above_cost, and for the API's short reads that compiling is the slowest
            # part. Related learnings at 100,000 contributions spent 250 of 450 ms in it
            # (a high estimate for a subplan that never ran; docs/performance.md).
            "server_settings": {"jit": "off"},
        },
        hide_parameters=True,
    )


def dialect_name(session: AsyncSession) -> str:
    """The database behind ``session``: "postgresql" or "sqlite"."""
    return session.get_bind().dialect.name


def upsert(session: AsyncSession, table: Any) -> PgInsert | SqliteInsert:
    """An INSERT into ``table`` (a model or a ``Table``) that can say ``ON CONFLICT`` for the
    database behind ``session``: both dialects spell it alike, but each has its own class."""
    insert = pg_insert if dialect_name(session) == "postgresql" else sqlite_insert
    return insert(table)


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched. Its result is a ``CursorResult``, which
    ``AsyncSession.execute``'s type (for any statement) does not say."""
    return cast(CursorResult[Any], result).rowcount


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def create_read_sessionmaker(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> async_sessionmaker[AsyncSession]:
    """Sessions for reads on PostgreSQL: autocommit, so no BEGIN and COMMIT round trips.

    Under READ COMMITTED every statement takes its own snapshot anyway, so a transaction
    around a read-only request adds two round trips and no consistency. SQLite keeps its
    transactions (they are in-process and cost nothing)."""
    if engine.dialect.name != "postgresql":
        return sessionmaker
    # A session option, set on each connection as the session takes it. Not an engine
    # with the option (``engine.execution_options(...)``): that one sets it from an
    # engine event, and an engine with events runs every statement through their
    # dispatch, about 150 Python calls of a short read's 3,000.
    reads = async_sessionmaker(
        engine,
        expire_on_commit=False,
        autoflush=False,
        execution_options={"isolation_level": "AUTOCOMMIT"},
    )
    reads.configure(info=dict(sessionmaker.kw.get("info") or {}))
    return reads


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work.

    Used with ``Depends(..., scope="function")`` so the commit runs before the response
    is sent: a failed commit becomes an error response, never a 2xx for lost data.
    Services flush, never commit. A domain error marked ``keep_changes`` (a failed
    login counted, a reused refresh token's family revoked) still commits its records.
    """
    sessionmaker: async_sessionmaker[AsyncSession] = (
        request.app.state.read_sessionmaker
        if request.method in SAFE_METHODS
        else request.app.state.sessionmaker
    )
    async with sessionmaker() as session:
        try:
            yield session
        except AppError as exc:
            if exc.keep_changes:
                await session.commit()
            else:
                await session.rollback()
            raise
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()
