"""SIGTERM to a real API process: a request in flight is finished, a live stream is ended
cleanly at once (not cut at the graceful timeout), and the process shuts down cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import REPO_ROOT, TEST_SECRET_KEY
from tests.factories import API, unique_email
from tests.routers.test_live import (
    ApiProcess,
    _free_port,
    _wait_until_ready,
    joined,
    listen,
    make_room,
)


@pytest.fixture
async def api_process(database_url, app, tmp_path) -> AsyncIterator[ApiProcess]:
    port = _free_port()
    log = tmp_path / "api.log"
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1"]
    # The same graceful timeout as the Dockerfile's.
    command += ["--port", str(port), "--no-access-log", "--timeout-graceful-shutdown", "20"]
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: ASYNC220, S603 - our own interpreter and app
            command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    api = ApiProcess(f"http://127.0.0.1:{port}", process, log)
    try:
        await _wait_until_ready(api, asyncio.get_running_loop().time() + 30)
        yield api
    finally:
        if process.poll() is None:
            process.kill()
        await asyncio.to_thread(process.wait, 10)


async def test_sigterm_drains_the_request_in_flight_and_closes_live_streams(api_process):
    api = api_process
    async with httpx.AsyncClient(base_url=api.url, timeout=15.0) as http:
        room = await make_room(http)
        email = unique_email("late")
        registration = {
            "organization_name": "Drained Ltd",
            "full_name": "Dora Drain",
            "email": email,
            "password": "correct horse battery staple",
        }
        body = httpx.Request("POST", "/", json=registration).content
        sent_first_half = asyncio.Event()

        async def slow_body() -> AsyncIterator[bytes]:
            # The request is on the wire but not complete when SIGTERM arrives.
            yield body[:20]
            sent_first_half.set()
            await asyncio.sleep(1.0)
            yield body[20:]

        async with listen(http, room.session_id, room.owner) as stream:
            assert joined(await stream.next(), room.owner)  # present: the stream is live
            in_flight = asyncio.create_task(
                http.post(
                    f"{API}/auth/register",
                    content=slow_body(),
                    headers={"Content-Type": "application/json"},
                )
            )
            await sent_first_half.wait()
            await asyncio.sleep(0.2)  # the server has read the first half
            signalled = time.monotonic()
            api.process.send_signal(signal.SIGTERM)

            # The live stream ends cleanly, long before the 20 s graceful timeout.
            ended = await asyncio.wait_for(stream.queue.get(), 5.0)
            assert ended is None, f"expected the end of the stream, got {ended}"
            assert time.monotonic() - signalled < 5.0

            response = await asyncio.wait_for(in_flight, 10.0)
            assert response.status_code == 201, response.text
            assert response.json()["user"]["email"] == email

        # No new connections once it is draining or gone.
        with pytest.raises(httpx.TransportError):
            await http.get("/healthz", headers={"Connection": "close"})

    code = await asyncio.to_thread(api.process.wait, 20)
    # uvicorn shuts down gracefully, then re-raises the signal it caught, so the process
    # reports "terminated by SIGTERM" (143 in a container), as a supervisor expects.
    assert code in (0, -signal.SIGTERM), api.output()
    assert "Application shutdown complete" in api.output()
    assert time.monotonic() - signalled < 10.0, "shutdown waited out the graceful timeout"
    assert "Traceback" not in api.output(), api.output()
