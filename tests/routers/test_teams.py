"""Teams: the trio on every endpoint, who may create, edit, hand over and delete a team,
membership, name uniqueness per organization, list filters."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from tests.cast import Cast, manager, organization, rep
from tests.factories import (
    API,
    Actor,
    add_user,
    assert_problem,
    assert_unauthorized,
    create_team,
)


async def get_team(client: httpx.AsyncClient, actor: Actor, team_id: str) -> httpx.Response:
    return await client.get(f"{API}/teams/{team_id}", headers=actor.headers)


async def post_team(client: httpx.AsyncClient, actor: Actor, **fields) -> httpx.Response:
    return await client.post(f"{API}/teams", headers=actor.headers, json=fields)


async def patch_team(client: httpx.AsyncClient, actor: Actor, team_id: str, **fields):
    return await client.patch(f"{API}/teams/{team_id}", headers=actor.headers, json=fields)


async def put_member(client: httpx.AsyncClient, actor: Actor, team_id: str, user_id: str):
    return await client.put(f"{API}/teams/{team_id}/members/{user_id}", headers=actor.headers)


async def delete_member(client: httpx.AsyncClient, actor: Actor, team_id: str, user_id: str):
    return await client.delete(f"{API}/teams/{team_id}/members/{user_id}", headers=actor.headers)


async def listed_team_ids(client: httpx.AsyncClient, actor: Actor, **params) -> set[str]:
    response = await client.get(f"{API}/teams", headers=actor.headers, params=params)
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return {team["id"] for team in response.json()["items"]}


def member_ids(team: dict) -> set[str]:
    return {member["user_id"] for member in team["members"]}


@pytest.fixture
async def org(client) -> Cast:
    """``team`` is managed by ``manager``, with ``rep`` as a member."""
    org = await organization(
        client,
        "Acme Sales",
        manager=manager("Mona Manager"),
        other_manager=manager("Otto Other"),
        rep=rep("Rita Rep", seniority="junior"),
    )
    org.team = await create_team(client, org.manager, name="Enterprise", member_ids=[org.rep.id])
    return org


@pytest.fixture
async def foreign(client) -> Cast:
    foreign = await organization(client, "Globex", manager=manager(), rep=rep())
    foreign.team = await create_team(
        client, foreign.manager, name="Foreign", member_ids=[foreign.rep.id]
    )
    return foreign


# --- POST /teams ---------------------------------------------------------------------------


async def test_create_team_anonymous_is_401(client):
    assert_unauthorized(await client.post(f"{API}/teams", json={"name": "Nope"}))


async def test_a_manager_creates_a_team_they_manage(client, org):
    response = await post_team(
        client,
        org.manager,
        name="  Mid-Market ",
        description="Accounts between 50 and 500 seats",
        member_ids=[org.rep.id, org.rep.id, org.manager.id],
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "Mid-Market"
    assert body["description"] == "Accounts between 50 and 500 seats"
    assert body["manager_id"] == org.manager.id
    assert body["organization_id"] == org.admin.organization_id
    # Duplicated ids collapse to one membership.
    assert sorted(m["user_id"] for m in body["members"]) == sorted([org.rep.id, org.manager.id])
    assert (await get_team(client, org.rep, body["id"])).json() == body


async def test_members_carry_name_role_and_seniority(client, org):
    response = await get_team(client, org.admin, org.team["id"])
    assert response.status_code == 200
    [member] = response.json()["members"]
    assert member["user_id"] == org.rep.id
    assert member["full_name"] == "Rita Rep"
    assert member["role"] == "rep"
    assert member["seniority"] == "junior"
    assert member["joined_at"]


async def test_an_admin_creates_a_team_for_a_manager(client, org):
    response = await post_team(client, org.admin, name="SMB", manager_id=org.other_manager.id)
    assert response.status_code == 201, response.text
    assert response.json()["manager_id"] == org.other_manager.id
    # An admin may manage a team too, and is the default.
    response = await post_team(client, org.admin, name="Strategic")
    assert response.status_code == 201, response.text
    assert response.json()["manager_id"] == org.admin.id
    assert response.json()["members"] == []


async def test_a_manager_naming_another_manager_is_403(client, org):
    response = await post_team(client, org.manager, name="SMB", manager_id=org.other_manager.id)
    assert_problem(response, 403)
    assert await listed_team_ids(client, org.admin) == {org.team["id"]}


async def test_a_rep_cannot_create_a_team(client, org):
    assert_problem(await post_team(client, org.rep, name="Rogue"), 403)
    assert_problem(await post_team(client, org.rep, name="Rogue", manager_id=org.manager.id), 403)
    assert await listed_team_ids(client, org.admin) == {org.team["id"]}


async def test_the_manager_must_be_an_active_manager_or_admin_of_the_organization(
    client, org, foreign
):
    assert_problem(await post_team(client, org.admin, name="A", manager_id=org.rep.id), 409)
    assert_problem(await post_team(client, org.admin, name="B", manager_id=foreign.manager.id), 404)
    assert_problem(await post_team(client, org.admin, name="C", manager_id=str(uuid.uuid4())), 404)
    deactivated = await client.patch(
        f"{API}/users/{org.other_manager.id}",
        headers=org.admin.headers,
        json={"is_active": False},
    )
    assert deactivated.status_code == 200
    response = await post_team(client, org.admin, name="D", manager_id=org.other_manager.id)
    assert_problem(response, 409)
    assert await listed_team_ids(client, org.admin) == {org.team["id"]}


async def test_members_of_another_organization_are_not_found(client, org, foreign):
    response = await post_team(client, org.manager, name="Mixed", member_ids=[foreign.rep.id])
    assert_problem(response, 404)
    assert await listed_team_ids(client, org.admin) == {org.team["id"]}


async def test_team_names_are_unique_per_organization_only(client, org, foreign):
    assert_problem(await post_team(client, org.admin, name="Enterprise"), 409)
    assert_problem(await post_team(client, org.other_manager, name=" Enterprise "), 409)
    # The same name in another organization is fine.
    response = await post_team(client, foreign.manager, name="Enterprise")
    assert response.status_code == 201, response.text


async def test_concurrent_creates_of_one_name_make_one_team(client, org):
    results = await asyncio.gather(*(post_team(client, org.admin, name="Racers") for _ in range(3)))
    assert sorted(response.status_code for response in results) == [201, 409, 409]
    names = [
        team["name"]
        for team in (await client.get(f"{API}/teams", headers=org.admin.headers)).json()["items"]
    ]
    assert names.count("Racers") == 1


async def test_create_team_validates_the_payload(client, org):
    for payload in ({}, {"name": ""}, {"name": "   "}, {"name": "x" * 121}, {"name": "X", "y": 1}):
        response = await client.post(f"{API}/teams", headers=org.admin.headers, json=payload)
        assert response.status_code == 422, (payload, response.text)
        assert_problem(response, 422)


# --- GET /teams ----------------------------------------------------------------------------


async def test_list_teams_anonymous_is_401(client):
    assert_unauthorized(await client.get(f"{API}/teams"))


async def test_list_teams_shows_only_the_callers_organization(client, org, foreign):
    response = await client.get(f"{API}/teams", headers=org.rep.headers)
    assert response.status_code == 200
    [team] = response.json()["items"]
    assert team["id"] == org.team["id"]
    assert team["name"] == "Enterprise"
    assert member_ids(team) == {org.rep.id}
    assert team["members"][0]["full_name"] == "Rita Rep"
    assert await listed_team_ids(client, foreign.rep) == {foreign.team["id"]}


async def test_list_teams_filters_by_member_and_manager(client, org, foreign):
    solo = await create_team(client, org.other_manager, name="Solo")
    both = await create_team(
        client, org.other_manager, name="Both", member_ids=[org.rep.id, org.manager.id]
    )
    assert await listed_team_ids(client, org.admin, member_id=org.rep.id) == {
        org.team["id"],
        both["id"],
    }
    assert await listed_team_ids(client, org.admin, member_id=org.manager.id) == {both["id"]}
    assert await listed_team_ids(client, org.admin, member_id=org.admin.id) == set()
    assert await listed_team_ids(client, org.admin, manager_id=org.other_manager.id) == {
        solo["id"],
        both["id"],
    }
    assert await listed_team_ids(client, org.admin, manager_id=org.manager.id) == {org.team["id"]}
    assert await listed_team_ids(
        client, org.admin, manager_id=org.other_manager.id, member_id=org.rep.id
    ) == {both["id"]}
    # Another organization's people never surface its teams.
    assert await listed_team_ids(client, org.admin, member_id=foreign.rep.id) == set()
    assert await listed_team_ids(client, org.admin, manager_id=foreign.manager.id) == set()


async def test_list_teams_paginates_without_duplicates(client, org):
    for index in range(4):
        await create_team(client, org.manager, name=f"Team {index}", member_ids=[org.rep.id])
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await client.get(f"{API}/teams", headers=org.rep.headers, params=params)
        assert response.status_code == 200, response.text
        assert len(response.json()["items"]) <= 2
        assert all(member_ids(team) == {org.rep.id} for team in response.json()["items"])
        seen.extend(team["id"] for team in response.json()["items"])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5
    assert seen[0] == org.team["id"]
    assert_problem(
        await client.get(f"{API}/teams", headers=org.rep.headers, params={"limit": 0}), 422
    )
    assert_problem(
        await client.get(f"{API}/teams", headers=org.rep.headers, params={"cursor": "junk"}), 422
    )


# --- GET /teams/{id} -----------------------------------------------------------------------


async def test_get_team_anonymous_is_401(client, org):
    assert_unauthorized(await client.get(f"{API}/teams/{org.team['id']}"))


async def test_get_team_of_another_organization_is_404(client, org, foreign):
    for actor in (org.admin, org.manager, org.rep):
        assert_problem(await get_team(client, actor, foreign.team["id"]), 404)
    assert_problem(await get_team(client, org.admin, str(uuid.uuid4())), 404)


async def test_anyone_in_the_organization_reads_a_team(client, org):
    for actor in (org.admin, org.other_manager, org.rep):
        response = await get_team(client, actor, org.team["id"])
        assert response.status_code == 200
        assert response.json()["name"] == "Enterprise"
        assert response.json()["manager_id"] == org.manager.id


# --- PATCH /teams/{id} ---------------------------------------------------------------------


async def test_patch_team_anonymous_is_401(client, org):
    response = await client.patch(f"{API}/teams/{org.team['id']}", json={"name": "X"})
    assert_unauthorized(response)


async def test_patch_team_of_another_organization_is_404(client, org, foreign):
    for actor in (org.admin, org.manager):
        assert_problem(await patch_team(client, actor, foreign.team["id"], name="Mine"), 404)
    assert (await get_team(client, foreign.rep, foreign.team["id"])).json()["name"] == "Foreign"


async def test_the_teams_manager_and_an_admin_edit_it(client, org):
    response = await patch_team(client, org.manager, org.team["id"], name="Enterprise EMEA")
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Enterprise EMEA"
    assert response.json()["description"] == ""
    assert member_ids(response.json()) == {org.rep.id}

    response = await patch_team(client, org.admin, org.team["id"], description="Big logos")
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Enterprise EMEA"
    assert response.json()["description"] == "Big logos"
    assert (await get_team(client, org.rep, org.team["id"])).json() == response.json()


async def test_another_manager_or_a_rep_cannot_edit_a_team(client, org):
    for actor in (org.other_manager, org.rep):
        assert_problem(await patch_team(client, actor, org.team["id"], name="Taken over"), 403)
    assert (await get_team(client, org.rep, org.team["id"])).json()["name"] == "Enterprise"


async def test_only_admins_hand_a_team_to_another_manager(client, org):
    response = await patch_team(
        client, org.manager, org.team["id"], manager_id=org.other_manager.id
    )
    assert_problem(response, 403)
    # Naming yourself again is not a hand-over.
    response = await patch_team(client, org.manager, org.team["id"], manager_id=org.manager.id)
    assert response.status_code == 200, response.text

    response = await patch_team(client, org.admin, org.team["id"], manager_id=org.other_manager.id)
    assert response.status_code == 200, response.text
    assert response.json()["manager_id"] == org.other_manager.id
    # The new manager now edits it; the old one no longer may.
    assert (
        await patch_team(client, org.other_manager, org.team["id"], name="N")
    ).status_code == 200
    assert_problem(await patch_team(client, org.manager, org.team["id"], name="M"), 403)


async def test_hand_over_to_an_ineligible_manager_is_refused(client, org, foreign):
    assert_problem(await patch_team(client, org.admin, org.team["id"], manager_id=org.rep.id), 409)
    response = await patch_team(client, org.admin, org.team["id"], manager_id=foreign.manager.id)
    assert_problem(response, 404)
    assert (await get_team(client, org.rep, org.team["id"])).json()["manager_id"] == org.manager.id


async def test_renaming_onto_a_taken_name_is_409(client, org, foreign):
    other = await create_team(client, org.manager, name="Inside Sales")
    assert_problem(await patch_team(client, org.manager, other["id"], name="Enterprise"), 409)
    # Keeping its own name, or taking a name used only in another organization, is fine.
    assert (
        await patch_team(client, org.manager, other["id"], name="Inside Sales")
    ).status_code == 200
    assert (await patch_team(client, org.manager, other["id"], name="Foreign")).status_code == 200


# --- DELETE /teams/{id} --------------------------------------------------------------------


async def test_delete_team_anonymous_is_401(client, org):
    assert_unauthorized(await client.delete(f"{API}/teams/{org.team['id']}"))


async def test_delete_team_of_another_organization_is_404(client, org, foreign):
    response = await client.delete(f"{API}/teams/{foreign.team['id']}", headers=org.admin.headers)
    assert_problem(response, 404)
    assert (await get_team(client, foreign.rep, foreign.team["id"])).status_code == 200


async def test_another_manager_or_a_rep_cannot_delete_a_team(client, org):
    for actor in (org.other_manager, org.rep):
        response = await client.delete(f"{API}/teams/{org.team['id']}", headers=actor.headers)
        assert_problem(response, 403)
    assert (await get_team(client, org.rep, org.team["id"])).status_code == 200


@pytest.mark.parametrize("who", ["manager", "admin"])
async def test_the_teams_manager_or_an_admin_deletes_it(client, org, who):
    actor = org.manager if who == "manager" else org.admin
    response = await client.delete(f"{API}/teams/{org.team['id']}", headers=actor.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await get_team(client, org.admin, org.team["id"]), 404)
    assert await listed_team_ids(client, org.admin, member_id=org.rep.id) == set()
    # The members themselves are untouched, and the name is free again.
    assert (
        await client.get(f"{API}/users/{org.rep.id}", headers=org.admin.headers)
    ).status_code == 200
    assert (await post_team(client, org.manager, name="Enterprise")).status_code == 201


# --- PUT /teams/{id}/members/{user_id} ------------------------------------------------------


async def test_put_member_anonymous_is_401(client, org):
    response = await client.put(f"{API}/teams/{org.team['id']}/members/{org.admin.id}")
    assert_unauthorized(response)


async def test_put_member_across_organizations_is_404(client, org, foreign):
    assert_problem(await put_member(client, org.manager, org.team["id"], foreign.rep.id), 404)
    assert_problem(await put_member(client, org.manager, org.team["id"], str(uuid.uuid4())), 404)
    assert_problem(await put_member(client, org.admin, foreign.team["id"], org.rep.id), 404)
    assert member_ids((await get_team(client, org.rep, org.team["id"])).json()) == {org.rep.id}
    assert member_ids((await get_team(client, foreign.rep, foreign.team["id"])).json()) == {
        foreign.rep.id
    }


async def test_put_member_is_idempotent(client, org):
    newcomer = await add_user(client, org.admin, role="rep", seniority="senior", full_name="Ned")
    first = await put_member(client, org.manager, org.team["id"], newcomer.id)
    assert first.status_code == 200, first.text
    second = await put_member(client, org.manager, org.team["id"], newcomer.id)
    assert second.status_code == 200, second.text
    assert second.json()["members"] == first.json()["members"]
    members = (await get_team(client, org.rep, org.team["id"])).json()["members"]
    assert [m["user_id"] for m in members].count(newcomer.id) == 1
    assert member_ids({"members": members}) == {org.rep.id, newcomer.id}
    added = next(m for m in members if m["user_id"] == newcomer.id)
    assert (added["full_name"], added["role"], added["seniority"]) == ("Ned", "rep", "senior")


async def test_an_admin_adds_members_to_any_team(client, org):
    response = await put_member(client, org.admin, org.team["id"], org.other_manager.id)
    assert response.status_code == 200, response.text
    assert member_ids(response.json()) == {org.rep.id, org.other_manager.id}


async def test_another_manager_or_a_rep_cannot_add_members(client, org):
    for actor in (org.other_manager, org.rep):
        assert_problem(await put_member(client, actor, org.team["id"], actor.id), 403)
    assert member_ids((await get_team(client, org.rep, org.team["id"])).json()) == {org.rep.id}


# --- DELETE /teams/{id}/members/{user_id} ---------------------------------------------------


async def test_delete_member_anonymous_is_401(client, org):
    response = await client.delete(f"{API}/teams/{org.team['id']}/members/{org.rep.id}")
    assert_unauthorized(response)


async def test_delete_member_across_organizations_is_404(client, org, foreign):
    assert_problem(await delete_member(client, org.admin, foreign.team["id"], foreign.rep.id), 404)
    assert member_ids((await get_team(client, foreign.rep, foreign.team["id"])).json()) == {
        foreign.rep.id
    }


async def test_removing_a_non_member_is_404(client, org):
    assert_problem(await delete_member(client, org.manager, org.team["id"], org.admin.id), 404)
    assert_problem(await delete_member(client, org.manager, org.team["id"], str(uuid.uuid4())), 404)


async def test_the_manager_removes_a_member(client, org):
    response = await delete_member(client, org.manager, org.team["id"], org.rep.id)
    assert response.status_code == 204
    assert (await get_team(client, org.rep, org.team["id"])).json()["members"] == []
    # Removing again: no longer a member.
    assert_problem(await delete_member(client, org.manager, org.team["id"], org.rep.id), 404)
    # Adding back works.
    assert (await put_member(client, org.manager, org.team["id"], org.rep.id)).status_code == 200


async def test_another_manager_or_a_rep_cannot_remove_members(client, org):
    for actor in (org.other_manager, org.rep):
        assert_problem(await delete_member(client, actor, org.team["id"], org.rep.id), 403)
    assert member_ids((await get_team(client, org.rep, org.team["id"])).json()) == {org.rep.id}


async def test_concurrent_puts_of_the_same_member_leave_one_membership(client, org):
    newcomer = await add_user(client, org.admin, role="rep")
    responses = await asyncio.gather(
        *(put_member(client, org.manager, org.team["id"], newcomer.id) for _ in range(4))
    )
    assert [response.status_code for response in responses] == [200] * 4, [
        response.text for response in responses
    ]
    members = (await get_team(client, org.rep, org.team["id"])).json()["members"]
    assert sorted(m["user_id"] for m in members) == sorted([org.rep.id, newcomer.id])
