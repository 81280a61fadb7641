"""The secret calendar feed: a new URL each time (the old one stops), revocation, no other
credential needed, only the sessions the owner takes part in, cancelled ones marked, and the
token never stored."""

from __future__ import annotations

import uuid

from icalendar import Calendar
from sqlalchemy import select

from api.models import CalendarFeed
from api.services.calendar import session_uid
from tests.factories import API
from tests.session_kit import make_panel, new_project, new_session, ok, problem, transition


async def feed_url(client, actor) -> str:
    url = ok(await client.post(f"{API}/calendar/feed", headers=actor.headers), 201)["url"]
    return url.removeprefix("http://testserver")


async def read_feed(client, url) -> Calendar:
    r = await client.get(url)  # no Authorization header: the URL is the credential
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/calendar")
    return Calendar.from_ical(r.text)


async def test_the_feed_lists_the_sessions_the_person_takes_part_in(client, app):
    panel = await make_panel(client, app)
    mine = await new_session(client, panel.project_id, panel.owner, title="Mine")
    dropped = await new_session(client, panel.project_id, panel.owner, title="Dropped")
    await transition(client, dropped["id"], panel.owner, "cancel")
    # A session of another project the helper is not on.
    other = await new_project(client, panel.outsider, title="Elsewhere")
    theirs = await new_session(client, other["id"], panel.outsider, title="Theirs")

    calendar = await read_feed(client, await feed_url(client, panel.helper))
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {session_uid(uuid.UUID(s["id"])) for s in (mine, dropped)}
    assert session_uid(uuid.UUID(theirs["id"])) not in events
    assert str(events[session_uid(uuid.UUID(mine["id"]))]["STATUS"]) == "CONFIRMED"
    assert str(events[session_uid(uuid.UUID(dropped["id"]))]["STATUS"]) == "CANCELLED"
    assert str(events[session_uid(uuid.UUID(mine["id"]))]["SUMMARY"]) == "Mine"

    # The outsider's own feed shows only their session.
    calendar = await read_feed(client, await feed_url(client, panel.outsider))
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [
        session_uid(uuid.UUID(theirs["id"]))
    ]


async def test_a_new_feed_replaces_the_old_and_delete_revokes(client, app):
    panel = await make_panel(client, app)
    first = await feed_url(client, panel.helper)
    second = await feed_url(client, panel.helper)
    assert first != second
    problem(await client.get(first), 404)
    await read_feed(client, second)
    r = await client.delete(f"{API}/calendar/feed", headers=panel.helper.headers)
    assert r.status_code == 204
    problem(await client.get(second), 404)


async def test_only_the_hash_of_the_token_is_stored(client, app):
    panel = await make_panel(client, app)
    url = await feed_url(client, panel.helper)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    async with app.state.sessionmaker() as session:
        [row] = (await session.scalars(select(CalendarFeed))).all()
    assert token not in row.token_hash and len(row.token_hash) == 64


async def test_making_a_feed_needs_a_person(client, app):
    problem(await client.post(f"{API}/calendar/feed"), 401)
    problem(await client.delete(f"{API}/calendar/feed"), 401)
    problem(await client.get(f"{API}/calendar/feed/{'x' * 43}.ics"), 404)
