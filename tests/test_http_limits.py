"""The HTTP edge in the app itself: the request body cap (413), CORS refusals and HEAD."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from api.main import create_app
from tests import cast
from tests.factories import API, assert_problem, register
from tests.routers.test_live import make_room
from tests.server_kit import plain_uvicorn

CHUNK = 64 * 1024


class Body:
    """A request body handed over chunk by chunk, counting what the server pulled."""

    def __init__(self, chunks: int) -> None:
        self.chunks = chunks
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.chunks):
            self.pulled += 1
            yield b" " * CHUNK


@pytest.fixture
async def small_cap_app(app, settings) -> AsyncIterator:
    """An app whose cap is 100 KiB (a setting); depends on ``app`` for the table clean-up."""
    capped = create_app(settings.model_copy(update={"max_request_body_bytes": 100 * 1024}))
    yield capped
    await capped.state.live_hub.close()
    await capped.state.engine.dispose()


def problem_413(response: httpx.Response, limit: int) -> None:
    body = assert_problem(response, 413)
    assert body["type"].endswith("payload-too-large")
    assert str(limit) in body["detail"]


async def test_a_declared_body_over_one_mib_is_refused_without_being_read(client, settings):
    limit = settings.max_request_body_bytes
    assert limit == 1024 * 1024  # the default
    body = Body(chunks=17)  # 17 x 64 KiB = 1 MiB + 64 KiB
    response = await client.post(
        f"{API}/auth/register",
        content=body,
        headers={"Content-Type": "application/json", "Content-Length": str(17 * CHUNK)},
    )
    problem_413(response, limit)
    assert body.pulled == 0
    assert response.headers["x-request-id"]  # answered inside the middleware stack


async def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_cap(client, settings):
    limit = settings.max_request_body_bytes
    body = Body(chunks=64)  # 4 MiB, no Content-Length
    response = await client.post(
        f"{API}/auth/register", content=body, headers={"Content-Type": "application/json"}
    )
    problem_413(response, limit)
    assert body.pulled == limit // CHUNK + 1, "the body was read past the cap"


async def test_a_form_body_over_the_cap_is_refused_too(client, settings):
    limit = settings.max_request_body_bytes
    body = Body(chunks=20)
    response = await client.post(
        f"{API}/auth/token",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    problem_413(response, limit)


async def test_a_body_at_the_cap_is_read_and_validated(client, settings):
    limit = settings.max_request_body_bytes
    response = await client.post(
        f"{API}/auth/register",
        content=b" " * (limit - 2) + b"{}",
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 422)


async def test_the_cap_is_a_setting(small_cap_app):
    async with cast.in_process(small_cap_app) as http:
        refused = await http.post(
            f"{API}/auth/register",
            content=b" " * (100 * 1024 + 1),
            headers={"Content-Type": "application/json"},
        )
        problem_413(refused, 100 * 1024)
        chunked = Body(chunks=4)
        refused = await http.post(
            f"{API}/auth/register", content=chunked, headers={"Content-Type": "application/json"}
        )
        problem_413(refused, 100 * 1024)
        assert chunked.pulled == 2


# --- CORS refusals -----------------------------------------------------------------------------

ALLOWED_ORIGIN = "http://localhost:5173"  # tests/conftest.py


@pytest.mark.parametrize(
    ("request_headers", "refused"),
    [
        ({"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}, "origin"),
        ({"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "TRACE"}, "method"),
        (
            {
                "Origin": ALLOWED_ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, x-not-allowed",
            },
            "headers",
        ),
    ],
)
async def test_a_refused_preflight_is_a_problem_document(client, request_headers, refused):
    response = await client.options(f"{API}/clients", headers=request_headers)
    body = assert_problem(response, 400)
    assert body["type"].endswith("cors-refused")
    assert refused in body["detail"]
    # Still the CORS answer it was: the browser reads what is allowed.
    assert "GET" in response.headers["access-control-allow-methods"]
    assert response.headers["x-request-id"]


async def test_an_allowed_preflight_is_unchanged(client):
    response = await client.options(
        f"{API}/clients",
        headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN


# --- HEAD --------------------------------------------------------------------------------------


class AccessLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[tuple[str, str, int]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.method, record.route, record.status))  # type: ignore[attr-defined]


@pytest.fixture
def captured_access() -> Iterator[list[tuple[str, str, int]]]:
    """(method, route, status) of each access-log line."""
    logger = logging.getLogger("api.access")
    handler = AccessLog()
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


async def test_head_answers_what_get_would_without_the_body(client, captured_access):
    admin = await register(client)
    for path, headers in (("/healthz", {}), (f"{API}/users/me", admin.headers)):
        get = await client.get(path, headers=headers)
        head = await client.head(path, headers=headers)
        assert (head.status_code, get.status_code) == (200, 200), head.text
        assert head.content == b""
        assert get.content
        for name in ("content-type", "content-length", "etag", "cache-control"):
            assert head.headers.get(name) == get.headers.get(name), name
    # The access log names the method and the route it took.
    assert ("HEAD", f"{API}/users/me", 200) in captured_access


async def test_head_keeps_the_errors_of_get(client):
    anonymous = await client.head(f"{API}/users/me")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    assert anonymous.content == b""
    # A path with no GET is still a 405 for HEAD, and Allow lists HEAD only with GET.
    refused = await client.head(f"{API}/auth/token")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "POST"
    assert (await client.delete("/healthz")).headers["allow"] == "GET, HEAD"


async def test_head_on_the_live_stream_ends_after_the_headers(client):
    room = await make_room(client)
    response = await asyncio.wait_for(
        client.head(f"{API}/sessions/{room.session_id}/events", headers=room.owner.headers),
        timeout=5,
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.content == b""


async def test_head_through_a_real_server(database_url, app, tmp_path):
    """uvicorn checks a HEAD response itself (no body may follow the head)."""
    async with (
        plain_uvicorn(database_url, tmp_path) as server,
        httpx.AsyncClient(base_url=server.url, timeout=5) as http,
    ):
        get = await http.get("/healthz")
        head = await http.head("/healthz")
        assert head.status_code == 200
        assert head.headers["content-length"] == get.headers["content-length"]
        # The connection is still good for the next request.
        assert (await http.get("/healthz")).status_code == 200
