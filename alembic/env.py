"""Alembic environment: migrates whatever DATABASE_URL (or the caller's URL) points at, async."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import api.models  # noqa: F401  registers every table on the metadata
from api.config import normalize_database_url
from api.models import SQLModel

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def _database_url() -> str:
    url = config.attributes.get("database_url")
    if url is None:
        import os

        from api.config import DEFAULT_SQLITE_URL

        # Only the URL is needed: no SECRET_KEY required to migrate.
        url = os.environ.get("DATABASE_URL", DEFAULT_SQLITE_URL)
    return normalize_database_url(url)


def _run(connection: Connection) -> None:
    dialect = connection.dialect.name

    def include_object(
        obj: object, _name: str | None, type_: str, _reflected: bool, _compare_to: object
    ) -> bool:
        # A GIN index (api/models/base.py: postgresql_only) exists on PostgreSQL only.
        info = getattr(obj, "info", {})
        return not (type_ == "index" and info.get("postgresql_only") and dialect != "postgresql")

    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=dialect == "sqlite",  # ALTER TABLE on SQLite
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_async_engine(_database_url(), poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
