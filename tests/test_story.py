"""The seed story through the API alone: a rep opens a project on a client, a manager
assigns helpers, a session is held with ideas, votes and an adopted idea, an action item
is done, the project is closed as won, and a script reads the outcome."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.factories import API, add_user, register
from tests.session_kit import held_for


@pytest.fixture
def transcript(client):
    """With STORY_TRANSCRIPT=path, the story's requests and responses are written there
    (tokens cut short) so a person can read the whole exchange."""
    target = os.environ.get("STORY_TRANSCRIPT")
    lines: list[str] = []

    async def record(response: httpx.Response) -> None:
        await response.aread()
        request = response.request
        body = request.content.decode(errors="replace")
        if "password" in body:
            body = "(credentials)"
        text = re.sub(r'("(access|refresh)_token": ?")([^"]{12})[^"]*"', r'\1\3…"', response.text)
        lines.append(
            f"> {request.method} {request.url.path}{'?' + request.url.query.decode() if request.url.query else ''}"
        )
        if body:
            lines.append(f"> {body}")
        lines.append(f"< {response.status_code} {text[:600]}")
        lines.append("")

    client.event_hooks["response"].append(record)
    yield
    client.event_hooks["response"].remove(record)
    if target:
        Path(target).write_text("\n".join(lines))


async def test_the_whole_story(client, app, transcript):
    admin = await register(client)
    manager = await add_user(client, admin, role="manager", seniority="senior")
    owner = await add_user(client, admin, seniority="junior", full_name="Lena Owner")
    helper = await add_user(client, admin, seniority="senior", full_name="Priya Helper")
    helper2 = await add_user(client, admin, full_name="Tom Helper")

    r = await client.post(
        f"{API}/clients",
        headers=owner.headers,
        json={"name": "Helix Medical", "industry": "healthcare"},
    )
    assert r.status_code == 201, r.text
    client_id = r.json()["id"]
    assert r.json()["owner_id"] == owner.id

    r = await client.post(
        f"{API}/projects",
        headers=owner.headers,
        json={
            "title": "Helix framework deal",
            "kind": "account",
            "client_id": client_id,
            "objective": "Win the framework",
            "helper_budget_minutes": 90,
        },
    )
    assert r.status_code == 201, r.text
    project = r.json()

    for person in (helper, helper2):
        r = await client.post(
            f"{API}/projects/{project['id']}/members",
            headers=manager.headers,
            json={"user_id": person.id},
        )
        assert r.status_code == 201, r.text
        assert r.json()["state"] == "invited" and r.json()["budget_minutes"] == 90
        r = await client.patch(
            f"{API}/projects/{project['id']}/members/{person.id}",
            headers=person.headers,
            json={"state": "active"},
        )
        assert r.status_code == 200, r.text

    r = await client.post(
        f"{API}/projects/{project['id']}/sessions",
        headers=owner.headers,
        json={
            "purpose": "approach",
            "title": "How to approach the COO",
            "scheduled_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
            "timebox_minutes": 30,
        },
    )
    assert r.status_code == 201, r.text
    session = r.json()
    assert {p["user_id"] for p in session["participants"]} == {owner.id, helper.id, helper2.id}

    r = await client.post(f"{API}/sessions/{session['id']}/start", headers=owner.headers)
    assert r.status_code == 200 and r.json()["status"] == "live"

    r = await client.post(
        f"{API}/sessions/{session['id']}/contributions",
        headers=helper.headers,
        json={"kind": "idea", "body": "Lead with downtime cost"},
    )
    assert r.status_code == 201, r.text
    idea = r.json()
    for voter in (owner, helper2):
        r = await client.post(f"{API}/contributions/{idea['id']}/vote", headers=voter.headers)
        assert r.status_code == 200, r.text
    assert r.json()["votes"] == 2 and r.json()["voted_by_me"] is True

    r = await client.patch(
        f"{API}/contributions/{idea['id']}", headers=owner.headers, json={"status": "adopted"}
    )
    assert r.status_code == 200 and r.json()["status"] == "adopted"

    r = await client.post(
        f"{API}/projects/{project['id']}/action-items",
        headers=owner.headers,
        json={
            "title": "Draft ROI one-pager",
            "assignee_id": helper.id,
            "session_id": session["id"],
            "contribution_id": idea["id"],
        },
    )
    assert r.status_code == 201, r.text
    item = r.json()

    # They met in a meeting room, not on the live stream: the owner ticks who was there.
    await held_for(app, session["id"], 30)
    r = await client.post(
        f"{API}/sessions/{session['id']}/complete",
        headers=owner.headers,
        json={
            "summary": "Lead with downtime",
            "decisions": ["Pilot first"],
            "recommended_approach": "COO first",
            "attendance": [
                {"user_id": person.id, "minutes": 30} for person in (owner, helper, helper2)
            ],
        },
    )
    assert r.status_code == 200, r.text
    assert {p["attended_minutes"] for p in r.json()["participants"]} == {30}

    r = await client.patch(
        f"{API}/action-items/{item['id']}", headers=helper.headers, json={"status": "done"}
    )
    assert r.status_code == 200 and r.json()["completed_at"]

    r = await client.post(
        f"{API}/projects/{project['id']}/time-entries",
        headers=helper.headers,
        json={"minutes": 25, "spent_on": datetime.now(UTC).date().isoformat(), "note": "prep"},
    )
    assert r.status_code == 201, r.text

    r = await client.post(
        f"{API}/projects/{project['id']}/close",
        headers=owner.headers,
        json={"result": "won", "note": "Signed"},
    )
    assert r.status_code == 200 and r.json()["status"] == "won"

    r = await client.get(f"{API}/sessions", headers=admin.headers, params={"status": "completed"})
    assert [s["id"] for s in r.json()["items"]] == [session["id"]]
    r = await client.get(f"{API}/sessions/{session['id']}/outcome", headers=admin.headers)
    assert r.status_code == 200, r.text
    outcome = r.json()
    assert outcome["decisions"] == ["Pilot first"]
    assert [c["body"] for c in outcome["adopted_contributions"]] == ["Lead with downtime cost"]
    assert outcome["adopted_contributions"][0]["author_name"] == "Priya Helper"
    assert [a["status"] for a in outcome["action_items"]] == ["done"]
    assert sorted(a["minutes"] for a in outcome["attendance"]) == [30, 30, 30]
