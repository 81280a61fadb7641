"""Every error is a problem document; outages are 503 with Retry-After; the headers every
response carries (security, request id, CORS); the health probes."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from api.errors import _is_unstorable_text
from api.main import create_app
from api.models import Client
from tests import cast
from tests.factories import API, DEFAULT_PASSWORD, assert_problem, register, unique_email

ALLOWED_ORIGIN = "http://localhost:5173"
UNREACHABLE_DATABASE = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"
JSON_CSP = "default-src 'none'; frame-ancestors 'none'"
GENERATED_REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


@asynccontextmanager
async def client_for(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client on an app built for one test; afterwards its live hub is closed and its
    engine disposed, as the lifespan would. An app on an unreachable database left open
    keeps its LISTEN task reconnecting (and logging) on the session's loop for the rest
    of the run."""
    try:
        async with cast.in_process(app) as http:
            yield http
    finally:
        await app.state.live_hub.close()
        await app.state.engine.dispose()


# --- problem documents ---------------------------------------------------------------------


async def test_unknown_route_is_a_404_problem(client):
    for path in ("/nowhere", f"{API}/no-such-resource", f"{API}/users/{uuid.uuid4()}/nope"):
        body = assert_problem(await client.get(path), 404)
        assert body["title"] == "Not Found"
        assert body["instance"] == path


async def test_wrong_method_is_a_405_problem_with_allow(client):
    response = await client.delete("/healthz")
    body = assert_problem(response, 405)
    assert body["title"] == "Method Not Allowed"
    assert response.headers["allow"] == "GET, HEAD"

    response = await client.put(f"{API}/users")
    assert_problem(response, 405)
    allowed = {method.strip() for method in response.headers["allow"].split(",")}
    assert allowed == {"GET", "HEAD", "POST"}


async def test_validation_errors_list_each_field_and_never_echo_the_password(client):
    secret = "hunter2"  # too short: the password itself is the invalid field
    response = await client.post(
        f"{API}/auth/register",
        json={
            "organization_name": "",
            "full_name": "Val Idation",
            "email": "not-an-email",
            "password": secret,
            "surprise": "field",
        },
    )
    body = assert_problem(response, 422)
    assert body["type"].endswith("validation")
    assert body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"loc", "msg", "type"}
        assert isinstance(error["loc"], list) and error["loc"][0] == "body"
        assert error["msg"] and error["type"]
    locs = {tuple(error["loc"]) for error in body["errors"]}
    assert {
        ("body", "organization_name"),
        ("body", "email"),
        ("body", "password"),
        ("body", "surprise"),
    } <= locs
    password_error = next(e for e in body["errors"] if e["loc"] == ["body", "password"])
    assert password_error["type"] == "string_too_short"
    assert secret not in response.text
    assert '"input"' not in response.text


async def test_no_validation_error_echoes_a_password_in_any_shape(client):
    marker = "Sup3r-Secret-Passphrase-" + uuid.uuid4().hex
    attempts = [
        # The password has the wrong type.
        client.post(
            f"{API}/auth/register",
            json={
                "organization_name": "O",
                "full_name": "F",
                "email": unique_email(),
                "password": [marker],
            },
        ),
        # The password is too long for the sign-in form.
        client.post(
            f"{API}/auth/token", data={"username": "a@example.com", "password": marker * 12}
        ),
        # The body is not JSON at all.
        client.post(
            f"{API}/auth/register",
            content=f'{{"password": "{marker}", ',
            headers={"Content-Type": "application/json"},
        ),
    ]
    for attempt in attempts:
        response = await attempt
        assert_problem(response, 422)
        assert marker not in response.text


async def test_a_crashing_route_is_a_500_problem_without_internals(settings):
    app = create_app(settings)

    @app.get("/test-only/boom", tags=["test"])
    async def boom() -> None:
        raise RuntimeError("kaboom: secret internals at /srv/app/config.py")

    async with client_for(app) as http:
        response = await http.get(
            "/test-only/boom", headers={"X-Request-ID": "crash-1", "Origin": ALLOWED_ORIGIN}
        )
    body = assert_problem(response, 500)
    # The id support asks for, the usual security headers, and CORS so the SPA can read it.
    assert response.headers["x-request-id"] == "crash-1"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == JSON_CSP
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert body["title"] == "Internal Server Error"
    assert body["type"].endswith("internal")
    text = response.text
    assert "kaboom" not in text
    assert "secret internals" not in text
    assert "Traceback" not in text
    assert "RuntimeError" not in text
    assert "config.py" not in text


async def test_an_unreachable_database_is_503_with_retry_after(settings):
    app = create_app(settings.model_copy(update={"database_url": UNREACHABLE_DATABASE}))
    token = app.state.security.issue_token(
        token_type="access",
        subject=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        lifetime=timedelta(minutes=5),
        token_version=0,
    )
    async with client_for(app) as http:
        assert (await http.get("/healthz")).status_code == 200  # liveness needs no database
        ready = await http.get("/readyz")
        me = await http.get(f"{API}/users/me", headers={"Authorization": f"Bearer {token.token}"})
        signin = await http.post(
            f"{API}/auth/token", data={"username": "a@example.com", "password": DEFAULT_PASSWORD}
        )
    for response in (ready, me, signin):
        body = assert_problem(response, 503)
        assert int(response.headers["retry-after"]) > 0
        assert "Traceback" not in response.text
        assert "127.0.0.1" not in response.text and "nowhere" not in response.text
        assert body["title"] == "Service Unavailable"


# --- headers on every response -------------------------------------------------------------


async def test_security_headers_on_json_and_problem_responses(client):
    for response in (
        await client.get("/healthz"),
        await client.get(f"{API}/users/me"),
        await client.get("/nowhere"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["content-security-policy"] == JSON_CSP
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
    # Not production: no HSTS over the plain-http test server.
    assert "strict-transport-security" not in response.headers


async def test_a_well_formed_request_id_is_echoed(client):
    for request_id in ("abc-123", "Trace.ID_42", "x" * 64):
        response = await client.get("/healthz", headers={"X-Request-ID": request_id})
        assert response.headers["x-request-id"] == request_id
    # Errors carry it too: it is what support asks for.
    response = await client.get("/nowhere", headers={"X-Request-ID": "err-1"})
    assert response.headers["x-request-id"] == "err-1"


async def test_a_malformed_or_missing_request_id_is_replaced(client):
    seen = set()
    for request_id in ("has spaces", "x" * 65, "semi;colon", "<script>", "", None):
        headers = {"X-Request-ID": request_id} if request_id is not None else {}
        response = await client.get("/healthz", headers=headers)
        issued = response.headers["x-request-id"]
        assert GENERATED_REQUEST_ID.match(issued), issued
        assert issued != request_id
        seen.add(issued)
    assert len(seen) == 6, "every request gets its own id"


async def test_cors_preflight_allows_the_configured_origin(client):
    response = await client.options(
        f"{API}/users",
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed_headers = response.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "content-type", "idempotency-key"):
        assert header in allowed_headers
    assert "access-control-allow-credentials" not in response.headers

    simple = await client.get("/healthz", headers={"Origin": ALLOWED_ORIGIN})
    assert simple.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    exposed = simple.headers["access-control-expose-headers"].lower()
    assert "x-request-id" in exposed and "etag" in exposed and "retry-after" in exposed


async def test_cors_refuses_other_origins(client):
    for origin in ("https://evil.example", "http://localhost:5174", "null"):
        response = await client.options(
            f"{API}/users",
            headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
        )
        body = assert_problem(response, 400)
        assert body["type"].endswith("cors-refused") and "origin" in body["detail"]
        assert "access-control-allow-origin" not in response.headers
        simple = await client.get("/healthz", headers={"Origin": origin})
        assert "access-control-allow-origin" not in simple.headers


# --- probes --------------------------------------------------------------------------------


async def test_healthz_and_readyz_answer_ok(client):
    for path in ("/healthz", "/readyz"):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {"status": "ok"}


async def test_problem_documents_on_authenticated_routes_name_the_path(client):
    admin = await register(client)
    path = f"{API}/users/{uuid.uuid4()}"
    body = assert_problem(await client.get(path, headers=admin.headers), 404)
    assert body["type"].endswith("not-found")
    assert body["detail"] == "User not found"
    assert body["instance"] == path


async def test_a_nul_character_in_a_filter_is_422_on_reads_too(client, app, database_url):
    """PostgreSQL refuses NUL in text. A filter says so in its published pattern and is
    refused before any query, on both databases alike; text that would still slip past to
    a read (an autocommit connection, where asyncpg's error comes as a plain DBAPIError
    rather than a DataError) is recognised by its SQLSTATE and answered 422, never 500."""
    admin = await register(client)
    response = await client.get(
        f"{API}/clients", params={"industry": "Y\x00x"}, headers=admin.headers
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["loc"] for e in response.json()["errors"]] == [["query", "industry"]]
    if not database_url.startswith("postgresql"):
        return  # SQLite stores and compares NUL like any other character
    async with app.state.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        with pytest.raises(DBAPIError) as refused:
            await autocommit.execute(
                select(Client.id).where(Client.industry == "Y\x00x")  # a read, no transaction
            )
    assert _is_unstorable_text(refused.value)


async def test_a_server_out_of_connections_is_503_not_500(settings, database_url):
    """PostgreSQL refusing a connection for want of slots (SQLSTATE 53300, "too many
    clients") is an outage to wait out, on the request's own session and on the sign-in
    throttle's separate one alike."""
    if not database_url.startswith("postgresql"):
        pytest.skip("connection slots are PostgreSQL's")
    role = f"no_slots_{uuid.uuid4().hex[:8]}"
    server = make_url(database_url).set(database="postgres").render_as_string(False)
    await _admin(server, f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 0')
    try:
        url = make_url(database_url).set(username=role).render_as_string(False)
        app = create_app(settings.model_copy(update={"database_url": url}))
        async with client_for(app) as http:
            ready = await http.get("/readyz")
            signin = await http.post(
                f"{API}/auth/token", data={"username": "a@example.com", "password": "x" * 12}
            )
            signup = await http.post(
                f"{API}/auth/register",
                json={
                    "organization_name": "Slots",
                    "full_name": "No Slot",
                    "email": unique_email(),
                    "password": DEFAULT_PASSWORD,
                },
            )
        for response in (ready, signin, signup):
            assert_problem(response, 503)
            assert int(response.headers["retry-after"]) > 0
    finally:
        await _admin(server, f'DROP ROLE IF EXISTS "{role}"')


async def _admin(server_url: str, statement: str) -> None:
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()
