"""Action items and time entries over HTTP: who assigns, who may update what, where items
may come from, the cross-project list, time logged by members on their own behalf, the
audit trail of session transitions, and a bounded number of statements per page."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from api.models import AuditEvent
from tests.cast import Cast
from tests.factories import API, register
from tests.session_kit import (
    add_member,
    contribute,
    count_statements,
    held_for,
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


async def create_item(client, project_id, by, **fields) -> dict:
    r = await client.post(
        f"{API}/projects/{project_id}/action-items", headers=by.headers, json=fields
    )
    return ok(r, 201)


def item_ids(body: dict) -> list[str]:
    return [i["id"] for i in body["items"]]


# --- creating ----------------------------------------------------------------------------


async def test_the_owner_assigns_an_action_item(client, panel):
    r = await client.post(
        f"{API}/projects/{panel.project_id}/action-items",
        headers=panel.owner.headers,
        json={
            "title": "  Call the plant manager  ",
            "assignee_id": panel.helper.id,
            "due_date": "2030-02-01",
        },
    )
    body = ok(r, 201)
    assert body["project_id"] == panel.project_id
    assert body["title"] == "Call the plant manager"
    assert body["assignee_id"] == panel.helper.id
    assert body["due_date"] == "2030-02-01"
    assert body["status"] == "open"
    assert body["completed_at"] is None
    assert body["session_id"] is None and body["contribution_id"] is None
    listed = ok(
        await client.get(
            f"{API}/projects/{panel.project_id}/action-items", headers=panel.helper.headers
        )
    )
    assert listed["items"] == [body]


async def test_managers_and_admins_assign(client, panel):
    for who in (panel.manager, panel.admin):
        body = await create_item(
            client, panel.project_id, who, title="Prep", assignee_id=panel.owner.id
        )
        assert body["assignee_id"] == panel.owner.id


async def test_the_facilitator_assigns_from_their_session(client, panel):
    session = await new_session(
        client, panel.project_id, panel.owner, facilitator_id=panel.helper.id
    )
    body = await create_item(
        client,
        panel.project_id,
        panel.helper,
        title="Send the deck",
        assignee_id=panel.helper2.id,
        session_id=session["id"],
    )
    assert body["session_id"] == session["id"]
    # Facilitating one session is no licence outside it.
    r = await client.post(
        f"{API}/projects/{panel.project_id}/action-items",
        headers=panel.helper.headers,
        json={"title": "Unrelated", "assignee_id": panel.helper2.id},
    )
    problem(r, 403)


async def test_others_cannot_assign(client, panel):
    session = await new_session(client, panel.project_id, panel.owner)  # facilitated by the owner
    url = f"{API}/projects/{panel.project_id}/action-items"
    for who, status in [
        ("helper", 403),
        ("observer", 403),
        ("invited", 403),
        ("outsider", 404),
        ("stranger", 404),
    ]:
        for extra in ({}, {"session_id": session["id"]}):
            r = await client.post(
                url,
                headers=getattr(panel, who).headers,
                json={"title": "Mine", "assignee_id": panel.helper.id, **extra},
            )
            problem(r, status, (who, extra))
    assert ok(await client.get(url, headers=panel.owner.headers))["items"] == []
    problem(await client.post(url, json={"title": "x", "assignee_id": panel.helper.id}), 401)


async def test_the_assignee_must_be_an_active_member(client, panel):
    url = f"{API}/projects/{panel.project_id}/action-items"
    r = await client.patch(
        f"{API}/projects/{panel.project_id}/members/{panel.helper2.id}",
        headers=panel.helper2.headers,
        json={"state": "left"},
    )
    ok(r)
    for person in (panel.invited, panel.outsider, panel.helper2, panel.manager):
        r = await client.post(
            url, headers=panel.owner.headers, json={"title": "x", "assignee_id": person.id}
        )
        problem(r, 409)
    assert ok(await client.get(url, headers=panel.owner.headers))["items"] == []


async def test_items_come_from_this_projects_sessions_and_contributions(client, panel):
    url = f"{API}/projects/{panel.project_id}/action-items"
    here = await new_session(client, panel.project_id, panel.owner)
    here_too = await new_session(client, panel.project_id, panel.owner)
    idea = await contribute(client, here["id"], panel.helper, "Lead with uptime")
    other_project = await new_project(client, panel.owner, title="Other")
    await add_member(client, other_project["id"], panel.owner, panel.helper)
    there = await new_session(client, other_project["id"], panel.owner)
    there_idea = await contribute(client, there["id"], panel.helper, "Elsewhere")
    base = {"title": "Follow up", "assignee_id": panel.helper.id}

    # From the contribution alone: the session is filled in.
    body = await create_item(
        client, panel.project_id, panel.owner, **base, contribution_id=idea["id"]
    )
    assert (body["session_id"], body["contribution_id"]) == (here["id"], idea["id"])
    body = await create_item(
        client,
        panel.project_id,
        panel.owner,
        **base,
        session_id=here["id"],
        contribution_id=idea["id"],
    )
    assert (body["session_id"], body["contribution_id"]) == (here["id"], idea["id"])

    # Another project's session or contribution, or one that does not exist: not found.
    for origin in (
        {"session_id": there["id"]},
        {"contribution_id": there_idea["id"]},
        {"session_id": str(uuid.uuid4())},
        {"contribution_id": str(uuid.uuid4())},
        {"session_id": here["id"], "contribution_id": there_idea["id"]},
    ):
        r = await client.post(url, headers=panel.owner.headers, json={**base, **origin})
        problem(r, 404)
    # Both of this project, but they disagree.
    r = await client.post(
        url,
        headers=panel.owner.headers,
        json={**base, "session_id": here_too["id"], "contribution_id": idea["id"]},
    )
    problem(r, 409)
    assert len(ok(await client.get(url, headers=panel.owner.headers))["items"]) == 2


async def test_another_organizations_session_is_not_found(client, panel):
    rival_admin = panel.stranger
    rival_project = await new_project(client, rival_admin, title="Rival")
    rival_session = await new_session(client, rival_project["id"], rival_admin)
    r = await client.post(
        f"{API}/projects/{panel.project_id}/action-items",
        headers=panel.owner.headers,
        json={"title": "x", "assignee_id": panel.helper.id, "session_id": rival_session["id"]},
    )
    problem(r, 404)


async def test_action_item_validation(client, panel):
    url = f"{API}/projects/{panel.project_id}/action-items"
    helper = panel.helper.id
    for body in [
        {"title": "   ", "assignee_id": helper},
        {"title": "x" * 301, "assignee_id": helper},
        {"title": "x"},
        {"title": "x", "assignee_id": "nobody"},
        {"title": "x", "assignee_id": helper, "due_date": "next week"},
        {"title": "x", "assignee_id": helper, "due_date": "2030-02-30"},
        {"title": "x", "assignee_id": helper, "status": "done"},
    ]:
        problem(await client.post(url, headers=panel.owner.headers, json=body), 422, body)
    assert ok(await client.get(url, headers=panel.owner.headers))["items"] == []


# --- updating ----------------------------------------------------------------------------


async def test_the_assignee_updates_the_status(client, panel):
    item = await create_item(
        client, panel.project_id, panel.owner, title="Draft ROI", assignee_id=panel.helper.id
    )
    url = f"{API}/action-items/{item['id']}"
    done = ok(await client.patch(url, headers=panel.helper.headers, json={"status": "done"}))
    assert done["status"] == "done"
    completed_at = datetime.fromisoformat(done["completed_at"])
    assert completed_at >= datetime.fromisoformat(item["created_at"])
    assert done["title"] == "Draft ROI"
    # Saying done again keeps the original completion time.
    again = ok(await client.patch(url, headers=panel.helper.headers, json={"status": "done"}))
    assert again["completed_at"] == done["completed_at"]
    reopened = ok(await client.patch(url, headers=panel.helper.headers, json={"status": "open"}))
    assert reopened["status"] == "open" and reopened["completed_at"] is None
    cancelled = ok(
        await client.patch(url, headers=panel.owner.headers, json={"status": "cancelled"})
    )
    assert cancelled["status"] == "cancelled" and cancelled["completed_at"] is None
    listed = ok(
        await client.get(
            f"{API}/projects/{panel.project_id}/action-items", headers=panel.owner.headers
        )
    )
    assert listed["items"] == [cancelled]


async def test_the_assignee_changes_only_the_status(client, panel):
    item = await create_item(
        client, panel.project_id, panel.owner, title="Draft ROI", assignee_id=panel.helper.id
    )
    url = f"{API}/action-items/{item['id']}"
    for change in (
        {"title": "Something easier"},
        {"title": "Something easier", "status": "done"},
        {"due_date": "2031-01-01"},
        {"assignee_id": panel.helper2.id},
    ):
        problem(await client.patch(url, headers=panel.helper.headers, json=change), 403)
    listed = ok(
        await client.get(
            f"{API}/projects/{panel.project_id}/action-items", headers=panel.owner.headers
        )
    )
    assert listed["items"] == [item]


async def test_others_cannot_update_an_item(client, panel):
    item = await create_item(
        client, panel.project_id, panel.owner, title="Draft ROI", assignee_id=panel.helper.id
    )
    for who, status in [
        ("helper2", 403),
        ("observer", 403),
        ("invited", 403),
        ("outsider", 404),
        ("stranger", 404),
    ]:
        r = await client.patch(
            f"{API}/action-items/{item['id']}",
            headers=getattr(panel, who).headers,
            json={"status": "done"},
        )
        problem(r, status, who)
    listed = ok(
        await client.get(
            f"{API}/projects/{panel.project_id}/action-items", headers=panel.owner.headers
        )
    )
    assert listed["items"] == [item]


async def test_the_owner_and_managers_change_the_rest(client, panel):
    item = await create_item(
        client,
        panel.project_id,
        panel.owner,
        title="Draft ROI",
        assignee_id=panel.helper.id,
        due_date="2030-01-10",
    )
    url = f"{API}/action-items/{item['id']}"
    body = ok(
        await client.patch(
            url,
            headers=panel.owner.headers,
            json={
                "title": "Draft the ROI sheet",
                "assignee_id": panel.helper2.id,
                "due_date": "2030-01-20",
            },
        )
    )
    assert (body["title"], body["assignee_id"], body["due_date"]) == (
        "Draft the ROI sheet",
        panel.helper2.id,
        "2030-01-20",
    )
    body = ok(await client.patch(url, headers=panel.manager.headers, json={"due_date": None}))
    assert body["due_date"] is None and body["title"] == "Draft the ROI sheet"
    # The new assignee must be an active member too.
    for person in (panel.invited, panel.outsider):
        problem(
            await client.patch(url, headers=panel.owner.headers, json={"assignee_id": person.id}),
            409,
        )
    # The previous assignee has no say any more.
    problem(await client.patch(url, headers=panel.helper.headers, json={"status": "done"}), 403)
    assert (
        ok(await client.patch(url, headers=panel.helper2.headers, json={"status": "done"}))[
            "status"
        ]
        == "done"
    )


async def test_update_validation_and_unknown_item(client, panel):
    item = await create_item(
        client, panel.project_id, panel.owner, title="x", assignee_id=panel.helper.id
    )
    url = f"{API}/action-items/{item['id']}"
    for change in ({"status": "finished"}, {"title": "  "}, {"project_id": panel.project_id}):
        problem(await client.patch(url, headers=panel.owner.headers, json=change), 422)
    problem(
        await client.patch(
            f"{API}/action-items/{uuid.uuid4()}",
            headers=panel.owner.headers,
            json={"status": "done"},
        ),
        404,
    )
    problem(await client.patch(url, json={"status": "done"}), 401)


# --- listing -----------------------------------------------------------------------------


async def test_my_action_items_across_projects(client, panel):
    # Project B: the outsider's, with our helper on it. Project C: the outsider's alone.
    b = await new_project(client, panel.outsider, title="B")
    await add_member(client, b["id"], panel.outsider, panel.helper)
    c = await new_project(client, panel.outsider, title="C")
    a1 = await create_item(
        client, panel.project_id, panel.owner, title="A1", assignee_id=panel.helper.id
    )
    a2 = await create_item(
        client, panel.project_id, panel.owner, title="A2", assignee_id=panel.helper2.id
    )
    b1 = await create_item(client, b["id"], panel.outsider, title="B1", assignee_id=panel.helper.id)
    c1 = await create_item(
        client, c["id"], panel.outsider, title="C1", assignee_id=panel.outsider.id
    )
    b1 = ok(
        await client.patch(
            f"{API}/action-items/{b1['id']}", headers=panel.helper.headers, json={"status": "done"}
        )
    )
    rival_project = await new_project(client, panel.stranger, title="Rival")
    rival = await create_item(
        client, rival_project["id"], panel.stranger, title="R1", assignee_id=panel.stranger.id
    )

    async def listed(actor, **params):
        return item_ids(
            ok(await client.get(f"{API}/action-items", headers=actor.headers, params=params))
        )

    assert await listed(panel.helper, assignee_id=panel.helper.id) == [a1["id"], b1["id"]]
    assert await listed(panel.helper, assignee_id=panel.helper.id, status="done") == [b1["id"]]
    assert await listed(panel.helper, assignee_id=panel.helper.id, status="open") == [a1["id"]]
    assert await listed(panel.helper) == [a1["id"], a2["id"], b1["id"]]
    # C is not the helper's to read, whoever's item it is.
    assert await listed(panel.helper, assignee_id=panel.outsider.id) == []
    assert await listed(panel.outsider) == [b1["id"], c1["id"]]
    assert await listed(panel.manager) == [a1["id"], a2["id"], b1["id"], c1["id"]]
    assert await listed(panel.manager, status="done") == [b1["id"]]
    assert await listed(panel.stranger) == [rival["id"]]
    assert await listed(panel.stranger, assignee_id=panel.helper.id) == []
    # Leaving B takes its items out of the helper's list.
    r = await client.patch(
        f"{API}/projects/{b['id']}/members/{panel.helper.id}",
        headers=panel.helper.headers,
        json={"state": "left"},
    )
    ok(r)
    assert await listed(panel.helper, assignee_id=panel.helper.id) == [a1["id"]]
    first = ok(
        await client.get(f"{API}/action-items", headers=panel.manager.headers, params={"limit": 3})
    )
    assert item_ids(first) == [a1["id"], a2["id"], b1["id"]]
    rest = ok(
        await client.get(
            f"{API}/action-items",
            headers=panel.manager.headers,
            params={"limit": 3, "cursor": first["next_cursor"]},
        )
    )
    assert item_ids(rest) == [c1["id"]] and rest["next_cursor"] is None
    problem(await client.get(f"{API}/action-items"), 401)
    problem(
        await client.get(
            f"{API}/action-items", headers=panel.helper.headers, params={"status": "finished"}
        ),
        422,
    )


async def test_a_projects_action_items(client, panel):
    url = f"{API}/projects/{panel.project_id}/action-items"
    one = await create_item(
        client, panel.project_id, panel.owner, title="One", assignee_id=panel.helper.id
    )
    two = await create_item(
        client, panel.project_id, panel.owner, title="Two", assignee_id=panel.observer.id
    )
    ok(
        await client.patch(
            f"{API}/action-items/{two['id']}",
            headers=panel.observer.headers,
            json={"status": "done"},
        )
    )
    other = await new_project(client, panel.owner, title="Other")
    await create_item(
        client, other["id"], panel.owner, title="Elsewhere", assignee_id=panel.owner.id
    )
    for who in (panel.observer, panel.invited, panel.manager):
        assert item_ids(ok(await client.get(url, headers=who.headers))) == [one["id"], two["id"]]
    assert item_ids(
        ok(await client.get(url, headers=panel.owner.headers, params={"status": "done"}))
    ) == [two["id"]]
    assert (
        item_ids(
            ok(await client.get(url, headers=panel.owner.headers, params={"status": "cancelled"}))
        )
        == []
    )
    problem(await client.get(url, headers=panel.outsider.headers), 404)
    problem(await client.get(url, headers=panel.stranger.headers), 404)
    problem(await client.get(url), 401)


# --- time entries ------------------------------------------------------------------------


async def test_members_log_their_own_time(client, panel):
    url = f"{API}/projects/{panel.project_id}/time-entries"
    today = date.today().isoformat()
    logged = []
    for who, minutes in (("owner", 25), ("helper", 1), ("observer", 1440)):
        actor = getattr(panel, who)
        r = await client.post(
            url, headers=actor.headers, json={"minutes": minutes, "spent_on": today, "note": who}
        )
        body = ok(r, 201, who)
        assert body["project_id"] == panel.project_id
        assert body["user_id"] == actor.id
        assert (body["minutes"], body["spent_on"], body["note"]) == (minutes, today, who)
        logged.append(body)
    assert ok(await client.get(url, headers=panel.owner.headers))["items"] == logged


async def test_time_entry_validation(client, panel):
    url = f"{API}/projects/{panel.project_id}/time-entries"
    for body in [
        {"minutes": 0},
        {"minutes": -5},
        {"minutes": 1441},
        {"minutes": 2.5},
        {"minutes": "30"},
        {"minutes": 30, "spent_on": "2030-13-01"},
        {"minutes": 30, "spent_on": None},
        {"minutes": 30, "user_id": panel.owner.id},  # nobody logs time for somebody else
    ]:
        body = {"spent_on": date.today().isoformat(), **body}
        problem(await client.post(url, headers=panel.helper.headers, json=body), 422, body)
    assert ok(await client.get(url, headers=panel.owner.headers))["items"] == []


async def test_no_time_logged_for_a_future_day(client, panel):
    url = f"{API}/projects/{panel.project_id}/time-entries"
    for days in (3, 30):
        spent_on = (date.today() + timedelta(days=days)).isoformat()
        r = await client.post(
            url, headers=panel.helper.headers, json={"minutes": 30, "spent_on": spent_on}
        )
        problem(r, 409)
    # Yesterday (and last year) are fine.
    for days in (1, 365):
        spent_on = (date.today() - timedelta(days=days)).isoformat()
        ok(
            await client.post(
                url, headers=panel.helper.headers, json={"minutes": 30, "spent_on": spent_on}
            ),
            201,
        )
    assert len(ok(await client.get(url, headers=panel.owner.headers))["items"]) == 2


async def test_who_may_not_log_time(client, panel):
    url = f"{API}/projects/{panel.project_id}/time-entries"
    for who, status in [
        ("invited", 403),
        ("manager", 403),
        ("admin", 403),
        ("outsider", 404),
        ("stranger", 404),
    ]:
        r = await client.post(
            url,
            headers=getattr(panel, who).headers,
            json={"minutes": 30, "spent_on": date.today().isoformat()},
        )
        problem(r, status, who)
    assert ok(await client.get(url, headers=panel.owner.headers))["items"] == []


async def test_listing_time_entries(client, panel):
    url = f"{API}/projects/{panel.project_id}/time-entries"
    today = date.today().isoformat()
    mine = ok(
        await client.post(
            url, headers=panel.helper.headers, json={"minutes": 20, "spent_on": today}
        ),
        201,
    )
    theirs = ok(
        await client.post(
            url, headers=panel.owner.headers, json={"minutes": 40, "spent_on": today}
        ),
        201,
    )
    for who in (panel.observer, panel.manager):
        assert ok(await client.get(url, headers=who.headers))["items"] == [mine, theirs]
    body = ok(
        await client.get(url, headers=panel.owner.headers, params={"user_id": panel.helper.id})
    )
    assert body["items"] == [mine]
    problem(await client.get(url, headers=panel.outsider.headers), 404)
    problem(await client.get(url, headers=panel.stranger.headers), 404)
    problem(await client.get(url), 401)
    problem(await client.post(url, json={"minutes": 20, "spent_on": today}), 401)


# --- audit -------------------------------------------------------------------------------


async def audit_rows(app, entity_id: str) -> list[AuditEvent]:
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_id == uuid.UUID(entity_id))
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
        return list(rows)


async def test_session_transitions_leave_an_audit_trail(client, app, panel):
    held = await new_session(client, panel.project_id, panel.owner, facilitator_id=panel.helper.id)
    await transition(client, held["id"], panel.helper, "start")
    await held_for(app, held["id"], 30)
    await transition(
        client,
        held["id"],
        panel.helper,
        "complete",
        attendance=[{"user_id": panel.owner.id, "minutes": 30}],
    )
    dropped = await new_session(client, panel.project_id, panel.manager)
    await transition(client, dropped["id"], panel.manager, "cancel")
    # A refused transition leaves no trace.
    r = await client.post(f"{API}/sessions/{dropped['id']}/start", headers=panel.manager.headers)
    problem(r, 409)

    rows = await audit_rows(app, held["id"])
    assert [(row.action, str(row.actor_id)) for row in rows] == [
        ("session.created", panel.owner.id),
        ("session.started", panel.helper.id),
        ("session.completed", panel.helper.id),
    ]
    assert all(str(row.organization_id) == panel.owner.organization_id for row in rows)
    assert all(row.entity_type == "session" for row in rows)
    completed = rows[-1].changes["attendance"]
    assert completed[panel.owner.id] == 30
    rows = await audit_rows(app, dropped["id"])
    assert [(row.action, str(row.actor_id)) for row in rows] == [
        ("session.created", panel.manager.id),
        ("session.cancelled", panel.manager.id),
    ]


async def test_action_item_changes_are_audited(client, app, panel):
    item = await create_item(
        client, panel.project_id, panel.owner, title="Audit me", assignee_id=panel.helper.id
    )
    ok(
        await client.patch(
            f"{API}/action-items/{item['id']}",
            headers=panel.helper.headers,
            json={"status": "done"},
        )
    )
    problem(
        await client.patch(
            f"{API}/action-items/{item['id']}",
            headers=panel.helper2.headers,
            json={"status": "open"},
        ),
        403,
    )
    rows = await audit_rows(app, item["id"])
    assert [(row.action, str(row.actor_id)) for row in rows] == [
        ("action_item.created", panel.owner.id),
        ("action_item.updated", panel.helper.id),
    ]
    assert rows[-1].changes == {"status": "done"}


# --- no N+1 ------------------------------------------------------------------------------


async def test_listing_action_items_is_a_bounded_number_of_statements(client, app):
    admin = await register(client)
    owners = await quick_users(app, admin.organization_id, 3, prefix="owner")
    helpers = await quick_users(app, admin.organization_id, 5, prefix="helper")
    projects = [await new_project(client, o, title=f"P{n}") for n, o in enumerate(owners)]
    for project in projects:
        await seat_members(app, project["id"], helpers)
    sessions = [
        await new_session(client, p["id"], o) for p, o in zip(projects, owners, strict=True)
    ]

    async def add(n: int) -> None:
        k = n % 3
        await create_item(
            client,
            projects[k]["id"],
            owners[k],
            title=f"Item {n}",
            assignee_id=helpers[n % 5].id,
            **({"session_id": sessions[k]["id"]} if n % 2 else {}),
        )

    async def counted(actor, **params) -> tuple[int, int]:
        await client.get(f"{API}/action-items", headers=actor.headers, params=params)  # warm up
        with count_statements(app) as statements:
            body = ok(await client.get(f"{API}/action-items", headers=actor.headers, params=params))
        return len(body["items"]), len(statements)

    for n in range(2):
        await add(n)
    small = await counted(admin)
    small_helper = await counted(helpers[0], limit=200)
    for n in range(2, 30):
        await add(n)
    large = await counted(admin)
    large_helper = await counted(helpers[0], limit=200)
    assert (small[0], large[0]) == (2, 30)
    assert (small_helper[0], large_helper[0]) == (2, 30)
    assert large[1] == small[1]
    assert large_helper[1] == small_helper[1]
