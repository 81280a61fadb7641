"""The reciprocity ledger and project progress, with exact figures for a hand-built story."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from api.kit.periods import PeriodKind, named_period
from api.models import Organization
from api.services import rollup
from api.services.ledger import resolve_period
from tests.cast import Cast, add_member, manager, new_project, organization, rep
from tests.factories import API, Actor, add_user, assert_problem, create_team, register
from tests.session_kit import held_for, new_session, transition


def ok(response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return None if status == 204 else response.json()


async def _project(client, owner: Actor, title: str, helpers: list[Actor], budget: int) -> dict:
    project = await new_project(client, owner, title=title, helper_budget_minutes=budget)
    for helper in helpers:
        await add_member(client, project["id"], owner, helper, role=None)
    return project


async def _session(client, owner: Actor, project: dict, app: Any) -> dict:
    session = await new_session(client, project["id"], owner, title="Panel", timebox_minutes=45)
    await transition(client, session["id"], owner, "start")
    await held_for(app, session["id"], 45)
    return session


@pytest.fixture
async def story(client, app) -> Cast:
    """Ann owns P1 and helps on P2 (Dan's); Ben helps on P1, logs time and has an idea
    adopted; Cat helps on P1, then is removed (her minutes still count); ``s1`` is P1's
    completed session."""
    story = await organization(
        client,
        manager=manager("Mia Manager"),
        ann=rep("Ann Owner", seniority="junior"),
        ben=rep("Ben Helper", seniority="senior"),
        cat=rep("Cat Helper"),
        dan=rep("Dan Owner"),
    )
    ann, ben, cat, dan = story.ann, story.ben, story.cat, story.dan

    p1 = await _project(client, ann, "P1", [ben, cat], budget=50)
    s1 = await _session(client, ann, p1, app)
    idea = ok(
        await client.post(
            f"{API}/sessions/{s1['id']}/contributions",
            headers=ben.headers,
            json={"kind": "idea", "body": "Pilot first"},
        ),
        201,
    )
    ok(
        await client.post(
            f"{API}/sessions/{s1['id']}/contributions",
            headers=cat.headers,
            json={"kind": "question", "body": "Who signs?"},
        ),
        201,
    )
    ok(
        await client.patch(
            f"{API}/contributions/{idea['id']}", headers=ann.headers, json={"status": "adopted"}
        )
    )
    ok(
        await client.post(
            f"{API}/sessions/{s1['id']}/complete",
            headers=ann.headers,
            json={
                "summary": "ok",
                "attendance": [
                    {"user_id": ann.id, "minutes": 30},
                    {"user_id": ben.id, "minutes": 30},
                    {"user_id": cat.id, "minutes": 20},
                ],
            },
        )
    )
    # A cancelled session counts nothing, not even the contributions made in it.
    s2 = await _session(client, ann, p1, app)
    ok(
        await client.post(
            f"{API}/sessions/{s2['id']}/contributions",
            headers=cat.headers,
            json={"kind": "idea", "body": "Lost in a cancelled session"},
        ),
        201,
    )
    ok(await client.post(f"{API}/sessions/{s2['id']}/cancel", headers=ann.headers))
    today = datetime.now(UTC).date()
    ok(
        await client.post(
            f"{API}/projects/{p1['id']}/time-entries",
            headers=ben.headers,
            json={"minutes": 15, "spent_on": today.isoformat(), "note": "prep"},
        ),
        201,
    )
    # Ann's own preparation on her own project is not help given.
    ok(
        await client.post(
            f"{API}/projects/{p1['id']}/time-entries",
            headers=ann.headers,
            json={"minutes": 60, "spent_on": today.isoformat()},
        ),
        201,
    )
    ok(await client.delete(f"{API}/projects/{p1['id']}/members/{cat.id}", headers=ann.headers), 204)

    p2 = await _project(client, dan, "P2", [ann], budget=30)
    s3 = await _session(client, dan, p2, app)
    ok(
        await client.post(
            f"{API}/sessions/{s3['id']}/complete",
            headers=dan.headers,
            json={
                "attendance": [
                    {"user_id": ann.id, "minutes": 40},
                    {"user_id": dan.id, "minutes": 40},
                ]
            },
        )
    )
    story.p1, story.p2, story.s1 = p1, p2, s1
    return story


def _rows(body: dict) -> dict[str, dict]:
    return {row["full_name"]: row for row in body["items"]}


async def test_exact_figures(client, story: Cast):
    rows = _rows(ok(await client.get(f"{API}/ledger", headers=story.admin.headers)))
    expect = {
        # name: given, received, balance, sessions, contributions, adopted, helped, helped_by
        "Ann Owner": (40, 65, -25, 2, 0, 0, 1, 2),
        "Ben Helper": (45, 0, 45, 1, 1, 1, 1, 0),
        "Cat Helper": (20, 0, 20, 1, 1, 0, 1, 0),
        "Dan Owner": (0, 40, -40, 1, 0, 0, 0, 1),
        "Mia Manager": (0, 0, 0, 0, 0, 0, 0, 0),
    }
    for name, figures in expect.items():
        row = rows[name]
        assert (
            row["minutes_given"],
            row["minutes_received"],
            row["balance_minutes"],
            row["sessions_attended"],
            row["contributions_count"],
            row["ideas_adopted"],
            row["helped_people"],
            row["helped_by_people"],
        ) == figures, name
    # Given and received balance out across the organization.
    assert sum(r["balance_minutes"] for r in rows.values()) == 0


async def test_period_cuts_by_day_in_the_organization_time_zone(client, app, story: Cast):
    today = datetime.now(UTC).date()
    yesterday = today - timedelta(days=1)
    ok(
        await client.post(
            f"{API}/projects/{story.p1['id']}/time-entries",
            headers=story.ben.headers,
            json={"minutes": 10, "spent_on": yesterday.isoformat()},
        ),
        201,
    )
    only_yesterday = _rows(
        ok(
            await client.get(
                f"{API}/ledger",
                headers=story.admin.headers,
                params={"since": yesterday.isoformat(), "until": yesterday.isoformat()},
            )
        )
    )
    assert only_yesterday["Ben Helper"]["minutes_given"] == 10
    assert only_yesterday["Ann Owner"]["minutes_received"] == 10
    assert only_yesterday["Ann Owner"]["sessions_attended"] == 0

    # At UTC+14 the sessions completed "now" fall on the local date of now + 14 h.
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(
            update(Organization)
            .where(Organization.id == uuid.UUID(story.admin.organization_id))
            .values(time_zone="Pacific/Kiritimati")
        )
        # Rollups are bucketed by local day: a zone change is followed by a rebuild
        # (``mastermind rebuild-ledger``), as the README says.
        await rollup.refresh_organization(session, uuid.UUID(story.admin.organization_id))
    local_today = (datetime.now(UTC) + timedelta(hours=14)).date()
    day_before = local_today - timedelta(days=1)
    on_local_day = _rows(
        ok(
            await client.get(
                f"{API}/ledger",
                headers=story.admin.headers,
                params={"since": local_today.isoformat(), "until": local_today.isoformat()},
            )
        )
    )
    assert on_local_day["Ann Owner"]["sessions_attended"] == 2
    before = _rows(
        ok(
            await client.get(
                f"{API}/ledger",
                headers=story.admin.headers,
                params={"since": day_before.isoformat(), "until": day_before.isoformat()},
            )
        )
    )
    assert before["Ann Owner"]["sessions_attended"] == 0


async def test_who_sees_which_rows(client, story: Cast):
    mine = ok(await client.get(f"{API}/ledger", headers=story.ben.headers))
    assert [row["user_id"] for row in mine["items"]] == [story.ben.id]
    assert mine["items"][0]["minutes_given"] == 45

    own = ok(await client.get(f"{API}/users/{story.ben.id}/ledger", headers=story.ben.headers))
    assert own["minutes_given"] == 45
    other = await client.get(f"{API}/users/{story.ann.id}/ledger", headers=story.ben.headers)
    assert other.status_code == 403
    assert (
        ok(await client.get(f"{API}/users/{story.ann.id}/ledger", headers=story.manager.headers))[
            "balance_minutes"
        ]
        == -25
    )

    everyone = ok(await client.get(f"{API}/ledger", headers=story.manager.headers))
    assert len(everyone["items"]) == 6

    team = await create_team(client, story.manager, member_ids=[story.ann.id, story.ben.id])
    narrowed = ok(
        await client.get(
            f"{API}/ledger", headers=story.manager.headers, params={"team_id": team["id"]}
        )
    )
    assert {row["full_name"] for row in narrowed["items"]} == {"Ann Owner", "Ben Helper"}

    other_manager = await add_user(client, story.admin, role="manager")
    refused = await client.get(
        f"{API}/ledger", headers=other_manager.headers, params={"team_id": team["id"]}
    )
    assert refused.status_code == 403

    stranger = await register(client, organization_name="Other Co")
    assert (
        await client.get(f"{API}/users/{story.ann.id}/ledger", headers=stranger.headers)
    ).status_code == 404
    assert (
        await client.get(f"{API}/ledger", headers=stranger.headers, params={"team_id": team["id"]})
    ).status_code == 404
    assert (await client.get(f"{API}/ledger")).status_code == 401


async def test_bad_periods(client, story: Cast):
    backwards = await client.get(
        f"{API}/ledger",
        headers=story.admin.headers,
        params={"since": "2026-05-02", "until": "2026-05-01"},
    )
    assert backwards.status_code == 409
    garbage = await client.get(
        f"{API}/ledger", headers=story.admin.headers, params={"since": "0.5"}
    )
    assert garbage.status_code == 422


async def test_progress_budget_burn(client, story: Cast):
    progress = ok(
        await client.get(f"{API}/projects/{story.p1['id']}/progress", headers=story.ben.headers)
    )
    members = {m["full_name"]: m for m in progress["members"]}
    assert members["Ann Owner"]["role"] == "owner"
    assert (members["Ben Helper"]["minutes_used"], members["Ben Helper"]["burn_warning"]) == (
        45,
        "over_80",
    )
    assert (members["Cat Helper"]["minutes_used"], members["Cat Helper"]["burn_warning"]) == (
        20,
        "none",
    )
    assert members["Cat Helper"]["state"] == "left"
    assert progress["sessions"] == {"held": 1, "planned": 0, "live": 0, "cancelled": 1}
    assert progress["minutes_used"] == 65 and progress["budget_minutes"] == 100

    ok(
        await client.post(
            f"{API}/projects/{story.p1['id']}/time-entries",
            headers=story.ben.headers,
            json={"minutes": 5, "spent_on": datetime.now(UTC).date().isoformat()},
        ),
        201,
    )
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    for title, due in (("late", yesterday), ("fine", None)):
        ok(
            await client.post(
                f"{API}/projects/{story.p1['id']}/action-items",
                headers=story.ann.headers,
                json={"title": title, "assignee_id": story.ben.id, "due_date": due},
            ),
            201,
        )
    progress = ok(
        await client.get(f"{API}/projects/{story.p1['id']}/progress", headers=story.ann.headers)
    )
    members = {m["full_name"]: m for m in progress["members"]}
    assert (members["Ben Helper"]["minutes_used"], members["Ben Helper"]["burn_warning"]) == (
        50,
        "over_100",
    )
    assert progress["action_items"] == {"open": 2, "done": 0, "overdue": 1, "cancelled": 0}
    outsider = await add_user(client, story.admin)
    assert (
        await client.get(f"{API}/projects/{story.p1['id']}/progress", headers=outsider.headers)
    ).status_code == 404


async def test_suggested_helpers_rank_and_explain(client, story: Cast):
    # Project P3 owned by junior Ann on a healthcare client.
    hc = ok(
        await client.post(
            f"{API}/clients",
            headers=story.ann.headers,
            json={"name": "Helix", "industry": "Healthcare"},
        ),
        201,
    )
    p3 = ok(
        await client.post(
            f"{API}/projects",
            headers=story.ann.headers,
            json={"title": "Helix pricing review", "kind": "account", "client_id": hc["id"]},
        ),
        201,
    )
    expert = await add_user(
        client, story.admin, full_name="Eve Expert", expertise=["healthcare"], seniority="mid"
    )
    await add_user(
        client, story.admin, full_name="Nic Novice", expertise=["retail"], seniority="mid"
    )
    body = ok(
        await client.get(f"{API}/projects/{p3['id']}/suggested-helpers", headers=story.ann.headers)
    )
    names = [s["full_name"] for s in body["items"]]
    assert "Ann Owner" not in names  # the owner is never suggested
    assert names.index("Eve Expert") < names.index("Nic Novice")
    eve = next(s for s in body["items"] if s["user_id"] == expert.id)
    assert any("healthcare" in r.lower() for r in eve["reasons"])
    # Dan received 40 minutes from Ann and gave none: he owes help, and Ann helped him before.
    dan = next(s for s in body["items"] if s["full_name"] == "Dan Owner")
    assert any("turn to help" in r for r in dan["reasons"])
    assert any("helped them" in r for r in dan["reasons"])
    ben = next(s for s in body["items"] if s["full_name"] == "Ben Helper")
    assert any("Senior" in r for r in ben["reasons"])  # a junior owner gets seniors
    assert names.index("Dan Owner") < names.index("Nic Novice")
    # Deterministic, and members are never suggested.
    again = ok(
        await client.get(f"{API}/projects/{p3['id']}/suggested-helpers", headers=story.ann.headers)
    )
    assert again == body
    ok(
        await client.post(
            f"{API}/projects/{p3['id']}/members",
            headers=story.ann.headers,
            json={"user_id": expert.id},
        ),
        201,
    )
    after = ok(
        await client.get(f"{API}/projects/{p3['id']}/suggested-helpers", headers=story.ann.headers)
    )
    assert expert.id not in [s["user_id"] for s in after["items"]]
    # Helpers cannot ask; outsiders do not see the project.
    assert (
        await client.get(
            f"{API}/projects/{story.p1['id']}/suggested-helpers", headers=story.ben.headers
        )
    ).status_code == 403
    assert (
        await client.get(f"{API}/projects/{p3['id']}/suggested-helpers", headers=story.dan.headers)
    ).status_code == 404


async def test_dashboard_for_a_rep_and_a_manager(client, story: Cast):
    rep = ok(await client.get(f"{API}/dashboard", headers=story.ann.headers))
    assert rep["role"] == "rep" and rep["team"] is None
    assert rep["my_balance"]["balance_minutes"] == -25
    assert [p["title"] for p in rep["my_projects"]] == ["P1"]
    assert [p["title"] for p in rep["helping_on"]] == ["P2"]
    manager = ok(await client.get(f"{API}/dashboard", headers=story.manager.headers))
    team = manager["team"]
    assert team["projects_by_status"]["open"] == 2
    assert (
        len(team["sessions_per_week"]) == 12
        and sum(w["sessions"] for w in team["sessions_per_week"]) == 2
    )
    assert [r["full_name"] for r in team["top_givers"]][:1] == ["Ben Helper"]
    assert [r["full_name"] for r in team["top_takers"]] == ["Dan Owner", "Ann Owner"]
    # S1 had senior Ben and junior Ann together; S3 had no junior/senior pair? Ann is junior, Dan mid.
    # (adopted_by_seniority is the Mastermind learning view's, tested in test_mastermind.py.)
    mix = {k: v for k, v in team["learning_mix"].items() if k != "adopted_by_seniority"}
    assert mix == {
        "completed_sessions": 2,
        "mixed_sessions": 1,
        "share_mixed": 0.5,
    }
    burn = {b["title"]: b for b in team["budget_burn"]}
    assert burn["P1"]["minutes_used"] == 65 and burn["P1"]["budget_minutes"] == 100
    assert (await client.get(f"{API}/dashboard")).status_code == 401


async def test_a_zone_changed_through_the_api_rebuilds_the_ledger_before_the_answer(
    client, app, story: Cast
):
    """PATCH /organization with a new time zone: the answer comes once the rollups are cut
    at the new midnights, and a recomputation from the facts finds no drift."""
    changed = await client.patch(
        f"{API}/organization",
        headers=story.admin.headers,
        json={"time_zone": "Pacific/Kiritimati"},
    )
    body = ok(changed)
    assert body["time_zone"] == "Pacific/Kiritimati"
    assert body["ledger_rebuilt_at"] is not None
    local_today = (datetime.now(UTC) + timedelta(hours=14)).date()
    on_local_day = _rows(
        ok(
            await client.get(
                f"{API}/ledger",
                headers=story.admin.headers,
                params={"since": local_today.isoformat(), "until": local_today.isoformat()},
            )
        )
    )
    assert on_local_day["Ann Owner"]["sessions_attended"] == 2
    async with app.state.sessionmaker() as session:
        drift = await rollup.verify_organization(session, uuid.UUID(story.admin.organization_id))
    assert drift == []
    # The same zone again changes nothing and rebuilds nothing.
    again = ok(
        await client.patch(
            f"{API}/organization",
            headers=story.admin.headers,
            json={"time_zone": "Pacific/Kiritimati"},
        )
    )
    assert again["ledger_rebuilt_at"] == body["ledger_rebuilt_at"]


async def test_fiscal_periods_of_an_april_year_in_tokyo_turn_at_tokyo_midnight(app, story: Cast):
    """31 December 2026, 14:59 UTC is 23:59 in Tokyo, the last minute of 第3四半期; a minute
    later Tokyo's 1 January opens the fourth quarter of fiscal 2026, while UTC is still in
    December."""
    organization_id = uuid.UUID(story.admin.organization_id)
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(
            update(Organization)
            .where(Organization.id == organization_id)
            .values(time_zone="Asia/Tokyo", fiscal_year_start_month=4)
        )
    rollup.forget_calendar(organization_id)
    before_midnight = datetime(2026, 12, 31, 14, 59, tzinfo=UTC)
    after_midnight = datetime(2026, 12, 31, 15, 0, tzinfo=UTC)
    async with app.state.sessionmaker() as session:
        q3 = await resolve_period(session, organization_id, None, None, now=before_midnight)
        q4 = await resolve_period(session, organization_id, None, None, now=after_midnight)
        year = await resolve_period(
            session, organization_id, None, None, PeriodKind.fiscal_year, now=after_midnight
        )
        month = await resolve_period(
            session, organization_id, None, None, PeriodKind.month, now=after_midnight
        )
        calendar_quarter = await resolve_period(
            session, organization_id, None, None, PeriodKind.quarter, now=before_midnight
        )
        # Until alone: that day's fiscal quarter up to it.
        up_to = await resolve_period(session, organization_id, None, date(2026, 5, 20))
    assert (q3.since, q3.until, q3.kind, q3.fiscal_year, q3.quarter) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
        PeriodKind.fiscal_quarter,
        2026,
        3,
    )
    assert q3.starts_at == datetime(2026, 9, 30, 15, 0, tzinfo=UTC)  # Tokyo's midnight
    assert (q4.since, q4.until, q4.fiscal_year, q4.quarter) == (
        date(2027, 1, 1),
        date(2027, 1, 1),
        2026,
        4,
    )
    assert (year.since, year.until, year.fiscal_year, year.quarter) == (
        date(2026, 4, 1),
        date(2027, 1, 1),
        2026,
        None,
    )
    assert (month.since, month.kind) == (date(2027, 1, 1), PeriodKind.month)
    assert (calendar_quarter.since, calendar_quarter.quarter) == (date(2026, 10, 1), 4)
    assert (up_to.since, up_to.until, up_to.quarter) == (date(2026, 4, 1), date(2026, 5, 20), 1)


async def test_ledger_and_dashboard_read_named_periods(client, story: Cast):
    """A fiscal year whose first month is next month: today lies in the year's last quarter
    and last month, so an entry on the year's first day counts in the fiscal year only and
    one on the quarter's first day in the quarter, not in the month."""
    today = datetime.now(UTC).date()  # the organization is on UTC
    start_month = today.month % 12 + 1
    ok(
        await client.patch(
            f"{API}/organization",
            headers=story.admin.headers,
            json={"fiscal_year_start_month": start_month},
        )
    )
    fiscal_year = named_period(PeriodKind.fiscal_year, today, start_month)
    fiscal_quarter = named_period(PeriodKind.fiscal_quarter, today, start_month)
    assert fiscal_quarter.quarter == 4
    for day, minutes in ((fiscal_year.first_day, 7), (fiscal_quarter.first_day, 11)):
        ok(
            await client.post(
                f"{API}/projects/{story.p1['id']}/time-entries",
                headers=story.ben.headers,
                json={"minutes": minutes, "spent_on": day.isoformat()},
            ),
            201,
        )

    async def given(params: dict[str, str]) -> tuple[int, dict]:
        page = ok(await client.get(f"{API}/ledger", headers=story.admin.headers, params=params))
        return _rows(page)["Ben Helper"]["minutes_given"], page

    this_quarter, default_page = await given({})
    assert (default_page["since"], default_page["until"]) == (
        fiscal_quarter.first_day.isoformat(),
        today.isoformat(),
    )
    assert (default_page["period"], default_page["quarter"]) == ("fiscal_quarter", 4)
    assert default_page["fiscal_year"] == fiscal_year.fiscal_year
    year_total, year_page = await given({"period": "fiscal_year"})
    assert year_page["since"] == fiscal_year.first_day.isoformat()
    month_total, _ = await given({"period": "month"})
    assert year_total - this_quarter == 7
    assert this_quarter - month_total == 11
    own = ok(
        await client.get(
            f"{API}/users/{story.ben.id}/ledger",
            headers=story.ben.headers,
            params={"period": "fiscal_year"},
        )
    )
    assert own["minutes_given"] == year_total
    # Days of one's own are no named period.
    custom = ok(
        await client.get(
            f"{API}/ledger", headers=story.admin.headers, params={"since": today.isoformat()}
        )
    )
    assert (custom["period"], custom["quarter"]) == (None, None)

    board = ok(
        await client.get(
            f"{API}/dashboard", headers=story.ben.headers, params={"period": "fiscal_year"}
        )
    )
    assert (board["since"], board["period"]) == (fiscal_year.first_day.isoformat(), "fiscal_year")
    assert board["my_balance"]["minutes_given"] == year_total

    both = await client.get(
        f"{API}/ledger",
        headers=story.admin.headers,
        params={"period": "month", "since": today.isoformat()},
    )
    assert assert_problem(both, 422)["errors"][0]["loc"] == ["query", "period"]
    assert_problem(
        await client.get(f"{API}/dashboard", headers=story.ben.headers, params={"period": "week"}),
        422,
    )
