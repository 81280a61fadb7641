"""Sessions over HTTP: scheduling (who may, who takes part), reading and editing with
ETag / If-Match, the state machine, completion with attendance, the outcome, and the
outcomes feed ``GET /sessions`` with its stable cursor."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.cast import Cast
from tests.factories import API, add_user, register
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
    soon,
    transition,
)


def participants(session: dict) -> dict[str, int | None]:
    return {p["user_id"]: p["attended_minutes"] for p in session["participants"]}


def feed_key(item: dict) -> tuple[datetime, uuid.UUID]:
    return datetime.fromisoformat(item["updated_at"]), uuid.UUID(item["id"])


@pytest.fixture
async def panel(client, app) -> Cast:
    return await make_panel(client, app)


# --- scheduling -------------------------------------------------------------------------


async def test_owner_schedules_a_session_for_the_active_members(client, panel):
    r = await client.post(
        f"{API}/projects/{panel.project_id}/sessions",
        headers=panel.owner.headers,
        json={
            "purpose": "targeting",
            "title": "  Which plants first  ",
            "agenda": "Bring two names each",
            "scheduled_at": "2030-05-04T09:30:00+02:00",
            "timebox_minutes": 40,
        },
    )
    body = ok(r, 201)
    assert body["project_id"] == panel.project_id
    assert body["organization_id"] == panel.owner.organization_id
    assert body["title"] == "Which plants first"
    assert body["purpose"] == "targeting"
    assert body["agenda"] == "Bring two names each"
    assert datetime.fromisoformat(body["scheduled_at"]) == datetime.fromisoformat(
        "2030-05-04T07:30:00+00:00"
    )
    assert body["timebox_minutes"] == 40
    assert body["status"] == "scheduled"
    assert body["facilitator_id"] == panel.owner.id
    assert body["started_at"] is None and body["completed_at"] is None
    assert body["cancelled_at"] is None
    assert (body["summary"], body["decisions"], body["recommended_approach"]) == ("", [], "")
    # Default participants: the active members; the invited one has not joined yet.
    assert participants(body) == {
        panel.owner.id: None,
        panel.helper.id: None,
        panel.helper2.id: None,
        panel.observer.id: None,
    }
    names = {p["user_id"]: p["full_name"] for p in body["participants"]}
    assert names[panel.helper.id] == "Hank Helper"


async def test_managers_and_admins_schedule_and_facilitate_by_default(client, panel):
    for caller in (panel.manager, panel.admin):
        body = await new_session(client, panel.project_id, caller)
        assert body["facilitator_id"] == caller.id
        assert caller.id not in participants(body)  # not a member: runs it, does not attend


async def test_others_cannot_schedule(client, panel):
    url = f"{API}/projects/{panel.project_id}/sessions"
    for who, status in [
        ("helper", 403),
        ("observer", 403),
        ("invited", 403),
        ("outsider", 404),
        ("stranger", 404),
    ]:
        r = await client.post(
            url,
            headers=getattr(panel, who).headers,
            json={"purpose": "approach", "title": "Mine", "scheduled_at": soon()},
        )
        problem(r, status, who)
    assert ok(await client.get(url, headers=panel.owner.headers))["items"] == []


async def test_scheduling_needs_a_token(client, panel):
    r = await client.post(
        f"{API}/projects/{panel.project_id}/sessions",
        json={"purpose": "approach", "title": "Mine", "scheduled_at": soon()},
    )
    problem(r, 401)


async def test_explicit_participants_and_facilitator(client, panel):
    body = await new_session(
        client,
        panel.project_id,
        panel.owner,
        participant_ids=[panel.helper.id, panel.observer.id, panel.helper.id],
        facilitator_id=panel.helper.id,
    )
    assert participants(body) == {panel.helper.id: None, panel.observer.id: None}
    assert body["facilitator_id"] == panel.helper.id


async def test_participants_must_be_members_of_the_project(client, panel):
    url = f"{API}/projects/{panel.project_id}/sessions"
    base = {"purpose": "approach", "title": "Who comes", "scheduled_at": soon()}
    # A colleague from the same organization who is not on the project: a conflict.
    r = await client.post(
        url,
        headers=panel.owner.headers,
        json={**base, "participant_ids": [panel.helper.id, panel.outsider.id]},
    )
    assert panel.outsider.id in problem(r, 409)["detail"]
    # Someone of another organization (or nobody at all) does not exist here: 404.
    for stranger_id in (panel.stranger.id, str(uuid.uuid4())):
        r = await client.post(
            url, headers=panel.owner.headers, json={**base, "participant_ids": [stranger_id]}
        )
        problem(r, 404)
    # The facilitator is held to the same rule.
    r = await client.post(
        url, headers=panel.owner.headers, json={**base, "facilitator_id": panel.outsider.id}
    )
    problem(r, 409)
    r = await client.post(
        url, headers=panel.owner.headers, json={**base, "facilitator_id": panel.stranger.id}
    )
    problem(r, 404)
    listed = ok(await client.get(url, headers=panel.owner.headers))
    assert listed["items"] == []


async def test_a_closed_project_gets_no_new_sessions(client, panel):
    r = await client.post(
        f"{API}/projects/{panel.project_id}/close",
        headers=panel.owner.headers,
        json={"result": "lost", "lost_reason": "no_decision", "note": "Budget frozen"},
    )
    ok(r)
    r = await client.post(
        f"{API}/projects/{panel.project_id}/sessions",
        headers=panel.owner.headers,
        json={"purpose": "debrief", "title": "Post mortem", "scheduled_at": soon()},
    )
    problem(r, 409)


async def test_session_create_validation(client, panel):
    url = f"{API}/projects/{panel.project_id}/sessions"
    for change in [
        {"timebox_minutes": 4},
        {"timebox_minutes": 481},
        {"timebox_minutes": 30.5},
        {"title": "   "},
        {"title": None},
        {"purpose": "gossip"},
        {"scheduled_at": "2030-05-04T09:30:00"},  # no offset
        {"scheduled_at": 1_900_000_000},
        {"participant_ids": ["not-a-uuid"]},
        {"status": "live"},  # not a field: the state machine sets it
    ]:
        body = {"purpose": "approach", "title": "Valid", "scheduled_at": soon(), **change}
        r = await client.post(url, headers=panel.owner.headers, json=body)
        assert "errors" in problem(r, 422, change)
    assert ok(await client.get(url, headers=panel.owner.headers))["items"] == []


# --- reading and editing ----------------------------------------------------------------


async def test_who_reads_a_session(client, panel):
    session = await new_session(client, panel.project_id, panel.owner)
    url = f"{API}/sessions/{session['id']}"
    for who in ("owner", "helper", "observer", "invited", "manager", "admin"):
        r = await client.get(url, headers=getattr(panel, who).headers)
        assert ok(r, 200, who) == session
        assert r.headers["etag"].startswith('"')
    for who in ("outsider", "stranger"):
        problem(await client.get(url, headers=getattr(panel, who).headers), 404, who)


async def test_reading_a_session_unknown_or_anonymous(client, panel):
    session = await new_session(client, panel.project_id, panel.owner)
    problem(await client.get(f"{API}/sessions/{session['id']}"), 401)
    problem(await client.get(f"{API}/sessions/{uuid.uuid4()}", headers=panel.owner.headers), 404)
    problem(
        await client.get(f"{API}/sessions/{session['id']}/outcome", headers=panel.outsider.headers),
        404,
    )


async def test_agenda_and_schedule_are_editable_while_scheduled(client, panel):
    session = await new_session(client, panel.project_id, panel.owner)
    url = f"{API}/sessions/{session['id']}"
    change = {
        "title": "Sharper title",
        "agenda": "1. Map the buying centre",
        "scheduled_at": "2031-01-02T10:00:00+00:00",
        "timebox_minutes": 60,
        "participant_ids": [panel.helper.id, panel.invited.id],
    }
    body = ok(await client.patch(url, headers=panel.owner.headers, json=change))
    assert body["title"] == "Sharper title"
    assert body["agenda"] == "1. Map the buying centre"
    assert datetime.fromisoformat(body["scheduled_at"]) == datetime.fromisoformat(
        "2031-01-02T10:00:00+00:00"
    )
    assert body["timebox_minutes"] == 60
    assert participants(body) == {panel.helper.id: None, panel.invited.id: None}
    assert ok(await client.get(url, headers=panel.helper.headers)) == body
    # A manager who is not on the project steers too.
    body = ok(await client.patch(url, headers=panel.manager.headers, json={"agenda": "v2"}))
    assert body["agenda"] == "v2"


async def test_only_steering_people_edit_a_session(client, panel):
    session = await new_session(client, panel.project_id, panel.owner)
    url = f"{API}/sessions/{session['id']}"
    for who, status in [("helper", 403), ("observer", 403), ("outsider", 404), ("stranger", 404)]:
        r = await client.patch(url, headers=getattr(panel, who).headers, json={"agenda": "Mine"})
        problem(r, status, who)
    assert ok(await client.get(url, headers=panel.owner.headers)) == session


async def test_the_facilitator_edits_the_session(client, panel):
    session = await new_session(
        client, panel.project_id, panel.owner, facilitator_id=panel.helper.id
    )
    r = await client.patch(
        f"{API}/sessions/{session['id']}", headers=panel.helper.headers, json={"agenda": "Mine"}
    )
    assert ok(r)["agenda"] == "Mine"


async def test_only_the_owner_or_an_active_helper_facilitates(client, panel):
    """An observer, someone invited who has not accepted, or a colleague off the panel
    cannot be named facilitator, on scheduling or later: a conflict (409), and nothing is
    written. Another organization's person does not exist here (404)."""
    url = f"{API}/projects/{panel.project_id}/sessions"
    base = {"purpose": "approach", "title": "Who runs it", "scheduled_at": soon()}
    session = await new_session(client, panel.project_id, panel.owner)
    for who, status in [
        ("observer", 409),
        ("invited", 409),
        ("manager", 409),  # staff steer anyway, but only run sessions they schedule
        ("outsider", 409),
        ("stranger", 404),
    ]:
        person = getattr(panel, who)
        r = await client.post(
            url, headers=panel.owner.headers, json={**base, "facilitator_id": person.id}
        )
        body = problem(r, status, who)
        if status == 409:
            assert person.id in body["detail"], body
        r = await client.patch(
            f"{API}/sessions/{session['id']}",
            headers=panel.owner.headers,
            json={"facilitator_id": person.id},
        )
        problem(r, status, who)
    listed = ok(await client.get(url, headers=panel.owner.headers))["items"]
    assert [s["facilitator_id"] for s in listed] == [panel.owner.id]
    # The owner and an active helper may.
    for person in (panel.owner, panel.helper):
        assert (await new_session(client, panel.project_id, panel.owner, facilitator_id=person.id))[
            "facilitator_id"
        ] == person.id


async def test_a_facilitator_moved_to_observer_no_longer_runs_the_room(client, panel):
    session = await new_session(
        client, panel.project_id, panel.owner, facilitator_id=panel.helper.id
    )
    await transition(client, session["id"], panel.helper, "start")
    r = await client.patch(
        f"{API}/projects/{panel.project_id}/members/{panel.helper.id}",
        headers=panel.owner.headers,
        json={"role": "observer"},
    )
    ok(r)
    r = await client.post(
        f"{API}/sessions/{session['id']}/complete", headers=panel.helper.headers, json={}
    )
    problem(r, 403)
    r = await client.post(
        f"{API}/projects/{panel.project_id}/action-items",
        headers=panel.helper.headers,
        json={"title": "Send it", "assignee_id": panel.helper2.id, "session_id": session["id"]},
    )
    problem(r, 403)
    await transition(client, session["id"], panel.owner, "complete")


async def test_editing_participants_keeps_to_members(client, panel):
    session = await new_session(client, panel.project_id, panel.owner)
    url = f"{API}/sessions/{session['id']}"
    r = await client.patch(
        url, headers=panel.owner.headers, json={"participant_ids": [panel.outsider.id]}
    )
    problem(r, 409)
    r = await client.patch(
        url, headers=panel.owner.headers, json={"participant_ids": [panel.stranger.id]}
    )
    problem(r, 404)
    r = await client.patch(
        url, headers=panel.owner.headers, json={"facilitator_id": panel.outsider.id}
    )
    problem(r, 409)
    assert ok(await client.get(url, headers=panel.owner.headers)) == session


async def test_the_outcome_is_not_written_before_completion(client, panel):
    session = await new_session(client, panel.project_id, panel.owner)
    url = f"{API}/sessions/{session['id']}"
    for change in ({"summary": "Early"}, {"decisions": ["Go"]}, {"recommended_approach": "x"}):
        problem(await client.patch(url, headers=panel.admin.headers, json=change), 409)
    await transition(client, session["id"], panel.owner, "start")
    problem(await client.patch(url, headers=panel.admin.headers, json={"summary": "Early"}), 409)
    assert ok(await client.get(url, headers=panel.owner.headers))["summary"] == ""


async def test_agenda_and_schedule_are_read_only_while_live(client, panel):
    session = await new_session(client, panel.project_id, panel.owner, agenda="Original")
    live = await transition(client, session["id"], panel.owner, "start")
    url = f"{API}/sessions/{session['id']}"
    for change in ({"agenda": "Changed"}, {"scheduled_at": soon(5)}, {"agenda": "x", "title": "y"}):
        for who in (panel.owner, panel.admin):
            problem(await client.patch(url, headers=who.headers, json=change), 409)
    after = ok(await client.get(url, headers=panel.owner.headers))
    assert after == live
    assert after["agenda"] == "Original" and after["title"] == session["title"]


async def test_a_completed_session_is_read_only_except_outcome_corrections_by_admins(client, panel):
    session = await new_session(client, panel.project_id, panel.owner)
    await transition(client, session["id"], panel.owner, "start")
    done = await transition(
        client,
        session["id"],
        panel.owner,
        "complete",
        summary="Tpyo",
        decisions=["Pilot"],
        recommended_approach="CFO",
    )
    url = f"{API}/sessions/{session['id']}"
    for who in (panel.owner, panel.manager):
        problem(await client.patch(url, headers=who.headers, json={"summary": "Mine"}), 403)
    problem(await client.patch(url, headers=panel.helper.headers, json={"summary": "Mine"}), 403)
    assert ok(await client.get(url, headers=panel.owner.headers)) == done

    for change in ({"title": "Renamed"}, {"agenda": "x"}, {"summary": "ok", "timebox_minutes": 10}):
        problem(await client.patch(url, headers=panel.admin.headers, json=change), 409)
    fixed = ok(
        await client.patch(
            url,
            headers=panel.admin.headers,
            json={
                "summary": "Typo fixed",
                "decisions": ["Pilot", "Then roll out"],
                "recommended_approach": "CFO first",
            },
        )
    )
    assert fixed["summary"] == "Typo fixed"
    assert fixed["decisions"] == ["Pilot", "Then roll out"]
    assert fixed["recommended_approach"] == "CFO first"
    assert fixed["status"] == "completed"
    assert fixed["title"] == done["title"]
    outcome = ok(await client.get(f"{url}/outcome", headers=panel.helper.headers))
    assert outcome["summary"] == "Typo fixed"
    assert outcome["decisions"] == ["Pilot", "Then roll out"]


async def test_a_cancelled_session_is_read_only(client, panel):
    session = await new_session(client, panel.project_id, panel.owner)
    cancelled = await transition(client, session["id"], panel.owner, "cancel")
    url = f"{API}/sessions/{session['id']}"
    for who in (panel.owner, panel.admin):
        problem(await client.patch(url, headers=who.headers, json={"title": "Revived"}), 409)
    assert ok(await client.get(url, headers=panel.owner.headers)) == cancelled


async def test_if_match_refuses_a_stale_write(client, panel):
    session = await new_session(client, panel.project_id, panel.owner)
    url = f"{API}/sessions/{session['id']}"
    first = await client.get(url, headers=panel.owner.headers)
    etag = first.headers["etag"]
    # Someone else edits in between.
    r = await client.patch(url, headers=panel.manager.headers, json={"agenda": "Manager's"})
    newer = r.headers["etag"]
    assert newer != etag
    r = await client.patch(
        url, headers={**panel.owner.headers, "If-Match": etag}, json={"agenda": "Owner's"}
    )
    problem(r, 412)
    assert ok(await client.get(url, headers=panel.owner.headers))["agenda"] == "Manager's"
    # The ETag a PATCH returns is the one a GET returns, and it is accepted (weak form too).
    assert (await client.get(url, headers=panel.owner.headers)).headers["etag"] == newer
    r = await client.patch(
        url, headers={**panel.owner.headers, "If-Match": f"W/{newer}"}, json={"agenda": "Owner's"}
    )
    assert ok(r)["agenda"] == "Owner's"
    problem(
        await client.patch(
            url, headers={**panel.owner.headers, "If-Match": newer}, json={"agenda": "Again"}
        ),
        412,
    )
    r = await client.patch(
        url, headers={**panel.owner.headers, "If-Match": "*"}, json={"agenda": "Any"}
    )
    assert ok(r)["agenda"] == "Any"


async def test_a_transition_makes_an_earlier_etag_stale(client, panel):
    session = await new_session(client, panel.project_id, panel.owner)
    url = f"{API}/sessions/{session['id']}"
    etag = (await client.get(url, headers=panel.owner.headers)).headers["etag"]
    await transition(client, session["id"], panel.owner, "start")
    r = await client.patch(
        url, headers={**panel.owner.headers, "If-Match": etag}, json={"title": "T"}
    )
    problem(r, 412)


# --- the state machine ------------------------------------------------------------------


async def test_scheduled_live_completed(client, panel):
    session = await new_session(client, panel.project_id, panel.owner)
    live = await transition(client, session["id"], panel.owner, "start")
    assert live["status"] == "live"
    assert live["started_at"] is not None and live["completed_at"] is None
    done = await transition(client, session["id"], panel.owner, "complete", summary="Good")
    assert done["status"] == "completed"
    assert done["started_at"] == live["started_at"]
    assert datetime.fromisoformat(done["completed_at"]) >= datetime.fromisoformat(
        live["started_at"]
    )
    assert done["cancelled_at"] is None
    assert done["summary"] == "Good"
    assert (
        ok(await client.get(f"{API}/sessions/{session['id']}", headers=panel.owner.headers)) == done
    )


async def test_cancel_from_scheduled_or_live(client, panel):
    for start_first in (False, True):
        session = await new_session(client, panel.project_id, panel.owner)
        if start_first:
            await transition(client, session["id"], panel.owner, "start")
        cancelled = await transition(client, session["id"], panel.manager, "cancel")
        assert cancelled["status"] == "cancelled"
        assert cancelled["cancelled_at"] is not None
        assert cancelled["completed_at"] is None
        assert (cancelled["started_at"] is not None) is start_first


ILLEGAL = [
    ([], "complete"),
    (["start"], "start"),
    (["cancel"], "start"),
    (["cancel"], "complete"),
    (["cancel"], "cancel"),
    (["start", "cancel"], "complete"),
    (["start", "complete"], "start"),
    (["start", "complete"], "complete"),
    (["start", "complete"], "cancel"),
]


async def test_illegal_transitions_are_conflicts(client, panel):
    for history, action in ILLEGAL:
        session = await new_session(client, panel.project_id, panel.owner)
        for step in history:
            await transition(client, session["id"], panel.owner, step)
        url = f"{API}/sessions/{session['id']}"
        before = ok(await client.get(url, headers=panel.owner.headers))
        kwargs = {"json": {}} if action == "complete" else {}
        r = await client.post(f"{url}/{action}", headers=panel.admin.headers, **kwargs)
        problem(r, 409, (history, action))
        assert ok(await client.get(url, headers=panel.owner.headers)) == before


async def test_who_cannot_run_the_room(client, panel):
    session = await new_session(client, panel.project_id, panel.owner)
    url = f"{API}/sessions/{session['id']}"
    for action in ("start", "cancel"):
        for who, status in [
            ("helper", 403),
            ("observer", 403),
            ("invited", 403),
            ("outsider", 404),
            ("stranger", 404),
        ]:
            r = await client.post(f"{url}/{action}", headers=getattr(panel, who).headers)
            problem(r, status, (action, who))
    assert ok(await client.get(url, headers=panel.owner.headers)) == session
    await transition(client, session["id"], panel.owner, "start")
    for who, status in [("helper", 403), ("observer", 403), ("outsider", 404)]:
        r = await client.post(f"{url}/complete", headers=getattr(panel, who).headers, json={})
        problem(r, status, who)
    assert ok(await client.get(url, headers=panel.owner.headers))["status"] == "live"


async def test_transitions_need_a_token_and_a_session(client, panel):
    session = await new_session(client, panel.project_id, panel.owner)
    problem(await client.post(f"{API}/sessions/{session['id']}/start"), 401)
    problem(
        await client.post(f"{API}/sessions/{uuid.uuid4()}/start", headers=panel.admin.headers), 404
    )


async def test_a_helper_who_facilitates_starts_and_completes(client, panel):
    session = await new_session(
        client, panel.project_id, panel.owner, facilitator_id=panel.helper.id
    )
    assert (await transition(client, session["id"], panel.helper, "start"))["status"] == "live"
    # The other helper is no facilitator.
    r = await client.post(
        f"{API}/sessions/{session['id']}/complete", headers=panel.helper2.headers, json={}
    )
    problem(r, 403)
    done = await transition(client, session["id"], panel.helper, "complete", summary="By Hank")
    assert done["status"] == "completed" and done["summary"] == "By Hank"


async def test_concurrent_starts_let_exactly_one_through(client, panel):
    session = await new_session(client, panel.project_id, panel.owner)
    url = f"{API}/sessions/{session['id']}/start"
    responses = await asyncio.gather(
        *(client.post(url, headers=who.headers) for who in [panel.owner, panel.manager] * 3)
    )
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409, 409, 409]
    winner = next(r.json() for r in responses if r.status_code == 200)
    r = await client.get(f"{API}/sessions/{session['id']}", headers=panel.owner.headers)
    assert ok(r)["started_at"] == winner["started_at"]


async def test_complete_and_cancel_racing_one_wins(client, panel):
    session = await new_session(client, panel.project_id, panel.owner)
    await transition(client, session["id"], panel.owner, "start")
    base = f"{API}/sessions/{session['id']}"
    responses = await asyncio.gather(
        client.post(f"{base}/complete", headers=panel.owner.headers, json={"summary": "A"}),
        client.post(f"{base}/cancel", headers=panel.manager.headers),
        client.post(f"{base}/complete", headers=panel.admin.headers, json={"summary": "B"}),
        client.post(f"{base}/cancel", headers=panel.owner.headers),
    )
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409]
    winner = next(r.json() for r in responses if r.status_code == 200)
    final = ok(await client.get(base, headers=panel.owner.headers))
    assert final == winner
    assert (final["completed_at"] is None) != (final["cancelled_at"] is None)


# --- completion and attendance -----------------------------------------------------------


async def test_completion_without_attendance_credits_nobody_who_never_joined(client, panel):
    session = await new_session(
        client,
        panel.project_id,
        panel.owner,
        timebox_minutes=35,
        participant_ids=[panel.owner.id, panel.helper.id, panel.invited.id],
    )
    await transition(client, session["id"], panel.owner, "start")
    done = await transition(
        client,
        session["id"],
        panel.owner,
        "complete",
        summary="Lead with uptime",
        decisions=["Pilot at one plant", "Price per line"],
        recommended_approach="Through the COO",
    )
    # Attendance is measured (tests/routers/test_presence.py): nobody opened the room, so nobody
    # is credited, not even for the time box. People who were not invited are not listed.
    assert participants(done) == {panel.owner.id: 0, panel.helper.id: 0, panel.invited.id: 0}
    assert done["decisions"] == ["Pilot at one plant", "Price per line"]
    outcome = ok(
        await client.get(f"{API}/sessions/{session['id']}/outcome", headers=panel.owner.headers)
    )
    assert {a["user_id"]: (a["minutes"], a["minutes_present"]) for a in outcome["attendance"]} == {
        panel.owner.id: (0, 0),
        panel.helper.id: (0, 0),
        panel.invited.id: (0, 0),
    }


async def test_completion_with_explicit_attendance(client, panel, app):
    session = await new_session(
        client,
        panel.project_id,
        panel.owner,
        timebox_minutes=45,
        participant_ids=[panel.owner.id, panel.helper.id, panel.observer.id],
    )
    await transition(client, session["id"], panel.owner, "start")
    await held_for(app, session["id"], 45)
    done = await transition(
        client,
        session["id"],
        panel.owner,
        "complete",
        attendance=[
            {"user_id": panel.owner.id, "minutes": 45},
            {"user_id": panel.helper.id, "minutes": 20},
            # Came without an invitation: still counted.
            {"user_id": panel.helper2.id, "minutes": 15},
        ],
    )
    assert participants(done) == {
        panel.owner.id: 45,
        panel.helper.id: 20,
        panel.helper2.id: 15,
        panel.observer.id: 0,  # invited, did not come
    }


async def test_attendance_of_a_non_member_is_refused(client, panel, app):
    session = await new_session(client, panel.project_id, panel.owner)
    await transition(client, session["id"], panel.owner, "start")
    await held_for(app, session["id"], 30)
    live = ok(await client.get(f"{API}/sessions/{session['id']}", headers=panel.owner.headers))
    # A colleague who is not on the project: a conflict. Someone of another organization
    # (or nobody) is not found, as when scheduling.
    for person_id, status in [
        (panel.outsider.id, 409),
        (panel.stranger.id, 404),
        (str(uuid.uuid4()), 404),
    ]:
        r = await client.post(
            f"{API}/sessions/{session['id']}/complete",
            headers=panel.owner.headers,
            json={
                "summary": "Should not stick",
                "attendance": [
                    {"user_id": panel.owner.id, "minutes": 30},
                    {"user_id": person_id, "minutes": 30},
                ],
            },
        )
        problem(r, status, person_id)
    # Nothing of the completion stuck: still live, no outcome, no minutes.
    r = await client.get(f"{API}/sessions/{session['id']}", headers=panel.owner.headers)
    assert ok(r) == live


async def test_completion_validation(client, panel):
    session = await new_session(client, panel.project_id, panel.owner)
    live = await transition(client, session["id"], panel.owner, "start")
    url = f"{API}/sessions/{session['id']}"
    for body in [
        {"attendance": [{"user_id": "x", "minutes": 10}]},
        {"attendance": [{"minutes": 10}]},
        {"decisions": ["   "]},
        {"decisions": "Pilot"},
        {"summary": 5},
        {"unexpected": True},
        *(
            {"attendance": [{"user_id": panel.owner.id, "minutes": minutes}]}
            for minutes in (-1, 1441, 2.5, "10", True)
        ),
    ]:
        problem(
            await client.post(f"{url}/complete", headers=panel.owner.headers, json=body), 422, body
        )
    assert ok(await client.get(url, headers=panel.owner.headers)) == live


# --- the outcome -------------------------------------------------------------------------


async def test_the_outcome_gathers_summary_adopted_ideas_action_items_and_attendance(
    client, panel, app
):
    session = await new_session(client, panel.project_id, panel.owner, timebox_minutes=30)
    sid = session["id"]
    await transition(client, sid, panel.owner, "start")
    await held_for(app, sid, 30)
    first = await contribute(client, sid, panel.helper, "Lead with downtime cost")
    second = await contribute(client, sid, panel.observer, "Invite the plant manager", "insight")
    parked = await contribute(client, sid, panel.owner, "Cut the price")
    rejected = await contribute(client, sid, panel.helper2, "Cold call the CEO")
    for voter in (panel.owner, panel.helper):
        ok(await client.post(f"{API}/contributions/{second['id']}/vote", headers=voter.headers))
    ok(await client.post(f"{API}/contributions/{first['id']}/vote", headers=panel.owner.headers))
    for voter in (panel.helper, panel.helper2, panel.observer):
        ok(await client.post(f"{API}/contributions/{parked['id']}/vote", headers=voter.headers))
    for contribution, status in (
        (first, "adopted"),
        (second, "adopted"),
        (parked, "parked"),
        (rejected, "rejected"),
    ):
        r = await client.patch(
            f"{API}/contributions/{contribution['id']}",
            headers=panel.owner.headers,
            json={"status": status},
        )
        assert ok(r)["status"] == status
    r = await client.post(
        f"{API}/projects/{panel.project_id}/action-items",
        headers=panel.owner.headers,
        json={
            "title": "Draft ROI sheet",
            "assignee_id": panel.helper.id,
            "session_id": sid,
            "contribution_id": first["id"],
        },
    )
    item = ok(r, 201)
    await transition(
        client,
        sid,
        panel.owner,
        "complete",
        summary="Downtime is the story",
        decisions=["Pilot first"],
        recommended_approach="Plant manager, then COO",
        attendance=[
            {"user_id": panel.owner.id, "minutes": 30},
            {"user_id": panel.helper.id, "minutes": 25},
        ],
    )
    for who in (panel.observer, panel.manager, panel.admin):
        outcome = ok(await client.get(f"{API}/sessions/{sid}/outcome", headers=who.headers))
        assert outcome["session_id"] == sid
        assert outcome["project_id"] == panel.project_id
        assert outcome["status"] == "completed"
        assert outcome["completed_at"] is not None
        assert outcome["summary"] == "Downtime is the story"
        assert outcome["decisions"] == ["Pilot first"]
        assert outcome["recommended_approach"] == "Plant manager, then COO"
        # Adopted only, most votes first, each with its author.
        assert outcome["adopted_contributions"] == [
            {
                "id": second["id"],
                "kind": "insight",
                "body": "Invite the plant manager",
                "author_id": panel.observer.id,
                "author_name": "Otto Observer",
                "votes": 2,
                "verdict": None,  # said after the client meeting
                "verdict_note": "",
            },
            {
                "id": first["id"],
                "kind": "idea",
                "body": "Lead with downtime cost",
                "author_id": panel.helper.id,
                "author_name": "Hank Helper",
                "votes": 1,
                "verdict": None,
                "verdict_note": "",
            },
        ]
        assert outcome["action_items"] == [item]
        attendance = {
            a["user_id"]: (a["full_name"], a["minutes"], a["minutes_present"])
            for a in outcome["attendance"]
        }
        # Credited as given (they sat in the physical room); measured: never on the stream.
        assert attendance[panel.owner.id] == ("Olga Owner", 30, 0)
        assert attendance[panel.helper.id] == ("Hank Helper", 25, 0)
    problem(await client.get(f"{API}/sessions/{sid}/outcome", headers=panel.stranger.headers), 404)
    problem(await client.get(f"{API}/sessions/{sid}/outcome"), 401)


async def test_the_outcome_of_a_session_not_held_yet_is_empty(client, panel):
    session = await new_session(client, panel.project_id, panel.owner)
    outcome = ok(
        await client.get(f"{API}/sessions/{session['id']}/outcome", headers=panel.helper.headers)
    )
    # participation and evenness (DESIGN 7.2) are tested in tests/routers/test_mastermind.py
    assert {k: v for k, v in outcome.items() if k not in ("participation", "evenness")} == {
        "session_id": session["id"],
        "project_id": panel.project_id,
        "status": "scheduled",
        "completed_at": None,
        "summary": "",
        "decisions": [],
        "recommended_approach": "",
        "adopted_contributions": [],
        "action_items": [],
        "attendance": [],
    }


# --- the outcomes feed -------------------------------------------------------------------


async def walk(client, actor, **params) -> list[dict]:
    items: list[dict] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = ok(await client.get(f"{API}/sessions", headers=actor.headers, params=query))
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


async def test_the_feed_is_ordered_by_update_time_and_filters(client, panel):
    other = await new_project(client, panel.owner, title="Second project")
    a = await new_session(client, panel.project_id, panel.owner, title="A")
    await new_session(client, other["id"], panel.owner, title="B")
    c = await new_session(client, panel.project_id, panel.owner, title="C")
    await transition(client, a["id"], panel.owner, "start")  # A moves to the end
    await transition(client, c["id"], panel.owner, "cancel")

    items = ok(await client.get(f"{API}/sessions", headers=panel.admin.headers))["items"]
    assert [s["title"] for s in items] == ["B", "A", "C"]
    assert items == sorted(items, key=feed_key)

    def titles(body):
        return [s["title"] for s in body["items"]]

    get = client.get
    h = panel.admin.headers
    assert titles(
        ok(await get(f"{API}/sessions", headers=h, params={"project_id": panel.project_id}))
    ) == ["A", "C"]
    assert titles(ok(await get(f"{API}/sessions", headers=h, params={"status": "live"}))) == ["A"]
    assert (
        titles(
            ok(
                await get(
                    f"{API}/sessions",
                    headers=h,
                    params={"status": "cancelled", "project_id": other["id"]},
                )
            )
        )
        == []
    )
    # updated_since is strict: the session updated at that very moment is already known.
    since = ok(await get(f"{API}/sessions/{a['id']}", headers=h))["updated_at"]
    assert titles(ok(await get(f"{API}/sessions", headers=h, params={"updated_since": since}))) == [
        "C"
    ]
    # The same instant written with another offset means the same thing.
    offset_form = datetime.fromisoformat(since).astimezone(timezone(timedelta(hours=5, minutes=30)))
    r = await get(f"{API}/sessions", headers=h, params={"updated_since": offset_form.isoformat()})
    assert titles(ok(r)) == ["C"]


async def test_feed_parameters_are_validated(client, panel):
    for params in [
        {"limit": 0},
        {"limit": 201},
        {"cursor": "not-a-cursor"},
        {"updated_since": "2030-01-01T00:00:00"},
        {"updated_since": "yesterday"},
        {"status": "postponed"},
        {"project_id": "42"},
    ]:
        r = await client.get(f"{API}/sessions", headers=panel.admin.headers, params=params)
        problem(r, 422, params)


async def test_a_list_for_people_in_planned_order_with_project_and_client(client, panel):
    """``sort=scheduled_at`` (soonest first) and ``-scheduled_at`` (newest first); every
    session names its project and the project's client."""
    customer = ok(
        await client.post(f"{API}/clients", headers=panel.owner.headers, json={"name": "Acme"}),
        201,
    )
    on_client = ok(
        await client.post(
            f"{API}/projects",
            headers=panel.owner.headers,
            json={"title": "Acme renewal", "kind": "account", "client_id": customer["id"]},
        ),
        201,
    )
    late = await new_session(
        client, panel.project_id, panel.owner, title="Late", scheduled_at=soon(48)
    )
    early = await new_session(
        client, on_client["id"], panel.owner, title="Early", scheduled_at=soon(2)
    )
    middle = await new_session(
        client, panel.project_id, panel.owner, title="Mid", scheduled_at=soon(5)
    )
    await transition(client, early["id"], panel.owner, "start")  # the feed order would change

    def titles(body):
        return [s["title"] for s in body["items"]]

    h = panel.owner.headers
    soonest = ok(await client.get(f"{API}/sessions", headers=h, params={"sort": "scheduled_at"}))
    assert titles(soonest) == ["Early", "Mid", "Late"]
    newest = ok(await client.get(f"{API}/sessions", headers=h, params={"sort": "-scheduled_at"}))
    assert titles(newest) == ["Late", "Mid", "Early"]
    # Pages follow the same order.
    first = ok(
        await client.get(f"{API}/sessions", headers=h, params={"sort": "-scheduled_at", "limit": 2})
    )
    rest = ok(
        await client.get(
            f"{API}/sessions",
            headers=h,
            params={"sort": "-scheduled_at", "limit": 2, "cursor": first["next_cursor"]},
        )
    )
    assert titles(first) + titles(rest) == ["Late", "Mid", "Early"] and rest["next_cursor"] is None
    context = {
        s["id"]: (s["project_title"], s["client_id"], s["client_name"]) for s in soonest["items"]
    }
    assert context == {
        early["id"]: ("Acme renewal", customer["id"], "Acme"),
        middle["id"]: (panel.project["title"], None, None),
        late["id"]: (panel.project["title"], None, None),
    }
    one = ok(await client.get(f"{API}/sessions/{early['id']}", headers=h))
    assert (one["project_title"], one["client_name"]) == ("Acme renewal", "Acme")
    problem(await client.get(f"{API}/sessions", headers=h, params={"sort": "title"}), 422)


async def test_walking_the_feed_returns_every_session_once_while_others_change(client, panel):
    ids = [
        (await new_session(client, panel.project_id, panel.owner, title=f"S{n}"))["id"]
        for n in range(7)
    ]
    seen: list[str] = []
    cursor = None
    page = 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = ok(await client.get(f"{API}/sessions", headers=panel.manager.headers, params=params))
        assert len(body["items"]) <= 2
        seen += [s["id"] for s in body["items"]]
        page += 1
        unseen = [i for i in ids if i not in seen]
        if page == 1:
            # Between pages: one not yet read is edited, another is started, one is added.
            r = await client.patch(
                f"{API}/sessions/{unseen[0]}", headers=panel.owner.headers, json={"title": "Edited"}
            )
            ok(r)
            await transition(client, unseen[1], panel.owner, "start")
            ids.append(
                (await new_session(client, panel.project_id, panel.owner, title="New"))["id"]
            )
        elif page == 2:
            await transition(client, unseen[0], panel.owner, "cancel")
            ids.append(
                (await new_session(client, panel.project_id, panel.owner, title="Newer"))["id"]
            )
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)), "a session came twice"
    assert set(seen) == set(ids)
    assert page >= 5


async def test_a_session_changed_after_it_was_read_comes_again_with_its_change(client, panel):
    sessions = [
        await new_session(client, panel.project_id, panel.owner, title=f"S{n}") for n in range(3)
    ]
    read = await walk(client, panel.admin, limit=2)
    assert [s["id"] for s in read] == [s["id"] for s in sessions]
    high_water = read[-1]["updated_at"]
    assert (
        ok(
            await client.get(
                f"{API}/sessions", headers=panel.admin.headers, params={"updated_since": high_water}
            )
        )["items"]
        == []
    )
    await transition(client, sessions[0]["id"], panel.owner, "start")
    await transition(client, sessions[0]["id"], panel.owner, "complete", summary="Done")
    changes = ok(
        await client.get(
            f"{API}/sessions", headers=panel.admin.headers, params={"updated_since": high_water}
        )
    )
    assert [(s["id"], s["status"], s["summary"]) for s in changes["items"]] == [
        (sessions[0]["id"], "completed", "Done")
    ]


async def test_the_feed_shows_only_what_the_caller_may_read(client, panel):
    mine = await new_session(client, panel.project_id, panel.owner, title="Panel session")
    # A project of the outsider, without our helper.
    theirs_project = await new_project(client, panel.outsider, title="Outsider's own")
    theirs = await new_session(client, theirs_project["id"], panel.outsider, title="Outsider's")
    # Another organization's session.
    rival_rep = await add_user(client, panel.stranger)
    rival_project = await new_project(client, rival_rep, title="Rival")
    rival = await new_session(client, rival_project["id"], rival_rep, title="Rival session")

    async def ids(actor, **params):
        return {s["id"] for s in await walk(client, actor, **params)}

    assert await ids(panel.admin) == {mine["id"], theirs["id"]}
    assert await ids(panel.manager) == {mine["id"], theirs["id"]}
    assert await ids(panel.helper) == {mine["id"]}
    assert await ids(panel.invited) == {mine["id"]}
    assert await ids(panel.outsider) == {theirs["id"]}
    assert await ids(panel.stranger) == {rival["id"]}
    # Asking for a project one cannot read gives nothing, not its sessions.
    assert await ids(panel.helper, project_id=theirs_project["id"]) == set()
    assert await ids(panel.admin, project_id=rival_project["id"]) == set()
    # A helper who leaves the project stops seeing its sessions.
    r = await client.patch(
        f"{API}/projects/{panel.project_id}/members/{panel.helper.id}",
        headers=panel.helper.headers,
        json={"state": "left"},
    )
    ok(r)
    assert await ids(panel.helper) == set()
    problem(await client.get(f"{API}/sessions/{mine['id']}", headers=panel.helper.headers), 404)
    problem(await client.get(f"{API}/sessions"), 401)


# --- no N+1 ------------------------------------------------------------------------------


async def test_the_feed_issues_the_same_statements_for_2_or_30_sessions(client, app):
    admin = await register(client)
    owners = await quick_users(app, admin.organization_id, 3, prefix="owner")
    projects = [await new_project(client, o, title=f"P{n}") for n, o in enumerate(owners)]
    guests = await quick_users(app, admin.organization_id, 4, prefix="guest")
    for project in projects:
        await seat_members(app, project["id"], guests)

    async def counted(actor) -> tuple[int, int]:
        await client.get(f"{API}/sessions", headers=actor.headers)  # warm up
        with count_statements(app) as statements:
            r = await client.get(f"{API}/sessions", headers=actor.headers, params={"limit": 50})
        body = ok(r)
        # Participants come along: each session lists its five invited people.
        assert {len(s["participants"]) for s in body["items"]} == {5}
        return len(body["items"]), len(statements)

    for n in range(2):
        await new_session(client, projects[n % 3]["id"], owners[n % 3])
    small = [await counted(admin), await counted(guests[0])]  # staff, and scoped by membership
    for n in range(2, 30):
        owner = owners[n % 3]
        session = await new_session(client, projects[n % 3]["id"], owner)
        if n % 4 == 0:
            await transition(client, session["id"], owner, "start")
            await transition(client, session["id"], owner, "complete")
    large = [await counted(admin), await counted(guests[0])]
    assert [rows for rows, _ in small] == [2, 2]
    assert [rows for rows, _ in large] == [30, 30]
    assert [count for _, count in large] == [count for _, count in small]


async def test_member_sessions_list_per_project(client, panel):
    """GET /projects/{id}/sessions lists a project's sessions by schedule."""
    late = await new_session(
        client, panel.project_id, panel.owner, title="Late", scheduled_at=soon(48)
    )
    early = await new_session(
        client, panel.project_id, panel.owner, title="Early", scheduled_at=soon(2)
    )
    url = f"{API}/projects/{panel.project_id}/sessions"
    body = ok(await client.get(url, headers=panel.observer.headers))
    assert [s["id"] for s in body["items"]] == [early["id"], late["id"]]
    await transition(client, late["id"], panel.owner, "cancel")
    body = ok(await client.get(url, headers=panel.observer.headers, params={"status": "cancelled"}))
    assert [s["id"] for s in body["items"]] == [late["id"]]
    problem(await client.get(url, headers=panel.outsider.headers), 404)
    problem(await client.get(url, headers=panel.stranger.headers), 404)
    body = ok(await client.get(url, headers=panel.owner.headers, params={"limit": 1}))
    assert [s["id"] for s in body["items"]] == [early["id"]] and body["next_cursor"]
    body = ok(
        await client.get(
            url, headers=panel.owner.headers, params={"limit": 1, "cursor": body["next_cursor"]}
        )
    )
    assert [s["id"] for s in body["items"]] == [late["id"]] and body["next_cursor"] is None


async def test_a_member_added_later_is_not_a_participant_of_earlier_sessions(client, panel):
    session = await new_session(client, panel.project_id, panel.owner)
    newcomer = await add_user(client, panel.admin, full_name="Nina Newcomer")
    await add_member(client, panel.project_id, panel.owner, newcomer)
    body = ok(await client.get(f"{API}/sessions/{session['id']}", headers=newcomer.headers))
    assert newcomer.id not in participants(body)
