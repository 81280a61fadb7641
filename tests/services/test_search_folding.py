"""Japanese-aware name search on the lists (DESIGN 7.3), on PostgreSQL and SQLite: clients,
projects and people are found by folded text whichever way the name or the query is written,
one- and two-character queries match, and every write path keeps the folded text current
(create, rename, CSV import create and update, CRM-made rows go through the ORM)."""

from __future__ import annotations

import uuid

import pytest

from api.kit.folding import fold, grams
from api.models import Client, Project, User
from tests.factories import API, Actor, add_user, assert_problem, register


async def listed(http, actor: Actor, resource: str, **params) -> list[str]:
    response = await http.get(f"{API}/{resource}", headers=actor.headers, params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def create(http, actor: Actor, resource: str, **fields) -> dict:
    response = await http.post(f"{API}/{resource}", headers=actor.headers, json=fields)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
async def admin(client) -> Actor:
    return await register(client, organization_name=f"株式会社テスト {uuid.uuid4().hex[:6]}")


async def test_clients_are_found_by_hiragana_half_width_and_full_width_katakana(client, admin):
    test_co = await create(client, admin, "clients", name="テスト工業株式会社")
    half = await create(client, admin, "clients", name="ﾃｽﾄﾃﾞｰﾀ販売")
    other = await create(client, admin, "clients", name="今月の売上研究所")
    for query in ("てすと", "ﾃｽﾄ", "テスト", "テ"):
        assert sorted(await listed(client, admin, "clients", q=query)) == sorted(
            [test_co["id"], half["id"]]
        ), query
    assert await listed(client, admin, "clients", q="でーた") == [half["id"]]
    assert await listed(client, admin, "clients", q="売上") == [other["id"]]
    assert sorted(await listed(client, admin, "clients", q="売")) == sorted(
        [half["id"], other["id"]]  # 販売 has it too
    )
    assert await listed(client, admin, "clients", q="上研") == [other["id"]]
    assert await listed(client, admin, "clients", q="売下") == []


async def test_full_width_ascii_and_case_match_plain_ascii(client, admin):
    acme = await create(client, admin, "clients", name="ＡＣＭＥ Trading")
    assert await listed(client, admin, "clients", q="acme") == [acme["id"]]
    assert await listed(client, admin, "clients", q="ａｃｍｅ ｔｒａ") == [acme["id"]]
    assert await listed(client, admin, "clients", q="TRADING") == [acme["id"]]
    assert await listed(client, admin, "clients", q="%") == []
    assert await listed(client, admin, "clients", q="_") == []


async def test_project_titles_fold_and_a_rename_moves_the_match(client, admin):
    company = await create(client, admin, "clients", name="北海道物産")
    project = await create(
        client, admin, "projects", title="今月の売上拡大", kind="account", client_id=company["id"]
    )
    await create(client, admin, "projects", title="Spring campaign", kind="campaign")
    assert await listed(client, admin, "projects", q="売上") == [project["id"]]
    assert await listed(client, admin, "projects", q="こんげつ") == []
    renamed = await client.patch(
        f"{API}/projects/{project['id']}",
        headers=admin.headers,
        json={"title": "ｷｬﾝﾍﾟｰﾝ 来期"},
    )
    assert renamed.status_code == 200, renamed.text
    assert await listed(client, admin, "projects", q="売上") == []
    assert await listed(client, admin, "projects", q="きゃんぺーん") == [project["id"]]
    assert await listed(client, admin, "projects", q="来") == [project["id"]]


async def test_people_are_found_by_folded_name_and_email(client, admin):
    tanaka = await add_user(client, admin, full_name="タナカ ハナコ")
    found = await listed(client, admin, "users", q="はなこ")
    assert found == [tanaka.id]
    assert await listed(client, admin, "users", q=tanaka.user["email"].upper()) == [tanaka.id]


async def test_search_stays_inside_the_organization(client, admin):
    await create(client, admin, "clients", name="テスト商事")
    rival = await register(client, organization_name="Rival")
    assert await listed(client, rival, "clients", q="てすと") == []


async def test_api_writes_keep_the_folded_text(client, app, admin):
    """ORM inserts and updates (what the API runs) leave search_text and search_grams equal
    to the folding of the name; the name itself is stored as written. The CSV import's Core
    INSERT and UPDATE are checked in tests/test_import_export.py."""
    company = await create(client, admin, "clients", name="ﾃｽﾄ")
    renamed = await client.patch(
        f"{API}/clients/{company['id']}",
        headers=admin.headers,
        json={"name": "ｶﾀｶﾅ社"},
    )
    assert renamed.status_code == 200, renamed.text
    project = await create(client, admin, "projects", title="ぷろじぇくと", kind="campaign")
    async with app.state.sessionmaker() as session:
        stored = await session.get(Client, uuid.UUID(company["id"]))
        assert stored is not None
        assert (stored.name, stored.search_text) == ("ｶﾀｶﾅ社", "カタカナ社")
        assert stored.search_grams == grams("カタカナ社")
        work = await session.get(Project, uuid.UUID(project["id"]))
        assert work is not None and work.search_text == "プロジェクト"
        person = await session.get(User, uuid.UUID(admin.id))
        assert person is not None
        assert person.search_text == fold(f"{person.full_name} {person.email}")


@pytest.mark.parametrize(
    "query", ["o'k", "'; DROP TABLE client; --", "back\\slash", "\\'", "50%_", "$1", "Y\x00x"]
)
async def test_hostile_queries_match_literally_and_never_fail(client, admin, query):
    """Search values are rendered into the SQL by the dialect (api/kit/folding.py): quotes,
    backslashes and wildcards stay text, and NUL is refused as a problem, not a 500."""
    plain = await create(client, admin, "clients", name="Plain Company")
    odd = await create(client, admin, "clients", name="O'K back\\slash 50%_ $1 \\'")
    for resource in ("clients", "projects", "users"):
        response = await client.get(f"{API}/{resource}", headers=admin.headers, params={"q": query})
        if "\x00" in query:
            assert_problem(response, 422)
            continue
        assert response.status_code == 200, response.text
        if resource == "clients":
            expected = [odd["id"]] if fold(query) in fold(odd["name"]) else []
            assert [item["id"] for item in response.json()["items"]] == expected, query
    assert plain["id"] != odd["id"]
    # The tables are all still there, and the first queries of the set did match.
    assert fold("o'k") in fold(odd["name"]) and fold("$1") in fold(odd["name"])
    assert len(await listed(client, admin, "clients")) == 2
