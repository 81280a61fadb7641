"""The notices that come with time (DESIGN 7.6), through a real SMTP server: an action item
past its due date is told to its assignee once (two workers scanning), from the day after
in the organization's zone, never for a done item or to someone who turned the kind off,
again only for a due date moved later, in the assignee's language; the managers' weekly
summary carries the exact figures of their own teams' week and reaches no one else, in
queries that do not grow with the teams' size; and without SMTP the worker loop still
writes reminders and overdue notices in the app."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from api.models import Locale, MailMessage, TeamMember
from api.services import notifications
from api.services.webhook_worker import WebhookWorker
from tests import cast
from tests.factories import API, Actor, create_team
from tests.mail_kit import BASE, drain, parts, scan, set_locale, worker
from tests.session_kit import (
    completed_session,
    contribute,
    count_statements,
    make_panel,
    new_session,
    ok,
    quick_users,
)

PREFS = f"{API}/users/me/notification-preferences"


async def add_item(
    client, project_id: str, by: Actor, assignee: Actor, due: date, title: str = "Send the deck"
) -> dict[str, Any]:
    body = {"title": title, "assignee_id": assignee.id, "due_date": due.isoformat()}
    return ok(
        await client.post(
            f"{API}/projects/{project_id}/action-items", headers=by.headers, json=body
        ),
        201,
    )


async def notices(client, person: Actor, kind: str) -> list[dict[str, Any]]:
    page = ok(await client.get(f"{API}/notifications?limit=200", headers=person.headers))
    return [n for n in page["items"] if n["kind"] == kind]


def mails(smtp, person: Actor, containing: str) -> list[Any]:
    return [m for m in smtp.to(person.user["email"]) if containing in m["Subject"]]


async def scan_and_send(app, *, now: datetime | None = None) -> None:
    """Three rounds of two workers each scanning, then two mail workers sending."""
    one, two = worker(app), worker(app)
    for _ in range(3):
        await scan(app, now=now)
        await drain(app, one, two)


# --- overdue action items ---------------------------------------------------------------------


async def test_overdue_is_told_once_from_the_day_after_in_the_organizations_zone(
    mail_client, mail_app, smtp
):
    panel = await make_panel(mail_client, mail_app)
    tokyo = ZoneInfo("Asia/Tokyo")
    ok(
        await mail_client.patch(
            f"{API}/organization", headers=panel.admin.headers, json={"time_zone": "Asia/Tokyo"}
        )
    )
    due = datetime.now(tokyo).date()
    item = await add_item(mail_client, panel.project_id, panel.owner, panel.helper, due)
    # The last half hour of the due day in Tokyo: not overdue yet.
    await scan_and_send(mail_app, now=datetime.combine(due, time(23, 30), tokyo))
    assert await notices(mail_client, panel.helper, "action_item_overdue") == []
    # Half past midnight in Tokyo, 15:30 of the due day in UTC: overdue there, once.
    await scan_and_send(mail_app, now=datetime.combine(due + timedelta(days=1), time(0, 30), tokyo))
    [notice] = await notices(mail_client, panel.helper, "action_item_overdue")
    assert notice["link"] == f"/projects/{panel.project_id}"
    assert notice["data"]["action_item_id"] == item["id"]
    assert notice["data"]["due_on"] == due.isoformat()
    assert notice["data"]["project_title"] == panel.project["title"]
    [mail] = mails(smtp, panel.helper, "Overdue")
    assert mail["Subject"] == "Overdue: Send the deck"
    text = parts(mail)["text"]
    assert f"was due on {due.isoformat()}" in text
    assert f"{BASE}/projects/{panel.project_id}" in text
    # Nobody else hears of it.
    for person in (panel.owner, panel.helper2, panel.manager):
        assert await notices(mail_client, person, "action_item_overdue") == []
        assert mails(smtp, person, "Overdue") == []


async def test_no_overdue_notice_for_a_done_item_or_a_kind_turned_off(mail_client, mail_app, smtp):
    panel = await make_panel(mail_client, mail_app)
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    done = await add_item(mail_client, panel.project_id, panel.owner, panel.helper, yesterday)
    ok(
        await mail_client.patch(
            f"{API}/action-items/{done['id']}",
            headers=panel.helper.headers,
            json={"status": "done"},
        )
    )
    for person, channels in (
        (panel.helper2, {"email": False, "in_app": False}),
        (panel.observer, {"email": False}),
    ):
        ok(
            await mail_client.patch(
                PREFS,
                headers=person.headers,
                json={"kinds": [{"kind": "action_item_overdue", **channels}]},
            )
        )
        await add_item(mail_client, panel.project_id, panel.owner, person, yesterday)
    await add_item(mail_client, panel.project_id, panel.owner, panel.owner, yesterday, "Call back")
    await scan_and_send(mail_app)
    assert await notices(mail_client, panel.helper, "action_item_overdue") == []
    assert mails(smtp, panel.helper, "Overdue") == []
    assert await notices(mail_client, panel.helper2, "action_item_overdue") == []
    assert mails(smtp, panel.helper2, "Overdue") == []
    # Mail off only: the app still tells.
    assert len(await notices(mail_client, panel.observer, "action_item_overdue")) == 1
    assert mails(smtp, panel.observer, "Overdue") == []
    # Everyone else's defaults: both channels (their own item, given by themselves).
    assert len(await notices(mail_client, panel.owner, "action_item_overdue")) == 1
    assert [m["Subject"] for m in mails(smtp, panel.owner, "Overdue")] == ["Overdue: Call back"]


async def test_a_due_date_moved_later_is_told_again_once_it_passes(mail_client, mail_app, smtp):
    panel = await make_panel(mail_client, mail_app)
    today = datetime.now(UTC).date()
    item = await add_item(
        mail_client, panel.project_id, panel.owner, panel.helper, today - timedelta(days=2)
    )
    await scan_and_send(mail_app)
    assert len(await notices(mail_client, panel.helper, "action_item_overdue")) == 1
    later = today + timedelta(days=1)
    ok(
        await mail_client.patch(
            f"{API}/action-items/{item['id']}",
            headers=panel.owner.headers,
            json={"due_date": later.isoformat()},
        )
    )
    await scan_and_send(mail_app)
    assert len(await notices(mail_client, panel.helper, "action_item_overdue")) == 1
    await scan_and_send(mail_app, now=datetime.now(UTC) + timedelta(days=2))
    told = await notices(mail_client, panel.helper, "action_item_overdue")
    assert [n["data"]["due_on"] for n in told] == [
        later.isoformat(),
        (today - timedelta(days=2)).isoformat(),
    ]
    assert len(mails(smtp, panel.helper, "Overdue")) == 2


async def test_an_overdue_item_is_mailed_in_japanese_to_a_japanese_assignee(
    mail_client, mail_app, smtp
):
    panel = await make_panel(mail_client, mail_app)
    await set_locale(mail_app, panel.helper.id, Locale.ja)
    due = datetime.now(UTC).date() - timedelta(days=1)
    await add_item(mail_client, panel.project_id, panel.owner, panel.helper, due, "見積もりを送る")
    await scan_and_send(mail_app)
    [mail] = mails(smtp, panel.helper, "期限切れ")
    assert mail["Subject"] == "期限切れのアクションアイテム: 見積もりを送る"
    body = parts(mail)
    assert (
        f"「{panel.project['title']}」のアクションアイテムの期限（{due.isoformat()}）が過ぎました。"
        in body["text"]
    )
    assert f'<a href="{BASE}/projects/{panel.project_id}">' in body["html"]


# --- the managers' weekly summary ------------------------------------------------------------


def next_monday(hour: int) -> datetime:
    today = datetime.now(UTC).date()
    monday = today + timedelta(days=7 - today.weekday())
    return datetime.combine(monday, time(hour), UTC)


async def closed_project(client, owner: Actor, title: str, result: str) -> dict:
    project = await cast.new_project(client, owner, title=title)
    await cast.close_project(client, project["id"], owner, result)
    return project


async def test_the_weekly_summary_tells_each_manager_their_own_teams_week(
    mail_client, mail_app, smtp
):
    people = await cast.organization(
        mail_client,
        "Weekly Co",
        lead=cast.manager("Lena Lead"),
        other=cast.manager("Omar Other"),
        owner=cast.rep("Olga Owner"),
        helper=cast.rep("Hank Helper"),
        solo=cast.rep("Sam Solo"),
    )
    admin = people.admin
    await create_team(
        mail_client,
        admin,
        name="East",
        manager_id=people.lead.id,
        member_ids=[people.owner.id, people.helper.id],
    )
    await create_team(
        mail_client, admin, name="West", manager_id=people.other.id, member_ids=[people.solo.id]
    )
    # East's week: one session on Olga's project, Hank helping 30 minutes with an idea
    # adopted; that project won, another lost; Hank has one item overdue on Monday (due
    # today), one due next year and one done.
    east = await cast.new_project(mail_client, people.owner, title="East deal")
    await cast.add_member(mail_client, east["id"], people.owner, people.helper)
    today = datetime.now(UTC).date()
    await add_item(mail_client, east["id"], people.owner, people.helper, today, "Overdue one")
    await add_item(
        mail_client, east["id"], people.owner, people.helper, today + timedelta(days=365)
    )
    done = await add_item(mail_client, east["id"], people.owner, people.helper, today, "Done")
    ok(
        await mail_client.patch(
            f"{API}/action-items/{done['id']}",
            headers=people.helper.headers,
            json={"status": "done"},
        )
    )

    async def adopted_idea(session: dict) -> None:
        idea = await contribute(mail_client, session["id"], people.helper, "Lead with numbers")
        ok(
            await mail_client.patch(
                f"{API}/contributions/{idea['id']}",
                headers=people.owner.headers,
                json={"status": "adopted"},
            )
        )

    await completed_session(
        mail_client,
        mail_app,
        east["id"],
        people.owner,
        {people.owner.id: 30, people.helper.id: 30},
        during=adopted_idea,
    )
    await cast.close_project(mail_client, east["id"], people.owner, "won")
    await closed_project(mail_client, people.owner, "East loss", "lost")
    # West's week: Sam's session alone on his project, which he won.
    west = await cast.new_project(mail_client, people.solo, title="West deal")
    await completed_session(mail_client, mail_app, west["id"], people.solo, {people.solo.id: 20})
    await cast.close_project(mail_client, west["id"], people.solo, "won")

    # Monday before seven: not yet.
    await scan_and_send(mail_app, now=next_monday(6))
    assert await notices(mail_client, people.lead, "weekly_summary") == []
    await scan_and_send(mail_app, now=next_monday(8))
    # Tuesday, more workers looking: still once each.
    await scan_and_send(mail_app, now=next_monday(8) + timedelta(days=1))

    week = (next_monday(8) - timedelta(days=7)).date().isoformat()
    [lead] = await notices(mail_client, people.lead, "weekly_summary")
    assert lead["link"] == "/team"
    figures = {k: v for k, v in lead["data"].items() if v is not None}
    assert figures == {
        "week_starts_on": week,
        "team_names": ["East"],
        "sessions_held": 1,
        "minutes_given": 30,
        "ideas_adopted": 1,
        "projects_won": 1,
        "projects_lost": 1,
        "overdue_action_items": 1,
    }
    [mail] = mails(smtp, people.lead, "Your teams' week")
    assert mail["Subject"] == f"Your teams' week of {week}"
    text = parts(mail)["text"]
    for line in (
        f"East, the week of {week}:",
        "Sessions held: 1",
        "Minutes given by helpers: 30",
        "Ideas adopted: 1",
        "Projects won: 1",
        "Projects lost: 1",
        "Action items overdue now: 1",
        f"{BASE}/team",
    ):
        assert line in text, (line, text)
    # The other manager sees West's week only.
    [other] = await notices(mail_client, people.other, "weekly_summary")
    assert {k: v for k, v in other["data"].items() if v is not None} == {
        "week_starts_on": week,
        "team_names": ["West"],
        "sessions_held": 1,
        "minutes_given": 0,
        "ideas_adopted": 0,
        "projects_won": 1,
        "projects_lost": 0,
        "overdue_action_items": 0,
    }
    assert len(mails(smtp, people.other, "Your teams' week")) == 1
    # Reps and the admin, who manages no team, get none.
    for person in (people.owner, people.helper, people.solo, admin):
        assert await notices(mail_client, person, "weekly_summary") == []
        assert mails(smtp, person, "Your teams' week") == []


async def test_a_japanese_manager_reads_the_summary_in_japanese(mail_client, mail_app, smtp):
    people = await cast.organization(
        mail_client, "週次株式会社", lead=cast.manager("Lena Lead"), rep=cast.rep("Ren Rep")
    )
    await create_team(
        mail_client,
        people.admin,
        name="東日本",
        manager_id=people.lead.id,
        member_ids=[people.rep.id],
    )
    await set_locale(mail_app, people.lead.id, Locale.ja)
    await scan_and_send(mail_app, now=next_monday(9))
    week = (next_monday(9) - timedelta(days=7)).date().isoformat()
    [mail] = mails(smtp, people.lead, "週次サマリー")
    assert mail["Subject"] == f"チームの週次サマリー（{week}の週）"
    text = parts(mail)["text"]
    assert f"東日本の{week}からの1週間:" in text and "開催したセッション: 0件" in text


# --- without SMTP ----------------------------------------------------------------------------


async def test_without_smtp_the_worker_loop_still_writes_reminders_and_overdue_notices(client, app):
    assert not app.state.settings.mail_enabled
    panel = await make_panel(client, app)
    soon = datetime.now(UTC) + timedelta(minutes=10)
    await new_session(client, panel.project_id, panel.owner, scheduled_at=soon.isoformat())
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    await add_item(client, panel.project_id, panel.owner, panel.helper, yesterday)
    # The app's worker loop, two of them, each round twice.
    workers = [
        WebhookWorker(app.state.engine, app.state.sessionmaker, app.state.settings)
        for _ in range(2)
    ]
    for one in workers:
        one.notices.scan_seconds = 0
    for _ in range(2):
        await asyncio.gather(*(one.run_once() for one in workers))
    for person in (panel.owner, panel.helper, panel.helper2, panel.observer):
        [reminder] = await notices(client, person, "session_reminder")
        assert reminder["data"]["minutes_before"] == 15
    assert len(await notices(client, panel.helper, "action_item_overdue")) == 1
    async with app.state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(MailMessage)) == 0


async def test_the_weekly_scan_asks_the_same_queries_however_many_people_the_team_has(client, app):
    people = await cast.organization(client, "Counted Co", lead=cast.manager("Lena Lead"))
    team = await create_team(client, people.admin, name="East", manager_id=people.lead.id)

    async def weekly_statements(now: datetime) -> int:
        with count_statements(app) as statements:
            async with app.state.sessionmaker() as session, session.begin():
                await notifications.queue_weekly_summaries(session, now=now)
        return len(statements)

    async def add_members(count: int, prefix: str) -> None:
        reps = await quick_users(app, people.organization_id, count, prefix=prefix)
        async with app.state.sessionmaker() as session, session.begin():
            session.add_all(
                TeamMember(team_id=uuid.UUID(team["id"]), user_id=uuid.UUID(r.id)) for r in reps
            )

    await weekly_statements(next_monday(8))  # the organization's zone, read once and kept
    await add_members(2, "few")
    few = await weekly_statements(next_monday(8) + timedelta(weeks=1))
    await add_members(10, "many")
    many = await weekly_statements(next_monday(8) + timedelta(weeks=2))
    assert few == many, (few, many)
    assert len(await notices(client, people.lead, "weekly_summary")) == 3
