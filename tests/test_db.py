"""The request sessions of api/db.py on PostgreSQL: reads without a transaction around them,
writes in one, over the same pooled connections."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from api.config import Settings
from api.db import create_engine, create_read_sessionmaker, create_sessionmaker


@pytest.fixture
async def one_connection(settings: Settings):
    """An engine whose pool holds a single connection, so every session below shares it."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("SQLite keeps its transactions for reads")
    engine = create_engine(settings.model_copy(update={"database_pool_size": 1}))
    yield engine
    await engine.dispose()


async def _now_moves_between_statements(maker) -> bool:
    # now() is the transaction's start: it stays put inside one transaction.
    async with maker() as session:
        first = await session.scalar(text("SELECT now()"))
        await asyncio.sleep(0.01)
        second = await session.scalar(text("SELECT now()"))
        await session.commit()
    return first != second


async def test_reads_autocommit_and_writes_keep_one_transaction_on_one_connection(
    one_connection,
):
    writes = create_sessionmaker(one_connection)
    reads = create_read_sessionmaker(one_connection, writes)
    assert await _now_moves_between_statements(reads)
    # The connection the read used goes back to the pool in its transactional mode.
    assert not await _now_moves_between_statements(writes)
    assert await _now_moves_between_statements(reads)
    assert one_connection.pool.checkedout() == 0
