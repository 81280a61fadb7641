"""The built SPA served by the API (api/spa.py): pages and files from the build, while every
API path keeps answering as the API (problem+json 404s, 405s), with or without a build."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.config import Settings
from api.main import create_app
from tests import cast

PAGE = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def _build(root: Path) -> Path:
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>Sales Mastermind</title>")
    (root / "config.js").write_text("window.MASTERMIND_CONFIG = {};")
    (root / "assets" / "index-abc123.js").write_text("console.log('app')")
    return root


@contextlib.asynccontextmanager
async def _spa_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An app made after the test has set MASTERMIND_SPA_DIR (create_app reads it), one per
    test: building an app costs more than the requests a test sends it."""
    app = create_app(settings)
    try:
        async with cast.in_process(app) as http:
            yield http
    finally:
        await app.state.live_hub.close()
        await app.state.engine.dispose()


async def test_pages_and_files_come_from_the_build(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("MASTERMIND_SPA_DIR", str(_build(tmp_path)))
    async with _spa_client(settings) as http:
        for path in ("/", "/clients/123", "/sessions/abc/outcome"):
            response = await http.get(path, headers=PAGE)
            assert response.status_code == 200, path
            assert "Sales Mastermind" in response.text
            assert response.headers["cache-control"] == "no-cache"
            assert "script-src 'self'" in response.headers["content-security-policy"]
        asset = await http.get("/assets/index-abc123.js")
        assert asset.status_code == 200
        assert "immutable" in asset.headers["cache-control"]
        assert (await http.get("/config.js")).status_code == 200
        assert (await http.head("/", headers=PAGE)).status_code == 200


async def test_api_paths_are_never_the_spa(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("MASTERMIND_SPA_DIR", str(_build(tmp_path)))
    async with _spa_client(settings) as http:
        for path in (
            "/api/v1/no-such-resource",
            "/api",
            "/healthz/x",
            "/docs/x",
            "/openapi.json/x",
        ):
            response = await http.get(path, headers=PAGE)
            assert response.status_code == 404, path
            assert response.headers["content-type"].startswith("application/problem+json")
        # Not a page request, or a missing file: the API's 404, not index.html.
        for path, headers in (
            ("/nowhere", None),
            ("/assets/missing.js", PAGE),
            ("/favicon.ico", PAGE),
        ):
            response = await http.get(path, headers=headers)
            assert response.status_code == 404, path
            assert response.headers["content-type"].startswith("application/problem+json")
        # A known route with the wrong method is still the router's 405.
        response = await http.delete("/healthz", headers=PAGE)
        assert response.status_code == 405
        # Real API answers are untouched.
        assert (await http.get("/healthz", headers=PAGE)).json() == {"status": "ok"}
        assert (await http.get("/api/v1/users/me", headers=PAGE)).status_code == 401


async def test_without_a_build_nothing_is_served(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("MASTERMIND_SPA_DIR", str(tmp_path / "not-built"))
    async with _spa_client(settings) as http:
        response = await http.get("/clients", headers=PAGE)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
async def test_only_reads_reach_the_spa(settings, tmp_path, monkeypatch, method):
    monkeypatch.setenv("MASTERMIND_SPA_DIR", str(_build(tmp_path)))
    async with _spa_client(settings) as http:
        response = await http.request(method, "/clients", headers=PAGE)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
