"""Shared set-up for the session, contribution and action-item tests: a project with its
panel (owner, helpers, an observer, an invited person, outsiders), quick bulk users for the
concurrency tests, and a statement counter for the N+1 checks."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import event, update

from api.models import (
    MastermindSession,
    MemberRole,
    MemberState,
    Project,
    ProjectMember,
)
from tests import cast
from tests.cast import Cast, add_member, new_project
from tests.factories import API, DEFAULT_PASSWORD, Actor, assert_problem, unique_email


def _explain(response: httpx.Response, label: object) -> str:
    request = response.request
    return f"{label} {request.method} {request.url.path}: {response.status_code} {response.text}"


def problem(response: httpx.Response, status: int, label: object = "") -> dict[str, Any]:
    """Assert an RFC 9457 error with this status (``label`` says which call, on failure)."""
    assert response.status_code == status, _explain(response, label)
    return assert_problem(response, status)


def ok(response: httpx.Response, status: int = 200, label: object = "") -> Any:
    assert response.status_code == status, _explain(response, label)
    return response.json()


def soon(hours: int = 1) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


async def make_panel(client: httpx.AsyncClient, app: Any) -> Cast:
    """One organization with a project and everyone the permission matrix talks about: a
    ``manager`` (staff, not on the project), its ``owner``, two active helpers (``helper``,
    ``helper2``), an active ``observer``, an ``invited`` person who has not accepted, an
    ``outsider`` of the organization and the ``stranger``, another organization's admin;
    ``project`` and ``project_id``. The people are written to ``app``'s database (fast),
    whichever client talks to it (a served app's too); the project and its panel go through
    the API."""
    if cast.app_of(client) is None:
        cast.bind(client, app)
    panel = await cast.organization(
        client,
        manager=cast.manager("Mona Manager"),
        owner=cast.rep("Olga Owner"),
        helper=cast.rep("Hank Helper"),
        helper2=cast.rep("Hilda Helper"),
        observer=cast.rep("Otto Observer"),
        invited=cast.rep("Ivy Invited"),
        outsider=cast.rep("Oscar Outsider"),
        stranger=cast.stranger("Rival Corp"),
    )
    panel.project = await new_project(client, panel.owner)
    panel.project_id = panel.project["id"]
    for person in (panel.helper, panel.helper2):
        await add_member(client, panel.project_id, panel.owner, person)
    await add_member(client, panel.project_id, panel.owner, panel.observer, role="observer")
    await add_member(client, panel.project_id, panel.owner, panel.invited, accept=False)
    return panel


async def new_session(
    client: httpx.AsyncClient, project_id: str, by: Actor, **fields: Any
) -> dict[str, Any]:
    body = {
        "purpose": "approach",
        "title": "How to open the door",
        "scheduled_at": soon(),
        "timebox_minutes": 30,
        **fields,
    }
    r = await client.post(f"{API}/projects/{project_id}/sessions", headers=by.headers, json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def transition(
    client: httpx.AsyncClient, session_id: str, by: Actor, action: str, **body: Any
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"json": body} if action == "complete" else {}
    r = await client.post(f"{API}/sessions/{session_id}/{action}", headers=by.headers, **kwargs)
    assert r.status_code == 200, r.text
    return r.json()


async def contribute(
    client: httpx.AsyncClient, session_id: str, by: Actor, body: str = "An idea", kind: str = "idea"
) -> dict[str, Any]:
    r = await client.post(
        f"{API}/sessions/{session_id}/contributions",
        headers=by.headers,
        json={"kind": kind, "body": body},
    )
    assert r.status_code == 201, r.text
    return r.json()


async def held_for(app: Any, session_id: str, minutes: int) -> None:
    """Set-up only: move a live session's start back, as if it had been running for
    ``minutes`` (completion refuses attendance above the held duration)."""
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(MastermindSession)
            .where(MastermindSession.id == uuid.UUID(session_id))
            .values(started_at=datetime.now(UTC) - timedelta(minutes=minutes))
        )
        await session.commit()


async def completed_session(
    client: httpx.AsyncClient,
    app: Any,
    project_id: str,
    owner: Actor,
    attendance: dict[str, int],
    *,
    purpose: str = "approach",
    title: str = "Panel",
    during: Any = None,
) -> dict[str, Any]:
    """A session of ``project_id`` scheduled, started, held for 45 minutes and completed
    with ``attendance`` (user id -> credited minutes); ``during(session)`` runs while it is
    live (to post and adopt contributions)."""
    session = await new_session(
        client, project_id, owner, purpose=purpose, title=title, timebox_minutes=45
    )
    await transition(client, session["id"], owner, "start")
    await held_for(app, session["id"], 45)
    if during is not None:
        await during(session)
    await transition(
        client,
        session["id"],
        owner,
        "complete",
        attendance=[{"user_id": user_id, "minutes": m} for user_id, m in attendance.items()],
    )
    return session


async def quick_users(
    app: Any,
    organization_id: str,
    count: int = 0,
    *,
    prefix: str = "user",
    names: list[tuple[str, str]] | None = None,
) -> list[Actor]:
    """People written straight to the database and signed in (tests/cast.py): ``count``
    reps named after ``prefix``, or one per ``(full_name, role)`` in ``names``."""
    wanted = names or [(f"{prefix.title()} {n:03d}", "rep") for n in range(count)]
    people = await cast.cast_people(
        app,
        organization_id,
        [(unique_email(role), full_name, role) for full_name, role in wanted],
        DEFAULT_PASSWORD,
    )
    return [
        Actor(user=user, access_token=tokens["access_token"], refresh_token=tokens["refresh_token"])
        for user, tokens in people
    ]


async def seat_members(app: Any, project_id: str, actors: list[Actor], *, role: str = "helper"):
    """Put users on a project as active members directly (bulk set-up only)."""
    async with app.state.sessionmaker() as session:
        project = await session.get(Project, uuid.UUID(project_id))
        assert project is not None
        session.add_all(
            ProjectMember(
                organization_id=uuid.UUID(a.organization_id),
                project_id=uuid.UUID(project_id),
                user_id=uuid.UUID(a.id),
                role=MemberRole(role),
                state=MemberState.active,
                budget_minutes=60,
                project_created_at=project.created_at,
            )
            for a in actors
        )
        await session.commit()


@contextlib.contextmanager
def count_statements(app: Any) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs."""
    statements: list[str] = []

    def record(*args: Any) -> None:  # conn, cursor, statement, parameters, context, many
        statements.append(args[2])

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
