"""API keys: created by admins and shown once, scoped per resource on every route (a matrix
built from the served routes), revoked and expired at once, rate-limited per key."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import get_args

import httpx
import pytest
from sqlalchemy import select, update

from api.deps import CurrentCaller
from api.main import create_app
from api.models import ApiKey, AuditEvent
from api.schemas.api_keys import Scope
from api.services.api_keys import (
    PEOPLE_ONLY,
    declared_key_scope,
    key_scope,
    required_scope,
)
from tests import cast
from tests.factories import API, Actor, add_user, assert_problem, register
from tests.session_kit import ok
from tests.test_route_auth import PUBLIC_ROUTES, api_routes, concrete_path

# Every scope a key may hold: read and write per resource, except people (read only).
ALL_SCOPES = list(get_args(Scope))


async def make_key(
    client: httpx.AsyncClient,
    admin: Actor,
    scopes: list[str],
    *,
    expires_at: datetime | None = None,
) -> dict:
    body: dict = {"name": f"script {uuid.uuid4().hex[:6]}", "scopes": scopes}
    if expires_at is not None:
        body["expires_at"] = expires_at.isoformat()
    response = await client.post(f"{API}/api-keys", headers=admin.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def bearer(key: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {key['key']}"}


async def test_an_admin_creates_a_key_that_is_shown_once_and_listed_without_it(client):
    admin = await register(client)
    created = await make_key(client, admin, ["sessions:read", "projects:read", "sessions:read"])
    assert created["key"].startswith("mm_")
    # 32 random bytes in URL-safe base64 are 43 characters.
    assert len(created["key"]) >= 3 + 43
    assert created["prefix"] == created["key"][:11]
    assert created["scopes"] == ["projects:read", "sessions:read"]
    assert created["created_by_id"] == admin.id
    assert created["last_used_at"] is None

    listed = await client.get(f"{API}/api-keys", headers=admin.headers)
    assert listed.status_code == 200, listed.text
    [item] = listed.json()["items"]
    assert item["id"] == created["id"] and item["prefix"] == created["prefix"]
    assert "key" not in item
    assert created["key"] not in listed.text

    used = await client.get(f"{API}/sessions", headers=bearer(created))
    assert used.status_code == 200, used.text
    listed = await client.get(f"{API}/api-keys", headers=admin.headers)
    last_used = listed.json()["items"][0]["last_used_at"]
    assert last_used is not None
    assert datetime.fromisoformat(last_used) > datetime.now(UTC) - timedelta(minutes=1)


async def test_only_admins_manage_keys_and_each_organization_sees_its_own(client):
    admin = await register(client)
    manager = await add_user(client, admin, role="manager")
    rep = await add_user(client, admin)
    for actor in (manager, rep):
        r = await client.post(
            f"{API}/api-keys", headers=actor.headers, json={"name": "x", "scopes": ["ledger:read"]}
        )
        assert_problem(r, 403)
        assert_problem(await client.get(f"{API}/api-keys", headers=actor.headers), 403)
    key = await make_key(client, admin, ALL_SCOPES)
    # A key never administers keys, not even with every scope.
    r = await client.post(
        f"{API}/api-keys", headers=bearer(key), json={"name": "x", "scopes": ["ledger:read"]}
    )
    assert_problem(r, 403)

    rival = await register(client, organization_name="Rival")
    assert (await client.get(f"{API}/api-keys", headers=rival.headers)).json()["items"] == []
    assert_problem(await client.delete(f"{API}/api-keys/{key['id']}", headers=rival.headers), 404)
    r = await client.delete(f"{API}/api-keys/{key['id']}", headers=manager.headers)
    assert_problem(r, 403)
    # The rival's attempts changed nothing: the key still works.
    assert (await client.get(f"{API}/projects", headers=bearer(key))).status_code == 200


async def test_a_key_acts_for_its_creator_in_its_organization_only(client):
    admin = await register(client)
    rep = await add_user(client, admin)
    rival = await register(client, organization_name="Rival")
    rival_client = await client.post(f"{API}/clients", headers=rival.headers, json={"name": "R"})
    mine = await client.post(f"{API}/clients", headers=rep.headers, json={"name": "Rep's castle"})
    key = await make_key(client, admin, ["clients:read", "clients:write"])

    # Organization-wide reads, as the admin: the rep's client is there, the rival's is not.
    listed = await client.get(f"{API}/clients", headers=bearer(key))
    assert [c["id"] for c in listed.json()["items"]] == [mine.json()["id"]]
    r = await client.get(f"{API}/clients/{rival_client.json()['id']}", headers=bearer(key))
    assert_problem(r, 404)
    created = await client.post(f"{API}/clients", headers=bearer(key), json={"name": "By script"})
    assert created.status_code == 201, created.text
    assert created.json()["owner_id"] == admin.id


async def test_a_key_has_its_own_idempotency_keys_and_its_audit_rows_name_it(client, app):
    admin = await register(client)
    key = await make_key(client, admin, ["clients:write"])
    retry = {"Idempotency-Key": "nightly-import-1"}
    by_hand = await client.post(
        f"{API}/clients", headers={**admin.headers, **retry}, json={"name": "By hand"}
    )
    by_key = await client.post(
        f"{API}/clients", headers={**bearer(key), **retry}, json={"name": "By script"}
    )
    assert by_hand.status_code == by_key.status_code == 201, by_key.text
    assert by_key.json()["id"] != by_hand.json()["id"]  # not a replay of the admin's request
    async with app.state.sessionmaker() as session:
        changes = {
            row.entity_id: row.changes
            for row in await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "client.created")
            )
        }
    assert changes[uuid.UUID(by_key.json()["id"])]["via_api_key"] == key["id"]
    assert "via_api_key" not in changes[uuid.UUID(by_hand.json()["id"])]


async def test_wrong_scope_is_403_and_people_administration_is_closed_to_keys(client):
    admin = await register(client)
    reader = await make_key(client, admin, ["projects:read"])
    everything = await make_key(client, admin, ALL_SCOPES)
    assert (await client.get(f"{API}/projects", headers=bearer(reader))).status_code == 200
    r = await client.post(
        f"{API}/projects", headers=bearer(reader), json={"title": "x", "kind": "prospecting"}
    )
    assert_problem(r, 403)
    assert "projects:write" in r.json()["detail"]
    assert_problem(await client.get(f"{API}/clients", headers=bearer(reader)), 403)
    for path in ("/users/me", "/teams", "/integrations/crm", "/api-keys"):
        assert_problem(await client.get(f"{API}{path}", headers=bearer(everything)), 403)
    # people:read resolves ids (GET /users, GET /users/{id}); it never changes anyone.
    people = ok(await client.get(f"{API}/users", headers=bearer(everything)))
    assert admin.id in [u["id"] for u in people["items"]]
    r = await client.get(f"{API}/users/{admin.id}", headers=bearer(everything))
    assert r.status_code == 200 and r.json()["email"] == admin.user["email"]
    assert_problem(await client.get(f"{API}/users", headers=bearer(reader)), 403)
    r = await client.post(
        f"{API}/users",
        headers=bearer(everything),
        json={"email": "x@example.com", "full_name": "X", "password": "long enough password"},
    )
    assert_problem(r, 403)
    r = await client.patch(
        f"{API}/users/{admin.id}", headers=bearer(everything), json={"full_name": "Y"}
    )
    assert_problem(r, 403)
    rival = await register(client, organization_name="Rival")
    assert_problem(await client.get(f"{API}/users/{rival.id}", headers=bearer(everything)), 404)


async def test_revoked_unknown_and_expired_keys_are_401(client, app):
    admin = await register(client)
    key = await make_key(client, admin, ["sessions:read"])
    assert (await client.get(f"{API}/sessions", headers=bearer(key))).status_code == 200
    r = await client.delete(f"{API}/api-keys/{key['id']}", headers=admin.headers)
    assert r.status_code == 204, r.text
    r = await client.get(f"{API}/sessions", headers=bearer(key))
    assert_problem(r, 401)
    assert r.headers["www-authenticate"] == "Bearer"
    assert (await client.get(f"{API}/api-keys", headers=admin.headers)).json()["items"] == []
    assert_problem(await client.delete(f"{API}/api-keys/{key['id']}", headers=admin.headers), 404)

    unknown = {"Authorization": "Bearer mm_" + "A" * 43}
    assert_problem(await client.get(f"{API}/sessions", headers=unknown), 401)

    soon = await make_key(
        client, admin, ["sessions:read"], expires_at=datetime.now(UTC) + timedelta(hours=1)
    )
    assert (await client.get(f"{API}/sessions", headers=bearer(soon))).status_code == 200
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(
            update(ApiKey)
            .where(ApiKey.id == uuid.UUID(soon["id"]))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert_problem(await client.get(f"{API}/sessions", headers=bearer(soon)), 401)

    past = {"name": "late", "scopes": ["ledger:read"], "expires_at": "2020-01-01T00:00:00Z"}
    assert_problem(await client.post(f"{API}/api-keys", headers=admin.headers, json=past), 409)


async def test_a_key_stops_working_when_its_admin_is_deactivated(client):
    admin = await register(client)
    second = await add_user(client, admin, role="admin")
    key = await make_key(client, second, ["ledger:read"])
    assert (await client.get(f"{API}/ledger", headers=bearer(key))).status_code == 200
    r = await client.patch(
        f"{API}/users/{second.id}", headers=admin.headers, json={"is_active": False}
    )
    assert r.status_code == 200, r.text
    assert_problem(await client.get(f"{API}/ledger", headers=bearer(key)), 401)


async def test_requests_are_rate_limited_per_key(settings):
    limited = create_app(settings.model_copy(update={"api_key_requests_per_minute": 3}))
    try:
        async with cast.in_process(limited) as http:
            admin = await register(http)
            one = await make_key(http, admin, ["sessions:read"])
            other = await make_key(http, admin, ["sessions:read"])
            statuses = [
                (await http.get(f"{API}/sessions", headers=bearer(one))).status_code
                for _ in range(3)
            ]
            assert statuses == [200, 200, 200]
            refused = await http.get(f"{API}/sessions", headers=bearer(one))
            assert_problem(refused, 429)
            assert 1 <= int(refused.headers["retry-after"]) <= 60
            # Refused requests do not leak into another key's budget.
            assert (await http.get(f"{API}/sessions", headers=bearer(other))).status_code == 200
            # People signed in with a JWT are not counted against keys.
            assert (await http.get(f"{API}/sessions", headers=admin.headers)).status_code == 200
    finally:
        await limited.state.live_hub.close()
        await limited.state.engine.dispose()


# --- the scope matrix over every served route --------------------------------------------------

PINNED = {
    ("GET", f"{API}/sessions"): "sessions:read",
    ("GET", f"{API}/sessions/{{session_id}}/outcome"): "sessions:read",
    ("POST", f"{API}/projects/{{project_id}}/sessions"): "sessions:write",
    ("POST", f"{API}/projects/{{project_id}}/close"): "projects:write",
    ("PATCH", f"{API}/action-items/{{action_item_id}}"): "projects:write",
    ("GET", f"{API}/clients/{{client_id}}/contacts"): "clients:read",
    ("GET", f"{API}/ledger"): "ledger:read",
    ("GET", f"{API}/dashboard"): "ledger:read",
    ("GET", f"{API}/users/me"): None,
    ("GET", f"{API}/users"): "people:read",
    ("GET", f"{API}/users/{{user_id:uuid}}"): "people:read",
    ("PATCH", f"{API}/users/{{user_id:uuid}}"): None,
    ("POST", f"{API}/users"): None,
    ("GET", f"{API}/teams"): None,
    ("POST", f"{API}/integrations/crm"): None,
    ("GET", f"{API}/api-keys"): None,
}


def test_the_mapping_is_what_the_readme_says(app):
    served = {(m, route.path): route for route in api_routes(app) for m in route.methods}
    for (method, path), scope in PINNED.items():
        assert required_scope(method, served[method, path].dependant) == scope, (method, path)


def undeclared_routes(app) -> list[str]:
    """Routes a signed-in caller reaches whose routers (or themselves) say nothing about
    keys: each must declare ``key_scope(...)`` or ``PEOPLE_ONLY``."""
    return [
        str(route)
        for route in api_routes(app)
        if route.path not in PUBLIC_ROUTES and declared_key_scope(route.dependant) is None
    ]


def test_every_route_declares_what_keys_may_do(app):
    assert undeclared_routes(app) == []


async def test_a_new_route_without_a_declaration_is_flagged_and_closed_to_keys(settings):
    fresh = create_app(settings)
    try:

        @fresh.get("/api/v1/test-only/silent", tags=["test"])
        async def silent(caller: CurrentCaller) -> dict:
            return {}

        @fresh.get("/api/v1/test-only/opened", tags=["test"], dependencies=[key_scope("ledger")])
        async def opened(caller: CurrentCaller) -> dict:
            return {}

        @fresh.get("/api/v1/test-only/people", tags=["test"], dependencies=[PEOPLE_ONLY])
        async def people(caller: CurrentCaller) -> dict:
            return {}

        assert undeclared_routes(fresh) == ["GET /api/v1/test-only/silent"]
        async with cast.in_process(fresh) as http:
            admin = await register(http)
            key = bearer(await make_key(http, admin, ALL_SCOPES))
            for path in ("silent", "people"):
                r = await http.get(f"{API}/test-only/{path}", headers=key)
                assert_problem(r, 403)
                assert "sign in as a person" in r.json()["detail"]
                assert (await http.get(f"{API}/test-only/{path}", headers=admin.headers)).is_success
            assert (await http.get(f"{API}/test-only/opened", headers=key)).status_code == 200
            ledger_less = bearer(await make_key(http, admin, ["projects:read"]))
            r = await http.get(f"{API}/test-only/opened", headers=ledger_less)
            assert_problem(r, 403)
            assert "ledger:read" in r.json()["detail"]
    finally:
        await fresh.state.live_hub.close()
        await fresh.state.engine.dispose()


async def test_every_served_route_obeys_the_scope_of_its_resource(app, client):
    admin = await register(client)
    only = {scope: await make_key(client, admin, [scope]) for scope in ALL_SCOPES}
    without = {
        scope: await make_key(client, admin, [s for s in ALL_SCOPES if s != scope])
        for scope in ALL_SCOPES
    }
    everything = await make_key(client, admin, ALL_SCOPES)
    checked, closed = 0, 0
    for route in api_routes(app):
        if route.path in PUBLIC_ROUTES:
            continue
        path = concrete_path(route)
        for method in sorted(route.methods):
            body = {"json": {}} if method in {"POST", "PUT", "PATCH"} else {}
            scope = required_scope(method, route.dependant)
            where = f"{method} {route.path} ({scope})"
            if scope is None:
                r = await client.request(method, path, headers=bearer(everything), **body)
                assert r.status_code == 403, (where, r.text)
                closed += 1
                continue
            refused = await client.request(method, path, headers=bearer(without[scope]), **body)
            assert refused.status_code == 403, (where, refused.text)
            allowed = await client.request(method, path, headers=bearer(only[scope]), **body)
            assert allowed.status_code not in (401, 403, 429), (where, allowed.text)
            checked += 1
    assert checked >= 40 and closed >= 10, (checked, closed)


@pytest.mark.parametrize(
    "token", ["mm_", "mm_short", "mm_" + "%" * 10, "mm_" + "x" * 4000], ids=str.__len__
)
async def test_malformed_keys_are_401(client, token):
    r = await client.get(f"{API}/sessions", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401, r.text
