"""GET /search: what each caller finds (the scoping matrix, shared closed learnings on and
off, another organization), Japanese folding, ranking and paging, bad input; on both
databases."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import update

from api.models import Organization
from api.services import search as search_service
from tests.factories import API, Actor, register
from tests.session_kit import (
    add_member,
    completed_session,
    contribute,
    count_statements,
    held_for,
    make_panel,
    new_project,
    new_session,
    ok,
    problem,
    quick_users,
    transition,
)


async def _search(client, actor: Actor, q: str, **params) -> dict:
    return ok(await client.get(f"{API}/search", headers=actor.headers, params={"q": q, **params}))


def _found(page: dict, kind: str | None = None) -> set[str]:
    return {item["id"] for item in page["items"] if kind is None or item["type"] == kind}


async def _share(app, organization_id: str, shared: bool) -> None:
    """Set-up only: the organization's share_closed_learnings setting."""
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(Organization)
            .where(Organization.id == uuid.UUID(organization_id))
            .values(share_closed_learnings=shared)
        )
        await session.commit()


async def _adopt(client, owner: Actor, contribution_id: str) -> None:
    ok(
        await client.patch(
            f"{API}/contributions/{contribution_id}",
            headers=owner.headers,
            json={"status": "adopted"},
        )
    )


async def test_who_finds_what(client, app):
    panel = await make_panel(client, app)
    owner, helper = panel.owner, panel.helper
    ideas: dict[str, dict] = {}

    async def during(session: dict) -> None:
        ideas["adopted"] = await contribute(client, session["id"], helper, "Zebra pilot offer")
        ideas["open"] = await contribute(client, session["id"], helper, "Zebra discount")
        await _adopt(client, owner, ideas["adopted"]["id"])

    outcome = await completed_session(
        client, app, panel.project_id, owner, {owner.id: 30, helper.id: 30}, during=during
    )
    ok(
        await client.post(
            f"{API}/sessions/{outcome['id']}/takeaways",
            headers=helper.headers,
            json={"body": "Zebra buyers want a pilot"},
        ),
        201,
    )
    # The stranger's organization has its own zebra idea nobody here may find.
    stranger_project = await new_project(client, panel.stranger, title="Zebra rival deal")

    member = await _search(client, helper, "zebra")
    assert _found(member, "ideas") == {ideas["adopted"]["id"], ideas["open"]["id"]}
    assert len(_found(member, "takeaways")) == 1
    assert _found(member, "outcomes") == set()  # the session's title has no zebra
    hit = next(i for i in member["items"] if i["id"] == ideas["adopted"]["id"])
    assert (hit["project_id"], hit["project_title"]) == (panel.project_id, "Northwind expansion")
    assert hit["result"] is None  # the project is still open

    # A rep off the project finds nothing of an open project, whatever the setting.
    for shared in (True, False):
        await _share(app, panel.admin.organization_id, shared)
        assert _found(await _search(client, panel.outsider, "zebra")) == set()
    # Managers read every project of the organization.
    assert ideas["open"]["id"] in _found(await _search(client, panel.manager, "zebra"))
    assert stranger_project["id"] not in _found(await _search(client, panel.manager, "zebra"))
    assert _found(await _search(client, panel.stranger, "zebra")) == {stranger_project["id"]}

    ok(
        await client.post(
            f"{API}/projects/{panel.project_id}/close",
            headers=owner.headers,
            json={"result": "won"},
        )
    )
    await _share(app, panel.admin.organization_id, True)
    outsider = await _search(client, panel.outsider, "zebra")
    # The adopted idea and the outcome of the closed project, no link to the project, not
    # the open idea, not the takeaway, not the project itself.
    assert _found(outsider) == {ideas["adopted"]["id"]}
    shared_hit = next(i for i in outsider["items"] if i["type"] == "ideas")
    assert shared_hit["project_id"] is None
    assert (shared_hit["project_title"], shared_hit["result"]) == ("Northwind expansion", "won")

    await _share(app, panel.admin.organization_id, False)
    assert _found(await _search(client, panel.outsider, "zebra")) == set()
    assert _found(await _search(client, panel.stranger, "zebra")) == {stranger_project["id"]}


async def test_outcomes_are_found_by_their_text_when_shared(client, app):
    panel = await make_panel(client, app)
    owner = panel.owner
    session = await new_session(client, panel.project_id, owner, title="Pricing")
    await transition(client, session["id"], owner, "start")
    await held_for(app, session["id"], 30)
    await transition(
        client,
        session["id"],
        owner,
        "complete",
        summary="Budget owner is the CFO",
        decisions=["Send the case study"],
        recommended_approach="Lead with ROI",
        attendance=[{"user_id": owner.id, "minutes": 30}],
    )
    # Before the project closes the outcome is the panel's alone.
    assert _found(await _search(client, panel.outsider, "roi")) == set()
    assert _found(await _search(client, panel.helper, "case study")) == {session["id"]}
    ok(
        await client.post(
            f"{API}/projects/{panel.project_id}/close",
            headers=owner.headers,
            json={"result": "lost", "lost_reason": "price"},
        )
    )
    found = await _search(client, panel.outsider, "roi", types="outcomes")
    assert [(i["type"], i["id"], i["result"]) for i in found["items"]] == [
        ("outcomes", session["id"], "lost")
    ]
    assert "Lead with ROI" in found["items"][0]["snippet"]


async def test_japanese_queries_fold_and_match_one_and_two_characters(client, app):
    admin = await register(client)
    titles = ["今月の売上", "テスト導入", "ﾃｽﾄ環境", "Ｓａｌｅｓ計画"]
    projects = {t: (await new_project(client, admin, title=t))["id"] for t in titles}

    async def titles_found(q: str) -> set[str]:
        page = await _search(client, admin, q, types="projects")
        return {item["title"] for item in page["items"]}

    assert await titles_found("売上") == {"今月の売上"}
    assert await titles_found("売") == {"今月の売上"}
    assert await titles_found("てすと") == {"テスト導入", "ﾃｽﾄ環境"}
    assert await titles_found("ﾃｽﾄ") == {"テスト導入", "ﾃｽﾄ環境"}
    assert await titles_found("sales") == {"Ｓａｌｅｓ計画"}
    assert await titles_found("%") == set()  # LIKE's wildcards are plain characters
    assert set(projects.values()) >= {
        i["id"] for i in (await _search(client, admin, "計"))["items"]
    }


async def test_ranked_exact_then_prefix_then_newest_and_paged(client, app):
    admin = await register(client)
    contains = [await new_project(client, admin, title=f"Big alpha {n}") for n in range(3)]
    prefix = await new_project(client, admin, title="Alpha rollout")
    exact = await new_project(client, admin, title="ALPHA")
    found = await _search(client, admin, "alpha", types="projects")
    assert [i["id"] for i in found["items"]] == [exact["id"], prefix["id"]] + [
        p["id"] for p in reversed(contains)
    ]

    pages, cursor = [], None
    while True:
        params = {"types": "projects", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await _search(client, admin, "alpha", **params)
        pages.append([i["id"] for i in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [i for page in pages for i in page] == [i["id"] for i in found["items"]]


async def test_types_mix_in_one_ranking(client, app):
    admin = await register(client)
    rep = (await quick_users(app, admin.organization_id, 1))[0]
    project = await new_project(client, admin, title="Kiwi")
    await add_member(client, project["id"], admin, rep)
    ok(await client.post(f"{API}/clients", headers=admin.headers, json={"name": "Kiwi farm"}), 201)
    found = await _search(client, rep, "kiwi")
    assert [(i["type"], i["title"]) for i in found["items"]] == [
        ("projects", "Kiwi"),
        ("clients", "Kiwi farm"),
    ]
    only_clients = await _search(client, rep, "kiwi", types="clients")
    assert [i["type"] for i in only_clients["items"]] == ["clients"]


async def test_bad_input_is_a_problem(client, app):
    admin = await register(client)
    for params in (
        {"q": "x", "types": "ideas,gossip"},
        {"q": "x", "types": ","},
        {"q": ""},
        {"q": "   "},
        {},
        {"q": "x", "cursor": "not-a-cursor"},
        {"q": "x", "limit": 0},
    ):
        problem(
            await client.get(f"{API}/search", headers=admin.headers, params=params), 422, params
        )
    problem(await client.get(f"{API}/search", params={"q": "x"}), 401)


@pytest.mark.parametrize("walk_rows", [1, 2, 3, 1000])
async def test_walks_that_fall_short_go_on_through_the_indexes(client, app, monkeypatch, walk_rows):
    """On PostgreSQL each tier first walks the newest ``WALK_ROWS`` rows and goes on through
    the prefix and grams indexes only when that found too few (services/search.py); with
    tiny walks every path is taken, and the ranking and paging stay those of one sort."""
    monkeypatch.setattr(search_service, "WALK_ROWS", walk_rows)
    monkeypatch.setattr(search_service, "RANKED_WALKS", 1)
    admin = await register(client)
    titles = ["ALPHA", "Alpha rollout", "Big alpha 0", "Big alpha 1", "Zulu", "Big alpha 2"]
    made = {t: (await new_project(client, admin, title=t))["id"] for t in [*titles, "Zulu 2"]}
    expected = [made[t] for t in ("ALPHA", "Alpha rollout", "Big alpha 2", "Big alpha 1")]
    expected.append(made["Big alpha 0"])
    await _search(client, admin, "warm")  # the caller's row in the user cache
    with count_statements(app) as statements:
        found = await _search(client, admin, "alpha", types="projects")
    assert [i["id"] for i in found["items"]] == expected
    # The setting (with where walks stop), the parts, and on PostgreSQL the parts that go on
    # past short walks: never more, whatever the walks found.
    postgresql = app.state.engine.dialect.name == "postgresql"
    searching = [
        s for s in statements if not s.startswith(("BEGIN", "SELECT user.", 'SELECT "user"'))
    ]
    assert len(searching) == (3 if postgresql and walk_rows < 4 else 2), statements

    pages, cursor = [], None
    while True:
        params = {"types": "projects", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await _search(client, admin, "alpha", **params)
        pages.append([i["id"] for i in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [i for page in pages for i in page] == expected
    assert await _search(client, admin, "omega") == {"items": [], "next_cursor": None}
