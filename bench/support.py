"""What the benchmark and fault scripts share: database URLs, admin statements, free ports."""

from __future__ import annotations

import socket

import asyncpg

from api.config import normalize_database_url


def plain_url(url: str) -> str:
    """Any of our database URLs as asyncpg takes it (``postgresql://``)."""
    return normalize_database_url(url).replace("postgresql+asyncpg://", "postgresql://")


async def admin_execute(url: str, statement: str) -> None:
    """Run ``statement`` (CREATE/DROP DATABASE) on the server of ``url``, from its
    ``postgres`` database."""
    connection = await asyncpg.connect(plain_url(url).rsplit("/", 1)[0] + "/postgres")
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
