"""Inbound CRM events: connections (admins only, secrets shown once), verification of each
provider on the raw body, the effects on clients and projects, replays (also concurrent),
failures kept for inspection, size cap, and organizations kept apart."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import event, func, select
from standardwebhooks import Webhook

from api.models import AuditEvent, CrmConnection, CrmInboundEvent, Project, WebhookEvent
from api.services import crm_hooks
from api.services.crm_hooks import hubspot_signature
from api.services.crm_hooks.worker import CrmEventWorker
from tests import cast
from tests.factories import API, PROBLEM, Actor, add_user, assert_problem, register
from tests.test_secrets_in_logs import captured, everything_in  # noqa: F401 (fixture)

BASE = "http://testserver"


# --- helpers -----------------------------------------------------------------------------------


async def connect(client: httpx.AsyncClient, admin: Actor, provider: str, **extra: object) -> dict:
    body = {"provider": provider, "name": f"{provider} CRM", "default_owner_id": admin.id, **extra}
    response = await client.post(f"{API}/integrations/crm", headers=admin.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def hook_path(connection: dict) -> str:
    return f"{API}/hooks/crm/{connection['id']}"


def generic_body(deal_id: str = "D-1", **data: object) -> bytes:
    payload = {
        "deal_id": deal_id,
        "deal_name": "Helix framework",
        "amount": 125000.5,
        "currency": "eur",
        "stage": "proposal",
        "status": "open",
        "company_id": "C-9",
        "company_name": "Helix Medical",
        "company_industry": "Healthcare",
        **data,
    }
    kind = "deal.closed" if payload["status"] in ("won", "lost") else "deal.updated"
    return json.dumps({"type": kind, "data": payload}).encode()


def generic_headers(
    secret: str, body: bytes, *, msg_id: str | None = None, at: float | None = None
) -> dict[str, str]:
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    moment = datetime.fromtimestamp(at if at is not None else time.time(), UTC)
    signature = Webhook(secret).sign(msg_id, moment, body.decode())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


async def send_generic(client, connection, body: bytes, **kwargs) -> httpx.Response:
    headers = generic_headers(connection["signing_secret"], body, **kwargs)
    return await client.post(hook_path(connection), content=body, headers=headers)


async def apply_pending(client: httpx.AsyncClient) -> int:
    """What the worker does after a hook answered: apply the pending events."""
    app = cast.app_of(client)
    assert app is not None
    return await CrmEventWorker(app.state.sessionmaker, app.state.settings).drain()


async def applied(client, admin: Actor, connection: dict, response: httpx.Response) -> list[dict]:
    """Apply what ``response`` acknowledged; its events' log rows, in the response's order."""
    assert response.status_code == 200, response.text
    await apply_pending(client)
    log = {e["external_id"]: e for e in await events_of(client, admin, connection)}
    return [log[e["external_id"]] for e in response.json()["events"]]


async def projects_of(client, admin: Actor) -> list[dict]:
    await apply_pending(client)
    response = await client.get(f"{API}/projects", headers=admin.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def events_of(client, admin: Actor, connection: dict) -> list[dict]:
    response = await client.get(
        f"{API}/integrations/crm/{connection['id']}/events", headers=admin.headers
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_crm_amounts_are_rounded_to_their_currency_and_default_to_the_organizations(
    client,
):
    """A CRM's event cannot be sent back, so an amount with more places than its currency
    has is rounded half up (a fraction of a yen would be 422 through the API); a deal
    without a currency is valued in the organization's default currency."""
    admin = await register(client)
    changed = await client.patch(
        f"{API}/organization", headers=admin.headers, json={"default_currency": "JPY"}
    )
    assert changed.status_code == 200, changed.text
    connection = await connect(client, admin, "generic")
    r = await send_generic(client, connection, generic_body("D-yen", amount=1234.5, currency="jpy"))
    assert r.status_code == 200, r.text
    r = await send_generic(
        client, connection, generic_body("D-plain", amount=980000, currency=None)
    )
    assert r.status_code == 200, r.text
    projects = {p["external_id"]: p for p in await projects_of(client, admin)}
    assert (projects["D-yen"]["currency"], projects["D-yen"]["estimated_value"]) == ("JPY", "1235")
    assert (projects["D-plain"]["currency"], projects["D-plain"]["estimated_value"]) == (
        "JPY",
        "980000",
    )
    # A later event with cents for the same yen deal is rounded the same way.
    r = await send_generic(
        client, connection, generic_body("D-yen", amount="2000.49", currency="JPY")
    )
    assert (await applied(client, admin, connection, r))[0]["result"] == "updated", r.text
    projects = {p["external_id"]: p for p in await projects_of(client, admin)}
    assert projects["D-yen"]["estimated_value"] == "2000"


# --- connections -------------------------------------------------------------------------------


async def test_connections_are_admin_only_and_secrets_are_shown_once(client, app):
    admin = await register(client)
    manager = await add_user(client, admin, role="manager")
    rep = await add_user(client, admin)
    rival = await register(client, organization_name="Rival")

    generic = await connect(client, admin, "generic")
    assert generic["signing_secret"].startswith("whsec_")
    assert len(base64.b64decode(generic["signing_secret"][6:])) == 32
    assert generic["webhook_url"] == f"{BASE}{API}/hooks/crm/{generic['id']}"
    pipedrive = await connect(client, admin, "pipedrive")
    assert pipedrive["basic_username"] and len(pipedrive["signing_secret"]) >= 24
    hubspot = await connect(client, admin, "hubspot", client_secret="my-hubspot-app-secret")
    assert hubspot["signing_secret"] is None

    r = await client.post(
        f"{API}/integrations/crm",
        headers=admin.headers,
        json={"provider": "hubspot", "name": "x", "default_owner_id": admin.id},
    )
    assert_problem(r, 409)

    listed = await client.get(f"{API}/integrations/crm", headers=admin.headers)
    assert [c["id"] for c in listed.json()["items"]] == [
        generic["id"],
        pipedrive["id"],
        hubspot["id"],
    ]
    for secret in (generic["signing_secret"], pipedrive["signing_secret"]):
        assert secret not in listed.text
    # At rest: the HMAC secrets only sealed, the Basic password only hashed.
    async with app.state.sessionmaker() as session:
        rows = (await session.scalars(select(CrmConnection))).all()
    stored = " ".join(f"{r.signing_secret_sealed} {r.basic_password_hash}" for r in rows)
    for secret in (generic["signing_secret"], pipedrive["signing_secret"], "my-hubspot-app"):
        assert secret not in stored and secret.removeprefix("whsec_") not in stored

    for actor in (manager, rep):
        assert_problem(await client.get(f"{API}/integrations/crm", headers=actor.headers), 403)
        r = await client.post(
            f"{API}/integrations/crm",
            headers=actor.headers,
            json={"provider": "generic", "name": "x", "default_owner_id": actor.id},
        )
        assert_problem(r, 403)
        r = await client.delete(f"{API}/integrations/crm/{generic['id']}", headers=actor.headers)
        assert_problem(r, 403)
        r = await client.get(
            f"{API}/integrations/crm/{generic['id']}/events", headers=actor.headers
        )
        assert_problem(r, 403)
    r = await client.delete(f"{API}/integrations/crm/{generic['id']}", headers=rival.headers)
    assert_problem(r, 404)
    r = await client.get(f"{API}/integrations/crm/{generic['id']}/events", headers=rival.headers)
    assert_problem(r, 404)
    # Another organization's user is not a default owner here.
    r = await client.post(
        f"{API}/integrations/crm",
        headers=admin.headers,
        json={"provider": "generic", "name": "x", "default_owner_id": rival.id},
    )
    assert_problem(r, 404)

    # Deleted: the hook no longer knows it, and the log stays readable.
    body = generic_body()
    assert (await send_generic(client, generic, body)).status_code == 200
    r = await client.delete(f"{API}/integrations/crm/{generic['id']}", headers=admin.headers)
    assert r.status_code == 204, r.text
    assert_problem(await send_generic(client, generic, generic_body("D-2")), 404)
    assert len(await events_of(client, admin, generic)) == 1


# --- generic: Standard Webhooks -----------------------------------------------------------------


async def test_a_generic_deal_creates_the_client_and_project_then_updates_closes_and_reopens(
    client,
):
    admin = await register(client)
    owner = await add_user(client, admin, full_name="Olga Owner")
    connection = await connect(client, admin, "generic")

    r = await send_generic(client, connection, generic_body(owner_email=owner.user["email"]))
    assert r.status_code == 200, r.text
    # Acknowledged at once, applied by the worker.
    assert r.json()["events"][0]["result"] == "pending"
    [result] = await applied(client, admin, connection, r)
    assert result["result"] == "created" and r.json()["events"][0]["replayed"] is False
    [project] = await projects_of(client, admin)
    assert project["id"] == result["project_id"]
    assert project["title"] == "Helix framework"
    assert project["owner_id"] == owner.id
    assert project["kind"] == "account" and project["status"] == "open"
    assert project["external_source"] == "generic" and project["external_id"] == "D-1"
    client_row = (await client.get(f"{API}/clients", headers=admin.headers)).json()["items"]
    assert [(c["name"], c["industry"], c["external_id"]) for c in client_row] == [
        ("Helix Medical", "Healthcare", "C-9")
    ]

    # Unknown owner email: the default owner (only for new deals; this one is known).
    r = await send_generic(
        client, connection, generic_body(deal_name="Helix v2", owner_email="who@nowhere.example")
    )
    assert (await applied(client, admin, connection, r))[0]["result"] == "updated"
    [project] = await projects_of(client, admin)
    assert project["title"] == "Helix v2" and project["owner_id"] == owner.id

    r = await send_generic(client, connection, generic_body(status="won", deal_name="Helix v2"))
    assert (await applied(client, admin, connection, r))[0]["result"] == "updated"
    [project] = await projects_of(client, admin)
    assert project["status"] == "won" and project["closed_at"]

    r = await send_generic(client, connection, generic_body(status="open", deal_name="Helix v2"))
    [project] = await projects_of(client, admin)
    assert project["status"] == "open" and project["closed_at"] is None

    r = await send_generic(
        client,
        connection,
        generic_body("D-7", owner_email="who@nowhere.example", company_id="C-9"),
    )
    projects = {p["external_id"]: p for p in await projects_of(client, admin)}
    assert projects["D-7"]["owner_id"] == admin.id  # the connection's default owner
    assert projects["D-7"]["client_id"] == projects["D-1"]["client_id"]  # one client, upserted

    events = await events_of(client, admin, connection)
    results = [e["result"] for e in events]
    assert results == ["created", "updated", "updated", "updated", "created"][::-1]
    # Paged two at a time, newest first, the same log without a gap or a repeat.
    paged, cursor = [], None
    while True:
        response = await client.get(
            f"{API}/integrations/crm/{connection['id']}/events",
            headers=admin.headers,
            params={"limit": 2, **({"cursor": cursor} if cursor else {})},
        )
        assert response.status_code == 200, response.text
        paged += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert [e["id"] for e in paged] == [e["id"] for e in events]


@pytest.fixture
def pinned_clock(monkeypatch) -> int:
    """The server's clock for the five-minute window, pinned to a whole second: an offset of
    301 s is then exactly 301 s when it is checked, however slow the machine is."""
    now = int(time.time())
    monkeypatch.setattr(crm_hooks.verify, "now_seconds", lambda: float(now))
    return now


async def test_generic_verification_refuses_and_changes_nothing(client, pinned_clock):
    admin = await register(client)
    connection = await connect(client, admin, "generic")
    other = await connect(client, admin, "generic")
    body = generic_body()
    good = generic_headers(connection["signing_secret"], body)
    path = hook_path(connection)

    cases = {
        "tampered body": (body.replace(b"125000.5", b"925000.5"), good),
        "wrong secret": (body, generic_headers(other["signing_secret"], body)),
        "too old": (
            body,
            generic_headers(connection["signing_secret"], body, at=pinned_clock - 301),
        ),
        "too new": (
            body,
            generic_headers(connection["signing_secret"], body, at=pinned_clock + 301),
        ),
        "no signature": (body, {k: v for k, v in good.items() if k != "webhook-signature"}),
        "no id": (body, {k: v for k, v in good.items() if k != "webhook-id"}),
        "no timestamp": (body, {k: v for k, v in good.items() if k != "webhook-timestamp"}),
        "garbage signature": (body, {**good, "webhook-signature": "nonsense"}),
        # Past the digits Python turns into an int (4,300): refused, not a 500.
        "huge timestamp": (body, {**good, "webhook-timestamp": "9" * 5000}),
        "no headers": (body, {}),
    }
    for name, (content, headers) in cases.items():
        r = await client.post(path, content=content, headers=headers)
        assert r.status_code == 401, (name, r.text)
        assert r.headers["content-type"] == "application/problem+json", name
    assert await projects_of(client, admin) == []
    assert await events_of(client, admin, connection) == []

    r = await client.post(f"{API}/hooks/crm/{uuid.uuid4()}", content=body, headers=good)
    assert_problem(r, 404)
    # Within the tolerance either way it is accepted.
    for offset in (-290, 290):
        r = await send_generic(
            client, connection, generic_body(f"D{offset}"), at=time.time() + offset
        )
        assert r.status_code == 200, r.text


async def test_replays_are_acknowledged_and_change_nothing_even_ten_at_once(client, app):
    admin = await register(client)
    connection = await connect(client, admin, "generic")
    body = generic_body("D-42")
    headers = generic_headers(connection["signing_secret"], body, msg_id="msg_once")

    # Proof that the requests really overlapped: several held a database connection at once.
    pool = app.state.engine.sync_engine
    held, most = 0, 0

    def checkout(*_args):
        nonlocal held, most
        held += 1
        most = max(most, held)

    def checkin(*_args):
        nonlocal held
        held -= 1

    event.listen(pool, "checkout", checkout)
    event.listen(pool, "checkin", checkin)
    try:
        responses = await asyncio.gather(
            *(client.post(hook_path(connection), content=body, headers=headers) for _ in range(10))
        )
    finally:
        event.remove(pool, "checkout", checkout)
        event.remove(pool, "checkin", checkin)
    assert most >= 2, most
    assert [r.status_code for r in responses] == [200] * 10, [r.text for r in responses]
    results = sorted(r.json()["events"][0]["replayed"] for r in responses)
    assert results == [False] + [True] * 9
    await apply_pending(client)
    async with app.state.sessionmaker() as session:
        projects = await session.scalar(select(func.count()).where(Project.external_id == "D-42"))
        events = await session.scalar(select(func.count()).select_from(CrmInboundEvent))
    assert projects == 1 and events == 1

    # A replay later, after the deal changed, does not undo the change.
    await send_generic(client, connection, generic_body("D-42", status="won"))
    again = await client.post(hook_path(connection), content=body, headers=headers)
    assert again.status_code == 200 and again.json()["events"][0]["replayed"] is True
    [project] = await projects_of(client, admin)
    assert project["status"] == "won"


async def test_two_different_events_for_one_new_deal_at_once_make_one_project(client, app):
    admin = await register(client)
    connection = await connect(client, admin, "generic")
    bodies = [generic_body("D-77", deal_name=f"Name {i}") for i in range(5)]
    responses = await asyncio.gather(*(send_generic(client, connection, body) for body in bodies))
    assert [r.status_code for r in responses] == [200] * 5, [r.text for r in responses]
    await apply_pending(client)
    kinds = [e["result"] for e in await events_of(client, admin, connection)]
    assert kinds.count("created") == 1 and len(kinds) == 5
    async with app.state.sessionmaker() as session:
        count = await session.scalar(select(func.count()).where(Project.external_id == "D-77"))
    assert count == 1


async def test_a_verified_body_that_does_not_parse_is_422_and_kept(client):
    admin = await register(client)
    connection = await connect(client, admin, "generic")
    for body in (b"{not json", json.dumps({"type": "deal.created", "data": {}}).encode()):
        r = await send_generic(client, connection, body)
        body_problem = assert_problem(r, 422)
        assert "does not parse" in body_problem["detail"]
    events = await events_of(client, admin, connection)
    assert [e["result"] for e in events] == ["failed", "failed"]
    assert "deal_id" in events[0]["reason"]
    assert events[1]["payload"] == "{not json"
    assert await projects_of(client, admin) == []
    # Not about a deal: stored as ignored, acknowledged.
    r = await send_generic(
        client, connection, json.dumps({"type": "contact.created", "data": {}}).encode()
    )
    assert r.status_code == 200 and r.json()["events"][0]["result"] == "ignored"
    assert (await applied(client, admin, connection, r))[0]["result"] == "ignored"


async def test_bodies_over_the_cap_are_413_before_being_read(client, app):
    admin = await register(client)
    connection = await connect(client, admin, "generic")
    cap = app.state.settings.crm_hook_max_body_bytes
    big = b'{"type": "deal.created", "data": {"deal_id": "x", "pad": "' + b"a" * cap + b'"}}'
    r = await send_generic(client, connection, big)
    assert_problem(r, 413)

    async def streamed():
        # No Content-Length: the count while reading must stop it.
        for _ in range(cap // 1024 + 2):
            yield b" " * 1024

    r = await client.post(hook_path(connection), content=streamed())
    assert_problem(r, 413)
    assert await events_of(client, admin, connection) == []


async def test_events_of_two_organizations_never_touch(client):
    first = await register(client, organization_name="First")
    second = await register(client, organization_name="Second")
    one = await connect(client, first, "generic")
    two = await connect(client, second, "generic")
    # The same CRM ids, the same event id, in both organizations.
    body = generic_body("D-1", owner_email=second.user["email"])
    for connection in (one, two):
        r = await send_generic(client, connection, body, msg_id="msg_same")
        [row] = await applied(client, first if connection is one else second, connection, r)
        assert row["result"] == "created", r.text
    [p1] = await projects_of(client, first)
    [p2] = await projects_of(client, second)
    assert p1["id"] != p2["id"] and p1["client_id"] != p2["client_id"]
    # The second organization's user is not an owner in the first one.
    assert p1["owner_id"] == first.id and p2["owner_id"] == second.id
    # A connection's secret signs only for its own connection.
    headers = generic_headers(one["signing_secret"], generic_body("D-9"))
    r = await client.post(hook_path(two), content=generic_body("D-9"), headers=headers)
    assert_problem(r, 401)
    r = await client.get(f"{API}/integrations/crm/{one['id']}/events", headers=second.headers)
    assert_problem(r, 404)


# --- HubSpot v3 --------------------------------------------------------------------------------

# The example request of HubSpot's request-validation guide (client secret, method, URI and
# body). HubSpot publishes expected hashes for v1 and v2 only, not for v3; the v3 signature
# below was computed independently (Python's hmac, outside this code base) from the
# documented algorithm: base64(HMAC-SHA256(secret, method + URI + body + timestamp)).
HUBSPOT_SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
HUBSPOT_METHOD = "POST"
HUBSPOT_URI = "https://www.example.com/webhook_uri"
HUBSPOT_BODY = b'{"example_field":"example_value"}'
HUBSPOT_TIMESTAMP = "1564113600000"
HUBSPOT_V3 = "eT0ip2TKVpsIi1vb5C2Uu42eNdHL+oTE3NRZOF67O2U="


def test_hubspot_v3_matches_the_fixed_vector():
    # The guide's v2 example fixes how the pieces are joined: its published hash checks out.
    v2 = hashlib.sha256(
        (HUBSPOT_SECRET + HUBSPOT_METHOD + HUBSPOT_URI).encode() + HUBSPOT_BODY
    ).hexdigest()
    assert v2 == "9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900"
    independent = base64.b64encode(
        hmac.new(
            HUBSPOT_SECRET.encode(),
            (HUBSPOT_METHOD + HUBSPOT_URI).encode() + HUBSPOT_BODY + HUBSPOT_TIMESTAMP.encode(),
            hashlib.sha256,
        ).digest()
    ).decode()
    assert independent == HUBSPOT_V3
    assert (
        hubspot_signature(
            HUBSPOT_SECRET,
            method=HUBSPOT_METHOD,
            uri=HUBSPOT_URI,
            body=HUBSPOT_BODY,
            timestamp=HUBSPOT_TIMESTAMP,
        )
        == HUBSPOT_V3
    )
    # HubSpot decodes some escapes in the URI before signing.
    assert hubspot_signature(
        "s", method="POST", uri="https://h/x%3Fa%3Ab", body=b"", timestamp="1"
    ) == hubspot_signature("s", method="POST", uri="https://h/x?a:b", body=b"", timestamp="1")


def hubspot_headers(secret: str, url: str, body: bytes, *, at_ms: int | None = None):
    timestamp = str(at_ms if at_ms is not None else int(time.time() * 1000))
    signature = hubspot_signature(secret, method="POST", uri=url, body=body, timestamp=timestamp)
    return {
        "X-HubSpot-Signature-v3": signature,
        "X-HubSpot-Request-Timestamp": timestamp,
        "content-type": "application/json",
    }


def hubspot_batch(*events: dict) -> bytes:
    base = {"subscriptionId": 1, "portalId": 62515, "appId": 54321, "occurredAt": 1}
    return json.dumps([{**base, **event} for event in events]).encode()


async def test_hubspot_events_verify_and_update_the_deal(client):
    admin = await register(client)
    secret = "hubspot-app-client-secret"
    connection = await connect(client, admin, "hubspot", client_secret=secret)
    url = connection["webhook_url"]
    body = hubspot_batch(
        {"eventId": 101, "subscriptionType": "deal.creation", "objectId": 555},
        {
            "eventId": 102,
            "subscriptionType": "deal.propertyChange",
            "objectId": 555,
            "propertyName": "dealname",
            "propertyValue": "Northwind renewal",
        },
        {
            "eventId": 103,
            "subscriptionType": "deal.propertyChange",
            "objectId": 555,
            "propertyName": "amount",
            "propertyValue": "4200.50",
        },
        {"eventId": 104, "subscriptionType": "contact.creation", "objectId": 9},
    )
    r = await client.post(
        hook_path(connection), content=body, headers=hubspot_headers(secret, url, body)
    )
    assert r.status_code == 200, r.text
    assert [e["result"] for e in r.json()["events"]] == ["pending"] * 3 + ["ignored"]
    rows = await applied(client, admin, connection, r)
    assert sorted(e["result"] for e in rows[:3]) == ["created", "updated", "updated"]
    assert rows[3]["result"] == "ignored"
    [project] = await projects_of(client, admin)
    assert project["title"] == "Northwind renewal"
    assert project["external_source"] == "hubspot" and project["external_id"] == "555"
    assert float(project["estimated_value"]) == 4200.5

    won = hubspot_batch(
        {
            "eventId": 105,
            "subscriptionType": "deal.propertyChange",
            "objectId": 555,
            "propertyName": "dealstage",
            "propertyValue": "closedwon",
        }
    )
    r = await client.post(
        hook_path(connection), content=won, headers=hubspot_headers(secret, url, won)
    )
    assert r.status_code == 200, r.text
    [project] = await projects_of(client, admin)
    assert project["status"] == "won"

    # One unusable event in a batch is kept as failed; the others still apply.
    mixed = hubspot_batch(
        {
            "eventId": 106,
            "subscriptionType": "deal.propertyChange",
            "objectId": 555,
            "propertyName": "amount",
            "propertyValue": "lots",
        },
        {
            "eventId": 107,
            "subscriptionType": "deal.propertyChange",
            "objectId": 555,
            "propertyName": "dealstage",
            "propertyValue": "appointmentscheduled",
        },
    )
    r = await client.post(
        hook_path(connection), content=mixed, headers=hubspot_headers(secret, url, mixed)
    )
    assert r.status_code == 200, r.text
    assert [e["result"] for e in r.json()["events"]] == ["failed", "pending"]
    assert [e["result"] for e in await applied(client, admin, connection, r)] == [
        "failed",
        "updated",
    ]
    [project] = await projects_of(client, admin)
    assert project["status"] == "open" and float(project["estimated_value"]) == 4200.5
    failed = next(
        e
        for e in await events_of(client, admin, connection)
        if e["external_id"] == "1:106:555:amount"
    )
    assert failed["result"] == "failed" and "amount" in failed["reason"]


async def test_hubspot_refusals(client, pinned_clock):
    admin = await register(client)
    secret = "hubspot-app-client-secret"
    connection = await connect(client, admin, "hubspot", client_secret=secret)
    url = connection["webhook_url"]
    body = hubspot_batch({"eventId": 1, "subscriptionType": "deal.creation", "objectId": 1})
    now = pinned_clock * 1000
    good = hubspot_headers(secret, url, body, at_ms=now)
    cases = {
        "tampered body": (body.replace(b'"objectId": 1', b'"objectId": 2'), good),
        "wrong secret": (body, hubspot_headers("another-secret", url, body, at_ms=now)),
        "301 s old": (body, hubspot_headers(secret, url, body, at_ms=now - 301_000)),
        "301 s ahead": (body, hubspot_headers(secret, url, body, at_ms=now + 301_000)),
        "other URI": (body, hubspot_headers(secret, url + "?x=1", body, at_ms=now)),
        "no signature": (body, {"X-HubSpot-Request-Timestamp": str(now)}),
        "no timestamp": (body, {"X-HubSpot-Signature-v3": good["X-HubSpot-Signature-v3"]}),
        "no headers": (body, {}),
        "huge timestamp": (body, {**good, "X-HubSpot-Request-Timestamp": "9" * 5000}),
    }
    for name, (content, headers) in cases.items():
        r = await client.post(hook_path(connection), content=content, headers=headers)
        assert r.status_code == 401, (name, r.text)
    assert await projects_of(client, admin) == []
    assert await events_of(client, admin, connection) == []
    r = await client.post(hook_path(connection), content=body, headers=good)
    assert r.status_code == 200, r.text


# --- Pipedrive v2 ------------------------------------------------------------------------------


def pipedrive_body(event_id: str, *, action="create", status="open", value=1500, org_id=77):
    return json.dumps(
        {
            "meta": {
                "action": action,
                "entity": "deal",
                "entity_id": 31,
                "id": event_id,
                "version": "2.0",
                "company_id": 123,
                "timestamp": "2026-11-27T10:00:00.000Z",
            },
            "data": {
                "id": 31,
                "title": "Contoso rollout",
                "value": value,
                "currency": "USD",
                "status": status,
                "org_id": org_id,
                "owner_id": 42,
            },
            "previous": None,
        }
    ).encode()


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}", "content-type": "application/json"}


async def test_pipedrive_basic_auth_and_v2_body(client):
    admin = await register(client)
    connection = await connect(client, admin, "pipedrive")
    user, password = connection["basic_username"], connection["signing_secret"]
    path = hook_path(connection)

    body = pipedrive_body(str(uuid.uuid4()))
    for headers in (
        basic(user, password + "x"),
        basic("someone", password),
        {"Authorization": "Bearer " + password},
        {"Authorization": "Basic !!!"},
        {},
    ):
        r = await client.post(path, content=body, headers=headers)
        assert r.status_code == 401, (headers, r.text)
    assert await projects_of(client, admin) == []

    r = await client.post(path, content=body, headers=basic(user, password))
    [row] = await applied(client, admin, connection, r)
    assert row["result"] == "created", r.text
    [project] = await projects_of(client, admin)
    assert project["title"] == "Contoso rollout" and project["currency"] == "USD"
    assert project["external_source"] == "pipedrive" and project["external_id"] == "31"
    [crm_client] = (await client.get(f"{API}/clients", headers=admin.headers)).json()["items"]
    assert crm_client["external_id"] == "77" and project["client_id"] == crm_client["id"]

    lost = pipedrive_body(str(uuid.uuid4()), action="change", status="lost")
    r = await client.post(path, content=lost, headers=basic(user, password))
    assert (await applied(client, admin, connection, r))[0]["result"] == "updated"
    assert (await projects_of(client, admin))[0]["status"] == "lost"

    broken = json.dumps(
        {"meta": {"id": "m-1", "action": "change", "entity": "deal"}, "data": {"id": "x"}}
    )
    r = await client.post(path, content=broken.encode(), headers=basic(user, password))
    assert_problem(r, 422)
    events = await events_of(client, admin, connection)
    assert events[0]["external_id"] == "m-1" and events[0]["result"] == "failed"


async def test_secrets_and_keys_never_reach_the_logs(client, captured):  # noqa: F811
    admin = await register(client)
    generic = await connect(client, admin, "generic")
    pipedrive = await connect(client, admin, "pipedrive")
    hubspot_secret = "Hubspot-Secret-Sentinel-123"
    await connect(client, admin, "hubspot", client_secret=hubspot_secret)
    created = await client.post(
        f"{API}/api-keys", headers=admin.headers, json={"name": "s", "scopes": ["ledger:read"]}
    )
    key = created.json()["key"]
    await client.get(f"{API}/ledger", headers={"Authorization": f"Bearer {key}"})
    await client.get(f"{API}/users/me", headers={"Authorization": f"Bearer {key}"})
    await send_generic(client, generic, generic_body())
    await client.post(hook_path(generic), content=b"{}", headers={"webhook-signature": "v1,x"})
    await client.post(
        hook_path(pipedrive),
        content=pipedrive_body("p-1"),
        headers=basic(pipedrive["basic_username"], pipedrive["signing_secret"]),
    )
    assert captured.records, "nothing was logged: the check would pass vacuously"
    secrets = (
        key,
        key[len("mm_") :],
        generic["signing_secret"],
        generic["signing_secret"].removeprefix("whsec_"),
        pipedrive["signing_secret"],
        hubspot_secret,
    )
    for record in captured.records:
        text = everything_in(record)
        for secret in secrets:
            assert secret not in text, (record.name, secret[:6])


# --- verified bodies that do not parse: 422 and kept, never 500 -------------------------------

LONG = "x" * 201  # one more than the id and name columns hold
LONGER = "x" * 256  # one more than the title column holds
DEEP = "[" * 5000 + "]" * 5000  # past the JSON parser's recursion limit


def _generic(data: object, kind: str = "deal.updated") -> str:
    return json.dumps({"type": kind, "data": data})


def _pipedrive(data: object = None, **meta: object) -> str:
    # A new event id each time, so no case is taken for a replay of another.
    base = {"id": uuid.uuid4().hex, "action": "change", "entity": "deal", "version": "2.0"}
    return json.dumps({"meta": {**base, **meta}, "data": data})


def _hubspot(**fields: object) -> str:
    base = {"eventId": uuid.uuid4().int, "subscriptionType": "deal.propertyChange", "objectId": 31}
    return json.dumps([{**base, "propertyName": "dealname", "propertyValue": "X", **fields}])


# Per provider, text bodies (written as JSON text, so NaN and \u escapes arrive as sent).
UNPARSEABLE = {
    "generic": {
        "deep nesting": '{"type": "deal.updated", "data": {"deal_id": "D", "x": ' + DEEP + "}}",
        "data not an object": _generic("x"),
        "data a list": _generic([{"deal_id": "D"}]),
        "body a list": json.dumps([{"type": "deal.updated"}]),
        "NaN amount": _generic({"deal_id": "D"}).replace('"D"}', '"D", "amount": NaN}'),
        "Infinity amount": _generic({"deal_id": "D"}).replace('"D"}', '"D", "amount": Infinity}'),
        "amount past the column": _generic({"deal_id": "D", "amount": 1e400}),
        "deal id past the column": _generic({"deal_id": LONG}),
        "numeric deal id past the column": _generic({"deal_id": 10**201}),
        "company id past the column": _generic({"deal_id": "D", "company_id": LONG}),
        "deal name past the column": _generic({"deal_id": "D", "deal_name": LONGER}),
        "company name past the column": _generic({"deal_id": "D", "company_name": LONG}),
        "NUL in a name": _generic({"deal_id": "D", "deal_name": "a\u0000b"}),
        "lone surrogate in a name": _generic({"deal_id": "D", "deal_name": "a\ud800b"}),
        "lone surrogate in the type": _generic({}, kind="contact.\udfff"),
        "NUL in the deal id": _generic({"deal_id": "D\u0000"}),
    },
    "pipedrive": {
        "deep nesting": '{"meta": ' + DEEP + "}",
        "meta not an object": json.dumps({"meta": "x"}),
        "meta a list": json.dumps({"meta": [1], "data": {"id": 31}}),
        "body a list": json.dumps([{"meta": {}}]),
        "data not an object": _pipedrive("x"),
        "NaN value": _pipedrive({"id": 31}).replace("31}", '31, "value": NaN}'),
        "event id past the column": _pipedrive({"id": 31}, id=LONG),
        "deal id past the column": _pipedrive({"id": 10**201}),
        "organization id past the column": _pipedrive({"id": 31, "org_id": 10**201}),
        "title past the column": _pipedrive({"id": 31, "title": LONGER}),
        "not a currency": _pipedrive({"id": 31, "currency": "XYZ"}),
        "entity past its length": _pipedrive({"id": 31}, entity=LONG),
        "NUL in the title": _pipedrive({"id": 31, "title": "a\u0000"}),
        "lone surrogate in the entity": _pipedrive({"id": 31}, entity="\ud800"),
    },
    "hubspot": {
        "deep nesting": DEEP,
        "meta as the body": json.dumps({"meta": "x"}),
        "an empty batch": "[]",
        "NaN object id": _hubspot().replace('"objectId": 31', '"objectId": NaN'),
    },
}
# Within a HubSpot batch: the event fails alone, the batch is acknowledged (200).
BAD_HUBSPOT_EVENTS = {
    "an event not an object": json.dumps(["x"]),
    "event id past the column": _hubspot(eventId=LONG),
    "object id past the column": _hubspot(objectId=10**201),
    "NUL in a value": _hubspot(propertyValue="a\u0000"),
    "lone surrogate in a property name": _hubspot(propertyName="\ud800"),
    "no event id": _hubspot(eventId=None),
}


async def _send_as(client, connection: dict, body: bytes, secret: str) -> httpx.Response:
    provider = connection["provider"]
    if provider == "generic":
        return await send_generic(client, connection, body)
    if provider == "pipedrive":
        headers = basic(connection["basic_username"], connection["signing_secret"])
    else:
        headers = hubspot_headers(secret, connection["webhook_url"], body)
    return await client.post(hook_path(connection), content=body, headers=headers)


async def _what_changed_reads(client, app, admin: Actor) -> tuple:
    async with app.state.sessionmaker() as session:
        audits = await session.scalar(select(func.count()).select_from(AuditEvent))
        outbox = await session.scalar(select(func.count()).select_from(WebhookEvent))
    listed = await client.get(f"{API}/clients", headers=admin.headers)
    return await projects_of(client, admin), listed.json()["items"], audits, outbox


SEEDS = {
    "generic": generic_body("D"),
    "pipedrive": pipedrive_body("seed"),
    "hubspot": hubspot_batch({"eventId": 1, "subscriptionType": "deal.creation", "objectId": 31}),
}


@pytest.mark.parametrize("provider", ["generic", "pipedrive", "hubspot"])
async def test_verified_bodies_that_do_not_parse_are_422_kept_and_change_nothing(
    client, app, provider
):
    admin = await register(client)
    secret = "hubspot-app-client-secret"
    extra = {"client_secret": secret} if provider == "hubspot" else {}
    connection = await connect(client, admin, provider, **extra)
    seeded = await _send_as(client, connection, SEEDS[provider], secret)
    assert seeded.status_code == 200, seeded.text
    await apply_pending(client)
    before = await _what_changed_reads(client, app, admin)
    kept = len(await events_of(client, admin, connection))

    wrong = []
    for name, text in UNPARSEABLE[provider].items():
        # The texts are ASCII: json.dumps escaped NUL and lone surrogates as \\u sequences.
        r = await _send_as(client, connection, text.encode(), secret)
        events = await events_of(client, admin, connection)
        problem = r.json() if r.headers["content-type"].startswith(PROBLEM) else {}
        if (
            r.status_code != 422
            or "does not parse" not in problem.get("detail", "")
            or len(events) != kept + 1
            or events[0]["result"] != "failed"
            or not events[0]["reason"]
            or await _what_changed_reads(client, app, admin) != before
        ):
            wrong.append((name, r.status_code, len(events) - kept))
        kept = len(events)
    assert wrong == [], wrong


async def test_hubspot_amounts_that_are_not_numbers_fail_only_their_event(client):
    admin = await register(client)
    secret = "hubspot-app-client-secret"
    connection = await connect(client, admin, "hubspot", client_secret=secret)
    seed = hubspot_batch({"eventId": 1, "subscriptionType": "deal.creation", "objectId": 31})
    assert (await _send_as(client, connection, seed, secret)).status_code == 200
    values = ["NaN", "sNaN", "-NaN", "Infinity", "-Infinity", "1e999999", "1E-999999999"]
    body = hubspot_batch(
        *(
            {
                "eventId": 10 + index,
                "subscriptionType": "deal.propertyChange",
                "objectId": 31,
                "propertyName": "amount",
                "propertyValue": value,
            }
            for index, value in enumerate(values)
        )
    )
    r = await _send_as(client, connection, body, secret)
    assert r.status_code == 200, r.text
    results = [(e["external_id"], e["result"]) for e in await applied(client, admin, connection, r)]
    ids = [f"1:{10 + i}:31:amount" for i in range(len(values))]
    assert results[:-1] == [(ids[i], "failed") for i in range(len(values) - 1)]
    # A tiny positive amount is a number: it rounds to zero cents.
    assert results[-1] == (ids[-1], "updated")
    [project] = await projects_of(client, admin)
    assert float(project["estimated_value"]) == 0


async def test_bad_events_in_a_hubspot_batch_fail_alone_and_are_kept(client, app):
    admin = await register(client)
    secret = "hubspot-app-client-secret"
    connection = await connect(client, admin, "hubspot", client_secret=secret)
    seeded = await _send_as(client, connection, SEEDS["hubspot"], secret)
    await applied(client, admin, connection, seeded)
    before = await _what_changed_reads(client, app, admin)
    wrong = []
    for name, text in BAD_HUBSPOT_EVENTS.items():
        r = await _send_as(client, connection, text.encode(), secret)
        if r.status_code != 200:
            wrong.append((name, r.status_code))
            continue
        [row] = await applied(client, admin, connection, r)
        if row["result"] != "failed" or not row["reason"]:
            wrong.append((name, row["result"]))
        if await _what_changed_reads(client, app, admin) != before:
            wrong.append((name, "changed something"))
    assert wrong == [], wrong
