"""GET /insights/impact: helped versus solo projects closed in the period, exact figures
for a constructed history, on both databases; who may read it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from api.models import Project
from tests import cast
from tests.factories import API, Actor, add_user, assert_problem, create_team, register
from tests.session_kit import completed_session, contribute, ok, seat_members


async def _closed_project(
    client, app, owner: Actor, helper: Actor | None, *, result: str, value: int, purpose: str
) -> dict:
    """A project of ``owner`` valued ``value`` EUR, closed as ``result``; with ``helper``, one
    completed session of ``purpose`` that the helper attended (so: helped)."""
    project = ok(
        await client.post(
            f"{API}/projects",
            headers=owner.headers,
            json={
                "title": f"Deal {uuid.uuid4().hex[:6]}",
                "kind": "prospecting",
                "estimated_value": value,
            },
        ),
        201,
    )
    if helper is not None:
        await seat_members(app, project["id"], [helper])

        async def idea(session: dict) -> None:
            project["idea"] = await contribute(
                client, session["id"], helper, "Lead with the numbers"
            )

        await completed_session(
            client,
            app,
            project["id"],
            owner,
            {owner.id: 30, helper.id: 30},
            purpose=purpose,
            during=idea,
        )
    await cast.close_project(client, project["id"], owner, result)
    return project


async def test_helped_and_solo_projects_closed_in_the_period(client, app):
    admin = await register(client)
    manager = await add_user(client, admin, role="manager", full_name="Mia Manager")
    olga = await add_user(client, admin, full_name="Olga Owner")
    hank = await add_user(client, admin, full_name="Hank Helper")
    team = await create_team(client, manager, name="East", member_ids=[olga.id])

    # Twelve helped projects: 9 won, 2 lost, 1 abandoned; 8 with an approach session, 4
    # with a solution session; valued 1,000 to 12,000 EUR.
    results = ["won"] * 6 + ["lost", "abandoned"] + ["won"] * 3 + ["lost"]
    helped = []
    for n, result in enumerate(results, start=1):
        purpose = "approach" if n <= 8 else "solution"
        helped.append(
            await _closed_project(
                client, app, olga, hank, result=result, value=1000 * n, purpose=purpose
            )
        )
    # Three solo projects: 1 won, 2 lost.
    for result, value in (("won", 100), ("lost", 200), ("lost", 300)):
        await _closed_project(client, app, olga, None, result=result, value=value, purpose="")
    # One closed last year: outside this quarter.
    old = await _closed_project(client, app, olga, None, result="won", value=5, purpose="")
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(
            update(Project)
            .where(Project.id == uuid.UUID(old["id"]))
            .values(closed_at=datetime.now(UTC) - timedelta(days=400))
        )
    # What two of the adopted ideas did: one worked; the rest have not been said.
    for project in helped[:2]:
        ok(
            await client.patch(
                f"{API}/contributions/{project['idea']['id']}",
                headers=admin.headers,
                json={"status": "adopted"},
            )
        )
    ok(
        await client.post(
            f"{API}/contributions/{helped[0]['idea']['id']}/verdict",
            headers=olga.headers,
            json={"verdict": "worked"},
        )
    )

    report = ok(await client.get(f"{API}/insights/impact", headers=manager.headers))
    assert (report["period"], report["currency"], report["min_group"]) == (
        "fiscal_quarter",
        "EUR",
        10,
    )
    assert report["helped"] == {
        "count": 12,
        "won": 9,
        "lost": 2,
        "abandoned": 1,
        "enough_data": True,
        "win_rate": 0.75,
        "win_rate_low": 0.4677,
        "win_rate_high": 0.9111,
        "median_days_to_close": 0,
        "median_value": "6500.00",
    }
    solo = report["solo"]
    assert (solo["count"], solo["won"], solo["lost"], solo["enough_data"]) == (3, 1, 2, False)
    assert (solo["win_rate"], solo["win_rate_low"], solo["median_value"]) == (None, None, "200.00")
    purposes = {row["purpose"]: row for row in report["by_purpose"]}
    assert set(purposes) == {"approach", "solution"}
    assert (purposes["approach"]["helped"]["count"], purposes["approach"]["helped"]["won"]) == (
        8,
        6,
    )
    assert purposes["approach"]["helped"]["enough_data"] is False  # 8 < 10: no rate
    assert (purposes["solution"]["helped"]["count"], purposes["solution"]["helped"]["won"]) == (
        4,
        3,
    )
    [east] = report["by_team"]
    assert (east["team_id"], east["team_name"]) == (team["id"], "East")
    assert (east["helped"]["count"], east["solo"]["count"]) == (12, 3)
    assert report["verdicts"] == {"worked": 1, "did_not_work": 0, "not_tried": 0, "not_said": 1}

    # A whole fiscal year reaches the old project only if it closed within it: not here.
    year = ok(
        await client.get(
            f"{API}/insights/impact", headers=admin.headers, params={"period": "fiscal_year"}
        )
    )
    assert year["solo"]["count"] == 3
    # Narrowed to a team the owner is not in: nothing.
    other = await create_team(client, manager, name="West", member_ids=[hank.id])
    west = ok(
        await client.get(
            f"{API}/insights/impact", headers=manager.headers, params={"team_id": other["id"]}
        )
    )
    assert (west["helped"]["count"], west["solo"]["count"], west["by_team"]) == (0, 0, [])


async def test_who_reads_the_impact(client):
    admin = await register(client)
    manager = await add_user(client, admin, role="manager")
    other_manager = await add_user(client, admin, role="manager")
    rep = await add_user(client, admin)
    team = await create_team(client, manager, name="East", member_ids=[rep.id])
    assert_problem(await client.get(f"{API}/insights/impact", headers=rep.headers), 403)
    assert_problem(
        await client.get(
            f"{API}/insights/impact", headers=other_manager.headers, params={"team_id": team["id"]}
        ),
        403,
    )
    stranger = await register(client, organization_name="Rival Inc")
    assert_problem(
        await client.get(
            f"{API}/insights/impact", headers=stranger.headers, params={"team_id": team["id"]}
        ),
        404,
    )
    assert_problem(await client.get(f"{API}/insights/impact"), 401)
    empty = ok(await client.get(f"{API}/insights/impact", headers=admin.headers))
    assert empty["helped"]["count"] == 0 and empty["helped"]["win_rate"] is None
