"""The live room: ``GET /sessions/{id}/events`` as Server-Sent Events.

httpx's ASGITransport buffers a whole response before returning it, so an endless stream
cannot be read through it: these tests serve the app with a real uvicorn server on a
loopback port (in this process and event loop, so the in-process SQLite hub sees the
writes), and, on PostgreSQL, as two separate API processes sharing one database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from api import events
from api.main import create_app
from tests import cast
from tests.cast import Cast, add_member, new_project, organization, rep
from tests.conftest import REPO_ROOT, TEST_SECRET_KEY
from tests.factories import API, Actor, assert_problem, register
from tests.session_kit import new_session

STREAM_TIMEOUT = httpx.Timeout(10.0, read=None)  # the stream is silent between events


# --- reading a stream -----------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    id: int | None
    event: str
    data: Any


@dataclass
class EventReader:
    """Parses ``id:``/``event:``/``data:`` lines in the background; tests await events."""

    response: httpx.Response
    queue: asyncio.Queue[Event | None] = field(default_factory=asyncio.Queue)
    comments: list[str] = field(default_factory=list)
    retry: int | None = None

    async def pump(self) -> None:
        fields: dict[str, str] = {}
        data: list[str] = []
        try:
            async for line in self.response.aiter_lines():
                if line == "":
                    if data:
                        self.queue.put_nowait(
                            Event(
                                int(fields["id"]) if "id" in fields else None,
                                fields.get("event", "message"),
                                json.loads("\n".join(data)),
                            )
                        )
                    fields, data = {}, []
                elif line.startswith(":"):
                    self.comments.append(line)
                else:
                    name, _, value = line.partition(":")
                    value = value.removeprefix(" ")
                    if name == "data":
                        data.append(value)
                    elif name == "retry":
                        self.retry = int(value)
                    else:
                        fields[name] = value
        finally:
            self.queue.put_nowait(None)  # the stream ended

    async def next(self, within: float = 5.0) -> Event:
        try:
            event = await asyncio.wait_for(self.queue.get(), within)
        except TimeoutError:
            raise AssertionError(f"no event within {within} s") from None
        assert event is not None, "the server ended the stream"
        return event

    async def take(self, count: int, within: float = 5.0) -> list[Event]:
        return [await self.next(within) for _ in range(count)]

    async def assert_quiet(self, seconds: float = 0.3) -> None:
        await asyncio.sleep(seconds)
        assert self.queue.empty(), f"unexpected: {self.queue.get_nowait()}"


@contextlib.asynccontextmanager
async def listen(
    http: httpx.AsyncClient,
    session_id: str,
    actor: Actor,
    last_event_id: str | bytes | int | None = None,
) -> AsyncIterator[EventReader]:
    headers: dict[str, Any] = dict(actor.headers)
    if last_event_id is not None:
        headers["Last-Event-ID"] = (
            last_event_id if isinstance(last_event_id, bytes) else str(last_event_id)
        )
    url = f"{API}/sessions/{session_id}/events"
    async with http.stream("GET", url, headers=headers, timeout=STREAM_TIMEOUT) as response:
        if response.status_code != 200:
            await response.aread()
            raise AssertionError(f"{response.status_code}: {response.text}")
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        reader = EventReader(response)
        task = asyncio.create_task(reader.pump())
        try:
            yield reader
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                await task


# --- a room to talk in ----------------------------------------------------------------------


async def make_room(http: httpx.AsyncClient) -> Cast:
    """An owner's project with two active helpers (``helper``, ``speaker``) and a scheduled
    ``session``; ``outsider`` is of the organization but not on the project."""
    room = await organization(
        http,
        owner=rep("Olga Owner"),
        helper=rep("Hank Helper"),
        speaker=rep("Sara Speaker"),
        outsider=rep("Otto Outsider"),
    )
    room.project = await new_project(
        http, room.owner, title="Live room", helper_budget_minutes=None
    )
    for person in (room.helper, room.speaker):
        await add_member(http, room.project["id"], room.owner, person, role=None)
    room.session = await new_session(
        http, room.project["id"], room.owner, title="Who do we call first?", timebox_minutes=30
    )
    room.session_id = room.session["id"]
    return room


async def contribute(http: httpx.AsyncClient, room: Cast, actor: Actor, body: str) -> dict:
    r = await http.post(
        f"{API}/sessions/{room.session_id}/contributions",
        headers=actor.headers,
        json={"kind": "idea", "body": body},
    )
    assert r.status_code == 201, r.text
    return r.json()


async def ok(response: httpx.Response | Any) -> dict:
    response = await response
    assert response.is_success, (response.request.url, response.status_code, response.text)
    return response.json()


def joined(event: Event, actor: Actor, *, online: bool = True) -> bool:
    """Is this the room hearing ``actor`` arrive (or leave)?"""
    return (event.event, event.data["user_id"], event.data["online"]) == (
        "presence.changed",
        actor.id,
        online,
    )


async def until_gone(http: httpx.AsyncClient, room: Cast, actor: Actor) -> None:
    """Wait until the server has closed ``actor``'s stream (it notices the client left)."""
    for _ in range(250):
        presence = await ok(
            http.get(f"{API}/sessions/{room.session_id}/presence", headers=room.owner.headers)
        )
        if not any(p["online"] for p in presence["items"] if p["user_id"] == actor.id):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{actor.id} still present")


# --- one API process, served for real ---------------------------------------------------------


@pytest.fixture(scope="module")
async def live_app(settings, app) -> AsyncIterator[Any]:
    """An app of its own (its hub is closed at the end, as the lifespan would), on the test
    database; depending on ``app`` keeps conftest's emptying of tables after each test."""
    application = create_app(settings)
    yield application
    await application.state.live_hub.close()
    await application.state.engine.dispose()


@contextlib.asynccontextmanager
async def serving(application: Any) -> AsyncIterator[str]:
    """``application`` served by uvicorn on a free loopback port, in this event loop."""
    config = uvicorn.Config(
        application,
        host="127.0.0.1",
        port=0,  # a free port, read back below
        lifespan="off",  # the fixture closes the hub; uvicorn must not
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    assert server.started, "uvicorn did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


@pytest.fixture(scope="module")
async def live_server(live_app) -> AsyncIterator[str]:
    async with serving(live_app) as url:
        yield url


@pytest.fixture
async def http(live_server, live_app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server, timeout=10.0) as client:
        cast.bind(client, live_app)  # the cast is written to the served app's database
        yield client


async def test_the_room_hears_every_change_in_order_with_consecutive_ids(http, live_app):
    room = await make_room(http)
    hub = live_app.state.live_hub
    async with listen(http, room.session_id, room.helper) as stream:
        # Subscribed before anything happens, so what follows is delivered live.
        for _ in range(200):
            if hub.listener_count:
                break
            await asyncio.sleep(0.01)
        assert hub.listener_count == 1
        # Holding the stream is being present: the room hears the helper arrive first.
        arrival = await stream.next()
        assert arrival.id == 1 and joined(arrival, room.helper)
        assert arrival.data["full_name"] == "Hank Helper"
        idea = await contribute(http, room, room.speaker, "Call the plant manager first")
        first = await stream.next()
        await ok(http.post(f"{API}/contributions/{idea['id']}/vote", headers=room.helper.headers))
        await ok(
            http.patch(
                f"{API}/contributions/{idea['id']}",
                headers=room.owner.headers,
                json={"status": "adopted"},
            )
        )
        await ok(http.post(f"{API}/sessions/{room.session_id}/start", headers=room.owner.headers))
        await ok(
            http.post(
                f"{API}/sessions/{room.session_id}/complete",
                headers=room.owner.headers,
                json={"summary": "Plant manager first"},
            )
        )
        received = [first, *await stream.take(4)]
        await stream.assert_quiet()
        assert stream.retry == 3000
    for _ in range(200):  # the server notices the closed connection shortly
        if not hub.listener_count:
            break
        await asyncio.sleep(0.01)
    assert hub.listener_count == 0, "a closed stream stays subscribed"

    assert [e.id for e in received] == [2, 3, 4, 5, 6]
    assert [e.event for e in received] == [
        "contribution.created",
        "vote.changed",
        "contribution.updated",
        "session.status_changed",
        "session.status_changed",
    ]
    created, voted, adopted, started, completed = (e.data for e in received)
    assert created["id"] == idea["id"]
    assert created["body"] == "Call the plant manager first"
    assert created["author_id"] == room.speaker.id
    assert created["author_name"] == "Sara Speaker"
    assert created["status"] == "open"
    assert voted == {"contribution_id": idea["id"], "votes": 1}
    assert adopted["id"] == idea["id"] and adopted["status"] == "adopted"
    assert adopted["votes"] == 1
    assert (started["session_id"], started["status"]) == (room.session_id, "live")
    assert (completed["session_id"], completed["status"]) == (room.session_id, "completed")


async def test_reconnecting_with_last_event_id_replays_exactly_what_was_missed(http):
    room = await make_room(http)
    # Five events while nobody listens.
    idea = await contribute(http, room, room.speaker, "Bundle the service contract")
    vote_url = f"{API}/contributions/{idea['id']}/vote"
    await ok(http.post(vote_url, headers=room.helper.headers))  # 2
    await ok(http.delete(vote_url, headers=room.helper.headers))  # 3
    await ok(
        http.patch(
            f"{API}/contributions/{idea['id']}",
            headers=room.owner.headers,
            json={"status": "parked"},
        )
    )  # 4
    await ok(http.post(f"{API}/sessions/{room.session_id}/start", headers=room.owner.headers))

    async with listen(http, room.session_id, room.helper, last_event_id=2) as stream:
        replayed = await stream.take(4)
        assert [(e.id, e.event) for e in replayed] == [
            (3, "vote.changed"),
            (4, "contribution.updated"),
            (5, "session.status_changed"),
            (6, "presence.changed"),  # the helper's own arrival
        ]
        assert replayed[0].data["votes"] == 0
        assert joined(replayed[3], room.helper)
        # ...and then it carries on live, without repeating anything.
        await ok(
            http.post(
                f"{API}/sessions/{room.session_id}/complete",
                headers=room.owner.headers,
                json={},
            )
        )
        live = await stream.next()
        assert (live.id, live.event, live.data["status"]) == (
            7,
            "session.status_changed",
            "completed",
        )
        await stream.assert_quiet()
    await until_gone(http, room, room.helper)  # event 8: the helper left

    # A first visit (after completion: presence is no longer kept, nobody arrives).
    async with listen(http, room.session_id, room.speaker) as stream:
        events = await stream.take(8)
        assert [e.id for e in events] == [1, 2, 3, 4, 5, 6, 7, 8]
        assert joined(events[7], room.helper, online=False)
        await stream.assert_quiet()

    async with listen(http, room.session_id, room.owner, last_event_id=8) as stream:
        await stream.assert_quiet()  # up to date: nothing to replay


@pytest.mark.parametrize(
    "header",
    ["abc", "-1", "1e3", "²".encode("latin-1")],
    ids=["letters", "negative", "exp", "sup2"],
)
async def test_a_last_event_id_that_is_not_a_number_replays_from_the_start(http, header):
    room = await make_room(http)
    await contribute(http, room, room.speaker, "One")
    await contribute(http, room, room.helper, "Two")
    async with listen(http, room.session_id, room.owner, last_event_id=header) as stream:
        assert [e.id for e in await stream.take(2)] == [1, 2]


@pytest.mark.parametrize("header", ["50", "99999999999999999999"], ids=["ahead", "huge"])
async def test_a_last_event_id_beyond_the_room_history_misses_nothing_new(http, header):
    """An id from another history (a restored database, a confused client) or too big for
    the database's integers: the stream carries on from what the room really has."""
    room = await make_room(http)
    await contribute(http, room, room.speaker, "One")
    async with listen(http, room.session_id, room.owner, last_event_id=header) as stream:
        assert joined(await stream.next(), room.owner)  # event 2, nothing replayed before
        await stream.assert_quiet(0.2)
        await contribute(http, room, room.helper, "Two")
        event = await stream.next()
        assert (event.id, event.data["body"]) == (3, "Two")


async def test_only_people_on_the_project_may_listen(http):
    room = await make_room(http)
    url = f"{API}/sessions/{room.session_id}/events"
    other_admin = await register(http, organization_name="Rival Sales")

    assert_problem(await http.get(url), 401)
    for stranger in (room.outsider, other_admin):
        assert_problem(await http.get(url, headers=stranger.headers), 404)
    r = await http.get(f"{API}/sessions/{uuid.uuid4()}/events", headers=room.owner.headers)
    assert r.status_code == 404, r.text

    # A helper who left the project is a stranger again.
    r = await http.patch(
        f"{API}/projects/{room.project['id']}/members/{room.helper.id}",
        headers=room.helper.headers,
        json={"state": "left"},
    )
    assert r.status_code == 200, r.text
    r = await http.get(url, headers=room.helper.headers)
    assert r.status_code == 404, r.text

    # The organization's admin may listen to any room.
    await contribute(http, room, room.speaker, "Admins can watch")
    async with listen(http, room.session_id, room.admin) as stream:
        assert (await stream.next()).event == "contribution.created"


async def test_an_idle_stream_sends_keep_alive_comments(http, monkeypatch):
    monkeypatch.setattr(events, "HEARTBEAT_SECONDS", 0.1)
    room = await make_room(http)
    async with listen(http, room.session_id, room.helper) as stream:
        assert joined(await stream.next(), room.helper)
        await asyncio.sleep(0.5)
        assert ": keep-alive" in stream.comments
        assert stream.queue.empty()


async def test_an_event_reaches_the_room_only_once_its_transaction_commits(http, live_app):
    """Savepoints inside a transaction neither deliver its events early nor drop them."""
    room = await make_room(http)
    hub = live_app.state.live_hub
    sessionmaker = live_app.state.sessionmaker
    session_id = uuid.UUID(room.session_id)
    organization_id = uuid.UUID(room.session["organization_id"])

    async with hub.subscription(session_id) as queue:
        async with sessionmaker() as db:
            await events.publish(
                db,
                session_id=session_id,
                organization_id=organization_id,
                type="test.rolled_back",
                payload={"n": 1},
            )
            async with db.begin_nested():  # a savepoint, released
                pass
            await asyncio.sleep(0.2)
            assert queue.empty(), "delivered before its transaction committed"
            await db.rollback()
        await asyncio.sleep(0.3)
        assert queue.empty(), "an event of a rolled-back transaction reached the room"

        async with sessionmaker() as db:
            published = await events.publish(
                db,
                session_id=session_id,
                organization_id=organization_id,
                type="test.committed",
                payload={"n": 2},
            )
            with contextlib.suppress(LookupError):
                async with db.begin_nested():  # a savepoint, rolled back with its event
                    await events.publish(
                        db,
                        session_id=session_id,
                        organization_id=organization_id,
                        type="test.savepoint_rolled_back",
                        payload={"n": 3},
                    )
                    raise LookupError
            await db.commit()
        received = await asyncio.wait_for(queue.get(), 3)
        assert received is not None
        assert (received.seq, received.type, received.payload) == (1, "test.committed", {"n": 2})
        assert published.seq == 1  # the rolled-back event's number was never used
        await asyncio.sleep(0.2)
        assert queue.empty()


# --- two API processes on PostgreSQL -----------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ApiProcess:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


async def _wait_until_ready(api: ApiProcess, deadline: float) -> None:
    loop = asyncio.get_running_loop()
    async with httpx.AsyncClient(base_url=api.url, timeout=1.0) as probe:
        while loop.time() < deadline:
            if api.process.poll() is not None:
                raise AssertionError(f"{api.url} exited early:\n{api.output()}")
            with contextlib.suppress(httpx.HTTPError):
                if (await probe.get("/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise AssertionError(f"{api.url} did not start in time:\n{api.output()}")


@contextlib.asynccontextmanager
async def api_processes(
    database_url: str, folder: Path, names: tuple[str, ...] = ("a", "b"), **env_vars: str
) -> AsyncIterator[list[ApiProcess]]:
    """Separate API processes (uvicorn, as deployed) on one database; ``env_vars`` are
    settings for them (``PRESENCE_HEARTBEAT_SECONDS="0.2"``)."""
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        **env_vars,
    }
    apis: list[ApiProcess] = []
    try:
        for name in names:
            port = _free_port()
            log = folder / f"api-{name}.log"
            command = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1"]
            command += ["--port", str(port), "--no-access-log"]
            with log.open("wb") as out:
                process = subprocess.Popen(  # noqa: ASYNC220, S603 - our own interpreter and app
                    command,
                    cwd=REPO_ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            apis.append(ApiProcess(f"http://127.0.0.1:{port}", process, log))
        deadline = asyncio.get_running_loop().time() + 30
        for api in apis:
            await _wait_until_ready(api, deadline)
        yield apis
    finally:
        for api in apis:
            if api.process.poll() is None:
                api.process.terminate()
        for api in apis:
            try:
                await asyncio.to_thread(api.process.wait, 10)
            except subprocess.TimeoutExpired:
                api.process.kill()
                await asyncio.to_thread(api.process.wait, 5)


def needs_postgres(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip(
            "fan-out across API processes goes through PostgreSQL LISTEN/NOTIFY; "
            "on SQLite the API runs as a single process (run with DATABASE_URL=postgresql://...)"
        )


@pytest.fixture
async def two_api_processes(database_url, app, tmp_path) -> AsyncIterator[list[ApiProcess]]:
    needs_postgres(database_url)
    async with api_processes(database_url, tmp_path) as apis:
        yield apis


async def test_an_event_posted_on_one_api_process_reaches_listeners_on_another(
    two_api_processes,
):
    a, b = two_api_processes
    loop = asyncio.get_running_loop()
    async with (
        httpx.AsyncClient(base_url=a.url, timeout=10.0) as on_a,
        httpx.AsyncClient(base_url=b.url, timeout=10.0) as on_b,
    ):
        room = await make_room(on_b)
        async with (
            listen(on_a, room.session_id, room.helper) as stream_a,
            listen(on_b, room.session_id, room.owner) as stream_b,
        ):
            # Both arrivals (events 1 and 2, one written by each process) prove both streams
            # are subscribed (live or from the backlog); what follows can only come by NOTIFY.
            for stream in (stream_a, stream_b):
                arrivals = await stream.take(2, within=10)
                assert [e.id for e in arrivals] == [1, 2]
                assert {e.data["user_id"] for e in arrivals} == {room.helper.id, room.owner.id}

            posted_at = loop.time()
            idea = await contribute(on_b, room, room.speaker, "Ask for the pilot budget")
            event = await stream_a.next(2.0)
            assert loop.time() - posted_at < 2.0
            assert (event.id, event.event, event.data["id"]) == (
                3,
                "contribution.created",
                idea["id"],
            )
            assert (await stream_b.next(2.0)).id == 3

            # The other way round, with an event too big for a NOTIFY payload (sent by reference).
            long_body = "Preis in €: " + "€" * 2500  # 7500+ bytes of UTF-8 in 2512 characters
            big = await contribute(on_a, room, room.helper, long_body)
            for stream in (stream_b, stream_a):
                event = await stream.next(2.0)
                assert (event.id, event.data["id"]) == (4, big["id"])
                assert event.data["body"] == big["body"]
            await stream_a.assert_quiet(0.2)
            await stream_b.assert_quiet(0.0)
