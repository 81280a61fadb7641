"""GET /invitations: the caller's own pending seats, what they show, how they are answered
(the member PATCH), who else sees them (nobody), and pages in one query however long."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.cast import Cast
from tests.factories import API
from tests.session_kit import (
    add_member,
    count_statements,
    make_panel,
    new_project,
    ok,
    problem,
)

URL = f"{API}/invitations"


@pytest.fixture
async def panel(client, app) -> Cast:
    return await make_panel(client, app)


async def invitations(client, who, **params) -> dict:
    return ok(await client.get(URL, headers=who.headers, params=params))


async def test_the_invited_person_sees_their_pending_seat(client, panel):
    body = await invitations(client, panel.invited)
    assert body["next_cursor"] is None
    (item,) = body["items"]
    invited_at = datetime.fromisoformat(item.pop("invited_at"))
    assert item == {
        "project_id": panel.project_id,
        "project_title": panel.project["title"],
        "client_name": None,
        "role": "helper",
        "budget_minutes": panel.project["helper_budget_minutes"],
        "invited_by": {"id": panel.owner.id, "full_name": "Olga Owner"},
    }
    assert invited_at.tzinfo is not None


async def test_the_client_name_comes_along(client, panel):
    r = await client.post(f"{API}/clients", headers=panel.owner.headers, json={"name": "Helix"})
    client_id = ok(r, 201)["id"]
    r = await client.post(
        f"{API}/projects",
        headers=panel.owner.headers,
        json={"title": "Helix framework", "kind": "account", "client_id": client_id},
    )
    project = ok(r, 201)
    await add_member(
        client, project["id"], panel.owner, panel.invited, role="observer", accept=False
    )
    items = (await invitations(client, panel.invited))["items"]
    mine = {i["project_id"]: i for i in items}
    assert mine[project["id"]]["client_name"] == "Helix"
    assert mine[project["id"]]["role"] == "observer"


@pytest.mark.parametrize("answer", ["active", "declined"])
async def test_answering_with_the_member_patch_takes_it_off_the_list(client, panel, answer):
    r = await client.patch(
        f"{API}/projects/{panel.project_id}/members/{panel.invited.id}",
        headers=panel.invited.headers,
        json={"state": answer},
    )
    assert ok(r)["state"] == answer
    assert (await invitations(client, panel.invited))["items"] == []


async def test_nobody_else_sees_someone_s_invitation(client, panel):
    # The inviter, staff, active members, colleagues off the project and another
    # organization's admin: none of them holds a pending seat.
    for who in ("owner", "admin", "manager", "helper", "observer", "outsider", "stranger"):
        assert (await invitations(client, getattr(panel, who)))["items"] == [], who


async def test_an_offer_made_again_names_who_asked_last(client, panel):
    url = f"{API}/projects/{panel.project_id}/members/{panel.invited.id}"
    first = (await invitations(client, panel.invited))["items"][0]
    ok(await client.patch(url, headers=panel.invited.headers, json={"state": "declined"}))
    r = await client.post(
        f"{API}/projects/{panel.project_id}/members",
        headers=panel.manager.headers,
        json={"user_id": panel.invited.id, "role": "observer", "budget_minutes": 15},
    )
    ok(r, 201)
    (again,) = (await invitations(client, panel.invited))["items"]
    assert again["invited_by"] == {"id": panel.manager.id, "full_name": "Mona Manager"}
    assert (again["role"], again["budget_minutes"]) == ("observer", 15)
    assert datetime.fromisoformat(again["invited_at"]) > datetime.fromisoformat(first["invited_at"])


async def test_a_closed_project_s_offer_is_not_pending(client, panel):
    r = await client.post(
        f"{API}/projects/{panel.project_id}/close",
        headers=panel.owner.headers,
        json={"result": "won", "note": "Signed"},
    )
    ok(r)
    assert (await invitations(client, panel.invited))["items"] == []


async def test_pages_follow_the_cursor_in_one_query_each(client, app, panel):
    async def offer() -> str:
        project = await new_project(client, panel.owner, title="Another door")
        await add_member(client, project["id"], panel.owner, panel.invited, accept=False)
        return project["id"]

    await invitations(client, panel.invited)  # warm: the user row is cached where it can be
    with count_statements(app) as one:
        await invitations(client, panel.invited)
    expected = [panel.project_id] + [await offer() for _ in range(4)]
    with count_statements(app) as five:
        everything = (await invitations(client, panel.invited))["items"]
    assert [i["project_id"] for i in everything] == expected  # oldest offer first
    assert len(five) == len(one)  # no query per row

    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await invitations(client, panel.invited, **params)
        seen += [i["project_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected


async def test_invitations_need_a_person(client, panel):
    problem(await client.get(URL), 401)
    problem(
        await client.get(URL, params={"cursor": "not-ours"}, headers=panel.invited.headers), 422
    )
