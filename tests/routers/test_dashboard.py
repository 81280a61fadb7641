"""The manager's Team overview on ``GET /dashboard``: budget burn per helper across open
projects, stalled projects (idle for two weeks, or with overdue actions), and action items
that name their project."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from api.models import Project, TimeEntry
from tests.factories import API, Actor, register
from tests.session_kit import add_member, new_project, new_session, ok, quick_users


@pytest.fixture
async def org(client, app) -> dict[str, Actor]:
    admin = await register(client)
    manager, olga, omar, hank, hilda, dora = await quick_users(
        app,
        admin.organization_id,
        names=[
            ("Mona Manager", "manager"),
            ("Olga Owner", "rep"),
            ("Omar Owner", "rep"),
            ("Hank Helper", "rep"),
            ("Hilda Helper", "rep"),
            ("Dora Decliner", "rep"),
        ],
    )
    return {
        "admin": admin,
        "manager": manager,
        "olga": olga,
        "omar": omar,
        "hank": hank,
        "hilda": hilda,
        "dora": dora,
    }


async def log_time(client, project_id: str, who: Actor, minutes: int) -> None:
    ok(
        await client.post(
            f"{API}/projects/{project_id}/time-entries",
            headers=who.headers,
            json={"minutes": minutes, "spent_on": datetime.now(UTC).date().isoformat()},
        ),
        201,
    )


async def team(client, manager: Actor) -> dict:
    return ok(await client.get(f"{API}/dashboard", headers=manager.headers))["team"]


async def backdate(app, project_id: str, days: int) -> None:
    """Make a project and the time logged on it look ``days`` old."""
    moment = datetime.now(UTC) - timedelta(days=days)
    async with app.state.sessionmaker() as session:
        pid = uuid.UUID(project_id)
        await session.execute(update(Project).where(Project.id == pid).values(created_at=moment))
        await session.execute(
            update(TimeEntry).where(TimeEntry.project_id == pid).values(created_at=moment)
        )
        await session.commit()


async def test_burn_per_helper_sums_their_open_projects(client, app, org):
    p1 = await new_project(client, org["olga"], title="Helix")  # 60 minutes per helper
    p2 = await new_project(client, org["omar"], title="Baltic")
    closed = await new_project(client, org["omar"], title="Closed deal")
    for project, owner in ((p1, org["olga"]), (p2, org["omar"]), (closed, org["omar"])):
        await add_member(client, project["id"], owner, org["hank"])
    await add_member(client, p1["id"], org["olga"], org["hilda"])
    await add_member(client, p2["id"], org["omar"], org["dora"], accept=False)
    ok(
        await client.patch(
            f"{API}/projects/{p2['id']}/members/{org['dora'].id}",
            headers=org["dora"].headers,
            json={"state": "declined"},
        )
    )
    await log_time(client, p1["id"], org["hank"], 70)  # over Helix's 60
    await log_time(client, p2["id"], org["hank"], 10)
    await log_time(client, p1["id"], org["hilda"], 50)
    await log_time(client, closed["id"], org["hank"], 500)
    await log_time(client, p1["id"], org["olga"], 300)  # an owner's own time is not help
    ok(
        await client.post(
            f"{API}/projects/{closed['id']}/close",
            headers=org["omar"].headers,
            json={"result": "won"},
        )
    )

    burn = {h["full_name"]: h for h in (await team(client, org["manager"]))["helper_burn"]}
    assert set(burn) == {"Hank Helper", "Hilda Helper"}  # Dora declined; owners are no helpers
    hank = burn["Hank Helper"]
    assert (hank["projects"], hank["budget_minutes"], hank["minutes_used"]) == (2, 120, 80)
    assert (hank["projects_over_budget"], hank["burn_warning"]) == (1, "none")
    hilda = burn["Hilda Helper"]
    assert (hilda["projects"], hilda["budget_minutes"], hilda["minutes_used"]) == (1, 60, 50)
    assert (hilda["projects_over_budget"], hilda["burn_warning"]) == (0, "over_80")
    # Each helper row opens the projects it sums, the most burnt first.
    assert [(s["title"], s["minutes_used"], s["burn_warning"]) for s in hank["seats"]] == [
        ("Helix", 70, "over_100"),
        ("Baltic", 10, "none"),
    ]
    assert {s["project_id"] for s in hank["seats"]} == {p1["id"], p2["id"]}
    # The most burnt-out share first.
    assert [h["full_name"] for h in (await team(client, org["manager"]))["helper_burn"]] == [
        "Hilda Helper",
        "Hank Helper",
    ]


async def test_stalled_projects_are_idle_for_two_weeks_or_have_overdue_actions(client, app, org):
    olga = org["olga"]
    fresh = await new_project(client, olga, title="Fresh")
    idle = await new_project(client, olga, title="Idle")
    planned = await new_project(client, olga, title="Old but planned")
    overdue = await new_project(client, olga, title="Overdue")
    closed = await new_project(client, olga, title="Old and closed")
    await log_time(client, idle["id"], olga, 15)
    for project in (idle, planned, closed):
        await backdate(app, project["id"], days=20)
    await new_session(client, planned["id"], olga)  # a session planned is a sign of life
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    for due in (yesterday, yesterday, None):
        ok(
            await client.post(
                f"{API}/projects/{overdue['id']}/action-items",
                headers=olga.headers,
                json={"title": "Send the deck", "assignee_id": olga.id, "due_date": due},
            ),
            201,
        )
    ok(
        await client.post(
            f"{API}/projects/{closed['id']}/close",
            headers=olga.headers,
            json={"result": "lost", "lost_reason": "price"},
        )
    )

    overview = await team(client, org["manager"])
    assert overview["stall_days"] == 14
    stalled = overview["stalled_projects"]
    assert [(p["title"], p["reasons"], p["overdue_action_items"]) for p in stalled] == [
        ("Overdue", ["overdue_actions"], 2),
        ("Idle", ["idle"], 0),
    ]
    idle_row = stalled[1]
    last = datetime.fromisoformat(idle_row["last_activity_at"])
    assert timedelta(days=19) < datetime.now(UTC) - last < timedelta(days=21)
    assert idle_row["project_id"] == idle["id"] and idle_row["owner_id"] == olga.id
    assert idle_row["next_session_at"] is None
    assert fresh["id"] not in {p["project_id"] for p in stalled}
    # The last activity is a past one: a session planned for tomorrow is the next session.
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    await new_session(client, overdue["id"], olga, scheduled_at=tomorrow.isoformat())
    row = (await team(client, org["manager"]))["stalled_projects"][0]
    assert row["title"] == "Overdue"
    assert datetime.fromisoformat(row["last_activity_at"]) < datetime.now(UTC)
    assert datetime.fromisoformat(row["next_session_at"]) == tomorrow

    # Logging time today wakes the idle project up.
    await log_time(client, idle["id"], olga, 5)
    assert [p["title"] for p in (await team(client, org["manager"]))["stalled_projects"]] == [
        "Overdue"
    ]


async def test_action_items_on_the_dashboard_name_their_project(client, app, org):
    olga = org["olga"]
    project = await new_project(client, olga, title="Helix renewal")
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    ok(
        await client.post(
            f"{API}/projects/{project['id']}/action-items",
            headers=olga.headers,
            json={"title": "Call the CFO", "assignee_id": olga.id, "due_date": yesterday},
        ),
        201,
    )
    mine = ok(await client.get(f"{API}/dashboard", headers=olga.headers))
    assert [(a["title"], a["project_title"]) for a in mine["my_action_items"]] == [
        ("Call the CFO", "Helix renewal")
    ]
    assert mine["team"] is None  # a rep sees no team overview
    overview = await team(client, org["manager"])
    assert [(a["title"], a["project_title"]) for a in overview["overdue_action_items"]] == [
        ("Call the CFO", "Helix renewal")
    ]
    assert [(p["title"], p["reasons"]) for p in overview["stalled_projects"]] == [
        ("Helix renewal", ["overdue_actions"])
    ]


async def test_next_sessions_are_only_those_the_caller_can_take_part_in(client, app, org):
    olga = org["olga"]
    project = await new_project(client, olga, title="Helix")
    await add_member(client, project["id"], olga, org["hank"])  # accepted
    await add_member(client, project["id"], olga, org["hilda"], accept=False)  # not yet
    await add_member(client, project["id"], olga, org["dora"], accept=False)
    ok(
        await client.patch(
            f"{API}/projects/{project['id']}/members/{org['dora'].id}",
            headers=org["dora"].headers,
            json={"state": "declined"},
        )
    )
    session = await new_session(client, project["id"], olga, title="Opening the door")

    async def next_titles(who: Actor) -> list[str]:
        body = ok(await client.get(f"{API}/dashboard", headers=who.headers))
        return [s["title"] for s in body["next_sessions"]]

    assert await next_titles(olga) == ["Opening the door"]
    assert await next_titles(org["hank"]) == ["Opening the door"]
    assert await next_titles(org["hilda"]) == []  # invited: accept first (My day shows it)
    assert await next_titles(org["dora"]) == []  # declined
    assert await next_titles(org["manager"]) == []  # may read it, but has no seat
    ok(
        await client.patch(
            f"{API}/projects/{project['id']}/members/{org['hilda'].id}",
            headers=org["hilda"].headers,
            json={"state": "active"},
        )
    )
    assert await next_titles(org["hilda"]) == ["Opening the door"]
    assert session["status"] == "scheduled"


async def test_helping_on_lists_accepted_seats_only(client, org):
    """From the invitee's side: a seat not yet accepted, or declined, is not help given."""
    olga, hilda, dora = org["olga"], org["hilda"], org["dora"]
    project = await new_project(client, olga, title="Nordic rollout")
    await add_member(client, project["id"], olga, hilda, accept=False)
    await add_member(client, project["id"], olga, dora, accept=False)

    async def helping_on(who: Actor) -> list[str]:
        body = ok(await client.get(f"{API}/dashboard", headers=who.headers))
        return [p["title"] for p in body["helping_on"]]

    assert await helping_on(hilda) == []  # invited: it waits in GET /invitations
    invitations = ok(await client.get(f"{API}/invitations", headers=hilda.headers))
    assert [i["project_title"] for i in invitations["items"]] == ["Nordic rollout"]
    for who, state in ((hilda, "active"), (dora, "declined")):
        ok(
            await client.patch(
                f"{API}/projects/{project['id']}/members/{who.id}",
                headers=who.headers,
                json={"state": state},
            )
        )
    assert await helping_on(hilda) == ["Nordic rollout"]
    assert await helping_on(dora) == []
    assert await helping_on(olga) == []  # her own project is under my_projects


async def test_overdue_is_past_the_due_date_in_the_organizations_zone(client, app, org):
    """The dashboard counts overdue by the team's calendar, as the overdue notices do. A zone
    whose date differs from UTC's right now is chosen (14 hours ahead of UTC in the second
    half of the UTC day, 11 hours behind in the first), and the item is due on the day on
    which the two rules disagree."""
    now = datetime.now(UTC)
    zone_name = "Pacific/Kiritimati" if now.hour >= 12 else "Pacific/Pago_Pago"
    ok(
        await client.patch(
            f"{API}/organization", headers=org["admin"].headers, json={"time_zone": zone_name}
        )
    )
    local_today = now.astimezone(ZoneInfo(zone_name)).date()
    ahead = local_today > now.date()
    # Ahead: due on UTC's today, which has passed where the team is (overdue there only).
    # Behind: due on the team's today, which has passed in UTC (overdue in UTC only).
    due = now.date() if ahead else local_today
    assert local_today != now.date()
    olga = org["olga"]
    project = await new_project(client, olga, title="Date line")
    ok(
        await client.post(
            f"{API}/projects/{project['id']}/action-items",
            headers=olga.headers,
            json={"title": "Send the quote", "assignee_id": olga.id, "due_date": due.isoformat()},
        ),
        201,
    )
    overview = await team(client, org["manager"])
    listed = [a["title"] for a in overview["overdue_action_items"]]
    assert listed == (["Send the quote"] if ahead else []), (zone_name, due, listed)
    assert overview["overdue_count"] == (1 if ahead else 0)
