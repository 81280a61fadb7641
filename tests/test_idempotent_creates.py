"""Every create takes Idempotency-Key (DESIGN 7.4): a retry with the same key answers the
first response (``Idempotent-Replayed: true``) and creates nothing; the same key on another
body is 422. The walk over openapi.json fails for a new create that forgets the header."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from api.kit.idempotency import RETENTION
from api.models import IdempotencyRecord, Team, User, utcnow
from api.security import Security
from tests.factories import API, assert_problem, register
from tests.test_openapi import _operations, served, served_app  # noqa: F401

# Creates that do not take the header yet, each with its reason. Shrinks; never grows.
WITHOUT_IDEMPOTENCY_KEY = {
    # No caller yet to scope a key to; a second sign-up with the same email is 409 anyway.
    "/api/v1/auth/register",
    # An upsert, idempotent by nature: one takeaway per person and session, and sending it
    # again replaces it with the same text (201 the first time, 200 after).
    "/api/v1/sessions/{session_id}/takeaways",
}


def test_every_create_takes_an_idempotency_key(served: dict[str, Any]) -> None:  # noqa: F811
    creates = [
        (method, path, operation)
        for method, path, operation in _operations(served)
        if method == "POST" and "201" in operation["responses"]
    ]
    assert len(creates) >= 12
    missing = sorted(
        path
        for _, path, operation in creates
        if path not in WITHOUT_IDEMPOTENCY_KEY
        and not any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
    )
    assert missing == [], "add IdempotencyDep to these creates"
    stale = WITHOUT_IDEMPOTENCY_KEY - {
        path
        for _, path, op in creates
        if not any(p["name"] == "Idempotency-Key" for p in op.get("parameters", []))
    }
    assert stale == set(), "these take the header now: strike them from the list"


async def _count(app, model, **where: Any) -> int:
    async with app.state.sessionmaker() as session:
        statement = select(func.count()).select_from(model)
        for name, value in where.items():
            statement = statement.where(getattr(model, name) == value)
        return int(await session.scalar(statement) or 0)


async def test_a_retried_team_or_person_is_created_once(client, app) -> None:
    admin = await register(client)
    cases = [
        (f"{API}/teams", {"name": f"East {uuid.uuid4().hex[:6]}"}, Team, "name"),
        (
            f"{API}/users",
            {
                "email": f"ida-{uuid.uuid4().hex[:6]}@example.com",
                "full_name": "Ida Idem",
                "password": "a long enough password",
            },
            User,
            "email",
        ),
    ]
    for url, body, model, column in cases:
        headers = {**admin.headers, "Idempotency-Key": f"retry-{uuid.uuid4()}"}
        first = await client.post(url, headers=headers, json=body)
        again = await client.post(url, headers=headers, json=body)
        assert (first.status_code, again.status_code) == (201, 201), again.text
        assert again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"
        assert "idempotent-replayed" not in first.headers
        assert await _count(app, model, **{column: body[column]}) == 1
        other = await client.post(url, headers=headers, json={**body, column: "x" + body[column]})
        assert assert_problem(other, 422)["errors"][0]["loc"] == ["header", "Idempotency-Key"]


async def test_a_key_older_than_the_retention_starts_a_new_request(client, app) -> None:
    """After 24 hours the key is free again: the old record is taken over, not replayed."""
    admin = await register(client)
    headers = {**admin.headers, "Idempotency-Key": f"day-old-{uuid.uuid4()}"}
    first = await client.post(f"{API}/teams", headers=headers, json={"name": "Day one"})
    assert first.status_code == 201, first.text
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == headers["Idempotency-Key"])
            .values(created_at=utcnow() - RETENTION - timedelta(minutes=1))
        )
    # Another body under the old key: a new team, not a 422 for a reused key.
    later = await client.post(f"{API}/teams", headers=headers, json={"name": "Day two"})
    assert later.status_code == 201, later.text
    assert "idempotent-replayed" not in later.headers
    assert later.json()["id"] != first.json()["id"]
    # And the key now remembers the new request.
    again = await client.post(f"{API}/teams", headers=headers, json={"name": "Day two"})
    assert again.headers["idempotent-replayed"] == "true" and again.json() == later.json()
    assert await _count(app, IdempotencyRecord, key=headers["Idempotency-Key"]) == 1


def test_the_fingerprint_is_keyed_so_a_stored_one_reveals_no_password(settings) -> None:
    body = b'{"email": "a@example.com", "full_name": "A", "password": "hunter2 hunter2"}'
    mine = Security(settings).request_fingerprint("POST", "/api/v1/users", body)
    other_key = settings.model_copy(update={"secret_key": "another-secret-key-" + "9" * 40})
    theirs = Security(other_key).request_fingerprint("POST", "/api/v1/users", body)
    assert mine != theirs  # without SECRET_KEY nobody can recompute it from a guess
    assert mine == Security(settings).request_fingerprint("POST", "/api/v1/users", body)


async def test_a_retried_api_key_answers_the_same_key_kept_sealed_meanwhile(client, app) -> None:
    admin = await register(client)
    headers = {**admin.headers, "Idempotency-Key": f"key-{uuid.uuid4()}"}
    body = {"name": "nightly export", "scopes": ["sessions:read"]}
    first = await client.post(f"{API}/api-keys", headers=headers, json=body)
    again = await client.post(f"{API}/api-keys", headers=headers, json=body)
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    secret = first.json()["key"]
    listed = (await client.get(f"{API}/api-keys", headers=admin.headers)).json()["items"]
    assert [k["id"] for k in listed] == [first.json()["id"]]
    works = await client.get(f"{API}/sessions", headers={"Authorization": f"Bearer {secret}"})
    assert works.status_code == 200
    async with app.state.sessionmaker() as session:
        stored = await session.scalars(select(IdempotencyRecord))
        texts = [str(record.response_body) for record in stored]
    assert texts and not any(secret in text for text in texts)


async def test_a_retried_webhook_endpoint_is_one_endpoint_with_its_secret(http, hook_app) -> None:
    admin = await register(http)
    headers = {**admin.headers, "Idempotency-Key": f"hook-{uuid.uuid4()}"}
    body = {"url": "http://127.0.0.1:9/hook", "events": ["project.created"]}
    first = await http.post(f"{API}/webhook-endpoints", headers=headers, json=body)
    again = await http.post(f"{API}/webhook-endpoints", headers=headers, json=body)
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert first.json()["secret"].startswith("whsec_")
    listed = (await http.get(f"{API}/webhook-endpoints", headers=admin.headers)).json()
    assert [e["id"] for e in listed["items"]] == [first.json()["id"]]
    async with hook_app.state.sessionmaker() as session:
        stored = [str(r.response_body) for r in await session.scalars(select(IdempotencyRecord))]
    assert stored and not any(first.json()["secret"] in text for text in stored)


async def test_a_retried_crm_connection_is_one_connection_with_its_signing_secret(client, app):
    admin = await register(client)
    headers = {**admin.headers, "Idempotency-Key": f"crm-{uuid.uuid4()}"}
    body = {"provider": "pipedrive", "name": "Pipedrive EU", "default_owner_id": admin.id}
    first = await client.post(f"{API}/integrations/crm", headers=headers, json=body)
    again = await client.post(f"{API}/integrations/crm", headers=headers, json=body)
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    secret = first.json()["signing_secret"]
    assert secret
    listed = (await client.get(f"{API}/integrations/crm", headers=admin.headers)).json()
    assert [c["id"] for c in listed["items"]] == [first.json()["id"]]
    async with app.state.sessionmaker() as session:
        stored = [str(r.response_body) for r in await session.scalars(select(IdempotencyRecord))]
    assert stored and not any(secret in text for text in stored)
