"""Test fixtures: a real database of its own per run (PostgreSQL when DATABASE_URL points at
one, else a SQLite file), schema from ``alembic upgrade head``, tables emptied between tests.

Under pytest-xdist (scripts/test.sh, .ci/run) each worker is a run of its own here: its own
session fixtures, so its own database, and nothing shared with the other worker but the
server."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from api.config import Settings, normalize_database_url
from api.main import create_app
from api.models import SQLModel
from tests import cast

REPO_ROOT = Path(__file__).resolve().parent.parent
TEST_SECRET_KEY = "test-secret-key-" + "x" * 40


def alembic_config(database_url: str) -> Config:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


async def _admin_execute(server_url: str, statement: str) -> None:
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A database that exists only for this run; never a developer's own database."""
    configured = normalize_database_url(os.environ.get("DATABASE_URL", "sqlite+aiosqlite://"))
    if configured.startswith("postgresql"):
        name = f"mastermind_test_{uuid.uuid4().hex[:10]}"
        server = make_url(configured).set(database="postgres")
        server_url = server.render_as_string(hide_password=False)
        asyncio.run(_admin_execute(server_url, f'CREATE DATABASE "{name}"'))
        url = make_url(configured).set(database=name).render_as_string(hide_password=False)
        try:
            command.upgrade(alembic_config(url), "head")
            yield url
        finally:
            asyncio.run(
                _admin_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            )
    else:
        with tempfile.TemporaryDirectory(prefix="mastermind-test-") as folder:
            url = f"sqlite+aiosqlite:///{folder}/test.db"
            command.upgrade(alembic_config(url), "head")
            yield url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        secret_key=TEST_SECRET_KEY,
        cors_origins=["http://localhost:5173"],
        # The suite signs up hundreds of organizations from one test address; the limit itself
        # is tested in tests/kit/test_throttle.py with its own, low value.
        signup_max_per_address=1_000_000,
        _env_file=None,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator:
    application = create_app(settings)
    yield application
    await application.state.live_hub.close()
    await application.state.engine.dispose()


async def empty_tables(engine: AsyncEngine) -> None:
    """Delete every row, children before parents, in one transaction.

    ``DELETE`` and not ``TRUNCATE`` on PostgreSQL too: a test leaves a handful of rows, and
    truncating 42 tables (new files for each, and their indexes) took ~0.1-0.3 s per test
    against ~5 ms for deleting them, over a thousand tests. Row triggers fire: the
    ``user`` trigger (migration 0007) sends a change notice per deleted user instead of one
    for the truncated table, which the user caches treat alike.
    """
    async with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            await connection.execute(text(f'DELETE FROM "{table.name}"'))


@pytest.fixture(autouse=True)
async def _empty_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Every test starts from empty tables (only for tests that use the database)."""
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    # A live stream the test left may still be closing (its presence interval is written
    # when the server notices the client went): on PostgreSQL that write and the clean-up
    # can deadlock (or the write can meet its session deleted), and the database then
    # refuses one of them. Try again.
    for attempt in range(5):
        try:
            await empty_tables(application.state.engine)
            return
        except DBAPIError:
            if attempt == 4:
                raise
            await asyncio.sleep(0.1)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with cast.in_process(app) as http:
        yield http


# --- the webhook tests: an app that may post to loopback, a client, a receiver ---------------


@pytest.fixture(scope="module")
async def hook_app(app, settings):
    """The app with private targets allowed, so endpoints can point at the loopback receiver.
    Depends on conftest's ``app`` so the tables are emptied after each test."""
    application = create_app(settings.model_copy(update={"webhook_allow_private_targets": True}))
    yield application
    await application.state.live_hub.close()
    await application.state.engine.dispose()


@pytest.fixture
async def http(hook_app) -> AsyncIterator[httpx.AsyncClient]:
    async with cast.in_process(hook_app) as client:
        yield client


@pytest.fixture
def receiver():
    """A real HTTP server on loopback that records (and can refuse) webhook deliveries."""
    from tests.webhook_kit import Receiver

    server = Receiver()
    server.start()
    yield server
    server.close()


# --- the mail tests: a real SMTP server and an app that sends to it --------------------------


@pytest.fixture(scope="module")
def smtp():
    """aiosmtpd on loopback (tests/mail_kit.py), for one test module."""
    from tests.mail_kit import MailServer

    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def mail_app(app, settings, smtp):
    """The app with SMTP configured. Depends on conftest's ``app`` so tables are emptied."""
    from tests.mail_kit import BASE

    application = create_app(
        settings.model_copy(
            update={
                "smtp_url": smtp.url,
                "smtp_from": "Mastermind <mm@example.com>",
                "public_base_url": BASE,
            }
        )
    )
    yield application
    await application.state.live_hub.close()
    await application.state.engine.dispose()


@pytest.fixture
async def mail_client(mail_app, smtp) -> AsyncIterator[httpx.AsyncClient]:
    smtp.clear()
    async with cast.in_process(mail_app) as http:
        yield http
