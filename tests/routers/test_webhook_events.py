"""Outbound events a subscriber can act on (DESIGN 7.4), delivered over real HTTP to a
receiver that verifies each with ``standardwebhooks``: every event names its project (with
its CRM ids) and client, people with names and emails, and links into the SPA; the new
``project.updated``, ``session.scheduled`` and ``action_item.created``; each body is what
openapi.json's ``webhooks`` section declares; ``Retry-After`` is honoured (at most a day)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from api.kit.retry_after import MAX_RETRY_AFTER, retry_after
from api.main import create_app
from api.models import WebhookEventType
from api.schemas.webhook_events import EVENT_BODY
from tests import cast
from tests.factories import API, add_user, register
from tests.test_openapi import OPENAPI_PATH
from tests.webhook_kit import create_endpoint, eventually, running_worker, verify

BASE = "https://mastermind.example.com"
EVERY_EVENT = [event.value for event in WebhookEventType]


@pytest.fixture
async def linked_app(app, settings) -> AsyncIterator:
    """Private targets allowed (the loopback receiver) and PUBLIC_BASE_URL set."""
    application = create_app(
        settings.model_copy(update={"webhook_allow_private_targets": True, "public_base_url": BASE})
    )
    yield application
    await application.state.live_hub.close()
    await application.state.engine.dispose()


@pytest.fixture
async def linked(linked_app) -> AsyncIterator[httpx.AsyncClient]:
    async with cast.in_process(linked_app) as client:
        yield client


async def _ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


async def test_every_event_carries_its_project_client_people_and_links(
    linked, linked_app, receiver
):
    admin = await register(linked)
    rep = await add_user(linked, admin, full_name="Rita Rep")
    endpoint = await create_endpoint(linked, admin, receiver.url(), EVERY_EVENT)
    h = admin.headers
    client = await _ok(
        await linked.post(f"{API}/clients", headers=h, json={"name": "Northwind"}), 201
    )
    project = await _ok(
        await linked.post(
            f"{API}/projects",
            headers=h,
            json={"title": "Fleet renewal", "kind": "account", "client_id": client["id"]},
        ),
        201,
    )
    pid = project["id"]
    await _ok(
        await linked.post(f"{API}/projects/{pid}/members", headers=h, json={"user_id": rep.id}),
        201,
    )
    await _ok(
        await linked.patch(
            f"{API}/projects/{pid}/members/{rep.id}", headers=rep.headers, json={"state": "active"}
        )
    )
    await _ok(await linked.patch(f"{API}/projects/{pid}", headers=h, json={"title": "Fleet 2027"}))
    when = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    mm = await _ok(
        await linked.post(
            f"{API}/projects/{pid}/sessions",
            headers=h,
            json={"purpose": "approach", "title": "Open the door", "scheduled_at": when},
        ),
        201,
    )
    item = await _ok(
        await linked.post(
            f"{API}/projects/{pid}/action-items",
            headers=h,
            json={"title": "Call the depot", "assignee_id": rep.id},
        ),
        201,
    )
    await _ok(await linked.post(f"{API}/sessions/{mm['id']}/start", headers=h))
    await _ok(
        await linked.post(f"{API}/sessions/{mm['id']}/complete", headers=h, json={"summary": "ok"})
    )
    await _ok(
        await linked.patch(
            f"{API}/action-items/{item['id']}", headers=rep.headers, json={"status": "done"}
        )
    )
    await _ok(await linked.post(f"{API}/projects/{pid}/close", headers=h, json={"result": "won"}))

    async with running_worker(linked_app):
        await eventually(lambda: len(receiver.hook_requests()) == 7, what="seven events")
    bodies = {}
    for received in receiver.hook_requests():
        body = verify(received, endpoint["secret"])  # signed with the endpoint's secret
        bodies[body["type"]] = body
        # Each body is what the contract's webhooks section declares for its type.
        EVENT_BODY[WebhookEventType(body["type"])].model_validate(body)
    assert sorted(bodies) == sorted(EVERY_EVENT)

    project_ref = {
        "id": pid,
        "title": "Fleet 2027",
        "status": "won",
        "external_source": None,
        "external_id": None,
        "url": f"{BASE}/projects/{pid}",
    }
    northwind = {"id": client["id"], "name": "Northwind"}
    admin_ref = {"id": admin.id, "full_name": admin.user["full_name"], "email": admin.user["email"]}
    rita = {"id": rep.id, "full_name": "Rita Rep", "email": rep.user["email"]}

    created = bodies["project.created"]["data"]
    assert created["id"] == pid and created["title"] == "Fleet renewal"  # its own fields stay
    assert created["project"] == {**project_ref, "title": "Fleet renewal", "status": "open"}
    assert created["client"] == northwind and created["owner"] == admin_ref
    assert created["url"] == f"{BASE}/projects/{pid}"
    updated = bodies["project.updated"]["data"]
    assert updated["title"] == "Fleet 2027" and updated["project"]["status"] == "open"
    closed = bodies["project.closed"]["data"]
    assert closed["status"] == "won" and closed["project"] == project_ref

    scheduled = bodies["session.scheduled"]["data"]
    assert scheduled["id"] == mm["id"] and scheduled["title"] == "Open the door"
    assert scheduled["url"] == f"{BASE}/sessions/{mm['id']}"
    assert scheduled["client"] == northwind and scheduled["project"]["id"] == pid
    assert sorted(p["email"] for p in scheduled["participants"]) == sorted(
        [admin_ref["email"], rita["email"]]
    )
    completed = bodies["session.completed"]["data"]
    assert completed["session_id"] == mm["id"] and completed["summary"] == "ok"
    assert completed["url"] == f"{BASE}/sessions/{mm['id']}/outcome"
    assert completed["client"] == northwind and rita in completed["participants"]

    assigned = bodies["action_item.created"]["data"]
    assert assigned["id"] == item["id"] and assigned["status"] == "open"
    assert assigned["assignee"] == rita and assigned["client"] == northwind
    assert assigned["url"] == f"{BASE}/projects/{pid}"
    done = bodies["action_item.completed"]["data"]
    assert done["status"] == "done" and done["assignee"] == rita


async def test_links_are_null_without_a_public_base_url(http, hook_app, receiver):
    admin = await register(http)
    await create_endpoint(http, admin, receiver.url(), ["project.created"])
    await _ok(
        await http.post(
            f"{API}/projects", headers=admin.headers, json={"title": "T", "kind": "campaign"}
        ),
        201,
    )
    async with running_worker(hook_app):
        await eventually(lambda: len(receiver.hook_requests()) == 1)
    data = receiver.hook_requests()[0].body
    assert b'"url":null' in data.replace(b" ", b"")
    assert b"/projects/" not in data  # no relative link a subscriber could not open


async def test_a_moved_session_is_scheduled_again_and_an_edit_of_its_title_is_not(
    http, hook_app, receiver
):
    admin = await register(http)
    await create_endpoint(http, admin, receiver.url(), ["session.scheduled"])
    project = await _ok(
        await http.post(
            f"{API}/projects", headers=admin.headers, json={"title": "T", "kind": "campaign"}
        ),
        201,
    )
    when = datetime.now(UTC) + timedelta(days=2)
    mm = await _ok(
        await http.post(
            f"{API}/projects/{project['id']}/sessions",
            headers=admin.headers,
            json={"purpose": "targeting", "title": "Who", "scheduled_at": when.isoformat()},
        ),
        201,
    )
    url = f"{API}/sessions/{mm['id']}"
    await _ok(await http.patch(url, headers=admin.headers, json={"title": "Who first"}))
    later = (when + timedelta(hours=3)).isoformat()
    await _ok(await http.patch(url, headers=admin.headers, json={"scheduled_at": later}))
    async with running_worker(hook_app):
        await eventually(lambda: len(receiver.hook_requests()) == 2)
    times = [json.loads(r.body)["data"]["scheduled_at"] for r in receiver.hook_requests()]
    assert len(set(times)) == 2  # planned, then moved; the title edit sent nothing


async def test_retry_after_sets_the_next_attempt(http, hook_app, receiver):
    admin = await register(http)
    endpoint = await create_endpoint(http, admin, receiver.url(), ["project.created"])
    receiver.respond(429)  # then 200
    receiver.answer_headers = {"Retry-After": "1"}
    await _ok(
        await http.post(
            f"{API}/projects", headers=admin.headers, json={"title": "T", "kind": "campaign"}
        ),
        201,
    )
    # The schedule alone would come back after 0.05 s: the receiver asked for a second.
    async with running_worker(hook_app):
        await eventually(lambda: len(receiver.hook_requests()) == 2, within=10)
    first, second = receiver.hook_requests()
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.95
    for received in (first, second):
        verify(received, endpoint["secret"])


def test_retry_after_reads_seconds_and_dates_and_waits_at_most_a_day():
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert retry_after("120", now=now) == timedelta(seconds=120)
    assert retry_after("Thu, 03 Dec 2026 12:05:00 GMT", now=now) == timedelta(minutes=5)
    assert retry_after("Thu, 03 Dec 2026 11:00:00 GMT", now=now) == timedelta(0)  # past: now
    assert retry_after(str(10 * 86400), now=now) == MAX_RETRY_AFTER == timedelta(hours=24)
    for unreadable in (None, "", "soon", "-5"):
        assert retry_after(unreadable, now=now) is None


def test_the_webhooks_section_declares_every_event_with_its_body():
    document = json.loads(OPENAPI_PATH.read_text())
    assert sorted(document["webhooks"]) == sorted(EVERY_EVENT)
    for event, body in EVENT_BODY.items():
        operation = document["webhooks"][event.value]["post"]
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{body.__name__}"}
        assert operation["description"]
    assert len(set(EVENT_BODY.values())) == 4  # four shapes for seven events


def test_retry_after_takes_fractions_and_never_overflows():
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert retry_after("1.5", now=now) == timedelta(seconds=1.5)  # as some CRMs send it
    assert retry_after("1" + "0" * 30, now=now) == MAX_RETRY_AFTER  # no OverflowError
    assert retry_after("nan", now=now) is None
