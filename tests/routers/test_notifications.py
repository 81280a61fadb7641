"""In-app notifications and preferences (DESIGN 7.6): written with the event that causes
them, for the people it concerns and only by the channels they keep on; the inbox (newest
first, unread only, cursor pages, an unread count), read and read-all; nobody else's
notification, from every side; and the live stream a person keeps open, served for real."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.main import create_app
from api.models import NotificationKind
from tests.factories import API, Actor, assert_problem
from tests.routers.test_live import STREAM_TIMEOUT, serving
from tests.session_kit import make_panel, new_session, ok

PREFS = f"{API}/users/me/notification-preferences"


async def inbox(client: httpx.AsyncClient, actor: Actor, **params: Any) -> dict[str, Any]:
    return ok(await client.get(f"{API}/notifications", headers=actor.headers, params=params))


async def kinds_of(client: httpx.AsyncClient, actor: Actor) -> list[str]:
    return [n["kind"] for n in (await inbox(client, actor))["items"]]


async def set_prefs(client: httpx.AsyncClient, actor: Actor, body: dict[str, Any]) -> dict:
    return ok(await client.patch(PREFS, headers=actor.headers, json=body))


# --- preferences ----------------------------------------------------------------------------


async def test_preferences_default_to_every_channel_and_24h_and_15min(client, app):
    panel = await make_panel(client, app)
    prefs = ok(await client.get(PREFS, headers=panel.helper.headers))
    assert prefs["reminder_minutes"] == [1440, 15]
    assert [k["kind"] for k in prefs["kinds"]] == [k.value for k in NotificationKind]
    assert all(k["email"] and k["in_app"] for k in prefs["kinds"])


async def test_a_patch_changes_the_channels_named_and_no_one_elses(client, app):
    panel = await make_panel(client, app)
    prefs = await set_prefs(
        client,
        panel.helper,
        {"kinds": [{"kind": "session_scheduled", "email": False}], "reminder_minutes": [15, 60]},
    )
    by_kind = {k["kind"]: k for k in prefs["kinds"]}
    assert by_kind["session_scheduled"] == {
        "kind": "session_scheduled",
        "email": False,
        "in_app": True,
    }
    assert by_kind["help_request"]["email"] is True
    assert prefs["reminder_minutes"] == [60, 15]
    # A second PATCH naming the other channel keeps the first choice.
    prefs = await set_prefs(
        client, panel.helper, {"kinds": [{"kind": "session_scheduled", "in_app": False}]}
    )
    by_kind = {k["kind"]: k for k in prefs["kinds"]}
    assert (by_kind["session_scheduled"]["email"], by_kind["session_scheduled"]["in_app"]) == (
        False,
        False,
    )
    assert prefs["reminder_minutes"] == [60, 15]
    # A kind named twice: the later wins (each channel as sent).
    prefs = await set_prefs(
        client,
        panel.helper,
        {
            "kinds": [
                {"kind": "help_request", "email": False},
                {"kind": "help_request", "email": True, "in_app": False},
            ]
        },
    )
    assert {k["kind"]: k for k in prefs["kinds"]}["help_request"] == {
        "kind": "help_request",
        "email": True,
        "in_app": False,
    }
    prefs = await set_prefs(client, panel.helper, {"reminder_minutes": []})
    assert prefs["reminder_minutes"] == []
    # Back on, and someone else's preferences never moved.
    prefs = await set_prefs(
        client, panel.helper, {"kinds": [{"kind": "session_scheduled", "email": True}]}
    )
    assert {k["kind"]: k for k in prefs["kinds"]}["session_scheduled"]["email"] is True
    other = ok(await client.get(PREFS, headers=panel.helper2.headers))
    assert other["reminder_minutes"] == [1440, 15]
    assert all(k["email"] and k["in_app"] for k in other["kinds"])


@pytest.mark.parametrize(
    "body",
    [
        {"kinds": None},
        {"reminder_minutes": None},
        {"kinds": [{"kind": "help_request", "email": None}]},
        {"kinds": [{"kind": "help_request", "email": "no"}]},
        {"kinds": [{"kind": "weekly_horoscope", "email": False}]},
        {"reminder_minutes": [0]},
        {"reminder_minutes": [7 * 24 * 60 + 1]},
        {"reminder_minutes": [1, 2, 3, 4, 5, 6]},
        {"reminder_minutes": [True]},
    ],
)
async def test_a_preference_patch_that_makes_no_sense_is_422(client, app, body):
    panel = await make_panel(client, app)
    assert_problem(await client.patch(PREFS, headers=panel.helper.headers, json=body), 422)


# --- who is notified ------------------------------------------------------------------------


async def test_an_invitation_notifies_the_invitee_and_not_the_inviter(client, app):
    panel = await make_panel(client, app)
    [invitation] = (await inbox(client, panel.invited))["items"]
    assert invitation["kind"] == "project_invitation"
    assert invitation["link"] == f"/projects/{panel.project_id}"
    assert invitation["read_at"] is None
    assert invitation["data"]["actor_name"] == "Olga Owner"
    assert invitation["data"]["project_title"] == panel.project["title"]
    assert "project_invitation" not in await kinds_of(client, panel.owner)
    assert await kinds_of(client, panel.outsider) == []
    assert await kinds_of(client, panel.stranger) == []


async def test_a_session_notifies_its_participants_but_not_who_scheduled_it(client, app):
    panel = await make_panel(client, app)
    mm = await new_session(client, panel.project_id, panel.owner, title="Pricing")
    for person in (panel.helper, panel.helper2, panel.observer):
        [scheduled] = [
            n for n in (await inbox(client, person))["items"] if n["kind"] == "session_scheduled"
        ]
        assert scheduled["link"] == f"/sessions/{mm['id']}"
        assert scheduled["data"]["session_title"] == "Pricing"
    # The owner scheduled it; the outsider and the invited one take no part.
    for person in (panel.owner, panel.outsider, panel.invited):
        assert "session_scheduled" not in await kinds_of(client, person)
    ok(
        await client.patch(
            f"{API}/sessions/{mm['id']}", headers=panel.owner.headers, json={"title": "Price"}
        )
    )
    ok(await client.post(f"{API}/sessions/{mm['id']}/cancel", headers=panel.owner.headers))
    assert (await kinds_of(client, panel.helper))[:3] == [
        "session_cancelled",
        "session_changed",
        "session_scheduled",
    ]


async def test_in_app_off_for_a_kind_means_none_of_that_kind(client, app):
    panel = await make_panel(client, app)
    await set_prefs(
        client, panel.helper, {"kinds": [{"kind": "session_scheduled", "in_app": False}]}
    )
    await set_prefs(
        client, panel.helper2, {"kinds": [{"kind": "session_scheduled", "email": False}]}
    )
    await new_session(client, panel.project_id, panel.owner)
    assert "session_scheduled" not in await kinds_of(client, panel.helper)
    # Mail off is not in-app off.
    assert "session_scheduled" in await kinds_of(client, panel.helper2)
    # The other kinds still reach the helper.
    r = await client.post(
        f"{API}/projects/{panel.project_id}/action-items",
        headers=panel.owner.headers,
        json={"title": "Send the deck", "assignee_id": panel.helper.id},
    )
    ok(r, 201)
    assert "action_item_assigned" in await kinds_of(client, panel.helper)


async def test_an_action_item_notifies_its_assignee_unless_they_gave_it_themselves(client, app):
    panel = await make_panel(client, app)
    url = f"{API}/projects/{panel.project_id}/action-items"
    item = ok(
        await client.post(
            url,
            headers=panel.owner.headers,
            json={"title": "Call the CFO", "assignee_id": panel.helper.id},
        ),
        201,
    )
    [notice] = [
        n
        for n in (await inbox(client, panel.helper))["items"]
        if n["kind"] == "action_item_assigned"
    ]
    assert notice["data"]["action_item_title"] == "Call the CFO"
    assert notice["data"]["actor_name"] == "Olga Owner"
    assert "action_item_assigned" not in await kinds_of(client, panel.helper2)
    # Handed to another: they hear of it; the first assignee hears nothing more.
    ok(
        await client.patch(
            f"{API}/action-items/{item['id']}",
            headers=panel.owner.headers,
            json={"assignee_id": panel.helper2.id},
        )
    )
    assert (await kinds_of(client, panel.helper2)).count("action_item_assigned") == 1
    assert (await kinds_of(client, panel.helper)).count("action_item_assigned") == 1
    # The owner giving themselves one is told nothing.
    ok(
        await client.post(
            url, headers=panel.owner.headers, json={"title": "Me", "assignee_id": panel.owner.id}
        ),
        201,
    )
    assert "action_item_assigned" not in await kinds_of(client, panel.owner)


# --- the inbox -------------------------------------------------------------------------------


async def test_the_inbox_pages_newest_first_counts_unread_and_marks_read(client, app):
    panel = await make_panel(client, app)
    # The panel's invitations are read: the sessions' notices are what this test reads.
    for person in (panel.helper, panel.helper2):
        ok(await client.post(f"{API}/notifications/read-all", headers=person.headers))
    for n in range(4):
        await new_session(client, panel.project_id, panel.owner, title=f"S{n}")
    first = await inbox(client, panel.helper, limit=2, unread="true")
    assert first["unread_count"] == 4
    assert [n["data"]["session_title"] for n in first["items"]] == ["S3", "S2"]
    second = await inbox(client, panel.helper, limit=2, unread="true", cursor=first["next_cursor"])
    assert [n["data"]["session_title"] for n in second["items"]] == ["S1", "S0"]
    assert second["next_cursor"] is None

    newest = first["items"][0]
    read = ok(
        await client.post(f"{API}/notifications/{newest['id']}/read", headers=panel.helper.headers)
    )
    assert read["read_at"] is not None
    again = ok(
        await client.post(f"{API}/notifications/{newest['id']}/read", headers=panel.helper.headers)
    )
    assert again["read_at"] == read["read_at"]
    unread = await inbox(client, panel.helper, unread="true")
    assert unread["unread_count"] == 3
    assert newest["id"] not in [n["id"] for n in unread["items"]]

    done = ok(await client.post(f"{API}/notifications/read-all", headers=panel.helper.headers))
    assert done == {"marked": 3}
    assert (await inbox(client, panel.helper, unread="true")) == {
        "items": [],
        "next_cursor": None,
        "unread_count": 0,
    }
    # Read-all was the helper's only: the other helper's are still unread.
    assert (await inbox(client, panel.helper2))["unread_count"] == 4


async def test_a_notification_of_someone_else_is_not_found_and_stays_unread(client, app):
    panel = await make_panel(client, app)
    await new_session(client, panel.project_id, panel.owner)
    mine = (await inbox(client, panel.helper))["items"][0]
    url = f"{API}/notifications/{mine['id']}/read"
    for other in (panel.helper2, panel.owner, panel.admin, panel.manager, panel.stranger):
        assert_problem(await client.post(url, headers=other.headers), 404)
        ok(await client.post(f"{API}/notifications/read-all", headers=other.headers))
        assert mine["id"] not in [n["id"] for n in (await inbox(client, other))["items"]]
    assert_problem(
        await client.post(f"{API}/notifications/{uuid.uuid4()}/read", headers=panel.helper.headers),
        404,
    )
    assert (await inbox(client, panel.helper))["items"][0]["read_at"] is None


async def test_an_api_key_cannot_read_anyones_inbox(client, app):
    panel = await make_panel(client, app)
    key = ok(
        await client.post(
            f"{API}/api-keys",
            headers=panel.admin.headers,
            json={"name": "BI", "scopes": ["projects:read", "people:read"]},
        ),
        201,
    )
    headers = {"Authorization": f"Bearer {key['key']}"}
    for method, url in (
        ("GET", f"{API}/notifications"),
        ("POST", f"{API}/notifications/read-all"),
        ("GET", PREFS),
    ):
        assert_problem(await client.request(method, url, headers=headers), 403)


# --- the live stream, served for real ----------------------------------------------------------


@pytest.fixture(scope="module")
async def live_app(settings, app) -> AsyncIterator[Any]:
    application = create_app(settings)
    yield application
    await application.state.live_hub.close()
    await application.state.engine.dispose()


@pytest.fixture(scope="module")
async def live_server(live_app) -> AsyncIterator[str]:
    async with serving(live_app) as url:
        yield url


@pytest.fixture
async def http(live_server, live_app) -> AsyncIterator[httpx.AsyncClient]:
    from tests import cast

    async with httpx.AsyncClient(base_url=live_server, timeout=10.0) as client:
        cast.bind(client, live_app)  # people straight to the database, the rest over HTTP
        yield client


@contextlib.asynccontextmanager
async def stream(
    http: httpx.AsyncClient, actor: Actor, last_event_id: str | None = None
) -> AsyncIterator[asyncio.Queue[tuple[str | None, str, Any]]]:
    """The person's notification stream; the queue gets (id, event, data) as they come."""
    headers = dict(actor.headers)
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    queue: asyncio.Queue[tuple[str | None, str, Any]] = asyncio.Queue()
    url = f"{API}/notifications/events"
    async with http.stream("GET", url, headers=headers, timeout=STREAM_TIMEOUT) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")

        async def pump() -> None:
            fields: dict[str, str] = {}
            data: list[str] = []
            async for line in response.aiter_lines():
                if line == "":
                    if data:
                        queue.put_nowait(
                            (fields.get("id"), fields.get("event", ""), json.loads("".join(data)))
                        )
                    fields, data = {}, []
                elif not line.startswith(":"):
                    name, _, value = line.partition(":")
                    value = value.removeprefix(" ")
                    if name == "data":
                        data.append(value)
                    else:
                        fields[name] = value

        task = asyncio.create_task(pump())
        await asyncio.sleep(0.2)  # subscribed (on PostgreSQL: LISTENing) before the test acts
        try:
            yield queue
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                await task


async def next_event(queue: asyncio.Queue, within: float = 5.0) -> tuple[str | None, str, Any]:
    try:
        return await asyncio.wait_for(queue.get(), within)
    except TimeoutError:
        raise AssertionError(f"no event within {within} s") from None


async def test_a_new_notification_is_pushed_to_its_reader_only(http, live_app):
    panel = await make_panel(http, live_app)
    async with stream(http, panel.helper) as helper, stream(http, panel.outsider) as outsider:
        mm = await new_session(http, panel.project_id, panel.owner, title="Live one")
        event_id, event, data = await next_event(helper)
        assert event == "notification.created"
        assert data["kind"] == "session_scheduled"
        assert data["data"]["session_title"] == "Live one"
        assert data["link"] == f"/sessions/{mm['id']}"
        assert event_id == data["id"]
        # Marked read elsewhere (another tab): the stream says so.
        ok(await http.post(f"{API}/notifications/{data['id']}/read", headers=panel.helper.headers))
        _id, event, read = await next_event(helper)
        assert (event, read) == ("notification.read", {"ids": [data["id"]]})
        await asyncio.sleep(0.3)
        assert outsider.empty(), "the outsider heard someone else's notification"


async def test_reconnecting_with_last_event_id_replays_what_came_meanwhile(http, live_app):
    panel = await make_panel(http, live_app)
    async with stream(http, panel.helper) as helper:
        await new_session(http, panel.project_id, panel.owner, title="Before")
        last_id, _event, _data = await next_event(helper)
    # Away: two more come.
    await new_session(http, panel.project_id, panel.owner, title="Away 1")
    await new_session(http, panel.project_id, panel.owner, title="Away 2")
    assert last_id is not None
    async with stream(http, panel.helper, last_event_id=last_id) as helper:
        titles = [(await next_event(helper))[2]["data"]["session_title"] for _ in range(2)]
        assert titles == ["Away 1", "Away 2"]
    # Someone else's id replays nothing of theirs (and nothing of the helper's).
    async with stream(http, panel.helper2, last_event_id=last_id) as other:
        await asyncio.sleep(0.3)
        assert other.empty()
    # Not an id at all: nothing replayed, the stream still opens.
    async with stream(http, panel.helper, last_event_id="not-an-id") as helper:
        await asyncio.sleep(0.3)
        assert helper.empty()
