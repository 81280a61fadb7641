"""Clients trickling CRM hook bodies hold no database connection: a real server on loopback
with a two-connection pool, raw sockets sending their bodies a byte at a time, and the rest
of the API answering meanwhile. Before the fix, each trickling request held a connection
from its lookup of the CRM connection until its body ended, and the others got 503s.
(On SQLite the pool settings do not apply; the same trickling took 15 connections there,
each in a transaction holding or awaiting the write lock.)"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from api.main import create_app
from tests.factories import API, PROBLEM, register
from tests.routers.test_crm_hooks import generic_body, generic_headers
from tests.routers.test_live import _free_port

TRICKLERS = 20
CAP = 2048  # the hook's body cap on this server, so a refused body is quick to send
# Well under the pool's 5 s checkout timeout: a request that waited for a connection held
# by a trickler would miss it (before the fix they got 503 after 5 s).
ANSWER_WITHIN = 3.0


@dataclass
class Server:
    host: str
    port: int
    app: FastAPI

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@pytest.fixture
async def small_pool_server(settings, app) -> AsyncIterator[Server]:
    """The API served by uvicorn in this process, with a pool of two connections and no
    overflow. (Depends on ``app`` so the tables are emptied after the test.)"""
    application = create_app(
        settings.model_copy(
            update={
                "database_pool_size": 2,
                "database_max_overflow": 0,
                "crm_hook_max_body_bytes": CAP,
            }
        )
    )
    port = _free_port()
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 15
    while not server.started:
        assert not task.done(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start in time"
        await asyncio.sleep(0.05)
    try:
        yield Server("127.0.0.1", port, application)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return int(status_line.split(" ")[1]), headers, body


def _request_head(server: Server, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {server.host}:{server.port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _trickle(
    server: Server, path: str, headers: dict[str, str], body: bytes, release: asyncio.Event
) -> int:
    """Sends the body a byte every 50 ms, holding back the last byte until ``release``."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        head = {**headers, "Content-Length": str(len(body))}
        writer.write(_request_head(server, path, head) + body[:1])
        await writer.drain()
        sent = 1
        while not release.is_set() and sent < len(body) - 1:
            await asyncio.sleep(0.05)
            writer.write(body[sent : sent + 1])
            await writer.drain()
            sent += 1
        await release.wait()
        writer.write(body[sent:])
        await writer.drain()
        status, _, _ = await _read_response(reader)
        return status
    finally:
        writer.close()


async def _chunked_past_the_cap(server: Server, path: str) -> tuple[int, str]:
    """No Content-Length: 64-byte chunks every 20 ms until the server refuses."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        head = {"Transfer-Encoding": "chunked", "Content-Type": "application/json"}
        writer.write(_request_head(server, path, head))
        answer = asyncio.create_task(_read_response(reader))
        for _ in range(CAP // 64 + 8):
            if answer.done():
                break
            writer.write(b"40\r\n" + b" " * 64 + b"\r\n")
            try:
                await writer.drain()
            except ConnectionError:
                break
            await asyncio.sleep(0.02)
        status, headers, _ = await asyncio.wait_for(answer, 5)
        return status, headers.get("content-type", "")
    finally:
        writer.close()


async def _declared_past_the_cap(server: Server, path: str) -> tuple[int, str]:
    """A Content-Length over the cap is refused at once, before any body is sent."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        head = {"Content-Length": str(CAP + 1), "Content-Type": "application/json"}
        writer.write(_request_head(server, path, head))
        await writer.drain()
        status, headers, _ = await asyncio.wait_for(_read_response(reader), 5)
        return status, headers.get("content-type", "")
    finally:
        writer.close()


async def test_twenty_clients_trickling_hook_bodies_take_no_connection_from_the_pool(
    small_pool_server,
):
    server = small_pool_server
    pool = server.app.state.engine.pool
    async with asyncio.timeout(60), httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        admin = await register(http)
        created = await http.post(
            f"{API}/integrations/crm",
            headers=admin.headers,
            json={"provider": "generic", "name": "CRM", "default_owner_id": admin.id},
        )
        assert created.status_code == 201, created.text
        connection = created.json()
        secret, path = connection["signing_secret"], f"{API}/hooks/crm/{connection['id']}"

        release = asyncio.Event()
        bodies = [generic_body(f"D-{index}") for index in range(TRICKLERS)]
        tricklers = [
            asyncio.create_task(_trickle(server, path, generic_headers(secret, b), b, release))
            for b in bodies
        ]
        try:
            await asyncio.sleep(0.5)  # every trickler is past its headers, mid-body
            assert not any(t.done() for t in tricklers), [t.result() for t in tricklers if t.done()]
            assert pool.checkedout() == 0, "a trickling request holds a database connection"

            # Meanwhile the API answers: reads, and a hook delivery sent whole.
            async def timed(request) -> tuple[int, float]:
                started = time.monotonic()
                response = await request
                return response.status_code, time.monotonic() - started

            whole = generic_body("D-whole")
            answers = await asyncio.gather(
                *(timed(http.get(f"{API}/projects", headers=admin.headers)) for _ in range(10)),
                timed(http.post(path, content=whole, headers=generic_headers(secret, whole))),
                return_exceptions=True,
            )
            assert all(not isinstance(a, BaseException) for a in answers), answers
            assert [status for status, _ in answers] == [200] * 11, answers
            slowest = max(seconds for _, seconds in answers)
            assert slowest < ANSWER_WITHIN, f"the slowest answer took {slowest:.1f} s"

            # Bodies over the cap are refused while the tricklers still trickle.
            assert await _declared_past_the_cap(server, path) == (413, PROBLEM)
            assert await _chunked_past_the_cap(server, path) == (413, PROBLEM)
            assert not any(t.done() for t in tricklers)
            assert pool.checkedout() == 0
        finally:
            release.set()
        # The trickled deliveries, once whole, are applied like any other.
        assert await asyncio.gather(*tricklers) == [200] * TRICKLERS

        events = await http.get(
            f"{API}/integrations/crm/{connection['id']}/events",
            headers=admin.headers,
            params={"limit": 50},
        )
        assert events.status_code == 200, events.text
        results = sorted(
            json.loads(e["payload"])["data"]["deal_id"] for e in events.json()["items"]
        )
        assert results == sorted([f"D-{index}" for index in range(TRICKLERS)] + ["D-whole"])
