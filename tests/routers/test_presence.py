"""Presence and measured attendance (api/services/presence.py): the measurement on its own,
then through the API: ``GET /sessions/{id}/presence``, completion that credits measured
minutes, explicit attendance within the held duration."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.main import create_app
from api.models import ApiKeyWindow, MastermindSession, PresenceInterval
from api.services.presence import Stay, present_seconds, whole_minutes
from tests.cast import Cast
from tests.factories import API, DEFAULT_PASSWORD, Actor, login
from tests.routers.test_api_keys import make_key
from tests.routers.test_live import (
    Event,
    EventReader,
    api_processes,
    joined,
    listen,
    needs_postgres,
    serving,
)
from tests.session_kit import (
    held_for,
    make_panel,
    new_session,
    ok,
    problem,
    transition,
)

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
STALE = timedelta(seconds=30)
ME = uuid.uuid4()


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def stay(opened: float, seen: float, closed: float | None = None) -> Stay:
    return Stay(ME, at(opened), at(seen), None if closed is None else at(closed))


# --- the measurement, without a database ---------------------------------------------------------


def test_two_tabs_that_overlap_count_once():
    window = (at(0), at(60))
    stays = [stay(5, 20, 20), stay(10, 30, 30)]  # 5→20 and 10→30: 25 minutes, not 35
    assert present_seconds(stays, window=window, now=at(60), stale_after=STALE) == 25 * 60


def test_a_dropped_stream_counts_until_its_last_heartbeat_a_live_one_until_now():
    window = (at(0), at(60))
    dropped = stay(0, 12)  # never closed, last heard of at minute 12
    assert present_seconds([dropped], window=window, now=at(40), stale_after=STALE) == 12 * 60
    # Heard from within the stale window: still there, counted up to now.
    live = stay(0, 39.9)
    assert present_seconds([live], window=window, now=at(40), stale_after=STALE) == 40 * 60


def test_only_the_held_session_counts():
    # In the room from 10 minutes before the start to 10 minutes after the completion.
    window = (at(0), at(30))
    stays = [stay(-10, 40, 40)]
    assert present_seconds(stays, window=window, now=at(50), stale_after=STALE) == 30 * 60
    assert present_seconds(stays, window=None, now=at(50), stale_after=STALE) == 0


@pytest.mark.parametrize(
    ("seconds", "minutes"), [(0, 0), (1, 1), (29, 1), (89, 1), (90, 2), (1500, 25)]
)
def test_whole_minutes_round_and_any_time_is_at_least_one(seconds, minutes):
    assert whole_minutes(seconds) == minutes


# --- through the API ---------------------------------------------------------------------------


@pytest.fixture
async def panel(client, app) -> Cast:
    return await make_panel(client, app)


async def record_stays(app, session_id: str, stays: list[tuple[str, datetime, datetime]]):
    """Set-up only: intervals as streams would have left them (opened, closed)."""
    async with app.state.sessionmaker() as db:
        mm = await db.get(MastermindSession, uuid.UUID(session_id))
        assert mm is not None
        db.add_all(
            PresenceInterval(
                organization_id=mm.organization_id,
                session_id=mm.id,
                user_id=uuid.UUID(user_id),
                opened_at=opened,
                seen_at=closed,
                closed_at=closed,
            )
            for user_id, opened, closed in stays
        )
        await db.commit()


async def test_presence_is_read_like_the_session(client, panel):
    session = await new_session(client, panel.project_id, panel.owner)
    url = f"{API}/sessions/{session['id']}/presence"
    problem(await client.get(url), 401)
    for stranger in (panel.outsider, panel.stranger):
        problem(await client.get(url, headers=stranger.headers), 404)
    problem(
        await client.get(f"{API}/sessions/{uuid.uuid4()}/presence", headers=panel.owner.headers),
        404,
    )
    body = ok(await client.get(url, headers=panel.observer.headers))
    # The invited, nobody there yet.
    assert {p["user_id"] for p in body["items"]} == {
        a.id for a in (panel.owner, panel.helper, panel.helper2, panel.observer)
    }
    assert all(
        (p["online"], p["joined_at"], p["minutes_present"]) == (False, None, 0)
        for p in body["items"]
    )


async def test_completion_credits_measured_minutes_and_the_ledger_equals_them(client, app, panel):
    session = await new_session(client, panel.project_id, panel.owner, timebox_minutes=45)
    sid = session["id"]
    await transition(client, sid, panel.owner, "start")
    await held_for(app, sid, 40)
    started = datetime.fromisoformat(
        ok(await client.get(f"{API}/sessions/{sid}", headers=panel.owner.headers))["started_at"]
    )
    await record_stays(
        app,
        sid,
        [
            # The helper in two tabs, overlapping: 5→25 and 15→30 count 25 minutes.
            (panel.helper.id, started + timedelta(minutes=5), started + timedelta(minutes=25)),
            (panel.helper.id, started + timedelta(minutes=15), started + timedelta(minutes=30)),
            # The owner from before the start: only the held part counts.
            (panel.owner.id, started - timedelta(minutes=10), started + timedelta(minutes=12)),
            # Twenty seconds is still a minute.
            (
                panel.observer.id,
                started + timedelta(minutes=1),
                started + timedelta(minutes=1, seconds=20),
            ),
        ],
    )
    presence = ok(await client.get(f"{API}/sessions/{sid}/presence", headers=panel.owner.headers))
    measured = {p["user_id"]: p["minutes_present"] for p in presence["items"]}
    assert measured == {
        panel.helper.id: 25,
        panel.owner.id: 12,
        panel.observer.id: 1,
        panel.helper2.id: 0,  # invited, never joined
    }
    await transition(client, sid, panel.owner, "complete", summary="Measured")
    outcome = ok(await client.get(f"{API}/sessions/{sid}/outcome", headers=panel.owner.headers))
    assert {a["user_id"]: (a["minutes"], a["minutes_present"]) for a in outcome["attendance"]} == {
        panel.helper.id: (25, 25),
        panel.owner.id: (12, 12),
        panel.observer.id: (1, 1),
        panel.helper2.id: (0, 0),
    }
    # The ledger is exactly the measurement: what the owner received is what helpers gave.
    ledger = ok(await client.get(f"{API}/ledger", headers=panel.admin.headers))
    rows = {row["user_id"]: row for row in ledger["items"]}
    assert (rows[panel.helper.id]["minutes_given"], rows[panel.helper.id]["sessions_attended"]) == (
        25,
        1,
    )
    assert rows[panel.observer.id]["minutes_given"] == 1
    assert rows[panel.owner.id]["minutes_received"] == 26
    # The absentee, reading their own row: nothing given, no session attended.
    own = ok(await client.get(f"{API}/ledger", headers=panel.helper2.headers))["items"]
    assert [(r["user_id"], r["minutes_given"], r["sessions_attended"]) for r in own] == [
        (panel.helper2.id, 0, 0)
    ]


async def test_explicit_attendance_is_held_to_the_held_duration(client, app, panel):
    """An in-person session: nobody on the stream, the facilitator ticks who was there."""
    session = await new_session(client, panel.project_id, panel.owner, timebox_minutes=45)
    sid = session["id"]
    await transition(client, sid, panel.owner, "start")
    await held_for(app, sid, 30)
    url = f"{API}/sessions/{sid}/complete"
    too_long = {
        "attendance": [
            {"user_id": panel.owner.id, "minutes": 30},
            {"user_id": panel.helper.id, "minutes": 45},  # the time box, not the held time
        ]
    }
    body = problem(await client.post(url, headers=panel.owner.headers, json=too_long), 422)
    assert [e["loc"] for e in body["errors"]] == [["body", "attendance", 1, "minutes"]]
    assert "30" in body["errors"][0]["msg"]
    assert (
        ok(await client.get(f"{API}/sessions/{sid}", headers=panel.owner.headers))["status"]
        == "live"
    )

    in_person = {
        "attendance": [
            {"user_id": panel.owner.id, "minutes": 30},
            {"user_id": panel.helper.id, "minutes": 28},
        ]
    }
    ok(await client.post(url, headers=panel.owner.headers, json=in_person))
    outcome = ok(await client.get(f"{API}/sessions/{sid}/outcome", headers=panel.helper.headers))
    assert {a["user_id"]: (a["minutes"], a["minutes_present"]) for a in outcome["attendance"]} == {
        panel.owner.id: (30, 0),
        panel.helper.id: (28, 0),
        panel.helper2.id: (0, 0),
        panel.observer.id: (0, 0),
    }
    mine = ok(await client.get(f"{API}/ledger", headers=panel.helper.headers))["items"]
    assert [(r["minutes_given"], r["sessions_attended"]) for r in mine] == [(28, 1)]


# --- presence from real streams ------------------------------------------------------------------


class PinnedClock:
    """``app.state.clock`` for tests: time moves only when the test says so."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


# Fast settings for the stream tests; production keeps 15 s, 30 s and 3 s.
FAST = {
    "presence_heartbeat_seconds": 0.2,
    "presence_stale_seconds": 2.0,
    "live_access_check_seconds": 0.25,
}


@contextlib.asynccontextmanager
async def served_app(settings, **changes) -> AsyncIterator[tuple[Any, str]]:
    application = create_app(settings.model_copy(update=changes))
    try:
        async with serving(application) as url:
            yield application, url
    finally:
        await application.state.live_hub.close()
        await application.state.engine.dispose()


@pytest.fixture(scope="module")
async def fast(settings, app) -> AsyncIterator[tuple[Any, str]]:
    """Depends on ``app`` so conftest empties the tables after each test."""
    async with served_app(settings, **FAST) as served:
        yield served


@pytest.fixture(scope="module")
async def pinned(settings, app) -> AsyncIterator[tuple[Any, str]]:
    # Heartbeats every 0.2 s of real time write the pinned time; nothing turns stale while
    # the test moves the clock by a few minutes at a time.
    async with served_app(settings, **{**FAST, "presence_stale_seconds": 300.0}) as (
        application,
        url,
    ):
        application.state.clock = PinnedClock(datetime.now(UTC).replace(microsecond=0))
        yield application, url


async def open_intervals(app, session_id: str, user_id: str) -> int:
    async with app.state.sessionmaker() as db:
        return len(
            (
                await db.scalars(
                    select(PresenceInterval.id).where(
                        PresenceInterval.session_id == uuid.UUID(session_id),
                        PresenceInterval.user_id == uuid.UUID(user_id),
                        PresenceInterval.closed_at.is_(None),
                    )
                )
            ).all()
        )


async def until(condition, what: str, seconds: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"not within {seconds} s: {what}")


async def ended(stream: EventReader, within: float = 5.0) -> list[Event]:
    """The events a stream still delivered before the server ended it within ``within``."""
    seen = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            event = await asyncio.wait_for(stream.queue.get(), deadline - loop.time())
        except TimeoutError:
            raise AssertionError(f"the stream was still open after {within} s") from None
        if event is None:
            return seen
        seen.append(event)


async def test_two_tabs_of_one_person_are_one_presence_and_the_ledger_equals_it(pinned):
    app, url = pinned
    clock: PinnedClock = app.state.clock
    async with httpx.AsyncClient(base_url=url, timeout=10.0) as http:
        panel = await make_panel(http, app)
        session = await new_session(http, panel.project_id, panel.owner)
        sid = session["id"]
        started = clock.now
        await transition(http, sid, panel.owner, "start")
        async with listen(http, sid, panel.owner) as room, contextlib.AsyncExitStack() as tabs:
            assert joined((await room.take(2))[1], panel.owner)  # after "live"
            await later(app, sid, 4)
            first = contextlib.AsyncExitStack()
            await first.enter_async_context(listen(http, sid, panel.helper))
            assert joined(await room.next(), panel.helper)
            await later(app, sid, 4)
            await tabs.enter_async_context(listen(http, sid, panel.helper))
            await until(lambda: _count_is(app, sid, panel.helper, 2), "the second tab")
            presence = await presence_of(http, sid, panel.owner)
            assert presence[panel.helper.id]["online"] is True
            joined_at = datetime.fromisoformat(presence[panel.helper.id]["joined_at"])
            assert joined_at == started + timedelta(minutes=4)
            await later(app, sid, 4)
            await first.aclose()  # the first tab closes; the person is still there
            await until(lambda: _count_is(app, sid, panel.helper, 1), "the first tab closed")
            await room.assert_quiet(0.3)
            await later(app, sid, 4)
            await tabs.aclose()  # the last tab: the person left
            left = await room.next()
            assert joined(left, panel.helper, online=False)
            await later(app, sid, 4)
            await transition(http, sid, panel.owner, "complete", summary="Measured")
            assert (await room.next()).data["status"] == "completed"
            await room.assert_quiet(0.2)

        outcome = ok(await http.get(f"{API}/sessions/{sid}/outcome", headers=panel.owner.headers))
        assert {
            a["user_id"]: (a["minutes"], a["minutes_present"]) for a in outcome["attendance"]
        } == {
            panel.owner.id: (20, 20),  # from the start to the completion
            panel.helper.id: (12, 12),  # minute 4 to 16, the two tabs merged
            panel.helper2.id: (0, 0),
            panel.observer.id: (0, 0),
        }
        ledger = ok(await http.get(f"{API}/ledger", headers=panel.admin.headers))
        rows = {row["user_id"]: row for row in ledger["items"]}
        assert rows[panel.helper.id]["minutes_given"] == 12
        assert rows[panel.owner.id]["minutes_received"] == 12
        mine = ok(await http.get(f"{API}/ledger", headers=panel.helper2.headers))["items"]
        assert [(r["minutes_given"], r["sessions_attended"]) for r in mine] == [(0, 0)]


async def later(app, session_id: str, minutes: float) -> None:
    """Move the pinned clock on, then wait until every open stream of the room has beaten
    since (as it would have, many times, in those minutes)."""
    clock: PinnedClock = app.state.clock
    clock.advance(minutes)

    async def all_beaten() -> bool:
        async with app.state.sessionmaker() as db:
            behind = await db.scalar(
                select(PresenceInterval.id).where(
                    PresenceInterval.session_id == uuid.UUID(session_id),
                    PresenceInterval.closed_at.is_(None),
                    PresenceInterval.seen_at < clock.now,
                )
            )
        return behind is None

    await until(all_beaten, "a heartbeat of every open stream")


async def _count_is(app, session_id: str, actor: Actor, count: int) -> bool:
    return await open_intervals(app, session_id, actor.id) == count


async def presence_of(http: httpx.AsyncClient, session_id: str, reader: Actor) -> dict[str, dict]:
    body = ok(await http.get(f"{API}/sessions/{session_id}/presence", headers=reader.headers))
    return {p["user_id"]: p for p in body["items"]}


# --- a stream ends when its reader's access does ----------------------------------------------


# Each way a reader loses access, as (http, panel, the reader signed in): the seat goes,
# the person goes, or their tokens do (api/deps.py: authenticate_bearer, token versions).
async def _remove(http, panel: Cast, reader: Actor) -> None:
    url = f"{API}/projects/{panel.project_id}/members/{panel.helper.id}"
    assert (await http.delete(url, headers=panel.owner.headers)).status_code == 204


async def _leave(http, panel: Cast, reader: Actor) -> None:
    url = f"{API}/projects/{panel.project_id}/members/{panel.helper.id}"
    ok(await http.patch(url, headers=reader.headers, json={"state": "left"}))


async def _decline(http, panel: Cast, reader: Actor) -> None:
    """The invited person opened the room, then declined the seat."""
    url = f"{API}/projects/{panel.project_id}/members/{panel.invited.id}"
    ok(await http.patch(url, headers=reader.headers, json={"state": "declined"}))


async def _deactivate(http, panel: Cast, reader: Actor) -> None:
    url = f"{API}/users/{reader.id}"
    ok(await http.patch(url, headers=panel.admin.headers, json={"is_active": False}))


async def _sign_out(http, panel: Cast, reader: Actor) -> None:
    r = await http.post(f"{API}/auth/logout", json={"refresh_token": reader.refresh_token})
    assert r.status_code == 204, r.text


async def _change_password(http, panel: Cast, reader: Actor) -> None:
    body = {"password": "another long passphrase", "current_password": DEFAULT_PASSWORD}
    ok(await http.patch(f"{API}/users/{reader.id}", headers=reader.headers, json=body))


@pytest.mark.parametrize(
    "lose_access",
    [_remove, _leave, _decline, _deactivate, _sign_out, _change_password],
    ids=lambda f: f.__name__[1:],
)
async def test_a_stream_ends_within_seconds_when_its_reader_loses_access(fast, lose_access):
    app, url = fast
    async with (
        httpx.AsyncClient(base_url=url, timeout=10.0) as http,
        contextlib.AsyncExitStack() as stack,
    ):
        panel = await make_panel(http, app)
        sid = (await new_session(http, panel.project_id, panel.owner))["id"]
        person = panel.invited if lose_access is _decline else panel.helper
        tokens = ok(await login(http, person.user["email"]))  # a real sign-in, refresh token too
        reader = Actor(person.user, tokens["access_token"], tokens["refresh_token"])
        async with listen(http, sid, panel.owner) as room:
            assert joined(await room.next(), panel.owner)  # before the reader opens theirs
            own = await stack.enter_async_context(listen(http, sid, reader))
            assert joined(await room.next(), reader)
            lost_at = asyncio.get_running_loop().time()
            await lose_access(http, panel, reader)
            await ended(own, within=5.0)
            assert asyncio.get_running_loop().time() - lost_at < 5.0
            # Ending the stream ended the presence: the room hears them leave.
            assert joined(await room.next(), reader, online=False)
        assert (await presence_of(http, sid, panel.owner))[reader.id]["online"] is False


async def test_a_script_s_stream_is_not_presence_and_ends_when_its_key_is_revoked(fast):
    app, url = fast
    async with httpx.AsyncClient(base_url=url, timeout=10.0) as http:
        panel = await make_panel(http, app)
        sid = (await new_session(http, panel.project_id, panel.owner))["id"]
        key = await make_key(http, panel.admin, ["sessions:read"])
        script = Actor(panel.admin.user, key["key"], "")
        async with listen(http, sid, script) as stream:
            await stream.assert_quiet(0.5)  # nobody arrived: a script is not a person
            assert panel.admin.id not in await presence_of(http, sid, panel.owner)
            lost_at = asyncio.get_running_loop().time()
            r = await http.delete(f"{API}/api-keys/{key['id']}", headers=panel.admin.headers)
            assert r.status_code == 204, r.text
            await ended(stream, within=5.0)
            assert asyncio.get_running_loop().time() - lost_at < 5.0
        # Its re-checks did not count against the key's rate limit: one request, one hit.
        async with app.state.sessionmaker() as db:
            hits = await db.scalar(select(func.sum(ApiKeyWindow.hits)))
        assert hits == 1


async def test_a_stream_ends_when_its_access_token_expires(fast):
    app, url = fast
    async with httpx.AsyncClient(base_url=url, timeout=10.0) as http:
        panel = await make_panel(http, app)
        sid = (await new_session(http, panel.project_id, panel.owner))["id"]
        issued = app.state.security.issue_token(
            token_type="access",
            subject=uuid.UUID(panel.helper.id),
            organization_id=uuid.UUID(panel.helper.organization_id),
            lifetime=timedelta(seconds=2),
            token_version=0,  # a new person's
        )
        short = Actor(user=panel.helper.user, access_token=issued.token, refresh_token="")
        async with listen(http, sid, short) as stream:
            assert joined(await stream.next(), panel.helper)
            await ended(stream, within=5.0)
            # At the token's expiry (to the second it carries), not the decoder's leeway later.
            ended_at = datetime.now(UTC)
            expiry = issued.expires_at.replace(microsecond=0)
            assert expiry - timedelta(seconds=0.1) <= ended_at < expiry + timedelta(seconds=1.5)
        # The client reconnects with a fresh token and carries on.
        async with listen(http, sid, panel.helper, last_event_id=1) as stream:
            assert joined(await stream.next(), panel.helper, online=False)  # 2: it closed
            assert joined(await stream.next(), panel.helper)  # 3: back


async def test_the_default_check_ends_a_stream_within_five_seconds(settings, app):
    """With the shipped LIVE_ACCESS_CHECK_SECONDS, not only the tests' fast one."""
    assert settings.live_access_check_seconds == 3
    async with (
        served_app(settings) as (served, url),
        httpx.AsyncClient(base_url=url, timeout=10.0) as http,
    ):
        panel = await make_panel(http, served)
        sid = (await new_session(http, panel.project_id, panel.owner))["id"]
        async with listen(http, sid, panel.helper) as own:
            assert joined(await own.next(), panel.helper)
            lost_at = asyncio.get_running_loop().time()
            await _remove(http, panel, panel.helper)
            await ended(own, within=5.0)
            assert asyncio.get_running_loop().time() - lost_at < 5.0


# --- a stream that drops, and API processes side by side ----------------------------------------


async def test_a_dropped_stream_counts_until_its_last_heartbeat(fast, database_url, tmp_path):
    """The API process holding a stream dies (SIGKILL: no clean close). Its interval ends at
    its last heartbeat, and the room (served by another process) hears the person leave."""
    app, url = fast
    async with (
        api_processes(
            database_url,
            tmp_path,
            ("doomed",),
            PRESENCE_HEARTBEAT_SECONDS="0.2",
            PRESENCE_STALE_SECONDS="2.0",
        ) as (doomed,),
        httpx.AsyncClient(base_url=url, timeout=10.0) as http,
        httpx.AsyncClient(base_url=doomed.url, timeout=10.0) as on_doomed,
    ):
        panel = await make_panel(http, app)
        sid = (await new_session(http, panel.project_id, panel.owner))["id"]
        await transition(http, sid, panel.owner, "start")
        async with listen(http, sid, panel.owner) as room:
            assert joined((await room.take(2))[1], panel.owner)
            async with listen(on_doomed, sid, panel.helper):
                await until(lambda: _beaten_twice(app, sid, panel.helper), "two heartbeats")
                doomed.process.kill()
                killed_at = datetime.now(UTC)
                await asyncio.to_thread(doomed.process.wait, 5)
            # PostgreSQL: the arrival came live from the doomed process; SQLite: it comes
            # from the store with the departure, which this process's stream announces.
            helper_events = []
            while not helper_events or helper_events[-1].data["online"]:
                event = await room.next(within=6.0)
                if event.data.get("user_id") == panel.helper.id:
                    helper_events.append(event)
            assert [e.data["online"] for e in helper_events] == [True, False]
        async with app.state.sessionmaker() as db:
            (interval,) = await db.scalars(
                select(PresenceInterval).where(
                    PresenceInterval.user_id == uuid.UUID(panel.helper.id)
                )
            )
        # Closed where it was last heard of: at most one heartbeat before the process died.
        assert interval.closed_at == interval.seen_at
        assert killed_at - timedelta(seconds=2) < interval.seen_at <= killed_at
        presence = await presence_of(http, sid, panel.owner)
        assert presence[panel.helper.id]["online"] is False
        assert presence[panel.helper.id]["minutes_present"] == 1


async def _beaten_twice(app, session_id: str, actor: Actor) -> bool:
    async with app.state.sessionmaker() as db:
        row = await db.scalar(
            select(PresenceInterval).where(
                PresenceInterval.session_id == uuid.UUID(session_id),
                PresenceInterval.user_id == uuid.UUID(actor.id),
            )
        )
    return row is not None and (row.seen_at - row.opened_at).total_seconds() >= 0.3


async def test_one_person_on_two_api_processes_is_present_once(database_url, app, tmp_path):
    needs_postgres(database_url)
    async with (
        api_processes(database_url, tmp_path, ("a", "b")) as (a, b),
        httpx.AsyncClient(base_url=a.url, timeout=10.0) as on_a,
        httpx.AsyncClient(base_url=b.url, timeout=10.0) as on_b,
    ):
        panel = await make_panel(on_a, app)
        sid = (await new_session(on_a, panel.project_id, panel.owner))["id"]
        async with listen(on_a, sid, panel.owner) as room:
            assert joined(await room.next(within=10), panel.owner)
            tab_b = contextlib.AsyncExitStack()
            await tab_b.enter_async_context(listen(on_b, sid, panel.helper))
            assert joined(await room.next(), panel.helper)  # written by b, heard on a
            async with listen(on_a, sid, panel.helper):
                await until(lambda: _count_is(app, sid, panel.helper, 2), "the tab on a")
                await tab_b.aclose()  # the tab on b closes: still there, on a
                await until(lambda: _count_is(app, sid, panel.helper, 1), "b's tab closed")
                await room.assert_quiet(0.3)
                for http in (on_a, on_b):
                    assert (await presence_of(http, sid, panel.owner))[panel.helper.id]["online"]
            assert joined(await room.next(), panel.helper, online=False)
            await room.assert_quiet(0.2)
