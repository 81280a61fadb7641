"""Outbound webhooks over real HTTP: endpoints (admins only, secret shown once and kept
encrypted), the outbox filled in the transaction of each change, signed deliveries verified by
a receiver on a loopback port, retries, 410 Gone, redirects, timeouts, the delivery log and
manual retries, and the SSRF guard at registration and at delivery."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from standardwebhooks import Webhook

from api.kit import outbox, ssrf
from api.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from api.security import InvalidToken
from api.services.webhooks import open_secret
from tests.factories import API, add_user, assert_problem, register
from tests.webhook_kit import (
    create_endpoint,
    deliveries,
    eventually,
    make_worker,
    new_project,
    running_worker,
    verify,
)

ALL_EVENTS = ["project.created", "project.closed", "session.completed", "action_item.completed"]


@pytest.fixture
async def admin(http):
    return await register(http)


# --- endpoints ---------------------------------------------------------------------------------


async def test_an_admin_registers_an_endpoint_and_sees_the_secret_once(http, hook_app, admin):
    created = await create_endpoint(
        http, admin, "http://127.0.0.1:9/hook", ["session.completed"], description="BI feed"
    )
    assert created["secret"].startswith("whsec_")
    assert len(Webhook(created["secret"])._whsecret) == 32  # a real, usable key
    assert created["events"] == ["session.completed"]
    assert created["enabled"] is True and created["description"] == "BI feed"

    listed = await http.get(f"{API}/webhook-endpoints", headers=admin.headers)
    one = await http.get(f"{API}/webhook-endpoints/{created['id']}", headers=admin.headers)
    assert listed.status_code == one.status_code == 200
    assert "secret" not in listed.json()["items"][0] and "secret" not in one.json()
    assert one.json() == {k: v for k, v in created.items() if k != "secret"}
    assert created["secret"] not in listed.text + one.text

    # At rest it is ciphertext that only SECRET_KEY opens.
    async with hook_app.state.sessionmaker() as session:
        stored = await session.scalar(select(WebhookEndpoint.secret_ciphertext))
    assert created["secret"] not in stored
    assert created["secret"].removeprefix("whsec_") not in stored
    endpoint_id = uuid.UUID(created["id"])
    assert stored.startswith("v1.")  # the SecretBox scheme CRM secrets use too
    assert open_secret(hook_app.state.settings, endpoint_id, stored) == created["secret"]
    other_key = hook_app.state.settings.model_copy(update={"secret_key": "k" * 48})
    with pytest.raises(InvalidToken):
        open_secret(other_key, endpoint_id, stored)
    # Bound to its row: another endpoint's id does not open it.
    with pytest.raises(InvalidToken):
        open_secret(hook_app.state.settings, uuid.uuid4(), stored)


async def test_only_admins_manage_webhooks(http, admin):
    endpoint = await create_endpoint(http, admin, "http://127.0.0.1:9/hook")
    manager = await add_user(http, admin, role="manager")
    rep = await add_user(http, admin)
    stranger = await register(http, organization_name="Rival")
    paths = [
        ("GET", f"{API}/webhook-endpoints", None),
        ("POST", f"{API}/webhook-endpoints", {"url": "http://127.0.0.1/", "events": ALL_EVENTS}),
        ("GET", f"{API}/webhook-endpoints/{endpoint['id']}", None),
        ("PATCH", f"{API}/webhook-endpoints/{endpoint['id']}", {"description": "x"}),
        ("DELETE", f"{API}/webhook-endpoints/{endpoint['id']}", None),
        ("GET", f"{API}/webhook-endpoints/{endpoint['id']}/deliveries", None),
    ]
    for method, url, body in paths:
        for person in (manager, rep):
            response = await http.request(method, url, headers=person.headers, json=body)
            assert_problem(response, 403)
        response = await http.request(method, url, json=body)
        assert_problem(response, 401)
    # Another organization's admin: the endpoint does not exist for them.
    for method, url, body in paths[2:]:
        response = await http.request(method, url, headers=stranger.headers, json=body)
        assert_problem(response, 404)
    listed = await http.get(f"{API}/webhook-endpoints", headers=stranger.headers)
    assert listed.json()["items"] == []


async def test_update_validates_re_enables_and_honours_if_match(http, admin):
    endpoint = await create_endpoint(http, admin, "http://127.0.0.1:9/a", ["project.created"])
    url = f"{API}/webhook-endpoints/{endpoint['id']}"
    first = await http.get(url, headers=admin.headers)
    etag = first.headers["etag"]

    changed = await http.patch(
        url,
        headers={**admin.headers, "If-Match": etag},
        json={
            "events": ["project.closed", "project.closed", "session.completed"],
            "enabled": False,
        },
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["events"] == ["project.closed", "session.completed"]
    assert body["enabled"] is False and body["disabled_reason"] == "Disabled by an admin"
    stale = await http.patch(
        url, headers={**admin.headers, "If-Match": etag}, json={"description": "late"}
    )
    assert_problem(stale, 412)

    again = await http.patch(
        url, headers=admin.headers, json={"enabled": True, "url": "http://[::1]:9/"}
    )
    assert again.json()["enabled"] is True and again.json()["disabled_reason"] is None
    assert again.json()["url"] == "http://[::1]:9/"
    unknown_event = await http.patch(url, headers=admin.headers, json={"events": ["deal.won"]})
    assert_problem(unknown_event, 422)
    no_events = await http.patch(url, headers=admin.headers, json={"events": []})
    assert_problem(no_events, 422)

    deleted = await http.delete(url, headers=admin.headers)
    assert deleted.status_code == 204
    assert_problem(await http.get(url, headers=admin.headers), 404)


# --- the SSRF guard at registration (the default settings: private targets refused) -----------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8000/hook", "loopback"),
        ("http://2130706433/", "loopback"),
        ("http://0177.0.0.1/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "IPv4-mapped"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://10.1.2.3/", "private"),
        ("http://localhost:8000/", "loopback"),
        ("http://[fe80::1]/", "link-local"),
        ("http://user:pw@93.184.215.14/", "credentials"),
        ("http://no-such-host.invalid/", "does not resolve"),
    ],
)
async def test_registration_refuses_unsafe_targets(client, url, reason):
    admin = await register(client)
    response = await client.post(
        f"{API}/webhook-endpoints",
        headers=admin.headers,
        json={"url": url, "events": ["project.created"]},
    )
    body = assert_problem(response, 422)
    assert reason in body["detail"], body
    assert body["errors"][0]["loc"] == ["body", "url"]
    listed = await client.get(f"{API}/webhook-endpoints", headers=admin.headers)
    assert listed.json()["items"] == []


async def test_registration_accepts_a_public_address(client):
    admin = await register(client)
    created = await create_endpoint(client, admin, "https://93.184.215.14/hooks")
    assert created["url"] == "https://93.184.215.14/hooks"
    # A change of URL is checked the same way.
    response = await client.patch(
        f"{API}/webhook-endpoints/{created['id']}",
        headers=admin.headers,
        json={"url": "http://192.168.0.10/"},
    )
    assert "private" in assert_problem(response, 422)["detail"]


async def test_https_only_in_production(settings):
    production = settings.model_copy(update={"environment": "production"})
    with pytest.raises(ssrf.UnsafeURL, match="https"):
        await ssrf.check_url(
            "http://93.184.215.14/",
            allow_private=production.webhook_allow_private_targets,
            https_only=production.webhook_https_only,
            dns_timeout=1,
        )
    assert settings.webhook_https_only is False


# --- the outbox --------------------------------------------------------------------------------


async def _count(app, model) -> int:
    async with app.state.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_events_fan_out_to_subscribed_enabled_endpoints_only(http, hook_app, admin):
    # Nobody listens: a change writes nothing to the outbox.
    await new_project(http, admin, "Before any endpoint")
    assert await _count(hook_app, WebhookEvent) == 0

    created_only = await create_endpoint(http, admin, "http://127.0.0.1:9/a", ["project.created"])
    everything = await create_endpoint(http, admin, "http://127.0.0.1:9/b")
    off = await create_endpoint(http, admin, "http://127.0.0.1:9/c")
    await http.patch(
        f"{API}/webhook-endpoints/{off['id']}", headers=admin.headers, json={"enabled": False}
    )
    stranger = await register(http, organization_name="Rival")
    theirs = await create_endpoint(http, stranger, "http://127.0.0.1:9/d")

    project = await new_project(http, admin)
    closed = await http.post(
        f"{API}/projects/{project['id']}/close",
        headers=admin.headers,
        json={"result": "won", "note": "Signed"},
    )
    assert closed.status_code == 200, closed.text

    first = await deliveries(http, admin, created_only["id"])
    assert [d["event_type"] for d in first] == ["project.created"]
    both = await deliveries(http, admin, everything["id"])
    assert [d["event_type"] for d in both] == ["project.closed", "project.created"]  # newest first
    assert await deliveries(http, admin, off["id"]) == []
    assert await deliveries(http, stranger, theirs["id"]) == []

    # One event row per change, shared by its deliveries (the webhook-id both endpoints see).
    created_event = {d["event_id"] for d in first} | {
        d["event_id"] for d in both if d["event_type"] == "project.created"
    }
    assert len(created_event) == 1
    assert await _count(hook_app, WebhookEvent) == 2
    delivery = both[1]
    assert delivery["state"] == "pending" and delivery["attempts"] == 0
    assert delivery["payload"]["type"] == "project.created"
    assert delivery["payload"]["data"]["id"] == project["id"]
    assert delivery["payload"]["data"]["title"] == "Helix"


async def test_an_event_is_written_with_its_change_or_not_at_all(http, hook_app, admin):
    await create_endpoint(http, admin, "http://127.0.0.1:9/a", ["project.created"])
    async with hook_app.state.sessionmaker() as session:
        event_id = await outbox.emit(
            session,
            organization_id=uuid.UUID(admin.organization_id),
            event_type="project.created",
            payload={"id": "not really"},
        )
        assert event_id is not None
        await session.rollback()
    assert await _count(hook_app, WebhookEvent) == 0
    assert await _count(hook_app, WebhookDelivery) == 0


# --- deliveries over HTTP ----------------------------------------------------------------------


async def _full_story(http, admin) -> dict:
    """A project through a completed session with an adopted idea, an action item done, and
    the project won: every event type once."""
    project = await new_project(http, admin, "Medica framework")
    pid = project["id"]

    async def post(path: str, body: dict | None = None, status: int = 201) -> dict:
        response = await http.post(f"{API}{path}", headers=admin.headers, json=body)
        assert response.status_code == status, response.text
        return response.json()

    when = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    mm = await post(
        f"/projects/{pid}/sessions",
        {"purpose": "approach", "title": "The CFO", "scheduled_at": when},
    )
    await post(f"/sessions/{mm['id']}/start", status=200)
    idea = await post(
        f"/sessions/{mm['id']}/contributions", {"kind": "idea", "body": "Lead with uptime"}
    )
    adopted = await http.patch(
        f"{API}/contributions/{idea['id']}", headers=admin.headers, json={"status": "adopted"}
    )
    assert adopted.status_code == 200, adopted.text
    item = await post(
        f"/projects/{pid}/action-items",
        {"title": "ROI sheet", "assignee_id": admin.id, "session_id": mm["id"]},
    )
    await post(
        f"/sessions/{mm['id']}/complete",
        {"summary": "Pilot first", "decisions": ["Offer a pilot"], "recommended_approach": "ROI"},
        status=200,
    )
    done = await http.patch(
        f"{API}/action-items/{item['id']}", headers=admin.headers, json={"status": "done"}
    )
    assert done.status_code == 200, done.text
    # Marking it done again is no new completion.
    await http.patch(
        f"{API}/action-items/{item['id']}", headers=admin.headers, json={"status": "done"}
    )
    await post(f"/projects/{pid}/close", {"result": "won", "note": "Signed"}, status=200)
    return {"project": project, "session": mm, "idea": idea, "item": item}


async def test_every_event_is_delivered_signed_with_the_payload_a_subscriber_needs(
    http, hook_app, admin, receiver
):
    endpoint = await create_endpoint(http, admin, receiver.url())
    story = await _full_story(http, admin)

    async with running_worker(hook_app):
        await eventually(lambda: len(receiver.hook_requests()) == 4, what="four deliveries")
        await eventually(
            lambda: _all_delivered(http, admin, endpoint["id"]), what="all recorded delivered"
        )

    payloads = {}
    for received in receiver.hook_requests():
        payload = verify(received, endpoint["secret"])  # raises unless signed with our secret
        assert received.headers["content-type"] == "application/json"
        assert received.headers["user-agent"].startswith("SalesMastermind-Webhooks/")
        payloads[payload["type"]] = (received.headers["webhook-id"], payload)
    assert set(payloads) == set(ALL_EVENTS)

    created = payloads["project.created"][1]["data"]
    assert created["id"] == story["project"]["id"] and created["status"] == "open"
    assert payloads["project.closed"][1]["data"]["status"] == "won"
    outcome = payloads["session.completed"][1]["data"]
    assert outcome["session_id"] == story["session"]["id"]
    assert outcome["summary"] == "Pilot first" and outcome["decisions"] == ["Offer a pilot"]
    assert outcome["recommended_approach"] == "ROI" and outcome["title"] == "The CFO"
    assert [c["id"] for c in outcome["adopted_contributions"]] == [story["idea"]["id"]]
    assert [a["id"] for a in outcome["action_items"]] == [story["item"]["id"]]
    # The admin never opened the live room: listed, credited nothing, measured 0.
    assert [(a["user_id"], a["minutes"], a["minutes_present"]) for a in outcome["attendance"]] == [
        (admin.id, 0, 0)
    ]
    done = payloads["action_item.completed"][1]["data"]
    assert done["id"] == story["item"]["id"] and done["status"] == "done"

    log = await deliveries(http, admin, endpoint["id"])
    by_type = {d["event_type"]: d for d in log}
    for event_type, (webhook_id, payload) in payloads.items():
        row = by_type[event_type]
        assert row["event_id"] == webhook_id  # the webhook-id is the event's id
        assert row["state"] == "delivered" and row["attempts"] == 1
        assert row["last_status_code"] == 200 and row["last_error"] is None
        assert row["next_attempt_at"] is None and row["delivered_at"]
        assert row["payload"] == payload


async def _all_delivered(http, admin, endpoint_id) -> bool:
    return all(d["state"] == "delivered" for d in await deliveries(http, admin, endpoint_id))


async def _one_delivery(http, admin, endpoint_id) -> dict:
    (row,) = await deliveries(http, admin, endpoint_id)
    return row


async def test_failures_are_retried_on_schedule_with_the_same_webhook_id(
    http, hook_app, admin, receiver
):
    endpoint = await create_endpoint(http, admin, receiver.url(), ["project.created"])
    receiver.respond(500, 502)  # then the default 200
    await new_project(http, admin)

    async with running_worker(hook_app, schedule=(0, 0.2, 0.3, 5)):
        await eventually(lambda: len(receiver.hook_requests()) == 3)
        await eventually(lambda: _all_delivered(http, admin, endpoint["id"]))

    requests = receiver.hook_requests()
    assert [r.status for r in requests] == [500, 502, 200]
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    assert len({r.body for r in requests}) == 1  # the very same message each time
    for received in requests:
        verify(received, endpoint["secret"])
    gaps = [b.at - a.at for a, b in itertools.pairwise(requests)]
    assert gaps[0] >= 0.18 and gaps[1] >= 0.27, gaps  # the schedule's waits, not sooner
    row = await _one_delivery(http, admin, endpoint["id"])
    assert row["attempts"] == 3 and row["state"] == "delivered"


async def test_after_the_last_attempt_the_delivery_fails_and_a_manual_retry_sends_it(
    http, hook_app, admin, receiver
):
    endpoint = await create_endpoint(http, admin, receiver.url(), ["project.created"])
    receiver.default = 503
    await new_project(http, admin)

    async with running_worker(hook_app, schedule=(0, 0.05, 0.05)):
        await eventually(lambda: len(receiver.hook_requests()) == 3)

        async def failed() -> bool:
            return (await _one_delivery(http, admin, endpoint["id"]))["state"] == "failed"

        await eventually(failed)
        row = await _one_delivery(http, admin, endpoint["id"])
        assert row["attempts"] == 3 and row["last_status_code"] == 503
        assert row["last_error"] == "HTTP 503" and row["next_attempt_at"] is None
        assert len(receiver.hook_requests()) == 3  # nothing more once failed

        receiver.default = 200
        retried = await http.post(
            f"{API}/webhook-deliveries/{row['id']}/retry", headers=admin.headers
        )
        assert retried.status_code == 202, retried.text
        assert retried.json()["state"] == "pending" and retried.json()["next_attempt_at"]
        await eventually(lambda: _all_delivered(http, admin, endpoint["id"]))

    row = await _one_delivery(http, admin, endpoint["id"])
    assert row["attempts"] == 4 and row["last_status_code"] == 200
    assert len(receiver.ids()) == 1 and receiver.hook_requests()[-1].status == 200


async def test_a_410_disables_the_endpoint_and_stops_its_queue_until_re_enabled(
    http, hook_app, admin, receiver
):
    endpoint = await create_endpoint(http, admin, receiver.url(), ["project.created"])
    url = f"{API}/webhook-endpoints/{endpoint['id']}"
    receiver.respond(410)
    await new_project(http, admin, "First")
    await new_project(http, admin, "Second")  # queued behind the first
    async with running_worker(hook_app, batch_size=1):

        async def disabled() -> bool:
            return (await http.get(url, headers=admin.headers)).json()["enabled"] is False

        await eventually(disabled)
        await eventually(lambda: _all_settled(http, admin, endpoint["id"]))
    assert len(receiver.hook_requests()) == 1  # the queue stopped at the 410
    body = (await http.get(url, headers=admin.headers)).json()
    assert body["disabled_reason"] == "The receiver answered 410 Gone" and body["disabled_at"]
    second, gone = await deliveries(http, admin, endpoint["id"])
    assert gone["state"] == "failed" and gone["last_status_code"] == 410
    assert gone["attempts"] == 1 and gone["last_error"] == "HTTP 410"
    assert second["state"] == "failed" and second["attempts"] == 0
    assert second["last_error"] == "Not sent: the receiver answered 410 Gone"

    # Disabled: new events are not queued for it, and its deliveries cannot be retried.
    await new_project(http, admin, "While gone")
    assert len(await deliveries(http, admin, endpoint["id"])) == 2
    refused = await http.post(f"{API}/webhook-deliveries/{gone['id']}/retry", headers=admin.headers)
    assert_problem(refused, 409)

    # An admin turns it back on: what the 410 stopped is queued again, and events flow.
    await http.patch(url, headers=admin.headers, json={"enabled": True})
    await new_project(http, admin, "Back")
    async with running_worker(hook_app):
        await eventually(lambda: len(receiver.hook_requests()) == 3)
        newest = (await deliveries(http, admin, endpoint["id"]))[0]
        await eventually(lambda: _state_is(http, admin, endpoint["id"], newest["id"], "delivered"))
    titles = {
        verify(request, endpoint["secret"])["data"]["title"]
        for request in receiver.hook_requests()[1:]
    }
    assert titles == {"Second", "Back"}


async def _all_settled(http, admin, endpoint_id) -> bool:
    return all(d["state"] != "pending" for d in await deliveries(http, admin, endpoint_id))


async def _state_is(http, admin, endpoint_id, delivery_id, state) -> bool:
    rows = {d["id"]: d for d in await deliveries(http, admin, endpoint_id)}
    return rows[delivery_id]["state"] == state


async def test_disabling_fails_what_was_still_queued(http, hook_app, admin, receiver):
    endpoint = await create_endpoint(http, admin, receiver.url(), ["project.created"])
    await new_project(http, admin)
    await http.patch(
        f"{API}/webhook-endpoints/{endpoint['id']}", headers=admin.headers, json={"enabled": False}
    )
    (row,) = await deliveries(http, admin, endpoint["id"])
    assert row["state"] == "failed" and row["last_error"] == "Not sent: disabled by an admin"
    assert await make_worker(hook_app).run_once() == 0
    assert receiver.requests == []


async def test_redirects_are_not_followed(http, hook_app, admin, receiver):
    endpoint = await create_endpoint(http, admin, receiver.url(), ["project.created"])
    receiver.respond(307)
    await new_project(http, admin)
    async with running_worker(hook_app, schedule=(0, 0.05)):
        await eventually(lambda: len(receiver.hook_requests()) == 2)
        await eventually(lambda: _all_delivered(http, admin, endpoint["id"]))
    assert [r.status for r in receiver.hook_requests()] == [307, 200]
    assert receiver.hook_requests("/elsewhere") == []
    (row,) = await deliveries(http, admin, endpoint["id"])
    assert row["attempts"] == 2


async def test_a_slow_receiver_times_out_and_counts_as_a_failure(http, hook_app, admin, receiver):
    endpoint = await create_endpoint(http, admin, receiver.url(), ["project.created"])
    receiver.delay = 1.0
    await new_project(http, admin)
    quick = hook_app.state.settings.model_copy(update={"webhook_timeout_seconds": 0.2})
    async with running_worker(hook_app, quick, schedule=(0, 30)) as worker:
        await eventually(lambda: len(receiver.hook_requests()) == 1)

        async def recorded() -> bool:
            return (await _one_delivery(http, admin, endpoint["id"]))["attempts"] == 1

        await eventually(recorded)
        worker.stop()
    row = await _one_delivery(http, admin, endpoint["id"])
    assert row["state"] == "pending" and row["last_error"] == "Timed out after 0.2 s"
    assert row["last_status_code"] is None
    next_at = datetime.fromisoformat(row["next_attempt_at"])
    assert next_at - datetime.fromisoformat(row["last_attempt_at"]) >= timedelta(seconds=29)


async def test_the_delivery_log_pages_newest_first_and_filters_by_state(http, hook_app, admin):
    endpoint = await create_endpoint(http, admin, "http://127.0.0.1:9/", ["project.created"])
    for n in range(5):
        await new_project(http, admin, f"P{n}")
    url = f"{API}/webhook-endpoints/{endpoint['id']}/deliveries"
    titles, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await http.get(url, headers=admin.headers, params=params)).json()
        titles += [d["payload"]["data"]["title"] for d in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert titles == ["P4", "P3", "P2", "P1", "P0"]
    pending = await deliveries(http, admin, endpoint["id"], state="pending")
    assert len(pending) == 5
    assert await deliveries(http, admin, endpoint["id"], state="delivered") == []
    assert_problem(await http.get(url, headers=admin.headers, params={"cursor": "nope"}), 422)


# --- the SSRF guard at delivery ----------------------------------------------------------------


async def test_delivery_refuses_a_private_target_when_the_setting_is_off(
    http, hook_app, admin, receiver, settings
):
    """Registered while private targets were allowed; the worker runs with the guard on:
    the receiver must never be called."""
    endpoint = await create_endpoint(http, admin, receiver.url(), ["project.created"])
    await new_project(http, admin)
    assert settings.webhook_allow_private_targets is False
    async with running_worker(hook_app, settings, schedule=(0, 30)):

        async def refused() -> bool:
            return (await _one_delivery(http, admin, endpoint["id"]))["attempts"] == 1

        await eventually(refused)
    row = await _one_delivery(http, admin, endpoint["id"])
    assert row["last_error"] == "Refused: 127.0.0.1 is a loopback address"
    assert row["state"] == "pending"  # a setting fixed later lets the retries through
    assert receiver.requests == []


async def test_delivery_connects_to_the_address_it_checked(
    http, hook_app, admin, receiver, client, settings, monkeypatch
):
    """DNS rebinding: the name is resolved once per attempt, checked, and the connection goes
    to that very address (Host keeps the name). A name that turns private is refused."""
    answers = {"hooks.example.test": ["93.184.215.14"]}

    async def fake_resolve(host: str, port: int) -> list[str]:
        if host not in answers:
            raise OSError("unknown host")
        return answers[host]

    monkeypatch.setattr(ssrf, "resolve_addresses", fake_resolve)
    # Registered through the guarded app while the name looks public.
    guarded_admin = await register(client)
    url = f"http://hooks.example.test:{receiver.port}/hook"
    endpoint = await create_endpoint(client, guarded_admin, url, ["project.created"])
    await new_project(client, guarded_admin)

    # Now it answers with the loopback address: the guarded worker refuses to connect.
    answers["hooks.example.test"] = ["127.0.0.1"]
    async with running_worker(hook_app, settings, schedule=(0, 30)):

        async def attempted() -> bool:
            rows = await deliveries(client, guarded_admin, endpoint["id"])
            return rows[0]["attempts"] == 1

        await eventually(attempted)
    (row,) = await deliveries(client, guarded_admin, endpoint["id"])
    assert (
        row["last_error"]
        == "Refused: hooks.example.test resolves to 127.0.0.1 is a loopback address"
    )
    assert receiver.requests == []

    # With private targets allowed (local use) the same name is delivered to, through the
    # address the resolver gave (the system resolver knows no such name), Host unchanged.
    await http.post(f"{API}/webhook-deliveries/{row['id']}/retry", headers=guarded_admin.headers)
    async with running_worker(hook_app):
        await eventually(lambda: len(receiver.hook_requests()) == 1)
    received = receiver.hook_requests()[0]
    assert received.headers["host"] == f"hooks.example.test:{receiver.port}"
    verify(received, endpoint["secret"])


def test_an_api_key_never_administers_webhooks():
    """A key acts as the admin who made it, but integrations stay out of its reach."""
    from api.errors import Forbidden
    from api.kit.principal import Caller
    from api.models import Role, User
    from api.services.webhooks import readable_endpoints

    admin = User(
        organization_id=uuid.uuid4(),
        email="a@example.com",
        full_name="A",
        password_hash="x",
        role=Role.admin,
    )
    assert readable_endpoints(Caller(user=admin)) is not None
    with pytest.raises(Forbidden):
        readable_endpoints(Caller(user=admin, api_key_id=uuid.uuid4(), scopes=frozenset()))
