"""GET /projects/{id}/related-learnings (DESIGN 7.5): constructed histories ranked as a
seller would want (won and "worked" above lost and "did not work", the same industry above
an unrelated client), the reasons each matched, the people who had the idea, what the
caller may not read left out (and shared closed learnings), another organization's project
404, and a fixed number of queries however long the history; on both databases. The
ranking itself is also checked without a database, on facts alone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from api.models import Organization, Project, ProjectStatus, SessionPurpose, Verdict
from api.schemas.learnings import LearningKind, ReasonCode
from api.services.learnings import Learning, LearningFacts, ProjectFacts, rank_learnings, words
from tests.factories import API, Actor, register
from tests.session_kit import (
    completed_session,
    contribute,
    count_statements,
    ok,
    problem,
    quick_users,
)

# --- the ranking alone -------------------------------------------------------------------


def _facts(
    status: ProjectStatus, *, industry: str = "logistics", title: str = "Fleet"
) -> ProjectFacts:
    return ProjectFacts(
        id=uuid.uuid4(),
        title=title,
        client_name="C",
        industry=industry,
        words=frozenset(words(title)),
        status=status,
    )


def _learning(
    project: ProjectFacts, verdict: Verdict | None, text: str, age_days: int = 0
) -> Learning:
    return Learning(
        kind=LearningKind.idea,
        id=uuid.uuid4(),
        text=text,
        session_id=uuid.uuid4(),
        purpose=SessionPurpose.approach,
        project_id=project.id,
        verdict=verdict,
        created_at=datetime(2026, 11, 1, tzinfo=UTC) - timedelta(days=age_days),
    )


def test_won_and_worked_come_before_lost_and_did_not_work():
    target = _facts(ProjectStatus.open, title="Depot renewal")
    won, lost, open_ = (
        _facts(s) for s in (ProjectStatus.won, ProjectStatus.lost, ProjectStatus.open)
    )
    learnings = [
        _learning(lost, None, "lost plain"),
        _learning(open_, Verdict.did_not_work, "failed idea"),
        _learning(open_, Verdict.worked, "worked idea"),
        _learning(won, None, "won plain"),
        _learning(open_, None, "untried"),
    ]
    facts = LearningFacts(
        target=target, projects={p.id: p for p in (won, lost, open_)}, learnings=learnings
    )
    order = [item.text for item in rank_learnings(facts, limit=10)]
    assert order[:2] == ["worked idea", "won plain"] or order[:2] == ["won plain", "worked idea"]
    assert order[2] == "untried"
    assert set(order[3:]) == {"lost plain", "failed idea"}


def test_the_same_industry_ranks_above_an_unrelated_client_and_unrelated_is_left_out():
    target = _facts(ProjectStatus.open, industry="logistics", title="Depot renewal")
    same = _facts(ProjectStatus.won, industry="logistics", title="Warehouse")
    words_only = _facts(ProjectStatus.won, industry="banking", title="Depot audit")
    unrelated = _facts(ProjectStatus.won, industry="banking", title="Mortgage")
    facts = LearningFacts(
        target=target,
        projects={p.id: p for p in (same, words_only, unrelated)},
        learnings=[
            _learning(words_only, None, "shares a word"),
            _learning(same, None, "same industry"),
            _learning(unrelated, None, "nothing in common"),
        ],
    )
    ranked = rank_learnings(facts, limit=10)
    assert [item.text for item in ranked] == ["same industry", "shares a word"]
    assert [r.code for r in ranked[0].reasons] == [ReasonCode.same_industry]
    assert ranked[1].reasons[0].code == ReasonCode.shared_words
    assert ranked[1].reasons[0].words == ["depot"]


def test_japanese_titles_share_kanji_and_katakana_words():
    assert {"物流", "センター"} <= words("物流センターの刷新")
    assert "センター" in words("せんたー移転")  # hiragana folds to katakana


# --- through the API -----------------------------------------------------------------------


async def _share(app, organization_id: str, shared: bool) -> None:
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(Organization)
            .where(Organization.id == uuid.UUID(organization_id))
            .values(share_closed_learnings=shared)
        )
        await session.commit()


async def _client(client, who: Actor, name: str, industry: str) -> dict:
    return ok(
        await client.post(
            f"{API}/clients", headers=who.headers, json={"name": name, "industry": industry}
        ),
        201,
    )


async def _project(client, who: Actor, client_id: str, title: str) -> dict:
    body = {"title": title, "kind": "account", "client_id": client_id}
    return ok(await client.post(f"{API}/projects", headers=who.headers, json=body), 201)


async def _history(client, app, who: Actor, title: str, idea: str, industry: str, **close) -> dict:
    """A project on a client of ``industry`` with a completed session whose idea ``idea``
    was adopted; closed with ``close`` (a result) when given."""
    customer = await _client(client, who, f"{title} Co", industry)
    project = await _project(client, who, customer["id"], title)

    async def during(session: dict) -> None:
        card = await contribute(client, session["id"], who, idea)
        ok(
            await client.patch(
                f"{API}/contributions/{card['id']}", headers=who.headers, json={"status": "adopted"}
            )
        )

    await completed_session(client, app, project["id"], who, {who.id: 30}, during=during)
    if close:
        ok(
            await client.post(
                f"{API}/projects/{project['id']}/close", headers=who.headers, json=close
            )
        )
    return project


async def _related(client, who: Actor, project_id: str) -> list[dict]:
    return ok(
        await client.get(f"{API}/projects/{project_id}/related-learnings", headers=who.headers)
    )["items"]


async def test_related_learnings_rank_what_won_on_similar_clients_first(client, app):
    admin = await register(client)
    (rita,) = await quick_users(app, admin.organization_id, names=[("Rita Rep", "rep")])
    await _history(
        client, app, admin, "Fleet renewal Nordic", "Offer a depot pilot", "Logistics", result="won"
    )
    await _history(
        client,
        app,
        admin,
        "Fleet renewal Baltic",
        "Cut the price by 20%",
        "Logistics",
        result="lost",
        lost_reason="price",
    )
    await _history(client, app, admin, "Mortgage desk", "Bring the CFO", "Banking", result="won")
    customer = await _client(client, rita, "Northwind", "logistics")
    target = await _project(client, rita, customer["id"], "Fleet renewal for Northwind")

    items = await _related(client, admin, target["id"])
    texts = [i["text"] for i in items if i["kind"] == "idea"]
    assert texts[:2] == ["Offer a depot pilot", "Cut the price by 20%"]  # won above lost
    assert "Bring the CFO" not in texts  # another industry, no shared words
    best = next(i for i in items if i["text"] == "Offer a depot pilot")
    assert best["result"] == "won" and best["project_title"] == "Fleet renewal Nordic"
    assert best["client_name"] == "Fleet renewal Nordic Co"
    assert {r["code"] for r in best["reasons"]} == {"same_industry", "shared_words"}
    assert {"fleet", "renewal"} <= set(
        next(r for r in best["reasons"] if r["code"] == "shared_words")["words"]
    )
    assert [p["id"] for p in best["people"]] == [admin.id]


async def test_what_the_caller_may_not_read_stays_out_unless_closed_and_shared(client, app):
    admin = await register(client)
    olga, rita = await quick_users(
        app, admin.organization_id, names=[("Olga Owner", "rep"), ("Rita Rep", "rep")]
    )
    await _history(client, app, olga, "Fleet open deal", "Open deal idea", "Logistics")
    await _history(
        client, app, olga, "Fleet won deal", "Closed deal idea", "Logistics", result="won"
    )
    customer = await _client(client, rita, "Northwind", "Logistics")
    target = await _project(client, rita, customer["id"], "Fleet for Northwind")

    # Rita has no seat on Olga's projects: the open one stays out; the closed one is a
    # shared learning while the organization shares them.
    texts = {i["text"] for i in await _related(client, rita, target["id"])}
    assert texts == {"Closed deal idea"}
    await _share(app, admin.organization_id, False)
    assert await _related(client, rita, target["id"]) == []
    # The admin reads everything of the organization.
    assert {"Open deal idea", "Closed deal idea"} <= {
        i["text"] for i in await _related(client, admin, target["id"])
    }
    # Olga cannot read Rita's project at all; another organization's id is 404 too.
    problem(
        await client.get(f"{API}/projects/{target['id']}/related-learnings", headers=olga.headers),
        404,
    )
    rival = await register(client, organization_name="Rival")
    problem(
        await client.get(f"{API}/projects/{target['id']}/related-learnings", headers=rival.headers),
        404,
    )


async def test_related_learnings_cost_the_same_for_a_short_and_a_long_history(client, app):
    admin = await register(client)
    customer = await _client(client, admin, "Northwind", "Logistics")
    target = await _project(client, admin, customer["id"], "Fleet for Northwind")
    await _history(client, app, admin, "Fleet one", "Idea one", "Logistics", result="won")
    await _related(client, admin, target["id"])  # warms the caller's row in the user cache
    with count_statements(app) as short:
        assert len(await _related(client, admin, target["id"])) >= 1
    for n in range(4):
        await _history(
            client, app, admin, f"Fleet more {n}", f"Idea {n}", "Logistics", result="won"
        )
    with count_statements(app) as long:
        assert len(await _related(client, admin, target["id"])) >= 5
    assert len(long) == len(short), (short, long)


async def test_topic_words_follow_the_title_and_objective(client, app):
    """Related learnings score candidates in SQL on ``project.topic_words`` (PostgreSQL);
    the column is the words of the title and objective after every write."""
    admin = await register(client)
    customer = await _client(client, admin, "Northwind", "Logistics")
    project = await _project(client, admin, customer["id"], "物流センターの刷新")

    async def stored() -> list[str]:
        async with app.state.sessionmaker() as session:
            row = await session.get(Project, uuid.UUID(project["id"]))
            assert row is not None
            return list(row.topic_words)

    assert await stored() == sorted(words("物流センターの刷新"))
    ok(
        await client.patch(
            f"{API}/projects/{project['id']}",
            headers=admin.headers,
            json={"objective": "Offer a depot pilot"},
        )
    )
    assert await stored() == sorted(words("物流センターの刷新 Offer a depot pilot"))
