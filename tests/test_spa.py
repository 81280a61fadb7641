"""The built SPA served by the API (api/spa.py): pages and files from the build, while every
API path keeps answering as the API (problem+json 404s, 405s), with or without a build."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.main import create_app
from tests import cast

PAGE = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def _build(root: Path) -> Path:
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>Sales Mastermind</title>")
    (root / "config.js").write_text("window.MASTERMIND_CONFIG = {};")
    (root / "assets" / "index-abc123.js").write_text("console.log('app')")
    return root


async def _get(app, path: str, headers: dict[str, str] | None = None, method: str = "GET"):
    try:
        async with cast.in_process(app) as http:
            return await http.request(method, path, headers=headers)
    finally:
        await app.state.live_hub.close()
        await app.state.engine.dispose()


async def test_pages_and_files_come_from_the_build(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("MASTERMIND_SPA_DIR", str(_build(tmp_path)))
    for path in ("/", "/clients/123", "/sessions/abc/outcome"):
        response = await _get(create_app(settings), path, PAGE)
        assert response.status_code == 200, path
        assert "Sales Mastermind" in response.text
        assert response.headers["cache-control"] == "no-cache"
        assert "script-src 'self'" in response.headers["content-security-policy"]
    asset = await _get(create_app(settings), "/assets/index-abc123.js")
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
    assert (await _get(create_app(settings), "/config.js")).status_code == 200
    assert (await _get(create_app(settings), "/", PAGE, method="HEAD")).status_code == 200


async def test_api_paths_are_never_the_spa(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("MASTERMIND_SPA_DIR", str(_build(tmp_path)))
    for path in ("/api/v1/no-such-resource", "/api", "/healthz/x", "/docs/x", "/openapi.json/x"):
        response = await _get(create_app(settings), path, PAGE)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/problem+json")
    # Not a page request, or a missing file: the API's 404, not index.html.
    for path, headers in (
        ("/nowhere", None),
        ("/assets/missing.js", PAGE),
        ("/favicon.ico", PAGE),
    ):
        response = await _get(create_app(settings), path, headers)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/problem+json")
    # A known route with the wrong method is still the router's 405.
    response = await _get(create_app(settings), "/healthz", PAGE, method="DELETE")
    assert response.status_code == 405
    # Real API answers are untouched.
    assert (await _get(create_app(settings), "/healthz", PAGE)).json() == {"status": "ok"}
    assert (await _get(create_app(settings), "/api/v1/users/me", PAGE)).status_code == 401


async def test_without_a_build_nothing_is_served(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("MASTERMIND_SPA_DIR", str(tmp_path / "not-built"))
    response = await _get(create_app(settings), "/clients", PAGE)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
async def test_only_reads_reach_the_spa(settings, tmp_path, monkeypatch, method):
    monkeypatch.setenv("MASTERMIND_SPA_DIR", str(_build(tmp_path)))
    response = await _get(create_app(settings), "/clients", PAGE, method=method)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
