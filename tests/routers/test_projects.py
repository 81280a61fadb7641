"""Projects and their members over HTTP: the trio on every endpoint, DESIGN.md's permission
matrix, kinds and clients, owners and hand-overs, closing, list filters, invitations and
their answers, leaving and removal, ETag / If-Match, Idempotency-Key and the audit log."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from alembic import command
from sqlalchemy import delete, func, select

from api.models import AuditEvent, Project, ProjectMember
from tests.cast import Cast, add_member, manager, organization, rep, stranger
from tests.conftest import alembic_config
from tests.factories import (
    API,
    ETAG,
    PROBLEM,
    Actor,
    add_user,
    assert_problem,
    assert_unauthorized,
    register,
)


async def post_project(client: httpx.AsyncClient, actor: Actor, headers=None, **fields):
    return await client.post(
        f"{API}/projects", headers={**actor.headers, **(headers or {})}, json=fields
    )


async def make_project(client: httpx.AsyncClient, actor: Actor, **fields) -> dict:
    fields.setdefault("title", f"Deal {uuid.uuid4().hex[:6]}")
    fields.setdefault("kind", "prospecting")
    response = await post_project(client, actor, **fields)
    assert response.status_code == 201, response.text
    return response.json()


async def invite(client, actor: Actor, project_id: str, user: Actor, **fields):
    return await client.post(
        f"{API}/projects/{project_id}/members",
        headers=actor.headers,
        json={"user_id": user.id, **fields},
    )


async def patch_member(client, actor: Actor, project_id: str, user: Actor, **fields):
    return await client.patch(
        f"{API}/projects/{project_id}/members/{user.id}", headers=actor.headers, json=fields
    )


async def members(client, actor: Actor, project_id: str) -> dict[str, dict]:
    response = await client.get(f"{API}/projects/{project_id}/members", headers=actor.headers)
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return {m["user_id"]: m for m in response.json()["items"]}


async def listed_ids(client, actor: Actor, **params) -> list[str]:
    response = await client.get(f"{API}/projects", headers=actor.headers, params=params)
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return [p["id"] for p in response.json()["items"]]


async def panel_project(client, org: Cast, **fields) -> dict:
    """A project of ``org.owner`` with ``org.helper`` and ``org.observer`` active on it."""
    project = await make_project(client, org.owner, helper_budget_minutes=90, **fields)
    await add_member(client, project["id"], org.owner, org.helper)
    await add_member(client, project["id"], org.owner, org.observer, role="observer")
    return project


@pytest.fixture
async def org(client) -> Cast:
    """Acme with a manager, the ``owner`` of ``project`` (an open account project of the
    owner's client ``company``, helper_budget_minutes 90), an active ``helper`` and
    ``observer`` on it, an ``outsider`` of the organization who is not on it, and the
    ``stranger``, another organization's admin. ``pid`` is the project's id."""
    org = await organization(
        client,
        "Acme Sales",
        manager=manager("Mona Manager"),
        owner=rep("Lena Owner"),
        helper=rep("Priya Helper"),
        observer=rep("Oscar Observer"),
        outsider=rep("Otto Outsider"),
        stranger=stranger("Rival Inc"),
    )
    response = await client.post(
        f"{API}/clients", headers=org.owner.headers, json={"name": "Helix Medical"}
    )
    assert response.status_code == 201, response.text
    org.company = response.json()
    org.project = await panel_project(
        client, org, title="Helix framework", kind="account", client_id=org.company["id"]
    )
    org.pid = org.project["id"]
    return org


async def audit_actions(app, entity_id: str) -> list[tuple[str, str, dict]]:
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_id == uuid.UUID(entity_id))
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
        return [(r.action, str(r.actor_id), r.changes) for r in rows]


async def count_rows(app, model, **where) -> int:
    async with app.state.sessionmaker() as session:
        statement = select(func.count()).select_from(model)
        for column, value in where.items():
            statement = statement.where(getattr(model, column) == value)
        return await session.scalar(statement)


# --- the trio on every endpoint ---------------------------------------------------------------


async def test_list_projects_trio(client, org):
    assert_unauthorized(await client.get(f"{API}/projects"))
    assert await listed_ids(client, org.stranger) == []
    assert await listed_ids(client, org.outsider) == []
    for actor in (org.owner, org.helper, org.observer, org.manager, org.admin):
        assert await listed_ids(client, actor) == [org.pid]


async def test_create_project_trio(client, org):
    body = {"title": "Second deal", "kind": "account", "client_id": org.company["id"]}
    assert_unauthorized(await client.post(f"{API}/projects", json=body))
    # Another organization cannot open a project on our client.
    stranger = await post_project(client, org.stranger, **body)
    assert "Client not found" in assert_problem(stranger, 404)["detail"]
    assert await listed_ids(client, org.stranger) == []

    response = await post_project(
        client,
        org.owner,
        **body,
        objective="Win it",
        due_date="2030-01-31",
        helper_budget_minutes=45,
        estimated_value=125000.5,
        currency="USD",
    )
    assert response.status_code == 201, response.text
    project = response.json()
    assert project["owner_id"] == org.owner.id
    assert project["organization_id"] == org.owner.organization_id
    assert (project["title"], project["kind"], project["client_id"]) == (
        "Second deal",
        "account",
        org.company["id"],
    )
    assert project["objective"] == "Win it"
    assert project["status"] == "open"
    assert project["due_date"] == "2030-01-31"
    assert project["helper_budget_minutes"] == 45
    assert float(project["estimated_value"]) == 125000.50
    assert project["currency"] == "USD"
    assert project["closed_at"] is None and project["close_note"] == ""
    assert project["external_source"] is None and project["external_id"] is None
    defaults = await make_project(client, org.owner, title="Defaults")
    assert defaults["helper_budget_minutes"] == 120
    assert defaults["currency"] == "EUR"
    assert defaults["objective"] == "" and defaults["due_date"] is None


async def test_get_project_trio(client, org):
    url = f"{API}/projects/{org.pid}"
    assert_unauthorized(await client.get(url))
    assert_problem(await client.get(url, headers=org.stranger.headers), 404)
    assert_problem(await client.get(url, headers=org.outsider.headers), 404)
    response = await client.get(url, headers=org.owner.headers)
    assert response.status_code == 200, response.text
    assert response.json() == org.project
    assert ETAG.match(response.headers["etag"])
    assert_problem(
        await client.get(f"{API}/projects/{uuid.uuid4()}", headers=org.admin.headers), 404
    )


async def test_patch_project_trio(client, org):
    url = f"{API}/projects/{org.pid}"
    assert_unauthorized(await client.patch(url, json={"title": "X"}))
    assert_problem(await client.patch(url, headers=org.stranger.headers, json={"title": "X"}), 404)
    assert_problem(await client.patch(url, headers=org.outsider.headers, json={"title": "X"}), 404)
    response = await client.patch(
        url,
        headers=org.owner.headers,
        json={"title": "Helix renewed", "objective": "Renew", "due_date": "2031-06-30"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["title"], body["objective"], body["due_date"]) == (
        "Helix renewed",
        "Renew",
        "2031-06-30",
    )
    assert ETAG.match(response.headers["etag"])
    stored = (await client.get(url, headers=org.helper.headers)).json()
    assert stored == body


async def test_close_project_trio(client, org):
    url = f"{API}/projects/{org.pid}/close"
    body = {"result": "won", "note": "Signed"}
    assert_unauthorized(await client.post(url, json=body))
    assert_problem(await client.post(url, headers=org.stranger.headers, json=body), 404)
    assert_problem(await client.post(url, headers=org.outsider.headers, json=body), 404)
    response = await client.post(url, headers=org.owner.headers, json=body)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "won"


async def test_list_members_trio(client, org):
    url = f"{API}/projects/{org.pid}/members"
    assert_unauthorized(await client.get(url))
    assert_problem(await client.get(url, headers=org.stranger.headers), 404)
    assert_problem(await client.get(url, headers=org.outsider.headers), 404)
    response = await client.get(url, headers=org.observer.headers)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [(m["user_id"], m["role"], m["state"], m["budget_minutes"]) for m in items] == [
        (org.owner.id, "owner", "active", 0),
        (org.helper.id, "helper", "active", 90),
        (org.observer.id, "observer", "active", 90),
    ]
    assert [m["full_name"] for m in items] == ["Lena Owner", "Priya Helper", "Oscar Observer"]


async def test_add_member_trio(client, org):
    assert_unauthorized(
        await client.post(f"{API}/projects/{org.pid}/members", json={"user_id": org.outsider.id})
    )
    assert_problem(await invite(client, org.stranger, org.pid, org.outsider), 404)
    assert_problem(await invite(client, org.outsider, org.pid, org.outsider), 404)
    response = await invite(client, org.owner, org.pid, org.outsider)
    assert response.status_code == 201, response.text
    assert response.json()["user_id"] == org.outsider.id
    assert response.json()["state"] == "invited"


async def test_update_member_trio(client, org):
    url = f"{API}/projects/{org.pid}/members/{org.helper.id}"
    assert_unauthorized(await client.patch(url, json={"budget_minutes": 30}))
    assert_problem(
        await patch_member(client, org.stranger, org.pid, org.helper, budget_minutes=3), 404
    )
    assert_problem(
        await patch_member(client, org.outsider, org.pid, org.helper, budget_minutes=3), 404
    )
    response = await patch_member(
        client, org.owner, org.pid, org.helper, budget_minutes=30, role="observer"
    )
    assert response.status_code == 200, response.text
    assert (response.json()["budget_minutes"], response.json()["role"]) == (30, "observer")
    assert response.json()["state"] == "active"
    stored = (await members(client, org.helper, org.pid))[org.helper.id]
    assert (stored["budget_minutes"], stored["role"]) == (30, "observer")


async def test_remove_member_trio(client, org):
    url = f"{API}/projects/{org.pid}/members/{org.helper.id}"
    assert_unauthorized(await client.delete(url))
    assert_problem(await client.delete(url, headers=org.stranger.headers), 404)
    assert_problem(await client.delete(url, headers=org.outsider.headers), 404)
    response = await client.delete(url, headers=org.owner.headers)
    assert response.status_code == 204, response.text
    assert (await members(client, org.owner, org.pid))[org.helper.id]["state"] == "left"


# --- the permission matrix --------------------------------------------------------------------

READERS = ("admin", "manager", "owner", "helper", "observer")
MANAGERS = ("admin", "manager", "owner")
EVERYONE = (*READERS, "outsider", "stranger")


def expected(actor: str, *, write: bool) -> int | None:
    """None: allowed; else the refusal status."""
    if actor in ("outsider", "stranger"):
        return 404
    if write and actor not in MANAGERS:
        return 403
    return None


@pytest.mark.parametrize("who", EVERYONE)
async def test_permission_matrix(client, org, who):
    actor: Actor = getattr(org, who)
    # A fresh project per write, so every write meets an untouched project.
    reads = {
        "get project": lambda p: client.get(f"{API}/projects/{p}", headers=actor.headers),
        "list members": lambda p: client.get(f"{API}/projects/{p}/members", headers=actor.headers),
    }
    writes = {
        "edit": lambda p: client.patch(
            f"{API}/projects/{p}", headers=actor.headers, json={"title": "Edited"}
        ),
        "invite": lambda p: invite(client, actor, p, org.outsider),
        "close": lambda p: client.post(
            f"{API}/projects/{p}/close",
            headers=actor.headers,
            json={"result": "lost", "lost_reason": "price"},
        ),
        "change a budget": lambda p: patch_member(client, actor, p, org.observer, budget_minutes=5),
        "remove a member": lambda p: client.delete(
            f"{API}/projects/{p}/members/{org.observer.id}", headers=actor.headers
        ),
    }
    for write, actions in ((False, reads), (True, writes)):
        for name, action in actions.items():
            project = await panel_project(client, org)
            before = (
                await client.get(f"{API}/projects/{project['id']}", headers=org.admin.headers)
            ).json()
            before_members = await members(client, org.admin, project["id"])
            response = await action(project["id"])
            refusal = expected(who, write=write)
            if refusal is None:
                assert response.status_code in (200, 201, 204), (name, response.text)
            else:
                assert response.status_code == refusal, (name, response.text)
                assert response.headers["content-type"].startswith(PROBLEM)
                after = await client.get(
                    f"{API}/projects/{project['id']}", headers=org.admin.headers
                )
                assert after.json() == before, name
                assert await members(client, org.admin, project["id"]) == before_members, name
    # Reading shows up in the list for readers only.
    listed = await listed_ids(client, actor)
    assert (org.pid in listed) is (who in READERS)


# --- kinds, clients, owners -------------------------------------------------------------------


async def test_account_projects_need_a_client(client, org):
    missing = await post_project(client, org.owner, title="No client", kind="account")
    assert "client_id" in assert_problem(missing, 409)["detail"]
    # account is the default kind.
    default_kind = await post_project(client, org.owner, title="No client")
    assert_problem(default_kind, 409)
    for kind in ("prospecting", "campaign"):
        project = await make_project(client, org.owner, title=kind, kind=kind)
        assert (project["kind"], project["client_id"]) == (kind, None)
    campaign = await make_project(client, org.owner, kind="campaign", client_id=org.company["id"])
    assert campaign["client_id"] == org.company["id"]
    assert_problem(await post_project(client, org.owner, title="X", kind="partnership"), 422)
    assert len(await listed_ids(client, org.owner)) == 4


async def test_client_must_be_of_the_organization(client, org):
    rival = await client.post(
        f"{API}/clients", headers=org.stranger.headers, json={"name": "Rival client"}
    )
    assert rival.status_code == 201
    for client_id in (rival.json()["id"], str(uuid.uuid4())):
        response = await post_project(
            client, org.owner, title="X", kind="account", client_id=client_id
        )
        assert_problem(response, 404)
        patched = await client.patch(
            f"{API}/projects/{org.pid}", headers=org.owner.headers, json={"client_id": client_id}
        )
        assert_problem(patched, 404)
    assert await listed_ids(client, org.owner) == [org.pid]
    read = await client.get(f"{API}/projects/{org.pid}", headers=org.owner.headers)
    assert read.json()["client_id"] == org.company["id"]


async def test_an_account_project_keeps_its_client(client, org):
    url = f"{API}/projects/{org.pid}"
    assert_problem(
        await client.patch(url, headers=org.owner.headers, json={"client_id": None}), 409
    )
    # A prospecting project may drop or gain a client.
    prospect = await make_project(client, org.owner, client_id=org.company["id"])
    dropped = await client.patch(
        f"{API}/projects/{prospect['id']}", headers=org.owner.headers, json={"client_id": None}
    )
    assert dropped.status_code == 200 and dropped.json()["client_id"] is None


async def test_the_owner_gets_an_owner_seat(client, org):
    project = await make_project(client, org.owner, helper_budget_minutes=77)
    assert project["owner_id"] == org.owner.id
    seats = list((await members(client, org.owner, project["id"])).values())
    assert [
        {k: v for k, v in seat.items() if not k.endswith("_at") and k != "id"} for seat in seats
    ] == [
        {
            "user_id": org.owner.id,
            "full_name": "Lena Owner",
            "role": "owner",
            "state": "active",
            "budget_minutes": 0,
        }
    ]


async def test_a_rep_cannot_open_a_project_for_someone_else(client, org):
    response = await post_project(client, org.owner, title="For Priya", owner_id=org.helper.id)
    assert_problem(response, 403)
    assert await listed_ids(client, org.admin) == [org.pid]
    mine = await make_project(client, org.owner, title="Mine", owner_id=org.owner.id)
    assert mine["owner_id"] == org.owner.id


@pytest.mark.parametrize("staff", ["manager", "admin"])
async def test_staff_open_a_project_for_a_rep(client, org, staff):
    project = await make_project(
        client, getattr(org, staff), title="Assigned", owner_id=org.helper.id
    )
    assert project["owner_id"] == org.helper.id
    seats = await members(client, org.helper, project["id"])
    assert [(m["user_id"], m["role"]) for m in seats.values()] == [(org.helper.id, "owner")]
    # The new owner steers it.
    response = await client.patch(
        f"{API}/projects/{project['id']}", headers=org.helper.headers, json={"title": "Mine now"}
    )
    assert response.status_code == 200, response.text
    foreign = await post_project(
        client, getattr(org, staff), title="X", kind="campaign", owner_id=org.stranger.id
    )
    assert_problem(foreign, 404)


async def test_staff_hand_a_project_over(client, org):
    url = f"{API}/projects/{org.pid}"
    # The owner cannot give it away.
    refused = await client.patch(url, headers=org.owner.headers, json={"owner_id": org.helper.id})
    assert_problem(refused, 403)
    assert (await client.get(url, headers=org.owner.headers)).json()["owner_id"] == org.owner.id

    response = await client.patch(
        url, headers=org.manager.headers, json={"owner_id": org.helper.id}
    )
    assert response.status_code == 200, response.text
    assert response.json()["owner_id"] == org.helper.id
    seats = await members(client, org.admin, org.pid)
    assert (seats[org.owner.id]["role"], seats[org.owner.id]["state"]) == ("helper", "active")
    assert seats[org.owner.id]["budget_minutes"] == 90
    assert (seats[org.helper.id]["role"], seats[org.helper.id]["state"]) == ("owner", "active")
    assert seats[org.helper.id]["budget_minutes"] == 0
    assert sum(1 for m in seats.values() if m["role"] == "owner") == 1

    # The old owner now reads but no longer steers; the new owner steers.
    assert (await client.get(url, headers=org.owner.headers)).status_code == 200
    assert_problem(await client.patch(url, headers=org.owner.headers, json={"title": "X"}), 403)
    ok = await client.patch(url, headers=org.helper.headers, json={"title": "Priya's deal"})
    assert ok.status_code == 200, ok.text
    # The new owner cannot be removed; the old one can.
    owner_seat = f"{API}/projects/{org.pid}/members/{org.helper.id}"
    assert_problem(await client.delete(owner_seat, headers=org.admin.headers), 409)

    # Handing over to somebody not on the panel gives them a seat.
    again = await client.patch(url, headers=org.admin.headers, json={"owner_id": org.outsider.id})
    assert again.status_code == 200, again.text
    seats = await members(client, org.admin, org.pid)
    assert seats[org.outsider.id]["role"] == "owner"
    assert seats[org.outsider.id]["state"] == "active"
    assert seats[org.helper.id]["role"] == "helper"
    assert sum(1 for m in seats.values() if m["role"] == "owner") == 1
    assert (await client.get(url, headers=org.outsider.headers)).status_code == 200
    assert await listed_ids(client, org.admin, owner_id=org.outsider.id) == [org.pid]


async def test_hand_over_to_a_user_of_another_organization_is_refused(client, org):
    url = f"{API}/projects/{org.pid}"
    response = await client.patch(
        url, headers=org.admin.headers, json={"owner_id": org.stranger.id}
    )
    assert_problem(response, 404)
    seats = await members(client, org.admin, org.pid)
    assert seats[org.owner.id]["role"] == "owner"
    assert org.stranger.id not in seats


async def test_patch_project_fields(client, org):
    url = f"{API}/projects/{org.pid}"
    response = await client.patch(
        url,
        headers=org.owner.headers,
        json={"estimated_value": 5000, "helper_budget_minutes": 30, "currency": "GBP"},
    )
    assert response.status_code == 200, response.text
    assert float(response.json()["estimated_value"]) == 5000
    assert response.json()["helper_budget_minutes"] == 30
    # Null clears what may be empty; for a required field it is refused.
    cleared = await client.patch(
        url, headers=org.owner.headers, json={"estimated_value": None, "due_date": None}
    )
    assert cleared.status_code == 200, cleared.text
    body = cleared.json()
    assert body["estimated_value"] is None and body["due_date"] is None
    refused = await client.patch(
        url, headers=org.owner.headers, json={"title": None, "currency": None}
    )
    assert sorted(e["loc"][-1] for e in assert_problem(refused, 422)["errors"]) == [
        "currency",
        "title",
    ]
    body = (await client.get(url, headers=org.owner.headers)).json()
    assert (body["title"], body["currency"]) == ("Helix framework", "GBP")
    assert_problem(await client.patch(url, headers=org.owner.headers, json={"status": "won"}), 422)
    assert_problem(
        await client.patch(url, headers=org.owner.headers, json={"helper_budget_minutes": -1}), 422
    )


async def test_patch_objective_null_is_422_not_a_server_error(client, org):
    url = f"{API}/projects/{org.pid}"
    await client.patch(url, headers=org.owner.headers, json={"objective": "Win"})
    response = await client.patch(url, headers=org.owner.headers, json={"objective": None})
    assert_problem(response, 422)
    assert (await client.get(url, headers=org.owner.headers)).json()["objective"] == "Win"


# --- closing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("result", ["won", "lost", "abandoned"])
async def test_close_with_each_result(client, org, result):
    url = f"{API}/projects/{org.pid}/close"
    reason = {"lost_reason": "timing"} if result == "lost" else {}
    response = await client.post(
        url, headers=org.manager.headers, json={"result": result, "note": "n", **reason}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["close_note"]) == (result, "n")
    assert body["lost_reason"] == ("timing" if result == "lost" else None)
    assert body["closed_at"] is not None
    stored = (await client.get(f"{API}/projects/{org.pid}", headers=org.helper.headers)).json()
    assert stored == body
    again = await client.post(url, headers=org.manager.headers, json={"result": "won"})
    assert f"is {result}" in assert_problem(again, 409)["detail"]
    assert (
        await client.get(f"{API}/projects/{org.pid}", headers=org.helper.headers)
    ).json() == body
    # A closed project takes no new members.
    assert_problem(await invite(client, org.owner, org.pid, org.outsider), 409)


async def test_close_validation(client, org):
    url = f"{API}/projects/{org.pid}/close"
    for body in ({"result": "open"}, {"result": "maybe"}, {}, {"result": "won", "extra": 1}):
        assert_problem(await client.post(url, headers=org.owner.headers, json=body), 422)
    stored = (await client.get(f"{API}/projects/{org.pid}", headers=org.owner.headers)).json()
    assert stored["status"] == "open"


# --- list filters -----------------------------------------------------------------------------


async def test_list_filters(client, org):
    other_client = await client.post(
        f"{API}/clients", headers=org.helper.headers, json={"name": "Nordbahn"}
    )
    assert other_client.status_code == 201
    rail = await make_project(
        client,
        org.helper,
        title="Nordbahn rail",
        kind="account",
        client_id=other_client.json()["id"],
    )
    campaign = await make_project(client, org.owner, title="Spring campaign", kind="campaign")
    closed = await make_project(client, org.outsider, title="Old prospecting")
    await client.post(
        f"{API}/projects/{closed['id']}/close", headers=org.outsider.headers, json={"result": "won"}
    )
    helix, admin = org.pid, org.admin

    assert await listed_ids(client, admin) == [helix, rail["id"], campaign["id"], closed["id"]]
    assert await listed_ids(client, admin, status="open") == [helix, rail["id"], campaign["id"]]
    assert await listed_ids(client, admin, status="won") == [closed["id"]]
    assert await listed_ids(client, admin, kind="account") == [helix, rail["id"]]
    assert await listed_ids(client, admin, kind="campaign") == [campaign["id"]]
    assert await listed_ids(client, admin, owner_id=org.owner.id) == [helix, campaign["id"]]
    assert await listed_ids(client, admin, client_id=org.company["id"]) == [helix]
    assert await listed_ids(client, admin, client_id=str(uuid.uuid4())) == []
    assert await listed_ids(client, admin, q="RAIL") == [rail["id"]]
    assert await listed_ids(client, admin, q="%") == []
    assert await listed_ids(client, admin, q="i", kind="account", status="open") == [
        helix,
        rail["id"],
    ]
    # "Projects I help on": a seat that is not the owner's.
    assert await listed_ids(client, admin, member_id=org.helper.id) == [helix]
    assert await listed_ids(client, admin, member_id=org.owner.id) == []
    assert await listed_ids(client, org.helper, member_id=org.helper.id) == [helix]
    # A rep sees what they own or sit on, filters only narrow that.
    assert await listed_ids(client, org.helper) == [helix, rail["id"]]
    assert await listed_ids(client, org.outsider) == [closed["id"]]
    assert await listed_ids(client, org.outsider, owner_id=org.owner.id) == []
    for params in ({"status": "closed"}, {"kind": "x"}, {"owner_id": "1"}, {"member_id": "me"}):
        response = await client.get(f"{API}/projects", headers=admin.headers, params=params)
        assert_problem(response, 422)


async def test_member_filter_leaves_out_former_and_declined_seats(client, org):
    declined = await make_project(client, org.owner, title="Declined")
    await invite(client, org.owner, declined["id"], org.outsider)
    await patch_member(client, org.outsider, declined["id"], org.outsider, state="declined")
    left = await make_project(client, org.owner, title="Left")
    await add_member(client, left["id"], org.owner, org.outsider)
    await patch_member(client, org.outsider, left["id"], org.outsider, state="left")
    invited = await make_project(client, org.owner, title="Invited")
    await invite(client, org.owner, invited["id"], org.outsider)

    assert await listed_ids(client, org.admin, member_id=org.outsider.id) == [invited["id"]]
    assert await listed_ids(client, org.outsider) == [invited["id"]]


async def test_updated_since(client, org):
    second = await make_project(client, org.owner, title="Second")
    mark = second["updated_at"]
    assert await listed_ids(client, org.owner, updated_since=mark) == []
    patched = await client.patch(
        f"{API}/projects/{org.pid}", headers=org.owner.headers, json={"title": "Touched"}
    )
    assert patched.status_code == 200
    assert await listed_ids(client, org.owner, updated_since=mark) == [org.pid]
    # Any offset is understood; pages run by updated_at.
    assert await listed_ids(client, org.owner, updated_since="2000-01-01T02:00:00+02:00") == [
        second["id"],
        org.pid,
    ]
    assert await listed_ids(client, org.owner, updated_since="2999-01-01T00:00:00Z") == []
    for bad in ("0.5", "1700000000", "yesterday", "2024-01-01T00:00:00"):
        response = await client.get(
            f"{API}/projects", headers=org.owner.headers, params={"updated_since": bad}
        )
        problem = assert_problem(response, 422)
        assert problem["errors"][0]["loc"] == ["query", "updated_since"]


async def test_list_pages_with_a_cursor(client, org):
    created = [org.pid] + [(await make_project(client, org.owner))["id"] for _ in range(4)]
    seen, cursor = [], None
    for _ in range(3):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (
            await client.get(f"{API}/projects", headers=org.owner.headers, params=params)
        ).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
    assert cursor is None
    assert seen == created


async def all_pages(client, actor: Actor, **params) -> list[str]:
    seen, cursor = [], None
    while True:
        page = await client.get(
            f"{API}/projects",
            headers=actor.headers,
            params={"limit": 2, **params, **({"cursor": cursor} if cursor else {})},
        )
        assert page.status_code == 200, page.text
        seen += [p["id"] for p in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return seen


async def test_a_reps_list_holds_exactly_the_projects_they_may_read(client, org):
    """A rep's list walks their seats (api/services/projects.py: list_projects), every other
    read tests the rule on each project: both must agree, page after page, in order."""
    rep, other = org.outsider, org.observer
    owned = await make_project(client, rep, title="Owned")
    invited, active, declined, left, unrelated = [
        (await make_project(client, other, title=title))["id"]
        for title in ("Invited", "Active", "Declined", "Left", "Unrelated")
    ]
    assert (await invite(client, other, invited, rep)).status_code == 201
    await add_member(client, active, other, rep)
    assert (await invite(client, other, declined, rep)).status_code == 201
    await patch_member(client, rep, declined, rep, state="declined")
    await add_member(client, left, other, rep)
    await patch_member(client, rep, left, rep, state="left")
    handed_to_rep = (await make_project(client, other, title="Handed to the rep"))["id"]
    handed_away = (await make_project(client, rep, title="Handed away"))["id"]
    for project_id, new_owner in ((handed_to_rep, rep), (handed_away, other)):
        response = await client.patch(
            f"{API}/projects/{project_id}",
            headers=org.manager.headers,
            json={"owner_id": new_owner.id},
        )
        assert response.status_code == 200, response.text

    everything = await all_pages(client, org.admin)
    readable = [
        project_id
        for project_id in everything
        if (await client.get(f"{API}/projects/{project_id}", headers=rep.headers)).status_code
        == 200
    ]
    assert readable == [owned["id"], invited, active, handed_to_rep, handed_away]
    assert unrelated not in readable
    assert await all_pages(client, rep) == readable
    # Filters apply to the walked seats as to the rule.
    assert await all_pages(client, rep, owner_id=rep.id) == [owned["id"], handed_to_rep]
    assert await all_pages(client, rep, member_id=rep.id) == [invited, active, handed_away]
    assert await all_pages(client, rep, q="handed") == [handed_to_rep, handed_away]
    # With updated_since the list walks projects by update time instead: the same set.
    since = "2000-01-01T00:00:00Z"
    assert sorted(await all_pages(client, rep, updated_since=since)) == sorted(readable)


async def test_a_page_statement_built_once_runs_with_each_callers_values(client, org):
    """The list's statement is built once per shape of request and shared by every caller
    (``_project_page``): requests of the same shape from two organizations, interleaved,
    each see their own projects only."""
    ours = (await make_project(client, org.outsider, title="Ours"))["id"]
    rival_admin = org.stranger
    rival_rep = await add_user(client, rival_admin)
    theirs = (await make_project(client, rival_rep, title="Theirs"))["id"]
    for _ in range(2):
        assert await listed_ids(client, org.outsider) == [ours]
        assert await listed_ids(client, rival_rep) == [theirs]
        assert await listed_ids(client, org.outsider, q="o") == [ours]
        assert await listed_ids(client, rival_rep, q="o") == []
        assert await listed_ids(client, rival_admin) == [theirs]
        assert theirs not in await listed_ids(client, org.admin)


async def test_the_migration_copies_project_times_onto_seats_and_restores_owner_seats(
    client, app, org, database_url
):
    """Migration 0008 on existing rows: every seat gets its project's created_at, and a
    project whose owner had no seat (the rule now relies on seats alone) gets one."""
    seatless = await make_project(client, org.outsider, title="Seatless")
    await app.state.engine.dispose()  # no pooled connection holds a lock during the DDL
    config = alembic_config(database_url)
    await asyncio.to_thread(command.downgrade, config, "0007")
    async with app.state.engine.begin() as connection:
        seats = ProjectMember.__table__
        await connection.execute(
            delete(seats).where(seats.c.project_id == uuid.UUID(seatless["id"]))
        )
    await app.state.engine.dispose()
    await asyncio.to_thread(command.upgrade, config, "head")

    async with app.state.sessionmaker() as session:
        rows = (
            await session.execute(
                select(ProjectMember.project_created_at, Project.created_at).join(
                    Project, Project.id == ProjectMember.project_id
                )
            )
        ).all()
    assert rows and all(seat_time == project_time for seat_time, project_time in rows)
    seat = (await members(client, org.admin, seatless["id"]))[org.outsider.id]
    assert (seat["role"], seat["state"]) == ("owner", "active")
    assert await listed_ids(client, org.outsider) == [seatless["id"]]


# --- members ----------------------------------------------------------------------------------


async def test_invite_defaults_and_conflicts(client, org):
    response = await invite(client, org.manager, org.pid, org.outsider)
    assert response.status_code == 201, response.text
    seat = response.json()
    assert (seat["role"], seat["state"], seat["budget_minutes"]) == ("helper", "invited", 90)
    assert seat["full_name"] == "Otto Outsider"

    # Already invited, already active, the owner: all on the project.
    for user in (org.outsider, org.helper, org.owner):
        assert (
            "already on the project"
            in assert_problem(await invite(client, org.owner, org.pid, user), 409)["detail"]
        )
    seats = await members(client, org.owner, org.pid)
    assert len(seats) == 4
    assert seats[org.outsider.id]["state"] == "invited"

    other = await make_project(client, org.owner, helper_budget_minutes=15)
    observer = await invite(client, org.owner, other["id"], org.outsider, role="observer")
    assert (observer.json()["role"], observer.json()["budget_minutes"]) == ("observer", 15)
    explicit = await invite(client, org.owner, other["id"], org.helper, budget_minutes=0)
    assert explicit.json()["budget_minutes"] == 0
    assert_problem(await invite(client, org.owner, other["id"], org.admin, role="owner"), 422)
    assert_problem(await invite(client, org.owner, other["id"], org.admin, budget_minutes=-5), 422)


async def test_invite_only_people_of_the_organization(client, org):
    assert_problem(await invite(client, org.owner, org.pid, org.stranger), 404)
    unknown = await client.post(
        f"{API}/projects/{org.pid}/members",
        headers=org.owner.headers,
        json={"user_id": str(uuid.uuid4())},
    )
    assert_problem(unknown, 404)
    off = await client.patch(
        f"{API}/users/{org.outsider.id}", headers=org.admin.headers, json={"is_active": False}
    )
    assert off.status_code == 200, off.text
    assert_problem(await invite(client, org.owner, org.pid, org.outsider), 409)
    assert len(await members(client, org.owner, org.pid)) == 3


async def test_an_invited_member_reads_and_answers(client, org):
    await invite(client, org.owner, org.pid, org.outsider)
    url = f"{API}/projects/{org.pid}"
    assert (await client.get(url, headers=org.outsider.headers)).status_code == 200
    assert org.outsider.id in await members(client, org.outsider, org.pid)
    assert await listed_ids(client, org.outsider) == [org.pid]
    # Reading is not steering.
    assert_problem(await client.patch(url, headers=org.outsider.headers, json={"title": "X"}), 403)

    # Nobody else answers for them: not the owner, not a manager, not another helper.
    for actor in (org.owner, org.manager, org.helper):
        for state in ("active", "declined"):
            response = await patch_member(client, actor, org.pid, org.outsider, state=state)
            assert_problem(response, 403)
    assert (await members(client, org.owner, org.pid))[org.outsider.id]["state"] == "invited"
    # Nor do they answer for someone else, or change their own budget.
    assert_problem(await patch_member(client, org.outsider, org.pid, org.helper, state="left"), 403)
    assert_problem(
        await patch_member(client, org.outsider, org.pid, org.outsider, budget_minutes=999), 403
    )

    accepted = await patch_member(client, org.outsider, org.pid, org.outsider, state="active")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "active"
    assert accepted.json()["budget_minutes"] == 90
    # Accepting twice, or declining afterwards, is no transition.
    assert_problem(
        await patch_member(client, org.outsider, org.pid, org.outsider, state="active"), 409
    )
    assert_problem(
        await patch_member(client, org.outsider, org.pid, org.outsider, state="declined"), 409
    )


async def test_an_invited_member_declines(client, org):
    await invite(client, org.owner, org.pid, org.outsider)
    declined = await patch_member(client, org.outsider, org.pid, org.outsider, state="declined")
    assert declined.status_code == 200, declined.text
    assert declined.json()["state"] == "declined"
    assert_problem(await client.get(f"{API}/projects/{org.pid}", headers=org.outsider.headers), 404)
    assert await listed_ids(client, org.outsider) == []
    assert (await members(client, org.owner, org.pid))[org.outsider.id]["state"] == "declined"
    # Invited again later: the same seat is offered anew.
    again = await invite(client, org.owner, org.pid, org.outsider, role="observer")
    assert again.status_code == 201, again.text
    assert (again.json()["state"], again.json()["role"]) == ("invited", "observer")


async def test_an_invited_member_cannot_leave_before_joining(client, org):
    await invite(client, org.owner, org.pid, org.outsider)
    response = await patch_member(client, org.outsider, org.pid, org.outsider, state="left")
    assert_problem(response, 409)
    bad = await patch_member(client, org.outsider, org.pid, org.outsider, state="invited")
    assert_problem(bad, 422)


async def test_a_member_leaves_and_loses_access(client, org):
    response = await patch_member(client, org.helper, org.pid, org.helper, state="left")
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "left"
    url = f"{API}/projects/{org.pid}"
    assert_problem(await client.get(url, headers=org.helper.headers), 404)
    assert_problem(await client.get(f"{url}/members", headers=org.helper.headers), 404)
    assert_problem(await patch_member(client, org.helper, org.pid, org.helper, state="active"), 404)
    assert await listed_ids(client, org.helper) == []
    # Their seat stays, marked left.
    seat = (await members(client, org.owner, org.pid))[org.helper.id]
    assert (seat["state"], seat["role"], seat["budget_minutes"]) == ("left", "helper", 90)


async def test_the_owner_seat_cannot_be_changed_or_left(client, org):
    for fields in ({"state": "left"}, {"role": "helper"}, {"budget_minutes": 10}):
        response = await patch_member(client, org.owner, org.pid, org.owner, **fields)
        assert_problem(response, 409)
        response = await patch_member(client, org.admin, org.pid, org.owner, **fields)
        assert_problem(response, 409)
    seat = (await members(client, org.owner, org.pid))[org.owner.id]
    assert (seat["role"], seat["state"], seat["budget_minutes"]) == ("owner", "active", 0)


async def test_manager_takes_a_member_off_by_patch(client, org):
    response = await patch_member(client, org.manager, org.pid, org.helper, state="left")
    assert response.status_code == 200, response.text
    assert_problem(await client.get(f"{API}/projects/{org.pid}", headers=org.helper.headers), 404)


async def test_patch_member_unknown_user(client, org):
    response = await patch_member(client, org.owner, org.pid, org.outsider, budget_minutes=5)
    assert_problem(response, 404)
    response = await patch_member(client, org.owner, org.pid, org.stranger, budget_minutes=5)
    assert_problem(response, 404)


async def test_remove_member_keeps_the_row_and_allows_reinviting(client, app, org):
    url = f"{API}/projects/{org.pid}/members/{org.helper.id}"
    response = await client.delete(url, headers=org.manager.headers)
    assert response.status_code == 204, response.text
    assert response.content == b""
    seat = (await members(client, org.owner, org.pid))[org.helper.id]
    assert seat["state"] == "left"
    assert_problem(await client.get(f"{API}/projects/{org.pid}", headers=org.helper.headers), 404)
    # Removing again: they are not on the project any more.
    assert_problem(await client.delete(url, headers=org.manager.headers), 404)
    assert_problem(
        await client.delete(
            f"{API}/projects/{org.pid}/members/{org.outsider.id}", headers=org.owner.headers
        ),
        404,
    )

    again = await invite(client, org.owner, org.pid, org.helper, budget_minutes=20)
    assert again.status_code == 201, again.text
    assert (again.json()["user_id"], again.json()["state"], again.json()["budget_minutes"]) == (
        org.helper.id,
        "invited",
        20,
    )
    seats = await members(client, org.owner, org.pid)
    assert len(seats) == 3
    assert seats[org.helper.id]["created_at"] == seat["created_at"]  # the same row
    assert await count_rows(app, ProjectMember, user_id=uuid.UUID(org.helper.id)) == 1
    assert (
        await client.get(f"{API}/projects/{org.pid}", headers=org.helper.headers)
    ).status_code == 200


async def test_the_owner_cannot_be_removed(client, org):
    url = f"{API}/projects/{org.pid}/members/{org.owner.id}"
    for actor in (org.owner, org.manager, org.admin):
        assert (
            "owner cannot be removed"
            in assert_problem(await client.delete(url, headers=actor.headers), 409)["detail"]
        )
    seat = (await members(client, org.owner, org.pid))[org.owner.id]
    assert (seat["role"], seat["state"]) == ("owner", "active")


# --- ETag / If-Match --------------------------------------------------------------------------


async def test_etag_and_if_match(client, org):
    url = f"{API}/projects/{org.pid}"
    etag = (await client.get(url, headers=org.owner.headers)).headers["etag"]
    assert ETAG.match(etag)
    assert (await client.get(url, headers=org.helper.headers)).headers["etag"] == etag

    first = await client.patch(
        url, headers={**org.owner.headers, "If-Match": etag}, json={"title": "First"}
    )
    assert first.status_code == 200, first.text
    new_etag = first.headers["etag"]
    assert ETAG.match(new_etag) and new_etag != etag
    assert (await client.get(url, headers=org.owner.headers)).headers["etag"] == new_etag

    stale = await client.patch(
        url, headers={**org.manager.headers, "If-Match": etag}, json={"title": "Stale"}
    )
    assert_problem(stale, 412)
    after = await client.get(url, headers=org.owner.headers)
    assert after.json()["title"] == "First"
    assert after.headers["etag"] == new_etag

    current = await client.patch(
        url, headers={**org.manager.headers, "If-Match": new_etag}, json={"title": "Second"}
    )
    assert current.status_code == 200, current.text
    assert current.json()["title"] == "Second"
    assert current.headers["etag"] not in (etag, new_etag)
    # Closing changes the version too.
    await client.post(f"{url}/close", headers=org.owner.headers, json={"result": "won"})
    late = await client.patch(
        url, headers={**org.owner.headers, "If-Match": current.headers["etag"]}, json={"title": "L"}
    )
    assert_problem(late, 412)


async def test_a_stale_hand_over_changes_nothing(client, org):
    url = f"{API}/projects/{org.pid}"
    etag = (await client.get(url, headers=org.admin.headers)).headers["etag"]
    await client.patch(url, headers=org.owner.headers, json={"objective": "moved on"})
    stale = await client.patch(
        url, headers={**org.admin.headers, "If-Match": etag}, json={"owner_id": org.helper.id}
    )
    assert_problem(stale, 412)
    seats = await members(client, org.admin, org.pid)
    assert (seats[org.owner.id]["role"], seats[org.helper.id]["role"]) == ("owner", "helper")


# --- Idempotency-Key --------------------------------------------------------------------------


async def test_idempotent_create(client, app, org):
    key = {"Idempotency-Key": "project-key-1"}
    body = {"title": "Idem", "kind": "campaign", "estimated_value": 10.5}
    first = await post_project(client, org.owner, headers=key, **body)
    second = await post_project(client, org.owner, headers=key, **body)
    assert (first.status_code, second.status_code) == (201, 201), second.text
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert await count_rows(app, Project, title="Idem") == 1
    assert await count_rows(app, ProjectMember, project_id=uuid.UUID(first.json()["id"])) == 1

    other = await post_project(client, org.owner, headers=key, **{**body, "title": "Other"})
    assert assert_problem(other, 422)["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    assert await count_rows(app, Project, title="Other") == 0


async def test_concurrent_duplicate_creates(client, app, org):
    key = {"Idempotency-Key": f"burst-{uuid.uuid4()}"}
    responses = await asyncio.gather(
        *(
            post_project(client, org.owner, headers=key, title="Burst", kind="campaign")
            for _ in range(5)
        )
    )
    assert [r.status_code for r in responses] == [201] * 5, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert await count_rows(app, Project, title="Burst") == 1


async def test_idempotent_invite(client, org):
    headers = {**org.owner.headers, "Idempotency-Key": "invite-1"}
    url = f"{API}/projects/{org.pid}/members"
    first = await client.post(url, headers=headers, json={"user_id": org.outsider.id})
    second = await client.post(url, headers=headers, json={"user_id": org.outsider.id})
    assert (first.status_code, second.status_code) == (201, 201), second.text
    assert second.json() == first.json()
    assert len(await members(client, org.owner, org.pid)) == 4


# --- audit ------------------------------------------------------------------------------------


async def test_audit_rows(client, app, org):
    project = await make_project(client, org.owner, title="Audited")
    pid = project["id"]
    await client.patch(f"{API}/projects/{pid}", headers=org.manager.headers, json={"title": "A2"})
    await invite(client, org.owner, pid, org.helper)
    await patch_member(client, org.helper, pid, org.helper, state="active")
    # Refused writes leave no trace.
    assert_problem(
        await client.patch(
            f"{API}/projects/{pid}", headers=org.helper.headers, json={"title": "no"}
        ),
        403,
    )
    await client.delete(f"{API}/projects/{pid}/members/{org.helper.id}", headers=org.owner.headers)
    await client.post(
        f"{API}/projects/{pid}/close",
        headers=org.owner.headers,
        json={"result": "lost", "lost_reason": "price"},
    )

    rows = await audit_actions(app, pid)
    assert [(action, actor) for action, actor, _ in rows] == [
        ("project.created", org.owner.id),
        ("project.updated", org.manager.id),
        ("project_member.invited", org.owner.id),
        ("project_member.updated", org.helper.id),
        ("project_member.removed", org.owner.id),
        ("project.closed", org.owner.id),
    ]
    changes = [c for _, _, c in rows]
    assert changes[0] == {"title": "Audited", "kind": "prospecting"}
    assert changes[1] == {"title": "A2"}
    assert changes[2] == {"user_id": org.helper.id, "role": "helper", "budget_minutes": 120}
    assert changes[3] == {"user_id": org.helper.id, "state": "active"}
    assert changes[4] == {"user_id": org.helper.id}
    assert changes[5] == {"result": "lost", "lost_reason": "price", "note": ""}


async def test_member_patch_honours_if_match(client):
    admin = await register(client)
    owner = await add_user(client, admin)
    helper = await add_user(client, admin)
    project = (
        await client.post(
            f"{API}/projects", headers=owner.headers, json={"title": "ETag", "kind": "campaign"}
        )
    ).json()
    await client.post(
        f"{API}/projects/{project['id']}/members",
        headers=owner.headers,
        json={"user_id": helper.id},
    )
    first = await client.patch(
        f"{API}/projects/{project['id']}/members/{helper.id}",
        headers=owner.headers,
        json={"budget_minutes": 30},
    )
    assert first.status_code == 200 and first.headers["ETag"]
    second = await client.patch(
        f"{API}/projects/{project['id']}/members/{helper.id}",
        headers=owner.headers,
        json={"budget_minutes": 40},
    )
    stale = await client.patch(
        f"{API}/projects/{project['id']}/members/{helper.id}",
        headers={**owner.headers, "If-Match": first.headers["ETag"]},
        json={"budget_minutes": 50},
    )
    assert stale.status_code == 412
    fresh = await client.patch(
        f"{API}/projects/{project['id']}/members/{helper.id}",
        headers={**owner.headers, "If-Match": second.headers["ETag"]},
        json={"budget_minutes": 50},
    )
    assert fresh.status_code == 200 and fresh.json()["budget_minutes"] == 50


async def test_amounts_take_their_currencys_places(client, org):
    """Yen are whole (a fraction of a yen is 422, never rounded away); euros have cents, a
    Kuwaiti dinar three places; amounts go out as decimal strings with exactly those."""
    yen = await post_project(
        client,
        org.owner,
        kind="prospecting",
        title="Yen deal",
        estimated_value="1500000",
        currency="JPY",
    )
    assert yen.status_code == 201, yen.text
    assert yen.json()["estimated_value"] == "1500000"
    for amount in (1500.5, "1500.5", "0.1"):
        refused = await post_project(
            client,
            org.owner,
            kind="prospecting",
            title="Fraction",
            estimated_value=amount,
            currency="JPY",
        )
        problem = assert_problem(refused, 422)
        assert problem["errors"][0]["loc"] == ["body", "estimated_value"], amount
        assert "whole numbers" in problem["errors"][0]["msg"]
    assert (
        await post_project(
            client,
            org.owner,
            kind="prospecting",
            title="Whole",
            estimated_value="1500.00",
            currency="JPY",
        )
    ).json()["estimated_value"] == "1500"
    euro = await post_project(
        client,
        org.owner,
        kind="prospecting",
        title="Euro deal",
        estimated_value=4200.5,
        currency="EUR",
    )
    assert euro.json()["estimated_value"] == "4200.50"
    assert_problem(
        await post_project(
            client,
            org.owner,
            kind="prospecting",
            title="Mill",
            estimated_value="1.005",
            currency="EUR",
        ),
        422,
    )
    dinar = await post_project(
        client,
        org.owner,
        kind="prospecting",
        title="Dinar deal",
        estimated_value="12.125",
        currency="KWD",
    )
    assert dinar.json()["estimated_value"] == "12.125"
    for bad in ("1e3", "-5", "12,50", "", "1.23456", True):
        assert_problem(
            await post_project(
                client, org.owner, kind="prospecting", title="Bad", estimated_value=bad
            ),
            422,
        )
    assert_problem(
        await post_project(
            client, org.owner, kind="prospecting", title="Bad", estimated_value=1, currency="QQQ"
        ),
        422,
    )

    # The list writes them the same way as the project does.
    page = await client.get(f"{API}/projects", headers=org.owner.headers, params={"limit": 200})
    listed = {p["title"]: p["estimated_value"] for p in page.json()["items"]}
    assert (listed["Yen deal"], listed["Euro deal"], listed["Dinar deal"]) == (
        "1500000",
        "4200.50",
        "12.125",
    )

    # A new currency must fit the amount that stays.
    url = f"{API}/projects/{euro.json()['id']}"
    switched = await client.patch(url, headers=org.owner.headers, json={"currency": "JPY"})
    assert assert_problem(switched, 422)["errors"][0]["loc"] == ["body", "currency"]
    both = await client.patch(
        url, headers=org.owner.headers, json={"currency": "JPY", "estimated_value": "4201"}
    )
    assert both.status_code == 200, both.text
    assert (both.json()["currency"], both.json()["estimated_value"]) == ("JPY", "4201")
    fraction = await client.patch(url, headers=org.owner.headers, json={"estimated_value": 1.5})
    assert assert_problem(fraction, 422)["errors"][0]["loc"] == ["body", "estimated_value"]


async def test_a_new_project_is_valued_in_the_organizations_currency(client, org):
    changed = await client.patch(
        f"{API}/organization", headers=org.admin.headers, json={"default_currency": "JPY"}
    )
    assert changed.status_code == 200, changed.text
    response = await post_project(
        client, org.owner, kind="prospecting", title="Default", estimated_value=980000
    )
    assert response.status_code == 201, response.text
    assert (response.json()["currency"], response.json()["estimated_value"]) == (
        "JPY",
        "980000",
    )
    refused = await post_project(
        client, org.owner, kind="prospecting", title="Default", estimated_value=9.5
    )
    assert assert_problem(refused, 422)["errors"][0]["loc"] == ["body", "estimated_value"]


async def test_a_lost_deal_says_why_and_only_a_lost_one(client, org):
    url = f"{API}/projects/{org.pid}/close"
    missing = await client.post(url, headers=org.owner.headers, json={"result": "lost"})
    assert assert_problem(missing, 422)["errors"][0]["loc"] == ["body", "lost_reason"]
    for body, field in (
        ({"result": "won", "lost_reason": "price"}, "lost_reason"),
        ({"result": "abandoned", "competitor": "Globex"}, "competitor"),
        ({"result": "lost", "lost_reason": "cheaper"}, "lost_reason"),
        ({"result": "lost", "lost_reason": "competitor", "competitor": " "}, "competitor"),
    ):
        refused = await client.post(url, headers=org.owner.headers, json=body)
        assert ["body", field] in [e["loc"] for e in assert_problem(refused, 422)["errors"]], body
    # Nothing was closed by the refusals.
    assert (await client.get(f"{API}/projects/{org.pid}", headers=org.owner.headers)).json()[
        "status"
    ] == "open"
    closed = await client.post(
        url,
        headers=org.owner.headers,
        json={
            "result": "lost",
            "lost_reason": "competitor",
            "competitor": " Globex ",
            "note": "They bundled support",
        },
    )
    assert closed.status_code == 200, closed.text
    project = closed.json()
    assert (project["status"], project["lost_reason"], project["competitor"]) == (
        "lost",
        "competitor",
        "Globex",
    )
    assert project["close_note"] == "They bundled support"
    # A won deal has no reason to give.
    won = await make_project(client, org.owner, title="Won one")
    body = (
        await client.post(
            f"{API}/projects/{won['id']}/close", headers=org.owner.headers, json={"result": "won"}
        )
    ).json()
    assert (body["status"], body["lost_reason"], body["competitor"]) == ("won", None, None)
