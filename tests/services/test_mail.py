"""Mail through a real SMTP server (aiosmtpd on loopback): invitations and session notices
in the recipient's language with plain text, HTML and an iCalendar entry (one UID per
session, SEQUENCE raised on each change, CANCEL when cancelled); nothing lost while the
server is down; reminders once each with two workers; no SMTP_URL, no mail queued.

Preferences reach the mail too: a person who turned email off for a kind gets no mail of
that kind (and still their in-app notice); each person's ``reminder_minutes`` decides which
reminders are queued, once each with two workers; help requests and action items are
mailed in the recipient's language."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from api.main import create_app
from api.models import Locale, MailMessage, MailState
from api.services.calendar import session_uid
from api.services.mail_worker import MailWorker, smtp_target
from tests import cast
from tests.factories import API, Actor
from tests.mail_kit import BASE, MailServer, drain, events_of, parts, scan, set_locale, worker
from tests.session_kit import make_panel, new_session, ok
from tests.test_secrets_in_logs import CaptureAll, assert_not_logged


async def pending(app) -> int:
    async with app.state.sessionmaker() as session:
        return (
            await session.scalar(select(func.count()).where(col_state() == MailState.pending)) or 0
        )


def col_state():
    return MailMessage.__table__.c.state  # type: ignore[attr-defined]


def session_mails(smtp: MailServer, address: str) -> list[dict]:
    """A person's session mails in SEQUENCE order (a batch is sent concurrently, so they
    may arrive in any order; calendar apps go by SEQUENCE too)."""
    mails = [{**parts(m), "subject": m["Subject"]} for m in smtp.to(address)]
    mails = [m for m in mails if m["ics"] is not None]
    return sorted(mails, key=lambda m: int(events_of(m["ics"])[0]["SEQUENCE"]))


def test_smtp_url_is_read_with_its_credentials(settings):
    target = smtp_target(
        settings.model_copy(update={"smtp_url": "smtps://me%40x:p%3Ass@mail.example:2465"})
    )
    assert (target.hostname, target.port, target.use_tls, target.start_tls) == (
        "mail.example",
        2465,
        True,
        False,
    )
    assert (target.username, target.password) == ("me@x", "p:ss")
    assert "p:ss" not in repr(settings.model_copy(update={"smtp_url": "smtp://u:p:ss@h:25"}))


async def test_invitation_mail_links_to_accept_and_decline(mail_client, mail_app, smtp):
    panel = await make_panel(mail_client, mail_app)
    await drain(mail_app)
    [mail] = smtp.to(panel.invited.user["email"])
    assert mail["From"] == "Mastermind <mm@example.com>"
    assert "Olga Owner" in mail["Subject"]
    body = parts(mail)
    link = f"{BASE}/projects/{panel.project_id}"
    assert f"{link}?invitation=accept" in body["text"]
    assert f"{link}?invitation=decline" in body["text"]
    assert f'<a href="{link}?invitation=accept">' in body["html"]
    assert body["ics"] is None


async def test_session_scheduled_changed_cancelled_carry_one_calendar_entry(
    mail_client, mail_app, smtp
):
    panel = await make_panel(mail_client, mail_app)
    await set_locale(mail_app, panel.helper.id, Locale.ja)
    await drain(mail_app)
    smtp.clear()
    start = datetime(2031, 5, 4, 7, 30, tzinfo=UTC)
    session = await new_session(
        mail_client,
        panel.project_id,
        panel.owner,
        title="Plant list",
        agenda="Bring two names",
        scheduled_at=start.isoformat(),
    )
    url = f"{API}/sessions/{session['id']}"
    ok(
        await mail_client.patch(
            url,
            headers=panel.owner.headers,
            json={"scheduled_at": (start + timedelta(hours=1)).isoformat()},
        )
    )
    ok(await mail_client.post(f"{url}/cancel", headers=panel.owner.headers))
    await drain(mail_app)

    helper = session_mails(smtp, panel.helper.user["email"])
    hilda = session_mails(smtp, panel.helper2.user["email"])
    assert len(helper) == len(hilda) == 3
    # The helper reads Japanese; the other helper follows the organization (English).
    assert [m["subject"].split(":")[0] for m in helper] == [
        "セッションの予定",
        "セッションの変更",
        "セッションの中止",
    ]
    assert [m["subject"].split(":")[0] for m in hilda] == [
        "Session scheduled",
        "Session changed",
        "Session cancelled",
    ]
    assert [m["ics_method"] for m in hilda] == ["REQUEST", "REQUEST", "CANCEL"]
    sequences = []
    for mail in hilda:
        assert mail["html"].startswith("<!doctype html>")
        assert f"{BASE}/sessions/{session['id']}" in mail["text"]
        assert str(mail["ics"]["METHOD"]) == mail["ics_method"]
        [event] = events_of(mail["ics"])
        assert str(event["UID"]) == session_uid(uuid.UUID(session["id"]))
        assert "Bring two names" in str(event["DESCRIPTION"])
        assert str(event["URL"]) == f"{BASE}/sessions/{session['id']}"
        assert str(event["ORGANIZER"]) == f"mailto:{panel.owner.user['email']}"
        attendees = {str(a) for a in event.get("ATTENDEE")}
        assert f"mailto:{panel.helper2.user['email']}" in attendees
        assert f"mailto:{panel.outsider.user['email']}" not in attendees
        sequences.append(int(event["SEQUENCE"]))
    assert sequences == [1, 2, 3]
    first, moved, cancelled = (events_of(m["ics"])[0] for m in hilda)
    assert first.decoded("DTSTART") == start
    assert moved.decoded("DTSTART") == start + timedelta(hours=1)
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert not smtp.to(panel.outsider.user["email"])


async def test_a_mail_server_down_loses_nothing(mail_client, mail_app, smtp):
    panel = await make_panel(mail_client, mail_app)
    await drain(mail_app)
    smtp.stop()
    try:
        await new_session(mail_client, panel.project_id, panel.owner)
        sender = worker(mail_app)
        assert await sender.run_once() > 0
        async with mail_app.state.sessionmaker() as session:
            rows = (
                await session.scalars(select(MailMessage).where(col_state() == "pending"))
            ).all()
        assert rows and all(r.attempts == 1 and r.last_error for r in rows)
    finally:
        smtp.start()
    smtp.clear()
    await drain(mail_app, sender)
    assert await pending(mail_app) == 0
    for person in (panel.owner, panel.helper, panel.helper2, panel.observer):
        assert len(session_mails(smtp, person.user["email"])) == 1, person.user["email"]


async def test_two_workers_send_each_reminder_once(mail_client, mail_app, smtp):
    panel = await make_panel(mail_client, mail_app)
    soon = datetime.now(UTC) + timedelta(minutes=10)
    later = datetime.now(UTC) + timedelta(hours=5)
    await new_session(
        mail_client, panel.project_id, panel.owner, title="Soon", scheduled_at=soon.isoformat()
    )
    await new_session(
        mail_client, panel.project_id, panel.owner, title="Later", scheduled_at=later.isoformat()
    )
    one, two = worker(mail_app), worker(mail_app)
    for _ in range(3):  # each round both look for due reminders and both send
        await scan(mail_app)
        await drain(mail_app, one, two)
    for person in (panel.owner, panel.helper, panel.helper2, panel.observer):
        subjects = [
            m["Subject"] for m in smtp.to(person.user["email"]) if "Reminder" in m["Subject"]
        ]
        # The 15-minute reminder of the session 10 minutes away, and the 24-hour one of
        # the session 5 hours away; each once.
        assert sorted(subjects) == sorted(
            [
                f"Reminder: Later at {later:%Y-%m-%d %H:%M} (UTC)",
                f"Reminder: Soon at {soon:%Y-%m-%d %H:%M} (UTC)",
            ]
        ), subjects


async def test_without_smtp_nothing_is_queued(client, app):
    panel = await make_panel(client, app)
    await new_session(client, panel.project_id, panel.owner)
    async with app.state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(MailMessage)) == 0


async def test_the_feed_names_the_session_as_the_mails_do(mail_client, mail_app, smtp):
    from icalendar import Calendar

    panel = await make_panel(mail_client, mail_app)
    session = await new_session(mail_client, panel.project_id, panel.owner)
    await drain(mail_app)
    [mail] = session_mails(smtp, panel.helper.user["email"])
    feed = ok(await mail_client.post(f"{API}/calendar/feed", headers=panel.helper.headers), 201)
    assert feed["url"].startswith(f"{BASE}/api/v1/calendar/feed/")
    r = await mail_client.get(feed["url"].removeprefix(BASE))
    [event] = events_of(Calendar.from_ical(r.text))
    [mailed] = events_of(mail["ics"])
    assert event["UID"] == mailed["UID"] == session_uid(uuid.UUID(session["id"]))
    assert int(event["SEQUENCE"]) == int(mailed["SEQUENCE"])


@pytest.fixture
def captured(caplog) -> Iterator[CaptureAll]:
    """Every log record at any level (as in tests/test_secrets_in_logs.py)."""
    root = logging.getLogger()
    handler = CaptureAll()
    caplog.set_level(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


async def test_no_smtp_password_or_feed_token_in_logs(mail_client, mail_app, smtp, captured):
    panel = await make_panel(mail_client, mail_app)
    await new_session(mail_client, panel.project_id, panel.owner)
    password = "s3cret-smtp-pass-" + uuid.uuid4().hex
    # The test server offers no AUTH: the login fails, and the failure is logged and kept.
    with_login = mail_app.state.settings.model_copy(
        update={"smtp_url": f"smtp://mailer:{password}@127.0.0.1:{smtp.port}"}
    )
    sender = MailWorker(
        mail_app.state.engine,
        mail_app.state.sessionmaker,
        with_login,
        schedule=(0, 0),
    )
    assert await sender.run_once() > 0
    async with mail_app.state.sessionmaker() as session:
        errors = (await session.scalars(select(MailMessage.last_error))).all()
    assert any(errors) and not any(password in (e or "") for e in errors)
    url = ok(await mail_client.post(f"{API}/calendar/feed", headers=panel.helper.headers), 201)
    token = url["url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert (await mail_client.get(url["url"].removeprefix(BASE))).status_code == 200
    assert_not_logged(captured.records, {"smtp password": password, "feed token": token})


async def test_the_app_lifespan_runs_a_mail_worker_that_wakes_on_commit(app, settings, smtp):
    from tests.webhook_kit import eventually

    smtp.clear()
    application = create_app(
        settings.model_copy(update={"smtp_url": smtp.url, "run_webhook_worker": True})
    )
    try:
        async with application.router.lifespan_context(application):
            assert application.state.mail_worker is not None
            async with cast.in_process(application) as c:
                panel = await make_panel(c, application)
                await new_session(c, panel.project_id, panel.owner)
                await eventually(
                    lambda: len(session_mails(smtp, panel.helper.user["email"])) == 1,
                    within=10,
                    what="the session mail, sent by the in-process worker",
                )
    finally:
        await application.state.live_hub.close()
        await application.state.engine.dispose()


async def test_someone_left_out_of_a_session_gets_its_cancel(mail_client, mail_app, smtp):
    panel = await make_panel(mail_client, mail_app)
    session = await new_session(mail_client, panel.project_id, panel.owner)
    r = await mail_client.patch(
        f"{API}/sessions/{session['id']}",
        headers=panel.owner.headers,
        json={"participant_ids": [panel.helper.id]},
    )
    ok(r)
    await drain(mail_app)
    kept = session_mails(smtp, panel.helper.user["email"])
    dropped = session_mails(smtp, panel.helper2.user["email"])
    assert [m["ics_method"] for m in kept] == ["REQUEST", "REQUEST"]
    assert [m["ics_method"] for m in dropped] == ["REQUEST", "CANCEL"]
    [event] = events_of(dropped[1]["ics"])
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 2
    assert str(event["UID"]) == session_uid(uuid.UUID(session["id"]))


# --- preferences ------------------------------------------------------------------------------

PREFS = f"{API}/users/me/notification-preferences"


def subjects(smtp, person: Actor, containing: str = "") -> list[str]:
    return [m["Subject"] for m in smtp.to(person.user["email"]) if containing in m["Subject"]]


async def kinds(client, person: Actor) -> list[str]:
    page = ok(await client.get(f"{API}/notifications?limit=200", headers=person.headers))
    return [n["kind"] for n in page["items"]]


async def test_email_off_for_a_kind_means_no_mail_of_that_kind(mail_client, mail_app, smtp):
    panel = await make_panel(mail_client, mail_app)
    ok(
        await mail_client.patch(
            PREFS,
            headers=panel.helper.headers,
            json={"kinds": [{"kind": "session_scheduled", "email": False}]},
        )
    )
    await drain(mail_app)
    smtp.clear()
    session = await new_session(mail_client, panel.project_id, panel.owner, title="Plan")
    ok(
        await mail_client.patch(
            f"{API}/sessions/{session['id']}",
            headers=panel.owner.headers,
            json={"agenda": "Bring the numbers"},
        )
    )
    await drain(mail_app)
    assert subjects(smtp, panel.helper, "Session scheduled") == []
    # The other kinds still come, and the app still shows it.
    assert subjects(smtp, panel.helper, "Session changed") == ["Session changed: Plan"]
    assert "session_scheduled" in await kinds(mail_client, panel.helper)
    # Nobody else's choice moved.
    assert subjects(smtp, panel.helper2, "Session scheduled") == ["Session scheduled: Plan"]


async def test_reminder_minutes_decide_each_persons_reminders(mail_client, mail_app, smtp):
    panel = await make_panel(mail_client, mail_app)
    choices = [
        (panel.helper, {"reminder_minutes": [60]}),
        (panel.helper2, {"reminder_minutes": []}),
        (panel.owner, {"kinds": [{"kind": "session_reminder", "email": False}]}),
    ]
    for person, body in choices:
        ok(await mail_client.patch(PREFS, headers=person.headers, json=body))
    start = datetime.now(UTC) + timedelta(minutes=50)
    await new_session(
        mail_client, panel.project_id, panel.owner, title="Soon", scheduled_at=start.isoformat()
    )
    one, two = worker(mail_app), worker(mail_app)
    for _ in range(3):  # both look for due reminders every round, both send
        await scan(mail_app)
        await drain(mail_app, one, two)
    expected = f"Reminder: Soon at {start:%Y-%m-%d %H:%M} (UTC)"
    # 60 minutes before: due now, once. The observer keeps 24 h and 15 min: the 24-hour
    # one is the one due. The other helper wants none; the owner none by mail.
    assert subjects(smtp, panel.helper, "Reminder") == [expected]
    assert subjects(smtp, panel.observer, "Reminder") == [expected]
    assert subjects(smtp, panel.helper2, "Reminder") == []
    assert subjects(smtp, panel.owner, "Reminder") == []
    # In the app: once each, the owner included (only their mail is off); not for helper2.
    assert (await kinds(mail_client, panel.owner)).count("session_reminder") == 1
    assert (await kinds(mail_client, panel.helper)).count("session_reminder") == 1
    assert "session_reminder" not in await kinds(mail_client, panel.helper2)
    page = ok(await mail_client.get(f"{API}/notifications", headers=panel.helper.headers))
    [reminder] = [n for n in page["items"] if n["kind"] == "session_reminder"]
    assert reminder["data"]["minutes_before"] == 60


async def test_a_help_request_is_mailed_in_the_askeds_language(mail_client, mail_app, smtp):
    panel = await make_panel(mail_client, mail_app)
    await set_locale(mail_app, panel.outsider.id, Locale.ja)
    await drain(mail_app)
    smtp.clear()
    request = ok(
        await mail_client.post(
            f"{API}/help-requests",
            headers=panel.owner.headers,
            json={
                "user_id": panel.outsider.id,
                "project_id": panel.project_id,
                "message": "価格の件で30分ください",
            },
        ),
        201,
    )
    await drain(mail_app)
    [mail] = smtp.to(panel.outsider.user["email"])
    assert mail["Subject"] == f"Olga Ownerさんから「{panel.project['title']}」への協力依頼"
    body = parts(mail)
    assert "価格の件で30分ください" in body["text"]
    assert f"{BASE}/notifications" in body["text"]
    assert f'<a href="{BASE}/notifications">' in body["html"]
    assert smtp.to(panel.owner.user["email"]) == []
    smtp.clear()
    ok(
        await mail_client.post(
            f"{API}/help-requests/{request['id']}/decline", headers=panel.outsider.headers
        )
    )
    await drain(mail_app)
    [answer] = smtp.to(panel.owner.user["email"])
    assert "declined your request to help" in parts(answer)["text"]
    assert smtp.to(panel.outsider.user["email"]) == []


async def test_help_request_mail_off_leaves_the_in_app_notice(mail_client, mail_app, smtp):
    panel = await make_panel(mail_client, mail_app)
    ok(
        await mail_client.patch(
            PREFS,
            headers=panel.outsider.headers,
            json={"kinds": [{"kind": "help_request", "email": False}]},
        )
    )
    ok(
        await mail_client.post(
            f"{API}/help-requests",
            headers=panel.owner.headers,
            json={"user_id": panel.outsider.id, "project_id": panel.project_id},
        ),
        201,
    )
    await drain(mail_app)
    assert smtp.to(panel.outsider.user["email"]) == []
    assert await kinds(mail_client, panel.outsider) == ["help_request"]


async def test_an_assigned_action_item_is_mailed_to_its_assignee(mail_client, mail_app, smtp):
    panel = await make_panel(mail_client, mail_app)
    await drain(mail_app)
    smtp.clear()
    ok(
        await mail_client.post(
            f"{API}/projects/{panel.project_id}/action-items",
            headers=panel.owner.headers,
            json={
                "title": "Send the deck",
                "assignee_id": panel.helper.id,
                "due_date": "2031-01-10",
            },
        ),
        201,
    )
    await drain(mail_app)
    [mail] = smtp.to(panel.helper.user["email"])
    assert mail["Subject"] == "Action item for you: Send the deck"
    text = parts(mail)["text"]
    assert "Due: 2031-01-10" in text and f"{BASE}/projects/{panel.project_id}" in text
    assert smtp.to(panel.owner.user["email"]) == []
