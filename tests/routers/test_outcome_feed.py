"""What moves a session in the outcomes feed: edits and outcome changes, not live events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.cast import add_member, new_project
from tests.factories import API, add_user, register


async def _project_with_helper(client):
    admin = await register(client)
    owner = await add_user(client, admin)
    helper = await add_user(client, admin)
    project = await new_project(
        client, owner, title="Feed", kind="campaign", helper_budget_minutes=None
    )
    await add_member(client, project["id"], owner, helper, role=None)
    session = (
        await client.post(
            f"{API}/projects/{project['id']}/sessions",
            headers=owner.headers,
            json={
                "purpose": "campaign",
                "title": "Spring",
                "scheduled_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
            },
        )
    ).json()
    return admin, owner, helper, project, session


async def test_live_activity_keeps_the_etag_and_the_feed_position(client):
    _admin, owner, helper, _project, session = await _project_with_helper(client)
    read = await client.get(f"{API}/sessions/{session['id']}", headers=owner.headers)
    etag, updated_at = read.headers["ETag"], read.json()["updated_at"]
    await client.post(f"{API}/sessions/{session['id']}/start", headers=owner.headers)
    started = await client.get(f"{API}/sessions/{session['id']}", headers=owner.headers)
    assert started.headers["ETag"] != etag  # a transition is an edit
    etag, updated_at = started.headers["ETag"], started.json()["updated_at"]

    idea = (
        await client.post(
            f"{API}/sessions/{session['id']}/contributions",
            headers=helper.headers,
            json={"kind": "idea", "body": "Bundle training"},
        )
    ).json()
    await client.post(f"{API}/contributions/{idea['id']}/vote", headers=owner.headers)
    after = await client.get(f"{API}/sessions/{session['id']}", headers=owner.headers)
    assert after.headers["ETag"] == etag and after.json()["updated_at"] == updated_at
    edit = await client.patch(
        f"{API}/sessions/{session['id']}",
        headers={**owner.headers, "If-Match": etag},
        json={"title": "Spring push"},
    )
    assert edit.status_code == 200, edit.text


async def test_a_changed_outcome_comes_back_in_the_feed(client):
    admin, owner, helper, project, session = await _project_with_helper(client)
    await client.post(f"{API}/sessions/{session['id']}/start", headers=owner.headers)
    item = (
        await client.post(
            f"{API}/projects/{project['id']}/action-items",
            headers=owner.headers,
            json={"title": "Send deck", "assignee_id": helper.id, "session_id": session["id"]},
        )
    ).json()
    await client.post(
        f"{API}/sessions/{session['id']}/complete", headers=owner.headers, json={"summary": "ok"}
    )
    feed = (
        await client.get(f"{API}/sessions", headers=admin.headers, params={"status": "completed"})
    ).json()
    seen_at = feed["items"][0]["updated_at"]

    since = {"status": "completed", "updated_since": seen_at}
    assert (await client.get(f"{API}/sessions", headers=admin.headers, params=since)).json()[
        "items"
    ] == []
    done = await client.patch(
        f"{API}/action-items/{item['id']}", headers=helper.headers, json={"status": "done"}
    )
    assert done.status_code == 200
    again = (await client.get(f"{API}/sessions", headers=admin.headers, params=since)).json()[
        "items"
    ]
    assert [s["id"] for s in again] == [session["id"]]
    outcome = (
        await client.get(f"{API}/sessions/{session['id']}/outcome", headers=admin.headers)
    ).json()
    assert [a["status"] for a in outcome["action_items"]] == ["done"]


async def test_include_outcome_inlines_each_outcome_in_the_same_queries_for_any_page(client, app):
    from tests.session_kit import count_statements

    admin, owner, helper, project, session = await _project_with_helper(client)

    async def complete(mm: dict, summary: str) -> None:
        await client.post(f"{API}/sessions/{mm['id']}/start", headers=owner.headers)
        idea = await client.post(
            f"{API}/sessions/{mm['id']}/contributions",
            headers=helper.headers,
            json={"kind": "idea", "body": f"Idea for {summary}"},
        )
        await client.patch(
            f"{API}/contributions/{idea.json()['id']}",
            headers=owner.headers,
            json={"status": "adopted"},
        )
        done = await client.post(
            f"{API}/sessions/{mm['id']}/complete", headers=owner.headers, json={"summary": summary}
        )
        assert done.status_code == 200, done.text

    await complete(session, "first")
    params = {"status": "completed", "include": "outcome"}
    await client.get(f"{API}/sessions", headers=admin.headers, params=params)  # warm caches
    with count_statements(app) as one:
        feed = (await client.get(f"{API}/sessions", headers=admin.headers, params=params)).json()
    (row,) = feed["items"]
    direct = (
        await client.get(f"{API}/sessions/{session['id']}/outcome", headers=admin.headers)
    ).json()
    assert row["outcome"] == direct and row["outcome"]["summary"] == "first"
    assert [c["body"] for c in row["outcome"]["adopted_contributions"]] == ["Idea for first"]

    for n in range(3):
        mm = (
            await client.post(
                f"{API}/projects/{project['id']}/sessions",
                headers=owner.headers,
                json={
                    "purpose": "approach",
                    "title": f"More {n}",
                    "scheduled_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
                    "participant_ids": [owner.id, helper.id],
                },
            )
        ).json()
        await complete(mm, f"more {n}")
    with count_statements(app) as four:
        feed = (await client.get(f"{API}/sessions", headers=admin.headers, params=params)).json()
    assert len(feed["items"]) == 4 and all(item["outcome"] for item in feed["items"])
    assert len(four) == len(one)  # no query per session
    plain = (await client.get(f"{API}/sessions", headers=admin.headers)).json()
    assert all(item["outcome"] is None for item in plain["items"])
    bad = await client.get(
        f"{API}/sessions", headers=admin.headers, params={"include": "everything"}
    )
    assert bad.status_code == 422
