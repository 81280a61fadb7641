"""The one PATCH rule, checked from the contract itself: for every PATCH operation in
openapi.json and every field of its body, ``null`` either clears the field (the schema marks
it nullable, and a GET afterwards shows null) or is refused with 422 problem+json (it does
not). A PATCH that ignores a null, or a schema that calls a field nullable when null does
not clear it, fails here."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from tests.factories import API, PROBLEM, Actor, add_user, create_team, register
from tests.session_kit import new_session, transition
from tests.webhook_kit import create_endpoint

CONTRACT = json.loads((Path(__file__).resolve().parents[1] / "openapi.json").read_text())


def patch_operations() -> dict[str, tuple[str, dict[str, Any]]]:
    """operationId -> (path, the body's properties), for every PATCH in openapi.json."""
    schemas = CONTRACT["components"]["schemas"]
    found = {}
    for path, operations in CONTRACT["paths"].items():
        if "patch" not in operations:
            continue
        operation = operations["patch"]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        found[operation["operationId"]] = (path, schemas[ref.rsplit("/", 1)[1]]["properties"])
    return found


def nullable(field: dict[str, Any]) -> bool:
    variants = field.get("anyOf", [field])
    return any(v.get("type") == "null" or "null" in (v.get("type") or []) for v in variants)


# operationId -> a resource to patch: its path parameters, made by the admin, with every
# nullable field holding a value (so that "null clears it" is seen, not assumed). A path
# parameter "read" names where the resource is read back when it has no GET of its own.
Build = Callable[[httpx.AsyncClient, Actor], Awaitable[dict[str, str]]]


async def _post(http: httpx.AsyncClient, admin: Actor, path: str, body: dict) -> dict[str, Any]:
    response = await http.post(f"{API}{path}", headers=admin.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def _patch(http: httpx.AsyncClient, admin: Actor, path: str, body: dict) -> dict[str, Any]:
    response = await http.patch(f"{API}{path}", headers=admin.headers, json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def _client(http: httpx.AsyncClient, admin: Actor) -> dict[str, Any]:
    return await _post(http, admin, "/clients", {"name": "Helix", "notes": "n"})


async def _project(http: httpx.AsyncClient, admin: Actor) -> dict[str, Any]:
    company = await _client(http, admin)
    return await _post(
        http,
        admin,
        "/projects",
        {
            "title": "Helix framework",
            "kind": "prospecting",
            "client_id": company["id"],
            "due_date": "2030-01-31",
            "estimated_value": 5000,
        },
    )


async def _project_ids(http: httpx.AsyncClient, admin: Actor) -> dict[str, str]:
    return {"project_id": (await _project(http, admin))["id"]}


async def _action_item(http: httpx.AsyncClient, admin: Actor) -> dict[str, str]:
    project = await _project(http, admin)
    item = await _post(
        http,
        admin,
        f"/projects/{project['id']}/action-items",
        {"title": "Send the deck", "assignee_id": admin.id, "due_date": "2030-01-15"},
    )
    # No GET /action-items/{id}: the assignee's list shows it.
    return {
        "action_item_id": item["id"],
        "read": f"{API}/action-items?assignee_id={admin.id}&limit=200",
    }


async def _member(http: httpx.AsyncClient, admin: Actor) -> dict[str, str]:
    project = await _project(http, admin)
    rep = await add_user(http, admin)
    await _post(http, admin, f"/projects/{project['id']}/members", {"user_id": rep.id})
    return {"project_id": project["id"], "user_id": rep.id}


async def _session(http: httpx.AsyncClient, admin: Actor) -> dict[str, str]:
    project = await _project(http, admin)
    # A dot budget, so that null has something to clear (back to unlimited).
    return {"session_id": (await new_session(http, project["id"], admin, vote_budget=3))["id"]}


async def _contribution(http: httpx.AsyncClient, admin: Actor) -> dict[str, str]:
    session_id = (await _session(http, admin))["session_id"]
    await transition(http, session_id, admin, "start")
    idea = await _post(
        http, admin, f"/sessions/{session_id}/contributions", {"kind": "idea", "body": "Go"}
    )
    return {"contribution_id": idea["id"]}


async def _team(http: httpx.AsyncClient, admin: Actor) -> dict[str, str]:
    return {"team_id": (await create_team(http, admin, description="d"))["id"]}


async def _user(http: httpx.AsyncClient, admin: Actor) -> dict[str, str]:
    user_id = (await add_user(http, admin)).id
    await _patch(http, admin, f"/users/{user_id}", {"name_reading": "ヨミ", "locale": "ja"})
    return {"user_id": user_id}


async def _me(http: httpx.AsyncClient, admin: Actor) -> dict[str, str]:
    await _patch(http, admin, "/users/me", {"name_reading": "ヨミ", "locale": "ja"})
    return {}


async def _endpoint(http: httpx.AsyncClient, admin: Actor) -> dict[str, str]:
    endpoint = await create_endpoint(http, admin, "http://127.0.0.1:9/hook", description="d")
    return {"endpoint_id": endpoint["id"]}


async def _chat_channel(http: httpx.AsyncClient, admin: Actor) -> dict[str, str]:
    team = await create_team(http, admin)
    channel = await _post(
        http,
        admin,
        "/chat-channels",
        {
            "provider": "slack",
            "team_id": team["id"],
            "events": ["project.created"],
            "webhook_url": "http://127.0.0.1:9/slack",
            "label": "#sales",
        },
    )
    return {"channel_id": channel["id"]}


async def _organization(_http: httpx.AsyncClient, _admin: Actor) -> dict[str, str]:
    return {}  # the caller's own: no id in the path


async def _client_ids(http: httpx.AsyncClient, admin: Actor) -> dict[str, str]:
    return {"client_id": (await _client(http, admin))["id"]}


BUILDERS: dict[str, Build] = {
    "action-items-update_action_item": _action_item,
    "chat-channels-update_chat_channel": _chat_channel,
    "clients-update_client": _client_ids,
    "organization-update_organization": _organization,
    "sessions-update_contribution": _contribution,
    "projects-update_project": _project_ids,
    "projects-update_member": _member,
    "sessions-update_session": _session,
    "teams-update_team": _team,
    "users-update_me": _me,
    "users-update_notification_preferences": _organization,  # the caller's own, no id
    "users-update_user": _user,
    "webhooks-update_webhook_endpoint": _endpoint,
}


def test_every_patch_operation_has_a_resource_to_patch():
    # A new PATCH must be added to BUILDERS, so the rule is checked for it too.
    assert set(patch_operations()) == set(BUILDERS)


async def read_back(
    http: httpx.AsyncClient, admin: Actor, read: str, path: str
) -> dict[str, Any] | None:
    """The resource as a GET shows it (its own, or its row in a list), None without one."""
    response = await http.get(read, headers=admin.headers)
    if response.status_code != 200:
        return None
    body = response.json()
    if "items" not in body:
        return body
    return next(i for i in body["items"] if path.endswith(i["id"]))


async def check_patch_rule(http: httpx.AsyncClient, admin: Actor) -> list[str]:
    """What breaks the rule, one line per field (empty when every field keeps it)."""
    broken = []
    for operation_id, (template, properties) in sorted(patch_operations().items()):
        params = await BUILDERS[operation_id](http, admin)
        path = template.format(**params)
        read = params.get("read", path)

        async def current(read: str = read, path: str = path) -> dict[str, Any] | None:
            return await read_back(http, admin, read, path)

        for name, field in properties.items():
            where = f"{operation_id} {name}"
            before = await current()
            response = await http.patch(path, headers=admin.headers, json={name: None})
            if nullable(field):
                assert before is not None, f"{where}: nowhere to read {path} back"
                assert before[name] is not None, f"{where}: build it with a value"
                after = await current()
                if response.status_code != 200 or after is None or after[name] is not None:
                    broken.append(f"{where}: nullable, but null gave {response.status_code}")
                continue
            refused = response.status_code == 422 and response.headers["content-type"].startswith(
                PROBLEM
            )
            if not refused or ["body", name] not in [e["loc"] for e in response.json()["errors"]]:
                broken.append(f"{where}: not nullable, but null gave {response.status_code}")
            elif before is not None:
                assert await current() == before, f"{where}: a refused PATCH changed it"
    return broken


async def test_null_clears_a_nullable_field_and_is_422_for_the_others(http):
    admin = await register(http)
    assert await check_patch_rule(http, admin) == []
