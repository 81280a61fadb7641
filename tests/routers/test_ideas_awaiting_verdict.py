"""GET /projects/{id}/ideas-awaiting-verdict (DESIGN 7.5, issue 17): the adopted ideas of a
project's completed sessions that nobody has said yet what they did, which the debrief
session shows. What is listed and what is not (not adopted, still in a running session,
another project), gone once a verdict is recorded, who may record one (the helper who must
not, tried from their side), another organization's project and a project without a seat
404, pages, and a fixed number of statements however many ideas wait; on both databases."""

from __future__ import annotations

import uuid

import pytest

from tests.cast import Cast
from tests.factories import API
from tests.session_kit import (
    completed_session,
    contribute,
    count_statements,
    make_panel,
    new_project,
    new_session,
    ok,
    problem,
    quick_users,
    seat_members,
    transition,
)


@pytest.fixture
async def panel(client, app) -> Cast:
    return await make_panel(client, app)


def awaiting(client, project_id: str, actor, **params):
    return client.get(
        f"{API}/projects/{project_id}/ideas-awaiting-verdict", headers=actor.headers, params=params
    )


async def decide(client, contribution: dict, by, status: str = "adopted") -> None:
    ok(
        await client.patch(
            f"{API}/contributions/{contribution['id']}", headers=by.headers, json={"status": status}
        )
    )


def verdict(client, contribution_id: str, by, value: str = "worked"):
    return client.post(
        f"{API}/contributions/{contribution_id}/verdict",
        headers=by.headers,
        json={"verdict": value, "note": ""},
    )


async def held_with_ideas(client, app, panel: Cast, title: str, ideas: dict[str, str]) -> dict:
    """A completed session of the panel's project whose contributions (body -> the status the
    owner gives it, "open" for none) were posted by the helper."""
    posted: dict[str, dict] = {}

    async def during(session: dict) -> None:
        for body, status in ideas.items():
            posted[body] = await contribute(client, session["id"], panel.helper, body)
            if status != "open":
                await decide(client, posted[body], panel.owner, status)

    session = await completed_session(
        client,
        app,
        panel.project_id,
        panel.owner,
        {panel.helper.id: 30},
        title=title,
        during=during,
    )
    return {"session": session, **posted}


async def test_the_adopted_ideas_of_completed_sessions_wait_for_a_verdict(client, app, panel):
    first = await held_with_ideas(
        client, app, panel, "Targeting", {"Call the CFO": "adopted", "Cold mail": "rejected"}
    )
    second = await held_with_ideas(
        client,
        app,
        panel,
        "Approach",
        {
            "One-depot pilot": "adopted",
            "Case study": "adopted",
            "Trade fair": "parked",
            "?": "open",
        },
    )
    # The debrief itself is live: what it adopts is for the next meeting, not yet tried.
    debrief = await new_session(client, panel.project_id, panel.owner, purpose="debrief")
    await transition(client, debrief["id"], panel.owner, "start")
    await decide(client, await contribute(client, debrief["id"], panel.helper, "Next"), panel.owner)
    # Another project of the same owner: its ideas are not this project's.
    other = await new_project(client, panel.owner, title="Elsewhere")
    other_session = await new_session(client, other["id"], panel.owner)
    await transition(client, other_session["id"], panel.owner, "start")
    await decide(client, await contribute(client, other_session["id"], panel.owner), panel.owner)

    page = ok(await awaiting(client, panel.project_id, panel.owner))
    assert page["next_cursor"] is None
    assert page["can_record_verdict"] is True
    # Newest first, each with its session.
    assert [i["body"] for i in page["items"]] == ["Case study", "One-depot pilot", "Call the CFO"]
    latest = page["items"][0]
    assert latest["id"] == second["Case study"]["id"]
    assert latest["session_id"] == second["session"]["id"]
    assert latest["session_title"] == "Approach"
    assert latest["session_purpose"] == "approach"
    assert latest["session_completed_at"] is not None
    assert latest["status"] == "adopted"
    assert latest["verdict"] is None
    assert latest["author_id"] == panel.helper.id
    assert latest["author_name"] == "Hank Helper"
    assert page["items"][2]["session_id"] == first["session"]["id"]


async def test_an_idea_leaves_the_list_once_its_verdict_is_recorded(client, app, panel):
    held = await held_with_ideas(
        client, app, panel, "Approach", {"Pilot": "adopted", "Demo": "adopted"}
    )
    ok(await verdict(client, held["Pilot"]["id"], panel.owner, "did_not_work"))
    listed = ok(await awaiting(client, panel.project_id, panel.owner))["items"]
    assert [i["body"] for i in listed] == ["Demo"]
    # A manager may say it too; then nothing waits.
    ok(await verdict(client, held["Demo"]["id"], panel.manager, "not_tried"))
    assert ok(await awaiting(client, panel.project_id, panel.owner))["items"] == []


async def test_participants_read_the_list_but_may_not_record_a_verdict(client, app, panel):
    """From the side of the helper and the observer who sat in the session: they see what
    waits, are told they may not record it, and the endpoint refuses them; the idea waits on."""
    held = await held_with_ideas(client, app, panel, "Approach", {"Pilot": "adopted"})
    for who in ("helper", "observer", "invited"):
        page = ok(await awaiting(client, panel.project_id, getattr(panel, who)), 200, who)
        assert [i["id"] for i in page["items"]] == [held["Pilot"]["id"]], who
        assert page["can_record_verdict"] is False, who
    for who in ("helper", "observer"):
        problem(await verdict(client, held["Pilot"]["id"], getattr(panel, who)), 403, who)
    for who in ("owner", "manager", "admin"):
        page = ok(await awaiting(client, panel.project_id, getattr(panel, who)), 200, who)
        assert page["can_record_verdict"] is True, who
    listed = ok(await awaiting(client, panel.project_id, panel.owner))["items"]
    assert [i["verdict"] for i in listed] == [None]


async def test_another_organization_or_no_seat_is_not_found(client, app, panel):
    await held_with_ideas(client, app, panel, "Approach", {"Pilot": "adopted"})
    for who in ("outsider", "stranger"):
        problem(await awaiting(client, panel.project_id, getattr(panel, who)), 404, who)
    problem(await awaiting(client, str(uuid.uuid4()), panel.owner), 404)
    response = await client.get(f"{API}/projects/{panel.project_id}/ideas-awaiting-verdict")
    assert response.status_code == 401
    # The stranger's own project of the same shape lists nothing of the panel's.
    theirs = await new_project(client, panel.stranger)
    assert ok(await awaiting(client, theirs["id"], panel.stranger))["items"] == []
    problem(await awaiting(client, panel.project_id, panel.owner, limit=0), 422)
    problem(await awaiting(client, panel.project_id, panel.owner, cursor="nope"), 422)


async def test_pages_follow_the_cursor(client, app, panel):
    ideas = {f"Idea {n}": "adopted" for n in range(5)}
    await held_with_ideas(client, app, panel, "Approach", ideas)
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = ok(await awaiting(client, panel.project_id, panel.helper, **params))
        seen += [i["body"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"Idea {n}" for n in reversed(range(5))]


async def test_the_list_costs_the_same_for_2_and_30_ideas(client, app, panel):
    authors = await quick_users(app, panel.admin.organization_id, 30, prefix="author")
    await seat_members(app, panel.project_id, authors)
    url = f"{API}/projects/{panel.project_id}/ideas-awaiting-verdict"

    async def held(count: int, start: int) -> None:
        async def during(session: dict) -> None:
            for n in range(start, start + count):
                idea = await contribute(client, session["id"], authors[n], f"Idea {n}")
                await decide(client, idea, panel.owner)
                if n % 2:  # half carry the reader's vote
                    ok(
                        await client.post(
                            f"{API}/contributions/{idea['id']}/vote", headers=panel.helper.headers
                        )
                    )

        await completed_session(
            client, app, panel.project_id, panel.owner, {panel.helper.id: 30}, during=during
        )

    async def counted() -> tuple[int, int]:
        await client.get(url, headers=panel.helper.headers)  # warm up
        with count_statements(app) as statements:
            body = ok(await client.get(url, headers=panel.helper.headers))
        return len(body["items"]), len(statements)

    await held(2, 0)
    small = await counted()
    await held(28, 2)
    large = await counted()
    assert (small[0], large[0]) == (2, 30)
    assert large[1] == small[1]
