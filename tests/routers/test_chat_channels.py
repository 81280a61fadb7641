"""Chat channels over real HTTP: a team's Slack, Microsoft Teams and Chatwork rooms.

The providers are doubles on a loopback port (tests/chat_double.py) that check every
payload against the provider's documented shape; the webhook worker posts to them from the
outbox. Covered: who may manage a team's channels (admins, the team's manager; a member is
403, another organization 404), secrets sealed and never answered, validation per
provider, the events of the team's projects (and none of another team's), each provider's
format, the test message, retries on 429 and 5xx honouring Retry-After (and Chatwork's
X-RateLimit-Reset), a refusal for good disabling the channel, and the SSRF guard.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from api.main import create_app
from api.models import ChatChannel, ChatDelivery, Locale, WebhookEventType
from api.security import InvalidToken
from api.services.chat_channel_messages import (
    ChatMessage,
    chatwork_text,
    message_for,
    slack_body,
    teams_body,
)
from api.services.chat_channels import open_secret
from tests import cast
from tests.chat_double import (
    CHATWORK_TOKEN,
    ChatDouble,
    chatwork_problems,
    slack_problems,
    teams_problems,
)
from tests.factories import API, Actor, add_user, assert_problem, create_team, register
from tests.webhook_kit import eventually, running_worker

BASE = "https://mastermind.example"
EVENTS = ["project.created", "session.scheduled", "action_item.created"]


@pytest.fixture(scope="module")
def double():
    server = ChatDouble()
    server.start()
    yield server
    server.close()


@pytest.fixture(scope="module")
async def chat_app(app, settings, double):
    """Private targets allowed (the doubles are on loopback), Chatwork's API pointed at the
    double, links into the SPA on. Depends on conftest's ``app`` so tables are emptied."""
    application = create_app(
        settings.model_copy(
            update={
                "webhook_allow_private_targets": True,
                "chatwork_api_base_url": double.url("/v2"),
                "public_base_url": BASE,
            }
        )
    )
    yield application
    await application.state.live_hub.close()
    await application.state.engine.dispose()


@pytest.fixture
async def http(chat_app, double):
    double.received.clear()
    double.plan.clear()
    transport = httpx.ASGITransport(app=chat_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        cast.bind(client, chat_app)
        yield client


class World:
    def __init__(self, **people: Actor | dict) -> None:
        self.__dict__.update(people)


@pytest.fixture
async def world(http):
    admin = await register(http)
    manager = await add_user(http, admin, role="manager", full_name="Mia Manager")
    other_manager = await add_user(http, admin, role="manager", full_name="Max Other")
    owner = await add_user(http, admin, full_name="Olga Owner")
    member = await add_user(http, admin, full_name="Rita Rep")
    loner = await add_user(http, admin, full_name="Lars Loner")
    team = await create_team(
        http, admin, name="Tokyo", manager_id=manager.id, member_ids=[owner.id, member.id]
    )
    other_team = await create_team(
        http, admin, name="Osaka", manager_id=other_manager.id, member_ids=[loner.id]
    )
    stranger = await register(http, organization_name="Rival")
    return World(
        admin=admin,
        manager=manager,
        other_manager=other_manager,
        owner=owner,
        member=member,
        loner=loner,
        team=team,
        other_team=other_team,
        stranger=stranger,
    )


def slack_body_for(double: ChatDouble, team: dict, **extra) -> dict:
    return {
        "provider": "slack",
        "team_id": team["id"],
        "events": EVENTS,
        "webhook_url": double.url(f"/slack/services/T0/B0/{uuid.uuid4().hex[:24]}"),
        **extra,
    }


def teams_body_for(double: ChatDouble, team: dict, **extra) -> dict:
    return {
        "provider": "teams",
        "team_id": team["id"],
        "events": EVENTS,
        "webhook_url": double.url("/teams/workflows/abc/triggers/manual/paths/invoke?sig=s3cr3t"),
        **extra,
    }


def chatwork_body_for(team: dict, **extra) -> dict:
    return {
        "provider": "chatwork",
        "team_id": team["id"],
        "events": EVENTS,
        "api_token": CHATWORK_TOKEN,
        "room_id": "424242",
        **extra,
    }


async def create_channel(http, actor: Actor, body: dict, **headers: str) -> dict:
    response = await http.post(
        f"{API}/chat-channels", headers={**actor.headers, **headers}, json=body
    )
    assert response.status_code == 201, response.text
    return response.json()


# --- channels --------------------------------------------------------------------------------


async def test_a_manager_connects_each_provider_and_no_secret_comes_back(
    http, chat_app, world, double
):
    slack_in = slack_body_for(double, world.team, label="#sales-tokyo")
    slack = await create_channel(http, world.manager, slack_in)
    teams = await create_channel(http, world.manager, teams_body_for(double, world.team))
    chatwork = await create_channel(http, world.admin, chatwork_body_for(world.team))

    assert slack["provider"] == "slack" and slack["label"] == "#sales-tokyo"
    assert slack["events"] == sorted(EVENTS) and slack["enabled"] is True
    assert slack["secret_hint"] == f"http://127.0.0.1:{double.port}/…{slack_in['webhook_url'][-4:]}"
    assert chatwork["secret_hint"] == f"…{CHATWORK_TOKEN[-4:]}" and chatwork["room_id"] == "424242"
    assert teams["room_id"] is None

    listed = await http.get(f"{API}/chat-channels", headers=world.manager.headers)
    one = await http.get(f"{API}/chat-channels/{slack['id']}", headers=world.manager.headers)
    assert listed.status_code == one.status_code == 200
    assert [c["id"] for c in listed.json()["items"]] == [slack["id"], teams["id"], chatwork["id"]]
    assert one.json() == slack and "etag" in one.headers
    everything = listed.text + one.text + str(slack) + str(teams) + str(chatwork)
    for secret in (slack_in["webhook_url"], "sig=s3cr3t", CHATWORK_TOKEN):
        assert secret not in everything
    for field in ("webhook_url", "api_token", "secret_ciphertext"):
        assert field not in one.json()

    # At rest: ciphertext only SECRET_KEY and this row open.
    async with chat_app.state.sessionmaker() as session:
        stored = await session.get(ChatChannel, uuid.UUID(chatwork["id"]))
    assert stored is not None and stored.secret_ciphertext.startswith("v1.")
    assert CHATWORK_TOKEN not in stored.secret_ciphertext
    settings = chat_app.state.settings
    assert open_secret(settings, stored.id, stored.secret_ciphertext) == CHATWORK_TOKEN
    with pytest.raises(InvalidToken):
        open_secret(settings, uuid.uuid4(), stored.secret_ciphertext)

    # The team filter, and an Idempotency-Key replay that creates nothing.
    key = {"Idempotency-Key": f"chat-{uuid.uuid4()}"}
    first = await create_channel(http, world.admin, chatwork_body_for(world.other_team), **key)
    again = await http.post(
        f"{API}/chat-channels",
        headers={**world.admin.headers, **key},
        json=chatwork_body_for(world.other_team),
    )
    assert again.status_code == 201 and again.json()["id"] == first["id"]
    assert again.headers["idempotent-replayed"] == "true"
    of_team = await http.get(
        f"{API}/chat-channels",
        headers=world.admin.headers,
        params={"team_id": world.other_team["id"]},
    )
    assert [c["id"] for c in of_team.json()["items"]] == [first["id"]]


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"webhook_url": None}, "'webhook_url'], 'msg': 'Field required'"),
        ({"api_token": CHATWORK_TOKEN}, "'api_token'], 'msg': 'Extra inputs are not permitted'"),
        ({"room_id": "12"}, "'room_id'], 'msg': 'Extra inputs are not permitted'"),
        ({"provider": "discord"}, "discord"),
        ({"events": []}, "at least 1"),
        ({"events": ["deal.won"]}, "enum"),
        ({"webhook_url": "ftp://example.com/x"}, "pattern"),
    ],
)
async def test_each_provider_takes_its_own_fields(http, world, double, change, needle):
    body = {**slack_body_for(double, world.team), **change}
    body = {k: v for k, v in body.items() if v is not None}
    problem = assert_problem(
        await http.post(f"{API}/chat-channels", headers=world.admin.headers, json=body), 422
    )
    assert needle in str(problem)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"api_token": None}, "'api_token'], 'msg': 'Field required'"),
        ({"room_id": None}, "'room_id'], 'msg': 'Field required'"),
        ({"room_id": "rid12"}, "pattern"),
        ({"webhook_url": "https://hooks.slack.com/x/y"}, "'webhook_url'], 'msg': 'Extra inputs"),
    ],
)
async def test_chatwork_needs_a_token_and_a_numeric_room(http, world, change, needle):
    body = {**chatwork_body_for(world.team), **change}
    body = {k: v for k, v in body.items() if v is not None}
    problem = assert_problem(
        await http.post(f"{API}/chat-channels", headers=world.admin.headers, json=body), 422
    )
    assert needle in str(problem)


async def test_who_may_manage_a_teams_channels(http, world, double):
    channel = await create_channel(http, world.manager, slack_body_for(double, world.team))
    url = f"{API}/chat-channels/{channel['id']}"
    routes = [
        ("GET", url, None),
        ("PATCH", url, {"label": "x"}),
        ("POST", f"{url}/test", None),
        ("DELETE", url, None),
    ]
    # A member of the team (and the owner of its projects) is refused, as is the manager of
    # another team, for the channel and for creating one for this team.
    for person in (world.member, world.owner, world.other_manager):
        for method, path, body in routes:
            assert_problem(await http.request(method, path, headers=person.headers, json=body), 403)
        created = await http.post(
            f"{API}/chat-channels",
            headers=person.headers,
            json=slack_body_for(double, world.team),
        )
        assert_problem(created, 403)
    for person in (world.member, world.owner):
        assert_problem(await http.get(f"{API}/chat-channels", headers=person.headers), 403)
    # The other team's manager lists only their own team's channels (none).
    theirs = await http.get(f"{API}/chat-channels", headers=world.other_manager.headers)
    assert theirs.status_code == 200 and theirs.json()["items"] == []
    # Another organization: neither the channel nor the team exists for its admin.
    for method, path, body in routes:
        assert_problem(
            await http.request(method, path, headers=world.stranger.headers, json=body), 404
        )
    foreign_team = await http.post(
        f"{API}/chat-channels",
        headers=world.stranger.headers,
        json=slack_body_for(double, world.team),
    )
    assert_problem(foreign_team, 404)
    assert (await http.get(f"{API}/chat-channels", headers=world.stranger.headers)).json()[
        "items"
    ] == []
    # Nobody signed in.
    assert_problem(await http.get(f"{API}/chat-channels"), 401)
    # Nothing was posted by the refused test messages.
    assert double.received == []
    # The admin may, for any team.
    assert (await http.get(url, headers=world.admin.headers)).status_code == 200


async def test_update_events_disable_and_delete(http, world, double):
    channel = await create_channel(http, world.manager, teams_body_for(double, world.team))
    url = f"{API}/chat-channels/{channel['id']}"
    etag = (await http.get(url, headers=world.manager.headers)).headers["etag"]
    changed = await http.patch(
        url,
        headers={**world.manager.headers, "If-Match": etag},
        json={"events": ["project.closed", "project.closed"], "enabled": False},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["events"] == ["project.closed"]
    assert changed.json()["enabled"] is False and changed.json()["disabled_reason"]
    stale = await http.patch(
        url, headers={**world.manager.headers, "If-Match": etag}, json={"label": "late"}
    )
    assert_problem(stale, 412)
    for body in ({"enabled": None}, {"events": None}, {"webhook_url": "http://127.0.0.1/"}):
        assert_problem(await http.patch(url, headers=world.manager.headers, json=body), 422)
    again = await http.patch(url, headers=world.manager.headers, json={"enabled": True})
    assert again.json()["enabled"] is True and again.json()["disabled_reason"] is None
    assert (await http.delete(url, headers=world.manager.headers)).status_code == 204
    assert_problem(await http.get(url, headers=world.manager.headers), 404)


# --- messages --------------------------------------------------------------------------------


async def _new_project(http, owner: Actor, title: str = "Helix framework") -> dict:
    response = await http.post(
        f"{API}/projects", headers=owner.headers, json={"title": title, "kind": "campaign"}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_the_teams_events_reach_each_room_in_its_own_format(http, chat_app, world, double):
    await create_channel(http, world.manager, slack_body_for(double, world.team))
    await create_channel(http, world.manager, teams_body_for(double, world.team))
    await create_channel(http, world.manager, chatwork_body_for(world.team))
    # Another team's room must not hear of this team's project (and vice versa).
    await create_channel(http, world.admin, slack_body_for(double, world.other_team, label="osaka"))

    async with running_worker(chat_app):
        project = await _new_project(http, world.owner, "Helix <framework> & [toall]")
        when = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
        scheduled = await http.post(
            f"{API}/projects/{project['id']}/sessions",
            headers=world.owner.headers,
            json={"purpose": "approach", "title": "The COO", "scheduled_at": when.isoformat()},
        )
        assert scheduled.status_code == 201, scheduled.text
        # The loner's project is the other team's: only its room hears of it.
        await _new_project(http, world.loner, "Osaka castle")
        # Tokyo's three rooms: the project and the session; Osaka's: its own project.
        await eventually(lambda: len(double.received) == 3 * 2 + 1, what="all messages")

    assert all(r.problems == [] and r.status < 300 for r in double.received), [
        (r.provider, r.problems) for r in double.received
    ]
    osaka = [r for r in double.of("slack") if "Osaka" in r.payload["text"]]
    assert len(osaka) == 1
    tokyo_slack = [r for r in double.of("slack") if r not in osaka]
    assert all("Helix" in r.payload["text"] or "COO" in r.payload["text"] for r in tokyo_slack)
    assert not any("Osaka" in r.body.decode() for r in double.of("teams") + double.of("chatwork"))

    # Slack: section, fields, a link button into the SPA, context; people's text escaped.
    created = next(r.payload for r in tokyo_slack if r.payload["text"].startswith("New project"))
    kinds = [block["type"] for block in created["blocks"]]
    assert kinds == ["section", "section", "actions", "context"]
    assert "Helix &lt;framework&gt; &amp; [toall]" in created["blocks"][0]["text"]["text"]
    button = created["blocks"][2]["elements"][0]
    assert button["type"] == "button" and button["url"] == f"{BASE}/projects/{project['id']}"
    assert "project.created" in created["blocks"][3]["elements"][0]["text"]

    # Teams: an Adaptive Card 1.4 with the facts and an Action.OpenUrl.
    session_card = next(
        r.payload["attachments"][0]["content"]
        for r in double.of("teams")
        if "COO" in r.body.decode()
    )
    assert session_card["version"] == "1.4"
    facts = {f["title"]: f["value"] for f in session_card["body"][1]["facts"]}
    assert facts["Project"] == "Helix <framework> & [toall]"
    assert facts["Timebox"].endswith("min") and when.strftime("%Y-%m-%d %H:%M") in facts["When"]
    assert session_card["actions"][0]["url"] == f"{BASE}/sessions/{scheduled.json()['id']}"

    # Chatwork: the token header, the room, a form body in its syntax; no tag smuggled in.
    chatwork = double.of("chatwork")
    assert {r.path for r in chatwork} == {"/v2/rooms/424242/messages"}
    assert all(r.headers["x-chatworktoken"] == CHATWORK_TOKEN for r in chatwork)
    text = next(r.payload["body"][0] for r in chatwork if "New project" in r.payload["body"][0])
    assert text.startswith("[info][title]New project: Helix <framework> & \uff3btoall][/title]")
    assert "[toall]" not in text and f"{BASE}/projects/{project['id']}" in text

    # The rooms' last answer is on each channel.
    listed = await http.get(f"{API}/chat-channels", headers=world.admin.headers)
    assert all(c["last_delivered_at"] and c["last_error"] is None for c in listed.json()["items"])


async def test_a_channel_hears_only_what_it_subscribed_to_and_nothing_while_off(
    http, chat_app, world, double
):
    quiet = await create_channel(
        http, world.manager, slack_body_for(double, world.team, events=["project.closed"])
    )
    off = await create_channel(http, world.manager, chatwork_body_for(world.team))
    await http.patch(
        f"{API}/chat-channels/{off['id']}", headers=world.manager.headers, json={"enabled": False}
    )
    async with running_worker(chat_app) as worker:
        await _new_project(http, world.owner)
        await worker.run_once()
    assert double.received == []
    async with chat_app.state.sessionmaker() as session:
        queued = await session.scalar(select(func.count()).select_from(ChatDelivery))
    assert queued == 0, "neither the unsubscribed nor the disabled channel queues anything"
    assert quiet["events"] == ["project.closed"]


async def test_the_test_message_reports_what_the_room_answered(http, world, double):
    slack = await create_channel(http, world.manager, slack_body_for(double, world.team))
    chatwork = await create_channel(http, world.manager, chatwork_body_for(world.team))
    wrong = await create_channel(
        http, world.manager, chatwork_body_for(world.team, api_token="not-the-right-token")
    )

    sent = await http.post(f"{API}/chat-channels/{slack['id']}/test", headers=world.manager.headers)
    assert sent.status_code == 200, sent.text
    assert sent.json() == {"delivered": True, "status_code": 200, "error": None}
    (message,) = double.of("slack")
    assert message.problems == [] and "Tokyo" in str(message.payload)
    assert message.payload["blocks"][-2]["elements"][0]["url"] == f"{BASE}/team"

    sent = await http.post(
        f"{API}/chat-channels/{chatwork['id']}/test", headers=world.admin.headers
    )
    assert sent.json()["delivered"] is True
    assert double.of("chatwork")[0].payload["body"][0].startswith("[info][title]Test message")

    # A wrong token: Chatwork's 401 says so, and the channel is off until someone fixes it.
    refused = await http.post(
        f"{API}/chat-channels/{wrong['id']}/test", headers=world.manager.headers
    )
    assert refused.json() == {"delivered": False, "status_code": 401, "error": "HTTP 401"}
    after = (
        await http.get(f"{API}/chat-channels/{wrong['id']}", headers=world.manager.headers)
    ).json()
    assert after["enabled"] is False and "HTTP 401" in after["disabled_reason"]
    assert after["last_error"] == "HTTP 401"


async def test_a_webhook_url_never_reaches_the_logs(http, chat_app, world, double, caplog):
    """Slack's and Teams' webhook URL is the credential: httpx logs each request's URL, so
    those posts log only the scheme and host (the test message and the worker's alike)."""
    body = slack_body_for(double, world.team)
    secret_part = body["webhook_url"].rsplit("/", 1)[1]
    slack = await create_channel(http, world.manager, body)
    caplog.set_level(logging.DEBUG)
    sent = await http.post(f"{API}/chat-channels/{slack['id']}/test", headers=world.admin.headers)
    assert sent.json()["delivered"] is True
    async with running_worker(chat_app):
        await _new_project(http, world.owner)
        await eventually(lambda: len(double.of("slack")) == 2, what="the project's message")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"127.0.0.1:{double.port}/…" in logged, "the post is still logged, by host"
    assert secret_part not in logged


async def test_retries_honour_retry_after_on_429_and_5xx(http, chat_app, world, double):
    await create_channel(http, world.manager, slack_body_for(double, world.team))
    double.respond(429, {"Retry-After": "1"})
    double.respond(503)
    double.respond(500)
    async with running_worker(chat_app):
        await _new_project(http, world.owner)
        await eventually(
            lambda: any(r.status == 200 for r in double.of("slack")), what="the retry lands"
        )
    attempts = double.of("slack")
    assert [r.status for r in attempts] == [429, 503, 500, 200]
    assert attempts[1].at - attempts[0].at >= 0.9, "Retry-After: 1 was honoured"
    async with chat_app.state.sessionmaker() as session:
        (delivery,) = (await session.scalars(select(ChatDelivery))).all()
    assert delivery.state == "delivered" and delivery.attempts == 4


async def test_chatworks_rate_limit_reset_is_honoured(http, chat_app, world, double):
    await create_channel(http, world.manager, chatwork_body_for(world.team))
    # Chatwork's 429 says when its window resets (a Unix time), without Retry-After.
    double.respond(429, {"X-RateLimit-Reset": str(int(time.time()) + 2)}, provider="chatwork")
    async with running_worker(chat_app):
        await _new_project(http, world.owner)
        await eventually(
            lambda: [r.status for r in double.of("chatwork")] == [429, 200],
            within=15,
            what="the rate-limited message after the reset",
        )
    limited, landed = double.of("chatwork")
    assert landed.at - limited.at >= 0.9, "the reset was waited for, not the 50 ms schedule"


async def test_a_revoked_webhook_disables_the_channel_and_is_not_retried(
    http, chat_app, world, double
):
    slack = await create_channel(http, world.manager, slack_body_for(double, world.team))
    teams = await create_channel(http, world.manager, teams_body_for(double, world.team))
    double.respond(404, provider="slack")  # Slack's no_service: the webhook was removed
    double.respond(400, provider="teams")  # a message the flow will not take: this one fails
    async with running_worker(chat_app) as worker:
        await _new_project(http, world.owner)
        await eventually(lambda: len(double.received) == 2, what="both attempts")

        async def slack_is_off() -> bool:
            url = f"{API}/chat-channels/{slack['id']}"
            return not (await http.get(url, headers=world.admin.headers)).json()["enabled"]

        await eventually(slack_is_off, what="the refusal recorded")
        await _new_project(http, world.owner, "Second")
        await eventually(lambda: len(double.of("teams")) == 2, what="the next Teams message")
        await worker.run_once()
    assert [r.status for r in double.of("slack")] == [404], "not retried, nothing more sent"
    assert [r.status for r in double.of("teams")] == [400, 202], "a 400 fails only its message"
    gone = (
        await http.get(f"{API}/chat-channels/{slack['id']}", headers=world.admin.headers)
    ).json()
    assert gone["enabled"] is False and "HTTP 404" in gone["disabled_reason"]
    alive = (
        await http.get(f"{API}/chat-channels/{teams['id']}", headers=world.admin.headers)
    ).json()
    assert alive["enabled"] is True and alive["last_error"] is None
    async with chat_app.state.sessionmaker() as session:
        states = sorted(
            (await session.execute(select(ChatDelivery.state, ChatDelivery.attempts))).all()
        )
    assert [(str(s), a) for s, a in states] == [
        ("delivered", 1),
        ("failed", 1),
        ("failed", 1),
    ], "no second Slack message: the channel was off by then"


# --- the SSRF guard (the default settings: private targets refused) ----------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8000/slack", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://10.1.2.3/hook", "private"),
        ("http://localhost/hook", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "IPv4-mapped"),
    ],
)
async def test_a_private_webhook_url_is_refused(client, url, reason):
    admin = await register(client)
    team = await create_team(client, admin)
    for provider in ("slack", "teams"):
        response = await client.post(
            f"{API}/chat-channels",
            headers=admin.headers,
            json={
                "provider": provider,
                "team_id": team["id"],
                "events": EVENTS,
                "webhook_url": url,
            },
        )
        body = assert_problem(response, 422)
        assert reason in body["detail"] and body["errors"][0]["loc"] == ["body", "webhook_url"]


async def test_chatworks_address_passes_the_guard_at_every_post(client, settings, double):
    """Chatwork's base URL is a setting: pointed at a private address without the test
    allowlist, the post is refused before any connection is made."""
    local = create_app(settings.model_copy(update={"chatwork_api_base_url": double.url("/v2")}))
    try:
        transport = httpx.ASGITransport(app=local, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as other:
            cast.bind(other, local)
            admin = await register(other)
            team = await create_team(other, admin)
            channel = await create_channel(other, admin, chatwork_body_for(team))
            sent = await other.post(
                f"{API}/chat-channels/{channel['id']}/test", headers=admin.headers
            )
    finally:
        await local.state.live_hub.close()
        await local.state.engine.dispose()
    assert sent.json()["delivered"] is False and "loopback" in sent.json()["error"]
    assert double.of("chatwork") == []


# --- the formats, checked by the doubles' own validators ---------------------------------------


def test_each_format_passes_its_providers_checks_in_both_languages():
    data = {
        "title": "Pricing",
        "purpose": "approach",
        "agenda": "Who signs? " * 400,  # longer than a Slack section takes: cut, not refused
        "scheduled_at": "2026-12-05T09:00:00+00:00",
        "timebox_minutes": 45,
        "url": None,  # no PUBLIC_BASE_URL: no button, no action
        "project": {"id": str(uuid.uuid4()), "title": "Helix"},
        "client": None,
        "facilitator": None,
        "participants": [{"full_name": f"P{i}"} for i in range(12)],
    }
    for locale in Locale:
        message = message_for(
            WebhookEventType.session_scheduled, data, locale=locale, timestamp=datetime.now(UTC)
        )
        assert slack_problems(slack_body(message)) == []
        assert teams_problems(teams_body(message)) == []
        form = {"body": [chatwork_text(message)]}
        assert chatwork_problems({"content-type": "application/x-www-form-urlencoded"}, form) == []
        assert "actions" not in teams_body(message)["attachments"][0]["content"]
    # Tags in people's text cannot open or close Chatwork's own.
    plain = ChatMessage(title="[info]x[/info]", facts=[("a", "[title]b")])
    text = chatwork_text(plain)
    assert text.count("[info]") == text.count("[/info]") == 1
    assert text.count("[title]") == text.count("[/title]") == 1
