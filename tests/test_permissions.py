"""DESIGN.md's permission matrix, as one test per route built from the app's routes.

Every route under /api/v1 with a path parameter must have a row in ``RULES`` (who may call
it and a valid request body) or an entry in ``ELSEWHERE`` saying which file covers it: a
new route with neither fails here, so it is covered by construction.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import routing
from fastapi.routing import APIRoute

from api.main import app as default_app
from api.main import create_app
from tests import cast
from tests.cast import Cast, add_member, manager, organization, rep, stranger
from tests.conftest import empty_tables
from tests.factories import API, PROBLEM, add_user

CONVERTER = re.compile(r"{(\w+):[^}]+}")
OK = "2xx"

# --- who gets what ---------------------------------------------------------------------------
# The callers: the admin of another organization, a rep of the organization who is not on the
# project, an active helper, an active observer, the project (and client) owner, a manager and
# the admin, none of the last two on the project.
CALLERS = ("other_admin", "outsider", "helper", "observer", "owner", "manager", "admin")

KINDS: dict[str, dict[str, int | str]] = {
    # read a project, its sessions, outcomes
    "read": {
        "other_admin": 404,
        "outsider": 404,
        "helper": OK,
        "observer": OK,
        "owner": OK,
        "manager": OK,
        "admin": OK,
    },
    # edit project, invite helpers, schedule, adopt ideas, close (and run a session)
    "manage": {
        "other_admin": 404,
        "outsider": 404,
        "helper": 403,
        "observer": 403,
        "owner": OK,
        "manager": OK,
        "admin": OK,
    },
    # contribute, vote, log own time, write takeaways: members only ("—" for admins: unchecked)
    "contribute": {
        "other_admin": 404,
        "outsider": 404,
        "helper": OK,
        "observer": OK,
        "owner": OK,
        "manager": 403,  # "if member": this manager is not on the project
    },
    # update an action item's status: the helper is its assignee, the observer is not
    "action_item": {
        "other_admin": 404,
        "outsider": 404,
        "helper": OK,
        "observer": 403,
        "owner": OK,
        "manager": OK,
        "admin": OK,
    },
    # clients: the whole organization reads them (api/services/clients.py) ...
    "client_read": {
        "other_admin": 404,
        "outsider": OK,
        "helper": OK,
        "observer": OK,
        "owner": OK,
        "manager": OK,
        "admin": OK,
    },
    # ... and the client's owner, managers and admins change them
    "client_write": {
        "other_admin": 404,
        "outsider": 403,
        "helper": 403,
        "observer": 403,
        "owner": OK,
        "manager": OK,
        "admin": OK,
    },
    # integrations (outbound webhooks): admins only
    "admin_only": {
        "other_admin": 404,
        "outsider": 403,
        "helper": 403,
        "observer": 403,
        "owner": 403,
        "manager": 403,
        "admin": OK,
    },
    # a team's chat channels: admins, and the team's manager (the matrix's manager manages
    # the case's team; the others are members of the organization, not of that role)
    "team_manager": {
        "other_admin": 404,
        "outsider": 403,
        "helper": 403,
        "observer": 403,
        "owner": 403,
        "manager": OK,
        "admin": OK,
    },
}


Case = dict[str, str]  # path parameter -> id, for one freshly built project
Body = Callable[[Cast], dict[str, Any]] | dict[str, Any] | None
Params = Callable[[Case, str], dict[str, str]] | None


@dataclass(frozen=True)
class Rule:
    kind: str
    body: Body = None
    # The call changes state so that a second caller could not repeat it (close, start,
    # remove...): every caller it should succeed for gets a project of their own.
    consumes: bool = False
    params: Params = None  # path parameters other than the case's defaults


def _later() -> str:
    return (datetime.now(UTC) + timedelta(days=1)).isoformat()


def _not_my_contribution(case: Case, who: str) -> dict[str, str]:
    # Votes come from others: the helper votes on the observer's idea, everyone else on the
    # helper's.
    key = "observer_contribution_id" if who == "helper" else "contribution_id"
    return {"contribution_id": case[key]}


P = f"{API}/projects/{{project_id}}"
S = f"{API}/sessions/{{session_id}}"
C = f"{API}/contributions/{{contribution_id}}"
CL = f"{API}/clients/{{client_id}}"
W = f"{API}/webhook-endpoints/{{endpoint_id}}"
CH = f"{API}/chat-channels/{{channel_id}}"
# A public address (the guard refuses private ones); nothing is sent: no worker runs here.
WEBHOOK_URL = "https://93.184.215.14/mastermind"

RULES: dict[tuple[str, str], Rule] = {
    # projects
    ("GET", P): Rule("read"),
    ("PATCH", P): Rule("manage", {"objective": "Win the framework and the pilot"}),
    ("POST", f"{P}/close"): Rule("manage", {"result": "won", "note": "Signed"}, consumes=True),
    ("GET", f"{P}/members"): Rule("read"),
    ("POST", f"{P}/members"): Rule(
        "manage", lambda people: {"user_id": people.outsider.id, "role": "helper"}, consumes=True
    ),
    ("PATCH", f"{P}/members/{{user_id}}"): Rule("manage", {"budget_minutes": 45}),
    ("DELETE", f"{P}/members/{{user_id}}"): Rule("manage", consumes=True),
    ("GET", f"{P}/sessions"): Rule("read"),
    ("POST", f"{P}/sessions"): Rule(
        "manage", lambda _: {"purpose": "solution", "title": "Pricing", "scheduled_at": _later()}
    ),
    ("GET", f"{P}/action-items"): Rule("read"),
    ("POST", f"{P}/action-items"): Rule(
        "manage", lambda people: {"title": "Send the deck", "assignee_id": people.helper.id}
    ),
    ("GET", f"{P}/time-entries"): Rule("read"),
    ("GET", f"{P}/progress"): Rule("read"),
    # Suggestions serve the invitation, so they follow "invite helpers".
    ("GET", f"{P}/suggested-helpers"): Rule("manage"),
    # Everyone who reads the project reads what waits for a verdict; recording one is the
    # owner's (can_record_verdict, and the verdict's own tests in test_ideas_awaiting_verdict).
    ("GET", f"{P}/ideas-awaiting-verdict"): Rule("read"),
    ("POST", f"{P}/time-entries"): Rule(
        "contribute", lambda _: {"minutes": 20, "spent_on": date.today().isoformat()}
    ),
    # sessions
    ("GET", S): Rule("read"),
    ("PATCH", S): Rule("manage", {"title": "Who signs?"}),
    ("POST", f"{S}/start"): Rule(
        "manage", consumes=True, params=lambda case, _: {"session_id": case["scheduled_id"]}
    ),
    ("POST", f"{S}/complete"): Rule("manage", {"summary": "Pilot first"}, consumes=True),
    ("POST", f"{S}/cancel"): Rule("manage", consumes=True),
    ("GET", f"{S}/outcome"): Rule("read"),
    ("GET", f"{S}/presence"): Rule("read"),
    ("GET", f"{S}/contributions"): Rule("read"),
    ("POST", f"{S}/contributions"): Rule("contribute", {"kind": "risk", "body": "Budget freeze"}),
    ("GET", f"{S}/takeaways"): Rule("read"),
    ("POST", f"{S}/takeaways"): Rule("contribute", {"body": "Lead with the numbers"}),
    ("GET", f"{S}/events"): Rule("read"),
    # contributions
    ("GET", C): Rule("read"),
    ("PATCH", C): Rule("manage", {"status": "adopted"}),
    ("POST", f"{C}/vote"): Rule("contribute", params=_not_my_contribution),
    ("DELETE", f"{C}/vote"): Rule("contribute", params=_not_my_contribution),
    # action items
    ("PATCH", f"{API}/action-items/{{action_item_id}}"): Rule("action_item", {"status": "done"}),
    # clients
    ("GET", CL): Rule("client_read"),
    ("PATCH", CL): Rule("client_write", {"notes": "Met the CFO"}),
    ("DELETE", CL): Rule(
        "client_write", consumes=True, params=lambda case, _: {"client_id": case["spare_client_id"]}
    ),
    ("GET", f"{CL}/contacts"): Rule("client_read"),
    ("POST", f"{CL}/contacts"): Rule("client_write", {"name": "Dana Buyer"}),
    # outbound webhooks
    ("GET", W): Rule("admin_only"),
    ("PATCH", W): Rule("admin_only", {"description": "BI feed"}),
    ("DELETE", W): Rule("admin_only", consumes=True),
    ("GET", f"{W}/deliveries"): Rule("admin_only"),
    ("POST", f"{API}/webhook-deliveries/{{delivery_id}}/retry"): Rule("admin_only"),
    # chat channels (the test message posts: tests/routers/test_chat_channels.py)
    ("GET", CH): Rule("team_manager"),
    ("PATCH", CH): Rule("team_manager", {"label": "#sales"}),
    ("DELETE", CH): Rule("team_manager", consumes=True),
}

# Routes with an id that follow other rows of the table (users, teams: admins and managers).
ELSEWHERE: dict[tuple[str, str], str] = {
    # Who learns from what is a matrix of its own there (a seat, none, shared closed
    # learnings on and off, another organization).
    ("GET", f"{API}/projects/{{project_id}}/related-learnings"): (
        "tests/routers/test_related_learnings.py"
    ),
    ("GET", f"{API}/users/{{user_id}}/contribution-record"): (
        "tests/routers/test_contribution_records.py"
    ),
    # Needs an adopted idea, which the matrix's case does not have.
    (
        "POST",
        f"{API}/contributions/{{contribution_id}}/verdict",
    ): "tests/routers/test_contributions.py",
    # Need a mastermind session and a duplicate card: who steers the phases and who merges
    # (the owner, facilitator, managers, admins; a helper 403, another organization 404).
    ("POST", f"{API}/sessions/{{session_id}}/phase"): "tests/routers/test_mastermind.py",
    ("POST", f"{API}/contributions/{{contribution_id}}/merge"): "tests/routers/test_mastermind.py",
    ("GET", f"{API}/users/{{user_id}}"): "tests/routers/test_users.py",
    ("PATCH", f"{API}/users/{{user_id}}"): "tests/routers/test_users.py",
    ("GET", f"{API}/users/{{user_id}}/ledger"): "tests/routers/test_ledger.py",
    ("GET", f"{API}/teams/{{team_id}}"): "tests/routers/test_teams.py",
    ("PATCH", f"{API}/teams/{{team_id}}"): "tests/routers/test_teams.py",
    ("DELETE", f"{API}/teams/{{team_id}}"): "tests/routers/test_teams.py",
    ("PUT", f"{API}/teams/{{team_id}}/members/{{user_id}}"): "tests/routers/test_teams.py",
    ("DELETE", f"{API}/teams/{{team_id}}/members/{{user_id}}"): "tests/routers/test_teams.py",
    # Admins only (others 403, another organization 404), by key or by signature:
    ("DELETE", f"{API}/integrations/crm/{{connection_id}}"): "tests/routers/test_crm_hooks.py",
    ("GET", f"{API}/integrations/crm/{{connection_id}}/events"): "tests/routers/test_crm_hooks.py",
    ("POST", f"{API}/hooks/crm/{{connection_id}}"): "tests/routers/test_crm_hooks.py",
    ("POST", f"{API}/integrations/crm/{{connection_id}}/events/{{event_id}}/retry"): (
        "tests/routers/test_crm_apply.py"
    ),
    ("DELETE", f"{API}/api-keys/{{api_key_id}}"): "tests/routers/test_api_keys.py",
    # The secret in the path is the credential (no caller): revocation, the owner's sessions
    # only and a stranger's absence are tested there.
    ("GET", f"{API}/calendar/feed/{{token}}.ics"): "tests/routers/test_calendar_feed.py",
    # A person's own: nobody else's notification or help request, whatever their role (the
    # recipient, another of the organization, the asker, an admin, another organization).
    ("POST", f"{API}/notifications/{{notification_id}}/read"): (
        "tests/routers/test_notifications.py"
    ),
    ("POST", f"{API}/help-requests/{{help_request_id}}/accept"): (
        "tests/routers/test_help_requests.py"
    ),
    ("POST", f"{API}/help-requests/{{help_request_id}}/decline"): (
        "tests/routers/test_help_requests.py"
    ),
    # It posts to the room at once: the matrix has no room on loopback to post to. Members
    # 403, another team's manager 403, another organization 404 are tested there.
    ("POST", f"{API}/chat-channels/{{channel_id}}/test"): "tests/routers/test_chat_channels.py",
}


def routes_with_an_id(app) -> list[tuple[str, str]]:
    """(method, path template) of every API route with a path parameter, as served."""
    found = set()
    for context in routing.iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        path = CONVERTER.sub(r"{\1}", context.path)
        if path.startswith(f"{API}/") and "{" in path:
            found.update((method, path) for method in context.methods)
    return sorted(found)


ROUTES = [route for route in routes_with_an_id(default_app) if route not in ELSEWHERE]


# --- the world -------------------------------------------------------------------------------


async def _ok(response: Any) -> dict[str, Any]:
    response = await response
    assert response.is_success, (str(response.request.url), response.status_code, response.text)
    return response.json() if response.content else {}


async def make_people(http: httpx.AsyncClient) -> Cast:
    """The callers (``CALLERS``): the admin, a manager, the owner, a helper, an observer and
    an outsider of one organization, and the admin of another."""
    return await organization(
        http,
        manager=manager(),
        owner=rep("Olga Owner"),
        helper=rep("Hank Helper"),
        observer=rep("Oscar Observer"),
        outsider=rep("Otto Outsider"),
        other_admin=stranger("Rival Sales"),
    )


async def make_case(http: httpx.AsyncClient, people: Cast) -> Case:
    """The owner's client and account project, with an active helper and an active observer,
    a live session (with an idea from each of them and an action item for the helper), a
    scheduled session, and a second client without projects."""
    owner = people.owner.headers

    async def post(path: str, actor: dict[str, str], body: dict | None = None) -> dict:
        return await _ok(http.post(f"{API}{path}", headers=actor, json=body))

    # Subscribed before the project exists, so its creation queues a delivery.
    endpoint = await post(
        "/webhook-endpoints",
        people.admin.headers,
        {"url": WEBHOOK_URL, "events": ["project.created"]},
    )
    # The manager's team and its Slack room (nothing is posted: no worker runs here).
    team = await post(
        "/teams",
        people.admin.headers,
        {"name": f"Team {uuid.uuid4().hex[:8]}", "manager_id": people.manager.id},
    )
    channel = await post(
        "/chat-channels",
        people.manager.headers,
        {
            "provider": "slack",
            "team_id": team["id"],
            "events": ["project.created"],
            "webhook_url": WEBHOOK_URL,
        },
    )
    client = await post("/clients", owner, {"name": "Helix Medical"})
    spare = await post("/clients", owner, {"name": "Spare Parts Ltd"})
    project = await post(
        "/projects",
        owner,
        {"title": "Helix framework", "kind": "account", "client_id": client["id"]},
    )
    pid = project["id"]
    (delivery,) = (
        await _ok(
            http.get(
                f"{API}/webhook-endpoints/{endpoint['id']}/deliveries", headers=people.admin.headers
            )
        )
    )["items"]
    await add_member(http, pid, people.owner, people.helper)
    await add_member(http, pid, people.owner, people.observer, role="observer")
    schedule = {"purpose": "approach", "title": "The COO", "scheduled_at": _later()}
    live = await post(f"/projects/{pid}/sessions", owner, schedule)
    scheduled = await post(f"/projects/{pid}/sessions", owner, schedule)
    await post(f"/sessions/{live['id']}/start", owner)
    idea = await post(
        f"/sessions/{live['id']}/contributions",
        people.helper.headers,
        {"kind": "idea", "body": "Lead with downtime cost"},
    )
    other_idea = await post(
        f"/sessions/{live['id']}/contributions",
        people.observer.headers,
        {"kind": "question", "body": "Who signs?"},
    )
    item = await post(
        f"/projects/{pid}/action-items",
        owner,
        {"title": "ROI one-pager", "assignee_id": people.helper.id, "session_id": live["id"]},
    )
    return {
        "project_id": pid,
        "client_id": client["id"],
        "spare_client_id": spare["id"],
        "session_id": live["id"],
        "scheduled_id": scheduled["id"],
        "contribution_id": idea["id"],
        "observer_contribution_id": other_idea["id"],
        "action_item_id": item["id"],
        "user_id": people.observer.id,  # the member the member routes act on
        "endpoint_id": endpoint["id"],
        "delivery_id": delivery["id"],
        "channel_id": channel["id"],
    }


@pytest.fixture(scope="module")
async def http(settings) -> AsyncIterator[httpx.AsyncClient]:
    """An app of this module's own: its people are made once (password hashing is the slow
    part) and shared by every test here, each of which builds its own projects. conftest
    empties the tables after tests that use its ``app``; this module does it at its end."""
    application = create_app(settings)

    async def one_line(*_args: Any, **_kwargs: Any) -> AsyncIterator[bytes]:
        yield b"retry: 3000\n\n"

    # ASGITransport reads a response to its end: the live room answers with one line. Who
    # may open it is decided before streaming starts; tests/routers/test_live.py tests the stream.
    application.state.live_hub.stream = one_line
    try:
        async with cast.in_process(application) as client:
            yield client
    finally:
        await empty_tables(application.state.engine)
        await application.state.live_hub.close()
        await application.state.engine.dispose()


@pytest.fixture(scope="module")
async def people(http) -> Cast:
    return await make_people(http)


# --- the matrix --------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
async def test_the_permission_matrix(http, people, method, path):
    rule = RULES.get((method, path))
    assert rule is not None, (
        f"{method} {path} has no row in RULES (tests/test_permissions.py): say who may call it "
        "and give a valid body, or name the file that covers it in ELSEWHERE"
    )
    expected = KINDS[rule.kind]
    shared = await make_case(http, people)

    failures = []
    # Refusals first, on the shared project: they must leave it as it was for the others.
    for who in sorted(expected, key=lambda w: expected[w] == OK):
        want = expected[who]
        case = await make_case(http, people) if rule.consumes and want == OK else shared
        values = {**case, **(rule.params(case, who) if rule.params else {})}
        url = path.format_map(values)
        body = rule.body(people) if callable(rule.body) else rule.body
        response = await http.request(method, url, headers=people[who].headers, json=body)
        status = response.status_code
        if want == OK:
            passed = 200 <= status < 300
        else:
            passed = status == want and response.headers["content-type"] == PROBLEM
        if not passed:
            failures.append(f"{who}: expected {want}, got {status} {response.text[:200]}")
    assert not failures, f"{method} {path} ({rule.kind}):\n  " + "\n  ".join(failures)


def test_the_table_names_only_real_routes():
    served = set(routes_with_an_id(default_app))
    assert len(served) >= 30, "the route walk found too little"
    assert set(RULES) - served == set(), "stale RULES rows"
    assert set(ELSEWHERE) - served == set(), "stale ELSEWHERE rows"
    assert not set(RULES) & set(ELSEWHERE)
    # Every kind names every caller it checks among the known callers.
    assert all(set(kind) <= set(CALLERS) for kind in KINDS.values())


async def test_a_new_route_without_a_row_is_caught(settings):
    fresh = create_app(settings)

    @fresh.get(f"{API}/projects/{{project_id}}/brand-new", tags=["test"])
    async def brand_new(project_id: str) -> dict:
        return {}

    missing = [
        route for route in routes_with_an_id(fresh) if route not in RULES and route not in ELSEWHERE
    ]
    await fresh.state.engine.dispose()
    assert missing == [("GET", f"{API}/projects/{{project_id}}/brand-new")]


# --- the rows that are not "project owner only" ------------------------------------------------


async def test_helpers_contribute_vote_and_log_time_only_once_active(http, people):
    case = await make_case(http, people)
    late = await add_user(http, people.admin, full_name="Lara Late")
    await _ok(
        http.post(
            f"{API}/projects/{case['project_id']}/members",
            headers=people.owner.headers,
            json={"user_id": late.id},
        )
    )
    contribute = (
        f"{API}/sessions/{case['session_id']}/contributions",
        {"kind": "idea", "body": "x"},
    )
    vote = (f"{API}/contributions/{case['contribution_id']}/vote", None)
    log_time = (
        f"{API}/projects/{case['project_id']}/time-entries",
        {"minutes": 15, "spent_on": date.today().isoformat()},
    )

    # Invited, not yet active: may read the room, not take part in it.
    r = await http.get(f"{API}/sessions/{case['session_id']}", headers=late.headers)
    assert r.status_code == 200, r.text
    for url, body in (contribute, vote, log_time):
        r = await http.post(url, headers=late.headers, json=body)
        assert r.status_code == 403, (url, r.text)

    await _ok(
        http.patch(
            f"{API}/projects/{case['project_id']}/members/{late.id}",
            headers=late.headers,
            json={"state": "active"},
        )
    )
    created = await _ok(http.post(contribute[0], headers=late.headers, json=contribute[1]))
    assert created["author_id"] == late.id
    voted = await _ok(http.post(vote[0], headers=late.headers))
    assert voted["votes"] == 1 and voted["voted_by_me"] is True
    entry = await _ok(http.post(log_time[0], headers=late.headers, json=log_time[1]))
    assert entry["user_id"] == late.id and entry["minutes"] == 15

    # A member who left is out of the room again.
    await _ok(
        http.patch(
            f"{API}/projects/{case['project_id']}/members/{late.id}",
            headers=late.headers,
            json={"state": "left"},
        )
    )
    r = await http.post(contribute[0], headers=late.headers, json=contribute[1])
    assert r.status_code == 404, r.text


async def test_a_manager_contributes_once_on_the_panel(http, people):
    case = await make_case(http, people)
    url = f"{API}/sessions/{case['session_id']}/contributions"
    body = {"kind": "experience", "body": "We won Medica this way"}
    r = await http.post(url, headers=people.manager.headers, json=body)
    assert r.status_code == 403, r.text
    await _ok(
        http.post(
            f"{API}/projects/{case['project_id']}/members",
            headers=people.manager.headers,
            json={"user_id": people.manager.id},
        )
    )
    await _ok(
        http.patch(
            f"{API}/projects/{case['project_id']}/members/{people.manager.id}",
            headers=people.manager.headers,
            json={"state": "active"},
        )
    )
    r = await http.post(url, headers=people.manager.headers, json=body)
    assert r.status_code == 201, r.text


async def test_a_helper_updates_only_the_status_of_their_own_action_items(http, people):
    case = await make_case(http, people)
    item_url = f"{API}/action-items/{case['action_item_id']}"

    # The observer is on the panel but not the assignee.
    r = await http.patch(item_url, headers=people.observer.headers, json={"status": "done"})
    assert r.status_code == 403, r.text
    # The assignee changes the status, not the rest.
    r = await http.patch(item_url, headers=people.helper.headers, json={"title": "Mine now"})
    assert r.status_code == 403, r.text
    done = await _ok(http.patch(item_url, headers=people.helper.headers, json={"status": "done"}))
    assert done["status"] == "done" and done["completed_at"]
    assert done["title"] == "ROI one-pager"

    # An item for the observer is out of the helper's reach, and the observer's to close.
    theirs = await _ok(
        http.post(
            f"{API}/projects/{case['project_id']}/action-items",
            headers=people.owner.headers,
            json={"title": "Call the COO", "assignee_id": people.observer.id},
        )
    )
    url = f"{API}/action-items/{theirs['id']}"
    r = await http.patch(url, headers=people.helper.headers, json={"status": "done"})
    assert r.status_code == 403, r.text
    r = await http.patch(url, headers=people.observer.headers, json={"status": "cancelled"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text


async def test_invitations_are_each_caller_s_own(http, people):
    """GET /invitations (no id, so not in the matrix above): the outsider invited to the
    owner's project sees that seat; no one else does, whatever their role, not even the
    inviter or the admin; and it is gone once answered."""
    case = await make_case(http, people)
    pid = case["project_id"]
    await _ok(
        http.post(
            f"{API}/projects/{pid}/members",
            headers=people.owner.headers,
            json={"user_id": people.outsider.id, "role": "observer"},
        )
    )
    for who in CALLERS:
        listed = await _ok(http.get(f"{API}/invitations", headers=people[who].headers))
        pending = [item["project_id"] for item in listed["items"]]
        assert (pid in pending) == (who == "outsider"), (who, listed)
    await _ok(
        http.patch(
            f"{API}/projects/{pid}/members/{people.outsider.id}",
            headers=people.outsider.headers,
            json={"state": "declined"},
        )
    )
    listed = await _ok(http.get(f"{API}/invitations", headers=people.outsider.headers))
    assert pid not in [item["project_id"] for item in listed["items"]]


async def test_an_observer_cannot_be_made_facilitator_and_a_helper_steers_only_when_facilitating(
    http, people
):
    case = await make_case(http, people)
    schedule = {"purpose": "approach", "title": "Who runs it", "scheduled_at": _later()}
    r = await http.post(
        f"{API}/projects/{case['project_id']}/sessions",
        headers=people.owner.headers,
        json={**schedule, "facilitator_id": people.observer.id},
    )
    assert r.status_code == 409 and r.headers["content-type"] == PROBLEM, r.text
    r = await http.patch(
        f"{API}/sessions/{case['session_id']}",
        headers=people.owner.headers,
        json={"facilitator_id": people.observer.id},
    )
    assert r.status_code == 409, r.text
    # The case's live session is the owner's to run: the helper (not facilitating) is refused
    # adopting; named facilitator, the same helper may.
    url = f"{API}/contributions/{case['observer_contribution_id']}"
    r = await http.patch(url, headers=people.helper.headers, json={"status": "adopted"})
    assert r.status_code == 403, r.text
    await _ok(
        http.patch(
            f"{API}/sessions/{case['session_id']}",
            headers=people.owner.headers,
            json={"facilitator_id": people.helper.id},
        )
    )
    adopted = await _ok(http.patch(url, headers=people.helper.headers, json={"status": "adopted"}))
    assert adopted["status"] == "adopted"
