"""Which client address sign-in throttling counts: X-Forwarded-For only when trusted, however the
app is started (plain ``uvicorn`` rewrites the peer from it for 127.0.0.1 by default)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.factories import login, unique_email
from tests.kit.test_throttle import WRONG_PASSWORD, assert_throttled, client_from
from tests.routers.test_live import ApiProcess
from tests.server_kit import plain_uvicorn

PER_ADDRESS = 3


@pytest.fixture
async def untrusting_server(database_url, app, tmp_path: Path) -> AsyncIterator[ApiProcess]:
    """Plain uvicorn (proxy headers on, 127.0.0.1 trusted: its defaults) with
    TRUST_FORWARDED_FOR=false. Depends on ``app`` so the tables are emptied afterwards."""
    env = {
        "TRUST_FORWARDED_FOR": "false",
        "LOGIN_MAX_FAILURES_PER_ADDRESS": str(PER_ADDRESS),
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": "100",
    }
    async with plain_uvicorn(database_url, tmp_path, env) as server:
        yield server


async def test_plain_uvicorn_with_untrusted_forwarded_for_counts_the_real_peer(
    untrusting_server,
):
    async with httpx.AsyncClient(base_url=untrusting_server.url, timeout=10) as http:
        for n in range(PER_ADDRESS):
            # A new claimed address and a new account each time: only the address counter can
            # stop this, and only if the claim is ignored.
            response = await http.post(
                "/api/v1/auth/token",
                data={"username": unique_email("spoof"), "password": WRONG_PASSWORD},
                headers={"X-Forwarded-For": f"203.0.113.{n + 1}"},
            )
            assert response.status_code == 401, response.text
        refused = await http.post(
            "/api/v1/auth/token",
            data={"username": unique_email("spoof"), "password": WRONG_PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.99:4444"},
        )
        assert refused.status_code == 429, f"{refused.text}\n{untrusting_server.output()}"
        assert refused.headers["content-type"].startswith("application/problem+json")


async def test_untrusted_forwarded_for_is_ignored(app, settings):
    assert settings.trust_forwarded_for is False
    async with client_from(app, "10.60.0.1") as http:
        for n in range(settings.login_max_failures_per_address):
            response = await http.post(
                "/api/v1/auth/token",
                data={"username": unique_email("guess"), "password": WRONG_PASSWORD},
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            )
            assert response.status_code == 401
        assert_throttled(await login(http, unique_email("next"), WRONG_PASSWORD), settings)


@pytest.fixture
def trusting_app(app, settings):
    app.state.settings = settings.model_copy(update={"trust_forwarded_for": True})
    try:
        yield app
    finally:
        app.state.settings = settings


async def test_trusted_forwarded_for_takes_the_entry_the_proxy_wrote(trusting_app, settings):
    """Behind a proxy that appends, the last entry is the one it wrote; what the client put
    before it is a claim, and varying it does not make a new address."""
    per_address = settings.login_max_failures_per_address
    async with client_from(trusting_app, "10.0.0.2") as proxy:
        for n in range(per_address):
            response = await proxy.post(
                "/api/v1/auth/token",
                data={"username": unique_email("guess"), "password": WRONG_PASSWORD},
                headers={"X-Forwarded-For": f"192.0.2.{n}, 198.51.100.7"},
            )
            assert response.status_code == 401
        assert_throttled(
            await proxy.post(
                "/api/v1/auth/token",
                data={"username": unique_email("guess"), "password": WRONG_PASSWORD},
                headers={"X-Forwarded-For": "192.0.2.200, 198.51.100.7"},
            ),
            settings,
        )
        # Another client behind the same proxy is its own address.
        other = await proxy.post(
            "/api/v1/auth/token",
            data={"username": unique_email("guess"), "password": WRONG_PASSWORD},
            headers={"X-Forwarded-For": "198.51.100.8"},
        )
        assert other.status_code == 401
