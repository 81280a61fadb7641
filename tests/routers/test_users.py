"""Users: the trio on every endpoint, who may create and edit whom, the last-admin rule,
deactivation, list filters and keyset pagination."""

from __future__ import annotations

import asyncio
import base64
import uuid

import httpx
import orjson
import pytest

from tests.factories import (
    API,
    DEFAULT_PASSWORD,
    Actor,
    add_user,
    assert_problem,
    assert_unauthorized,
    create_team,
    login,
    register,
    unique_email,
)


def user_payload(**overrides) -> dict:
    payload = {
        "email": unique_email("new"),
        "full_name": "Nora New",
        "password": DEFAULT_PASSWORD,
        "role": "rep",
        "seniority": "junior",
        "expertise": ["saas", "fintech"],
    }
    payload.update(overrides)
    return payload


async def patch_user(client: httpx.AsyncClient, actor: Actor, user_id: str, **fields):
    return await client.patch(f"{API}/users/{user_id}", headers=actor.headers, json=fields)


async def list_users(client: httpx.AsyncClient, actor: Actor, **params) -> httpx.Response:
    return await client.get(f"{API}/users", headers=actor.headers, params=params)


async def listed_ids(client: httpx.AsyncClient, actor: Actor, **params) -> set[str]:
    response = await list_users(client, actor, **params)
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return {item["id"] for item in response.json()["items"]}


@pytest.fixture
async def org(client):
    admin = await register(client, organization_name="Acme Sales")
    manager = await add_user(client, admin, role="manager", seniority="senior")
    rep = await add_user(client, admin, role="rep", full_name="Rita Rep", expertise=["retail"])
    return admin, manager, rep


@pytest.fixture
async def other_org(client):
    admin = await register(client, organization_name="Globex")
    rep = await add_user(client, admin, role="rep")
    return admin, rep


# --- GET /users/me -------------------------------------------------------------------------


async def test_me_anonymous_is_401(client):
    assert_unauthorized(await client.get(f"{API}/users/me"))


async def test_me_with_a_garbage_token_is_401(client):
    response = await client.get(f"{API}/users/me", headers={"Authorization": "Bearer nonsense"})
    assert_unauthorized(response)


async def test_me_with_a_refresh_token_instead_of_an_access_token_is_401(client, org):
    admin, _, _ = org
    response = await client.get(
        f"{API}/users/me", headers={"Authorization": f"Bearer {admin.refresh_token}"}
    )
    assert_unauthorized(response)


async def test_me_returns_the_caller_and_their_organization(client, org):
    admin, _, rep = org
    response = await client.get(f"{API}/users/me", headers=rep.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == rep.id
    assert body["email"] == rep.user["email"]
    assert body["full_name"] == "Rita Rep"
    assert body["role"] == "rep"
    assert body["expertise"] == ["retail"]
    assert body["is_active"] is True
    assert body["organization"]["id"] == admin.organization_id
    assert body["organization"]["name"] == "Acme Sales"
    assert "password_hash" not in body and "password" not in body


# --- POST /users ---------------------------------------------------------------------------


async def test_create_user_anonymous_is_401(client):
    assert_unauthorized(await client.post(f"{API}/users", json=user_payload()))


async def test_admin_creates_a_user_who_can_sign_in(client, org):
    admin, _, _ = org
    payload = user_payload(email="Mixed.Case@Example.com", role="manager", seniority="senior")
    response = await client.post(f"{API}/users", headers=admin.headers, json=payload)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["email"] == "mixed.case@example.com"
    assert body["full_name"] == "Nora New"
    assert body["role"] == "manager"
    assert body["seniority"] == "senior"
    assert body["expertise"] == ["saas", "fintech"]
    assert body["is_active"] is True
    assert body["organization_id"] == admin.organization_id
    assert "password" not in body and "password_hash" not in body
    uuid.UUID(body["id"])

    fetched = await client.get(f"{API}/users/{body['id']}", headers=admin.headers)
    assert fetched.json() == body
    signed_in = await login(client, "mixed.case@example.com")
    assert signed_in.status_code == 200


async def test_create_user_defaults_to_a_mid_rep(client, org):
    admin, _, _ = org
    payload = {"email": unique_email(), "full_name": "Dee Fault", "password": DEFAULT_PASSWORD}
    response = await client.post(f"{API}/users", headers=admin.headers, json=payload)
    assert response.status_code == 201, response.text
    assert response.json()["role"] == "rep"
    assert response.json()["seniority"] == "mid"
    assert response.json()["expertise"] == []


async def test_only_admins_create_users(client, org):
    admin, manager, rep = org
    payload = user_payload()
    for actor in (manager, rep):
        response = await client.post(f"{API}/users", headers=actor.headers, json=payload)
        assert_problem(response, 403)
    # Nothing was created: the admin can still create that very email.
    response = await client.post(f"{API}/users", headers=admin.headers, json=payload)
    assert response.status_code == 201


async def test_create_user_with_a_taken_email_is_409(client, org, other_org):
    admin, _, rep = org
    _, foreign_rep = other_org
    for email in (rep.user["email"], rep.user["email"].upper(), foreign_rep.user["email"]):
        response = await client.post(
            f"{API}/users", headers=admin.headers, json=user_payload(email=email)
        )
        assert_problem(response, 409)


async def test_create_user_rejects_unknown_fields_and_bad_values(client, org):
    admin, _, _ = org
    for payload in (
        user_payload(is_active=False),
        user_payload(organization_id=str(uuid.uuid4())),
        user_payload(role="owner"),
        user_payload(password="short"),
        user_payload(email="not-an-email"),
    ):
        response = await client.post(f"{API}/users", headers=admin.headers, json=payload)
        assert_problem(response, 422)


# --- GET /users/{id} -----------------------------------------------------------------------


async def test_get_user_anonymous_is_401(client, org):
    _, _, rep = org
    assert_unauthorized(await client.get(f"{API}/users/{rep.id}"))


async def test_get_user_of_another_organization_is_404(client, org, other_org):
    admin, _, rep = org
    foreign_admin, foreign_rep = other_org
    for actor in (admin, rep):
        assert_problem(
            await client.get(f"{API}/users/{foreign_rep.id}", headers=actor.headers), 404
        )
    assert_problem(await client.get(f"{API}/users/{rep.id}", headers=foreign_admin.headers), 404)


async def test_get_unknown_or_malformed_user_id_is_404(client, org):
    admin, _, _ = org
    body = assert_problem(
        await client.get(f"{API}/users/{uuid.uuid4()}", headers=admin.headers), 404
    )
    assert body["detail"] == "User not found"
    # Only UUIDs match the route: anything else is no such resource at all.
    assert_problem(await client.get(f"{API}/users/not-a-uuid", headers=admin.headers), 404)


async def test_a_rep_reads_a_colleague(client, org):
    _, manager, rep = org
    response = await client.get(f"{API}/users/{manager.id}", headers=rep.headers)
    assert response.status_code == 200
    assert response.json()["id"] == manager.id
    assert response.json()["role"] == "manager"
    assert response.json()["seniority"] == "senior"


# --- PATCH /users/{id} ---------------------------------------------------------------------


async def test_patch_user_anonymous_is_401(client, org):
    _, _, rep = org
    response = await client.patch(f"{API}/users/{rep.id}", json={"full_name": "X"})
    assert_unauthorized(response)


async def test_patch_user_of_another_organization_is_404(client, org, other_org):
    admin, _, rep = org
    _, foreign_rep = other_org
    for actor in (admin, rep):
        response = await patch_user(client, actor, foreign_rep.id, full_name="Hijacked")
        assert_problem(response, 404)
    foreign = await client.get(f"{API}/users/{foreign_rep.id}", headers=other_org[0].headers)
    assert foreign.json()["full_name"] != "Hijacked"


async def test_a_rep_edits_their_own_name_and_expertise(client, org):
    _, _, rep = org
    response = await patch_user(client, rep, rep.id, full_name="  Rita Renamed ", expertise=["b2b"])
    assert response.status_code == 200, response.text
    assert response.json()["full_name"] == "Rita Renamed"
    assert response.json()["expertise"] == ["b2b"]
    assert response.json()["role"] == "rep"
    me = await client.get(f"{API}/users/me", headers=rep.headers)
    assert me.json()["full_name"] == "Rita Renamed"
    assert me.json()["expertise"] == ["b2b"]


async def test_a_rep_may_not_change_their_own_admin_fields(client, org):
    admin, _, rep = org
    for fields in (
        {"role": "admin"},
        {"role": "manager"},
        {"seniority": "senior"},
        {"is_active": False},
        {"email": "someone.else@example.com"},
        {"full_name": "Fine", "role": "admin"},
    ):
        response = await patch_user(client, rep, rep.id, **fields)
        assert response.status_code == 403, (fields, response.text)
        assert_problem(response, 403)
    current = (await client.get(f"{API}/users/{rep.id}", headers=admin.headers)).json()
    assert current["role"] == "rep"
    assert current["seniority"] == "mid"
    assert current["is_active"] is True
    assert current["full_name"] == "Rita Rep"
    assert current["email"] == rep.user["email"]


async def test_a_rep_or_manager_may_not_edit_someone_else(client, org):
    admin, manager, rep = org
    assert_problem(await patch_user(client, rep, manager.id, full_name="Renamed"), 403)
    assert_problem(await patch_user(client, rep, admin.id, expertise=["x"]), 403)
    assert_problem(await patch_user(client, manager, rep.id, full_name="Renamed"), 403)
    current = (await client.get(f"{API}/users/{rep.id}", headers=admin.headers)).json()
    assert current["full_name"] == "Rita Rep"


async def test_admin_edits_every_field_of_a_user(client, org):
    admin, _, rep = org
    new_email = unique_email("moved")
    response = await patch_user(
        client,
        admin,
        rep.id,
        role="manager",
        seniority="senior",
        full_name="Rita Promoted",
        email=new_email.upper(),
        expertise=["enterprise"],
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["role"] == "manager"
    assert body["seniority"] == "senior"
    assert body["full_name"] == "Rita Promoted"
    assert body["email"] == new_email
    assert body["expertise"] == ["enterprise"]
    assert body["updated_at"] >= rep.user["updated_at"]
    assert (await login(client, new_email)).status_code == 200


async def test_admin_changing_an_email_to_a_taken_one_is_409(client, org):
    admin, manager, rep = org
    assert_problem(await patch_user(client, admin, rep.id, email=manager.user["email"]), 409)
    current = (await client.get(f"{API}/users/{rep.id}", headers=admin.headers)).json()
    assert current["email"] == rep.user["email"]


async def test_null_is_refused_for_fields_that_cannot_be_cleared(client, org):
    admin, _, rep = org
    response = await patch_user(client, admin, rep.id, full_name=None, role=None, is_active=None)
    problem = assert_problem(response, 422)
    assert {tuple(e["loc"]) for e in problem["errors"]} >= {
        ("body", "full_name"),
        ("body", "role"),
        ("body", "is_active"),
    }
    unchanged = (await client.get(f"{API}/users/{rep.id}", headers=admin.headers)).json()
    assert (unchanged["full_name"], unchanged["role"], unchanged["is_active"]) == (
        "Rita Rep",
        "rep",
        True,
    )


async def test_changing_your_own_password_needs_the_current_one(client, org):
    _, _, rep = org
    new_password = "a brand new passphrase"
    refused = await patch_user(client, rep, rep.id, password=new_password)
    assert assert_problem(refused, 422)["errors"][0]["loc"] == ["body", "current_password"]
    wrong = await patch_user(
        client, rep, rep.id, password=new_password, current_password="wrong password!"
    )
    assert_problem(wrong, 403)
    assert (await login(client, rep.user["email"], new_password)).status_code == 401

    ok = await patch_user(
        client, rep, rep.id, password=new_password, current_password=DEFAULT_PASSWORD
    )
    assert ok.status_code == 200, ok.text
    assert (await login(client, rep.user["email"], new_password)).status_code == 200
    assert (await login(client, rep.user["email"], DEFAULT_PASSWORD)).status_code == 401
    # The device it was changed on stays signed in (tests/routers/test_auth.py: the others do not).
    refreshed = await client.post(f"{API}/auth/refresh", json={"refresh_token": rep.refresh_token})
    assert refreshed.status_code == 200, refreshed.text


async def test_deactivated_user_is_locked_out(client, org):
    admin, _, rep = org
    assert (await client.get(f"{API}/users/me", headers=rep.headers)).status_code == 200

    response = await patch_user(client, admin, rep.id, is_active=False)
    assert response.status_code == 200, response.text
    assert response.json()["is_active"] is False

    assert_unauthorized(await client.get(f"{API}/users/me", headers=rep.headers))
    assert_unauthorized(await client.get(f"{API}/users", headers=rep.headers))
    refreshed = await client.post(f"{API}/auth/refresh", json={"refresh_token": rep.refresh_token})
    assert_unauthorized(refreshed)
    assert (await login(client, rep.user["email"])).status_code == 401

    # Reactivated, they sign in again (with a fresh sign-in; the old tokens stay dead).
    assert (await patch_user(client, admin, rep.id, is_active=True)).status_code == 200
    assert (await login(client, rep.user["email"])).status_code == 200


async def test_the_last_active_admin_cannot_demote_or_deactivate_themselves(client, org):
    admin, manager, _ = org
    for fields in ({"role": "manager"}, {"role": "rep"}, {"is_active": False}):
        assert_problem(await patch_user(client, admin, admin.id, **fields), 409)
    me = (await client.get(f"{API}/users/me", headers=admin.headers)).json()
    assert me["role"] == "admin" and me["is_active"] is True

    # With a second active admin, stepping down is fine.
    assert (await patch_user(client, admin, manager.id, role="admin")).status_code == 200
    response = await patch_user(client, admin, admin.id, role="manager")
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "manager"
    # A person's role changed, not the organization.
    after = (await client.get(f"{API}/users/me", headers=admin.headers)).json()
    assert after["organization"] == me["organization"]


async def test_an_inactive_admin_does_not_count_as_the_remaining_admin(client, org):
    admin, manager, _ = org
    assert (await patch_user(client, admin, manager.id, role="admin")).status_code == 200
    assert (await patch_user(client, admin, manager.id, is_active=False)).status_code == 200
    assert_problem(await patch_user(client, admin, admin.id, is_active=False), 409)


async def test_two_admins_stepping_down_at_once_leave_one_admin(client):
    for _ in range(3):  # a race: a few rounds, so an unlucky interleaving shows up
        first = await register(client)
        second = await add_user(client, first, role="admin")
        results = await asyncio.gather(
            patch_user(client, first, first.id, role="rep"),
            patch_user(client, second, second.id, is_active=False),
        )
        assert sorted(response.status_code for response in results) == [200, 409]
        survivor = first if results[0].status_code == 409 else second
        admins = await listed_ids(client, survivor, role="admin", is_active="true")
        assert admins == {survivor.id}


async def test_concurrent_creates_of_one_email_make_one_user(client, org):
    admin, _, _ = org
    payload = user_payload()
    results = await asyncio.gather(
        *(client.post(f"{API}/users", headers=admin.headers, json=payload) for _ in range(3))
    )
    assert sorted(response.status_code for response in results) == [201, 409, 409]
    for response in results:
        if response.status_code == 409:
            assert_problem(response, 409)
    assert len(await listed_ids(client, admin, q=payload["email"])) == 1


async def test_patch_rejects_unknown_fields(client, org):
    admin, _, rep = org
    response = await patch_user(client, admin, rep.id, organization_id=str(uuid.uuid4()))
    assert_problem(response, 422)
    response = await patch_user(client, admin, rep.id, is_active="no")
    assert_problem(response, 422)


# --- GET /users ----------------------------------------------------------------------------


async def test_list_users_anonymous_is_401(client):
    assert_unauthorized(await client.get(f"{API}/users"))


async def test_list_users_shows_only_the_callers_organization(client, org, other_org):
    admin, manager, rep = org
    foreign_admin, foreign_rep = other_org
    response = await list_users(client, rep)
    assert response.status_code == 200
    items = response.json()["items"]
    assert {item["id"] for item in items} == {admin.id, manager.id, rep.id}
    assert all(item["organization_id"] == admin.organization_id for item in items)
    assert response.json()["next_cursor"] is None
    assert await listed_ids(client, foreign_admin) == {foreign_admin.id, foreign_rep.id}


async def test_list_users_filters_by_role_and_active(client, org):
    admin, manager, rep = org
    second_rep = await add_user(client, admin, role="rep")
    assert (await patch_user(client, admin, second_rep.id, is_active=False)).status_code == 200

    assert await listed_ids(client, admin, role="rep") == {rep.id, second_rep.id}
    assert await listed_ids(client, admin, role="manager") == {manager.id}
    assert await listed_ids(client, admin, role="admin") == {admin.id}
    assert await listed_ids(client, admin, is_active="false") == {second_rep.id}
    assert await listed_ids(client, admin, is_active="true") == {admin.id, manager.id, rep.id}
    assert await listed_ids(client, admin, role="rep", is_active="true") == {rep.id}
    assert_problem(await list_users(client, admin, role="owner"), 422)


async def test_list_users_filters_by_team(client, org, other_org):
    admin, manager, rep = org
    foreign_admin, _ = other_org
    team = await create_team(client, manager, member_ids=[rep.id])
    empty_team = await create_team(client, manager)
    foreign_team = await create_team(client, foreign_admin, member_ids=[foreign_admin.id])

    assert await listed_ids(client, admin, team_id=team["id"]) == {rep.id}
    assert await listed_ids(client, admin, team_id=empty_team["id"]) == set()
    # Another organization's team never reveals its members.
    assert await listed_ids(client, admin, team_id=foreign_team["id"]) == set()


async def test_list_users_q_matches_name_or_email_case_insensitively(client, org):
    admin, _, rep = org
    target = await add_user(client, admin, full_name="Zelda Quintero")
    assert await listed_ids(client, admin, q="zelda") == {target.id}
    assert await listed_ids(client, admin, q="QUINTERO") == {target.id}
    email_part = rep.user["email"].split("@")[0]
    assert await listed_ids(client, admin, q=email_part.upper()) == {rep.id}
    assert await listed_ids(client, admin, q="nobody-has-this") == set()


async def test_list_users_q_treats_wildcards_literally(client, org):
    admin, _, _ = org
    percent = await add_user(client, admin, full_name="Percy 100% Closer")
    underscore = await add_user(client, admin, full_name="Una Under_Score")
    await add_user(client, admin, full_name="Plain Pete")
    assert await listed_ids(client, admin, q="%") == {percent.id}
    assert await listed_ids(client, admin, q="100%") == {percent.id}
    assert await listed_ids(client, admin, q="_") == {underscore.id}
    assert await listed_ids(client, admin, q="under_s") == {underscore.id}
    # "_" must not match any single character, nor "%" any run of them.
    assert await listed_ids(client, admin, q="p_ain") == set()
    assert await listed_ids(client, admin, q="pl%te") == set()
    # The escape character itself is literal too.
    assert await listed_ids(client, admin, q="/") == set()


async def test_cursor_pagination_walks_every_user_once_despite_inserts(client, org):
    admin, _, _ = org
    for _ in range(4):
        await add_user(client, admin)
    existing = await listed_ids(client, admin)
    assert len(existing) == 7

    seen: list[str] = []
    inserted: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        response = await list_users(client, admin, **params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= 3
        seen.extend(item["id"] for item in page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        if len(inserted) < 2:
            inserted.append((await add_user(client, admin)).id)
        assert pages < 20, "pagination never ends"

    assert len(seen) == len(set(seen)), "a user came back twice"
    assert existing <= set(seen), "a user was skipped"
    # Rows inserted mid-walk are newer than the cursor, so they still show up at the end.
    assert set(inserted) <= set(seen)
    assert set(seen) == existing | set(inserted)
    assert pages == 3


async def test_pagination_pages_are_ordered_oldest_first(client, org):
    admin, manager, rep = org
    first = await list_users(client, admin, limit=1)
    assert first.json()["items"][0]["id"] == admin.id
    second = await list_users(client, admin, limit=1, cursor=first.json()["next_cursor"])
    assert second.json()["items"][0]["id"] == manager.id
    last = await list_users(client, admin, limit=2, cursor=second.json()["next_cursor"])
    assert [item["id"] for item in last.json()["items"]] == [rep.id]
    assert last.json()["next_cursor"] is None


async def test_an_exact_final_page_has_no_next_cursor(client, org):
    admin, _, _ = org
    response = await list_users(client, admin, limit=3)
    assert len(response.json()["items"]) == 3
    assert response.json()["next_cursor"] is None


async def test_out_of_range_limit_is_422(client, org):
    admin, _, _ = org
    for limit in ("0", "201", "-1", "ten"):
        body = assert_problem(await list_users(client, admin, limit=limit), 422)
        assert any(error["loc"] == ["query", "limit"] for error in body["errors"]), limit


async def test_limit_bounds_are_accepted(client, org):
    admin, _, _ = org
    assert (await list_users(client, admin, limit=1)).status_code == 200
    assert (await list_users(client, admin, limit=200)).status_code == 200


def _b64(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).decode().rstrip("=")


GARBAGE_CURSORS = [
    "garbage",
    "!!!!",
    "a",
    _b64(b"not json"),
    _b64(b"5"),
    _b64(b'"ab"'),
    _b64(b"[1, 2]"),
    _b64(b'["2026-01-01T00:00:00", "' + str(uuid.uuid4()).encode() + b'"]'),
    _b64(b'["2026-01-01T00:00:00+00:00", "not-a-uuid"]'),
    _b64(b'["2026-01-01T00:00:00+00:00", 5]'),
    _b64(b'["2026-01-01T00:00:00+00:00", null]'),
    _b64(b'["0001-01-01T00:00:00+05:00", "' + str(uuid.uuid4()).encode() + b'"]'),
    _b64(b'["9999-12-31T23:59:59-05:00", "' + str(uuid.uuid4()).encode() + b'"]'),
    _b64(orjson.dumps(["2026-01-01T00:00:00+00:00", str(uuid.uuid4()), "extra"])),
    _b64(b"\xff\xfe\xfd"),
]


async def test_a_garbage_cursor_is_422_problem_not_500(client, org):
    admin, _, _ = org
    for cursor in GARBAGE_CURSORS:
        response = await list_users(client, admin, cursor=cursor)
        assert response.status_code == 422, (cursor, response.text)
        body = assert_problem(response, 422)
        assert any(error["loc"] == ["query", "cursor"] for error in body["errors"]), cursor


async def test_an_overlong_cursor_is_422(client, org):
    admin, _, _ = org
    assert_problem(await list_users(client, admin, cursor="a" * 513), 422)


# --- PATCH /users/me -----------------------------------------------------------------------


async def test_a_person_sets_their_name_reading_and_language(client, org):
    _, _, rep = org
    response = await client.patch(
        f"{API}/users/me",
        headers=rep.headers,
        json={"full_name": " 山田 太郎 ", "name_reading": "やまだ たろう", "locale": "ja"},
    )
    assert response.status_code == 200, response.text
    me = response.json()
    assert (me["full_name"], me["name_reading"], me["locale"]) == (
        "山田 太郎",
        "やまだ たろう",
        "ja",
    )
    assert me["organization"]["locale"] == "en"  # the organization's stays as it was
    assert (await client.get(f"{API}/users/me", headers=rep.headers)).json() == me
    # The reading finds the person, folded: katakana, half-width, hiragana alike.
    for query in ("ヤマダ", "ﾀﾛｳ", "やまだ"):
        found = await client.get(f"{API}/users", headers=rep.headers, params={"q": query})
        assert [u["id"] for u in found.json()["items"]] == [rep.id], query
    # null gives the language back to the organization and clears the reading.
    cleared = await client.patch(
        f"{API}/users/me", headers=rep.headers, json={"locale": None, "name_reading": None}
    )
    assert (cleared.json()["locale"], cleared.json()["name_reading"]) == (None, None)
    gone = await client.get(f"{API}/users", headers=rep.headers, params={"q": "ヤマダ"})
    assert gone.json()["items"] == []


async def test_profile_fields_are_validated_and_admin_fields_are_not_the_persons(client, org):
    _, _, rep = org
    for body, field in (
        ({"locale": "fr"}, "locale"),
        ({"name_reading": "   "}, "name_reading"),
        ({"name_reading": "ア" * 201}, "name_reading"),
        ({"full_name": None}, "full_name"),
        ({"role": "admin"}, "role"),
        ({"email": "new@example.com"}, "email"),
    ):
        response = await client.patch(f"{API}/users/me", headers=rep.headers, json=body)
        problem = assert_problem(response, 422)
        assert ["body", field] in [e["loc"] for e in problem["errors"]], (body, problem)
    assert_unauthorized(await client.patch(f"{API}/users/me", json={"locale": "ja"}))


async def test_a_new_password_through_the_profile_needs_the_current_one(client, org):
    _, _, rep = org
    new_password = "a brand new password"
    missing = await client.patch(
        f"{API}/users/me", headers=rep.headers, json={"password": new_password}
    )
    assert assert_problem(missing, 422)["errors"][0]["loc"] == ["body", "current_password"]
    wrong = await client.patch(
        f"{API}/users/me",
        headers=rep.headers,
        json={"password": new_password, "current_password": "not my password"},
    )
    assert_problem(wrong, 403)
    assert (await login(client, rep.user["email"])).status_code == 200

    other_device = (await login(client, rep.user["email"])).json()
    changed = await client.patch(
        f"{API}/users/me",
        headers=rep.headers,
        json={"password": new_password, "current_password": DEFAULT_PASSWORD},
    )
    assert changed.status_code == 200, changed.text
    assert "password" not in changed.text
    # Every other device is signed out; this one renews its access token and carries on.
    other = await client.post(
        f"{API}/auth/refresh", json={"refresh_token": other_device["refresh_token"]}
    )
    assert_unauthorized(other)
    renewed = await client.post(f"{API}/auth/refresh", json={"refresh_token": rep.refresh_token})
    assert renewed.status_code == 200, renewed.text
    assert (await login(client, rep.user["email"], new_password)).status_code == 200
    assert_unauthorized(await login(client, rep.user["email"], DEFAULT_PASSWORD))


async def test_guessing_the_current_password_is_throttled_like_a_sign_in(client, app, org):
    """A stolen access token must not turn PATCH /users/me into a password oracle: wrong
    current passwords count against the account as failed sign-ins do, and at the limit
    the answer is 429 before argon2 runs."""
    _, _, rep = org
    limit = app.state.settings.login_max_failures_per_account
    statuses = []
    for attempt in range(limit + 1):
        response = await client.patch(
            f"{API}/users/me",
            headers=rep.headers,
            json={"password": "a brand new password", "current_password": f"guess {attempt}"},
        )
        statuses.append(response.status_code)
    assert statuses == [403] * limit + [429]
    assert "Retry-After" in response.headers


async def test_people_sort_by_the_reading_of_their_names(client, org):
    """渡辺 (わたなべ) comes before 青木 (あおき) by code point; by reading 青木 is first."""
    admin, _, _ = org
    ids = {}
    for name, reading in (("渡辺", "わたなべ"), ("青木", "あおき")):
        ids[name] = (await add_user(client, admin, full_name=name)).id
        response = await client.patch(
            f"{API}/users/{ids[name]}", headers=admin.headers, json={"name_reading": reading}
        )
        assert response.status_code == 200, response.text
    ledger = (await client.get(f"{API}/ledger", headers=admin.headers)).json()["items"]
    order = [row["user_id"] for row in ledger if row["user_id"] in ids.values()]
    assert order == [ids["青木"], ids["渡辺"]]
