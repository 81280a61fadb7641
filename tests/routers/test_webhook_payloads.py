"""Outbound payloads a subscriber can use without calling back (DESIGN 7.4): the project
with its link into the web app, its client, people as id, name and email, and a ``url``;
and the events project.updated, session.scheduled and action_item.created. Every delivery
is checked with ``standardwebhooks``, as a subscriber would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from api.main import create_app
from tests.factories import API, register
from tests.webhook_kit import create_endpoint, make_worker, verify

BASE = "https://mastermind.example.com"
NEW_EVENTS = ["project.updated", "session.scheduled", "action_item.created"]


@pytest.fixture(scope="module")
async def linked_app(app, settings):
    """Links from PUBLIC_BASE_URL; private targets allowed for the loopback receiver."""
    application = create_app(
        settings.model_copy(update={"webhook_allow_private_targets": True, "public_base_url": BASE})
    )
    yield application
    await application.state.live_hub.close()
    await application.state.engine.dispose()


@pytest.fixture
async def linked(linked_app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=linked_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def _post(client, path: str, admin, body: dict) -> dict:
    r = await client.post(f"{API}{path}", headers=admin.headers, json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def test_payloads_carry_project_client_people_and_links(linked, linked_app, receiver):
    admin = await register(linked)
    me = (await linked.get(f"{API}/users/me", headers=admin.headers)).json()
    endpoint = await create_endpoint(
        linked, admin, receiver.url(), [*NEW_EVENTS, "project.created", "action_item.completed"]
    )
    company = await _post(linked, "/clients", admin, {"name": "Helix Medical"})
    project = await _post(
        linked,
        "/projects",
        admin,
        {"title": "Helix", "kind": "account", "client_id": company["id"]},
    )
    r = await linked.patch(
        f"{API}/projects/{project['id']}", headers=admin.headers, json={"title": "Helix 2"}
    )
    assert r.status_code == 200, r.text
    meeting = await _post(
        linked,
        f"/projects/{project['id']}/sessions",
        admin,
        {
            "purpose": "approach",
            "title": "The CFO",
            "scheduled_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
            "timebox_minutes": 45,
        },
    )
    item = await _post(
        linked,
        f"/projects/{project['id']}/action-items",
        admin,
        {"title": "Send the ROI model", "assignee_id": admin.id},
    )
    r = await linked.patch(
        f"{API}/action-items/{item['id']}", headers=admin.headers, json={"status": "done"}
    )
    assert r.status_code == 200, r.text

    worker = make_worker(linked_app)
    while await worker.run_once():
        pass
    payloads = {}
    for received in receiver.hook_requests():
        payload = verify(received, endpoint["secret"])
        payloads[payload["type"]] = payload["data"]
    assert set(payloads) == {*NEW_EVENTS, "project.created", "action_item.completed"}

    project_url = f"{BASE}/projects/{project['id']}"
    person = {"id": admin.id, "full_name": me["full_name"], "email": me["email"]}
    updated = payloads["project.updated"]
    assert updated["project"] == {
        "id": project["id"],
        "title": "Helix 2",
        "status": "open",
        "external_source": None,
        "external_id": None,
        "url": project_url,
    }
    assert updated["client"] == {"id": company["id"], "name": "Helix Medical"}
    assert updated["owner"] == person and updated["url"] == project_url
    # The project's own fields stay where they were for existing subscribers.
    assert updated["id"] == project["id"] and updated["title"] == "Helix 2"
    assert payloads["project.created"]["project"]["title"] == "Helix"

    scheduled = payloads["session.scheduled"]
    assert scheduled["id"] == meeting["id"] and scheduled["title"] == "The CFO"
    assert scheduled["url"] == f"{BASE}/sessions/{meeting['id']}"
    assert scheduled["facilitator"] == person and scheduled["project"]["url"] == project_url
    assert scheduled["client"]["name"] == "Helix Medical"

    created = payloads["action_item.created"]
    assert created["id"] == item["id"] and created["status"] == "open"
    assert created["assignee"] == person and created["project"]["title"] == "Helix 2"
    assert payloads["action_item.completed"]["status"] == "done"
    assert payloads["action_item.completed"]["url"] == project_url


async def test_without_public_base_url_links_are_null(http, hook_app, receiver):
    admin = await register(http)
    endpoint = await create_endpoint(http, admin, receiver.url(), ["project.created"])
    await _post(http, "/projects", admin, {"title": "Solo", "kind": "campaign"})
    assert await make_worker(hook_app).run_once() == 1
    data = verify(receiver.hook_requests()[0], endpoint["secret"])["data"]
    assert data["url"] is None and data["project"]["url"] is None and data["client"] is None
