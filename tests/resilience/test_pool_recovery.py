"""A database session killed mid-transaction (``pg_terminate_backend``) costs its request a
503 with Retry-After, and nothing more: the pool hands out only live connections after it."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.factories import API, register


def _plain(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def postgres(database_url) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("pg_terminate_backend is PostgreSQL's (run with DATABASE_URL=postgresql://...)")
    return _plain(database_url)


async def test_a_backend_terminated_mid_transaction_does_not_poison_the_pool(postgres, client, app):
    admin = await register(client)
    name = make_url(postgres).database
    # Warm the pool with several connections, so a poisoned one would be handed out again.
    warm = await asyncio.gather(
        *(client.get(f"{API}/users", headers=admin.headers) for _ in range(8))
    )
    assert {r.status_code for r in warm} == {200}

    blocker = await asyncpg.connect(postgres)
    killer = await asyncpg.connect(postgres)
    try:
        # Hold a lock the request needs, so it sits inside its transaction, waiting.
        blocker_tx = blocker.transaction()
        await blocker_tx.start()
        await blocker.execute('LOCK TABLE "user" IN ACCESS EXCLUSIVE MODE')
        request = asyncio.create_task(client.get(f"{API}/users", headers=admin.headers))
        victim = None
        for _ in range(100):
            victim = await killer.fetchval(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'"
                " AND pid <> $2",
                name,
                blocker.get_server_pid(),
            )
            if victim:
                break
            await asyncio.sleep(0.05)
        assert victim, "the request never waited on the lock"
        assert await killer.fetchval("SELECT pg_terminate_backend($1)", victim)
        response = await asyncio.wait_for(request, 10)
        await blocker_tx.rollback()
    finally:
        await blocker.close()
        await killer.close()

    assert response.status_code == 503, response.text
    assert response.headers["retry-after"].isdigit()
    assert response.headers["content-type"].startswith("application/problem+json")

    # Every later request finds a working connection, one after the other and all at once.
    for _ in range(5):
        assert (await client.get(f"{API}/users", headers=admin.headers)).status_code == 200
    burst = await asyncio.gather(
        *(client.get(f"{API}/users", headers=admin.headers) for _ in range(30))
    )
    assert [r.status_code for r in burst] == [200] * 30
    pool = app.state.engine.pool
    assert pool.checkedout() == 0, "a connection leaked from the failed request"


class _RestartingServer(Exception):
    sqlstate = "57P03"  # cannot_connect_now: "the database system is starting up"


@pytest.mark.parametrize("sqlstate", ["57P01", "57P02", "57P03", "08006"])
def test_a_restarting_server_is_an_outage_not_a_crash(sqlstate):
    """What asyncpg raises while PostgreSQL shuts down or starts up arrives as a plain
    DBAPIError (not OperationalError); it must still be a 503, not a 500."""
    from sqlalchemy import exc as sa_exc

    from api.errors import _is_database_outage

    orig = _RestartingServer()
    orig.sqlstate = sqlstate
    assert _is_database_outage(sa_exc.DBAPIError("SELECT 1", None, orig))
    orig.sqlstate = "23505"  # a unique violation is no outage
    assert not _is_database_outage(sa_exc.DBAPIError("SELECT 1", None, orig))
