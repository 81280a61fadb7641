"""The HTTP edge in the app itself: the request body cap (413), CORS refusals and HEAD."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from api.main import create_app
from tests.factories import API, assert_problem

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
    transport = httpx.ASGITransport(app=small_cap_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
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
