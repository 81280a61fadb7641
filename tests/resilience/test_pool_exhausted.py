"""Every pooled connection busy: with the shipped pool settings a request waits for a free
connection instead of opening another, and is refused with 503 + Retry-After (a problem
document, no traceback) when none frees up within DATABASE_POOL_TIMEOUT."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from api.main import create_app
from tests import cast
from tests.factories import API, register

POOL_SIZE = 2


@pytest.fixture
async def small_pool(database_url, settings, app) -> AsyncIterator:
    """The app with a pool of two connections and otherwise the shipped defaults (overflow,
    checkout), a short wait so the refusal comes quickly. Asks for ``app`` so the tables
    are emptied afterwards."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the connection pool settings are PostgreSQL's")
    application = create_app(
        settings.model_copy(update={"database_pool_size": POOL_SIZE, "database_pool_timeout": 1})
    )
    yield application
    await application.state.live_hub.close()
    await application.state.engine.dispose()


async def test_a_request_beyond_the_pool_waits_then_gets_503_never_a_new_connection(
    client, small_pool
):
    admin = await register(client)
    engine = small_pool.state.engine
    async with cast.in_process(small_pool) as http:
        assert (await http.get(f"{API}/projects", headers=admin.headers)).status_code == 200

        held = [await engine.connect() for _ in range(POOL_SIZE)]
        try:
            refused = await http.get(f"{API}/projects", headers=admin.headers)
            assert refused.status_code == 503, "served on a connection beyond the pool"

            # A request that finds the pool busy is served as soon as a connection is back.
            waiting = asyncio.create_task(http.get(f"{API}/projects", headers=admin.headers))
            await asyncio.sleep(0.2)
            assert not waiting.done(), "the request did not wait for a connection"
            await held.pop().close()
            served = await waiting
        finally:
            for connection in held:
                await connection.close()

    assert refused.headers["content-type"].startswith("application/problem+json")
    assert int(refused.headers["retry-after"]) > 0
    body = refused.json()
    assert "no database connection was free" in body["detail"]
    assert "Traceback" not in refused.text and "TimeoutError" not in refused.text
    assert served.status_code == 200, served.text
    assert engine.pool.checkedout() == 0
