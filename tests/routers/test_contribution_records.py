"""GET /users/{id}/contribution-record: what a person gave in a period, exact figures for a
constructed story, as JSON and CSV; who may read it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from tests.factories import API, add_user, assert_problem, register
from tests.session_kit import completed_session, contribute, ok, seat_members


async def test_a_helpers_record(client, app):
    admin = await register(client)
    manager = await add_user(client, admin, role="manager", full_name="Mia Manager")
    ann = await add_user(client, admin, full_name="Ann Owner")
    ben = await add_user(client, admin, full_name="Ben Helper")
    other = await add_user(client, admin, full_name="Otto Rep")
    company = ok(
        await client.post(f"{API}/clients", headers=ann.headers, json={"name": "=Helix AG"}), 201
    )
    project = ok(
        await client.post(
            f"{API}/projects",
            headers=ann.headers,
            json={"title": "Helix rollout", "kind": "account", "client_id": company["id"]},
        ),
        201,
    )
    await seat_members(app, project["id"], [ben])
    ideas: dict[str, dict] = {}

    async def post_ideas(session: dict) -> None:
        ideas["adopted"] = await contribute(
            client, session["id"], ben, "Lead with their downtime numbers"
        )
        await contribute(client, session["id"], ben, "Not adopted")
        ok(
            await client.patch(
                f"{API}/contributions/{ideas['adopted']['id']}",
                headers=ann.headers,
                json={"status": "adopted"},
            )
        )

    session = await completed_session(
        client,
        app,
        project["id"],
        ann,
        {ann.id: 40, ben.id: 30},
        title="Opening the door",
        during=post_ideas,
    )
    idea = ideas["adopted"]
    ok(
        await client.post(
            f"{API}/contributions/{idea['id']}/verdict",
            headers=ann.headers,
            json={"verdict": "worked"},
        )
    )
    ok(
        await client.post(
            f"{API}/projects/{project['id']}/time-entries",
            headers=ben.headers,
            json={"minutes": 10, "spent_on": datetime.now(UTC).date().isoformat()},
        ),
        201,
    )
    ok(
        await client.post(
            f"{API}/sessions/{session['id']}/takeaways",
            headers=ben.headers,
            json={"body": "Numbers beat slides"},
        ),
        201,
    )
    ok(
        await client.post(
            f"{API}/projects/{project['id']}/close",
            headers=ann.headers,
            json={"result": "won"},
        )
    )

    url = f"{API}/users/{ben.id}/contribution-record"
    record = ok(await client.get(url, headers=ben.headers, params={"period": "fiscal_year"}))
    assert (record["full_name"], record["period"]) == ("Ben Helper", "fiscal_year")
    assert (record["minutes_given"], record["minutes_received"]) == (40, 0)
    assert (record["sessions_attended"], record["ideas_adopted"]) == (1, 1)
    assert [(i["body"], i["verdict"], i["project_title"]) for i in record["ideas"]] == [
        ("Lead with their downtime numbers", "worked", "Helix rollout")
    ]
    assert record["projects_helped"] == [
        {
            "project_id": project["id"],
            "title": "Helix rollout",
            "client_name": "=Helix AG",
            "status": "won",
            "minutes": 40,
        }
    ]
    assert [t["body"] for t in record["takeaways"]] == ["Numbers beat slides"]
    # The owner received those minutes; her record lists no project of her own as helped.
    ann_record = ok(
        await client.get(f"{API}/users/{ann.id}/contribution-record", headers=manager.headers)
    )
    assert (ann_record["minutes_received"], ann_record["projects_helped"]) == (40, [])

    as_csv = await client.get(url, headers={**ben.headers, "Accept": "text/csv"})
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0] == ["section", "date", "title", "detail", "minutes", "result"]
    assert ["person", rows[1][1], "Ben Helper", "minutes given", "40", ""] == rows[1]
    assert rows[-2][0:1] + rows[-2][2:] == ["project", "Helix rollout", "'=Helix AG", "40", "won"]
    assert rows[-1][0] == "takeaway"

    # Who may read it: the person, managers and admins; not a colleague; not another org.
    assert_problem(await client.get(url, headers=other.headers), 403)
    ok(await client.get(url, headers=admin.headers))
    stranger = await register(client, organization_name="Rival Inc")
    assert_problem(await client.get(url, headers=stranger.headers), 404)
    assert_problem(await client.get(url), 401)
    both = await client.get(
        url, headers=ben.headers, params={"period": "month", "since": "2026-01-01"}
    )
    assert_problem(both, 422)
