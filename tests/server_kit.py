"""A real ``python -m uvicorn api.main:app`` on loopback, started the plainest way (host and
port only, uvicorn's defaults for everything else), for what only a real server shows."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.conftest import REPO_ROOT, TEST_SECRET_KEY
from tests.routers.test_live import ApiProcess, _free_port, _wait_until_ready


@asynccontextmanager
async def plain_uvicorn(
    database_url: str, log_dir: Path, env: dict[str, str] | None = None
) -> AsyncIterator[ApiProcess]:
    port = _free_port()
    log = log_dir / f"uvicorn-{port}.log"
    # uvicorn reads FORWARDED_ALLOW_IPS itself: left out, so its default (127.0.0.1) holds.
    environment = {k: v for k, v in os.environ.items() if k != "FORWARDED_ALLOW_IPS"}
    environment |= {
        "ENVIRONMENT": "test",
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    command = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1"]
    command += ["--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: ASYNC220, S603 - our own interpreter and app
            command, cwd=REPO_ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT
        )
    api = ApiProcess(f"http://127.0.0.1:{port}", process, log)
    try:
        await _wait_until_ready(api, asyncio.get_running_loop().time() + 30)
        yield api
    finally:
        process.terminate()
        try:
            await asyncio.to_thread(process.wait, 10)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait, 5)
