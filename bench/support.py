"""What the benchmark and fault scripts share: database URLs, throwaway databases, the API
server's start and stop, and the column lists their COPY loads write."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx

from api.config import normalize_database_url

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = os.environ.get(
    "DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)

# The columns the scripts' COPY loads fill (the rest take their defaults).
USER_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "organization_id",
    "email",
    "full_name",
    "role",
    "seniority",
    "expertise",
    "is_active",
    "password_hash",
]
PROJECT_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "organization_id",
    "kind",
    "client_id",
    "owner_id",
    "title",
    "objective",
    "status",
    "due_date",
    "estimated_value",
    "currency",
    "helper_budget_minutes",
    "closed_at",
    "close_note",
    "external_source",
    "external_id",
]
MEMBER_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "organization_id",
    "project_id",
    "user_id",
    "role",
    "state",
    "budget_minutes",
    "project_created_at",
]


def plain_url(url: str) -> str:
    """Any of our database URLs as asyncpg takes it (``postgresql://``)."""
    return normalize_database_url(url).replace("postgresql+asyncpg://", "postgresql://")


def database_url(server_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``server_url``."""
    return plain_url(server_url).rsplit("/", 1)[0] + f"/{name}"


async def admin_execute(url: str, statement: str) -> None:
    """Run ``statement`` (CREATE/DROP DATABASE) on the server of ``url``, from its
    ``postgres`` database."""
    connection = await asyncpg.connect(database_url(url, "postgres"))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def recreate_database(url: str) -> None:
    """The database ``url`` names, dropped if it exists, created empty and migrated to head."""
    name = url.rsplit("/", 1)[1]
    await drop_database(url)
    await admin_execute(url, f'CREATE DATABASE "{name}"')
    await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        capture_output=True,
    )


async def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    await admin_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_process(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``command`` run from the repository, its output in ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait (up to a minute) until ``url`` answers below 500; exit with the log's tail if
    the process ends or never answers."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url} exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not start:\n{log.read_text()[-3000:]}")


def stop_process(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Ask ``process`` to stop with ``sig``; kill it if it has not within 30 s."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
