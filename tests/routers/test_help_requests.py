"""Help requests (DESIGN 7.6): only someone who may invite to the project asks; another
organization's person or project is not found; the person asked is notified and alone may
answer; accepting seats them as a helper through the project's seat service; the asker hears
the answer; a retried create with the same Idempotency-Key makes one request."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from api.models import HelpRequest
from tests.cast import Cast, add_member, new_project
from tests.factories import API, Actor, assert_problem
from tests.session_kit import make_panel, ok

URL = f"{API}/help-requests"


async def ask(
    client: httpx.AsyncClient,
    by: Actor,
    person: Actor,
    project_id: str,
    message: str = "Half an hour on pricing?",
    **headers: str,
) -> httpx.Response:
    return await client.post(
        URL,
        headers={**by.headers, **headers},
        json={"user_id": person.id, "project_id": project_id, "message": message},
    )


async def notices(client: httpx.AsyncClient, actor: Actor, kind: str) -> list[dict[str, Any]]:
    page = ok(await client.get(f"{API}/notifications", headers=actor.headers))
    return [n for n in page["items"] if n["kind"] == kind]


async def seat_of(client: httpx.AsyncClient, panel: Cast, person: Actor) -> dict | None:
    members = ok(
        await client.get(
            f"{API}/projects/{panel.project_id}/members?limit=200", headers=panel.owner.headers
        )
    )
    return next((m for m in members["items"] if m["user_id"] == person.id), None)


async def test_the_owner_asks_and_the_person_is_notified(client, app):
    panel = await make_panel(client, app)
    request = ok(await ask(client, panel.owner, panel.outsider, panel.project_id), 201)
    assert request["state"] == "pending"
    assert request["requester_id"] == panel.owner.id
    assert request["requester_name"] == "Olga Owner"
    assert request["project_title"] == panel.project["title"]
    assert request["answered_at"] is None
    [notice] = await notices(client, panel.outsider, "help_request")
    assert notice["link"] == "/notifications"
    assert notice["data"]["help_request_id"] == request["id"]
    assert notice["data"]["help_request_state"] == "pending"
    assert notice["data"]["message"] == "Half an hour on pricing?"
    assert notice["data"]["actor_name"] == "Olga Owner"
    # Nobody else hears of it, the asker included.
    for other in (panel.owner, panel.helper, panel.manager, panel.admin):
        assert await notices(client, other, "help_request") == []


async def test_managers_and_admins_may_ask_members_and_other_reps_may_not(client, app):
    panel = await make_panel(client, app)
    ok(await ask(client, panel.manager, panel.outsider, panel.project_id), 201)
    ok(await ask(client, panel.admin, panel.invited, panel.project_id), 201)
    # A helper or an observer of the project may not invite: 403.
    for asker in (panel.helper, panel.observer):
        assert_problem(await ask(client, asker, panel.outsider, panel.project_id), 403)
    # A rep who cannot read the project: 404, as for any project they cannot see.
    assert_problem(await ask(client, panel.outsider, panel.manager, panel.project_id), 404)


async def test_another_organizations_person_or_project_is_not_found(client, app):
    panel = await make_panel(client, app)
    assert_problem(await ask(client, panel.owner, panel.stranger, panel.project_id), 404)
    theirs = await new_project(client, panel.stranger, title="Rival deal")
    assert_problem(await ask(client, panel.owner, panel.outsider, theirs["id"]), 404)
    assert_problem(await ask(client, panel.stranger, panel.outsider, panel.project_id), 404)
    assert_problem(await ask(client, panel.owner, panel.outsider, str(uuid.uuid4())), 404)
    assert await notices(client, panel.stranger, "help_request") == []
    assert await notices(client, panel.outsider, "help_request") == []


async def test_asking_oneself_a_member_or_twice_is_a_conflict(client, app):
    panel = await make_panel(client, app)
    assert_problem(await ask(client, panel.owner, panel.owner, panel.project_id), 409)
    assert_problem(await ask(client, panel.owner, panel.helper, panel.project_id), 409)
    ok(await ask(client, panel.owner, panel.outsider, panel.project_id), 201)
    assert_problem(await ask(client, panel.manager, panel.outsider, panel.project_id), 409)
    assert len(await notices(client, panel.outsider, "help_request")) == 1


async def test_a_retry_with_the_same_key_makes_one_request(client, app):
    panel = await make_panel(client, app)
    key = f"ask-{uuid.uuid4()}"
    first = await ask(
        client, panel.owner, panel.outsider, panel.project_id, **{"Idempotency-Key": key}
    )
    again = await ask(
        client, panel.owner, panel.outsider, panel.project_id, **{"Idempotency-Key": key}
    )
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    async with app.state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(HelpRequest)) == 1
    assert len(await notices(client, panel.outsider, "help_request")) == 1


async def test_accepting_seats_the_person_as_a_helper_and_tells_the_asker(client, app):
    panel = await make_panel(client, app)
    request = ok(await ask(client, panel.owner, panel.outsider, panel.project_id), 201)
    answered = ok(
        await client.post(f"{URL}/{request['id']}/accept", headers=panel.outsider.headers)
    )
    assert answered["state"] == "accepted"
    assert answered["answered_at"] is not None
    seat = await seat_of(client, panel, panel.outsider)
    assert seat is not None
    assert (seat["role"], seat["state"]) == ("helper", "active")
    assert seat["budget_minutes"] == panel.project["helper_budget_minutes"]
    # Now a helper: they read the project; no separate invitation was sent for the seat.
    ok(await client.get(f"{API}/projects/{panel.project_id}", headers=panel.outsider.headers))
    assert await notices(client, panel.outsider, "project_invitation") == []
    [told] = await notices(client, panel.owner, "help_request_answered")
    assert told["data"]["help_request_state"] == "accepted"
    assert told["data"]["actor_name"] == panel.outsider.user["full_name"]
    assert told["link"] == f"/projects/{panel.project_id}"
    # The inbox shows the request answered.
    [notice] = await notices(client, panel.outsider, "help_request")
    assert notice["data"]["help_request_state"] == "accepted"
    # Answered once: again is a conflict, either way.
    for answer in ("accept", "decline"):
        assert_problem(
            await client.post(f"{URL}/{request['id']}/{answer}", headers=panel.outsider.headers),
            409,
        )


async def test_accepting_an_open_invitation_takes_that_seat(client, app):
    panel = await make_panel(client, app)
    # The invited one has a seat offered already; the request asks again.
    request = ok(await ask(client, panel.owner, panel.invited, panel.project_id), 201)
    ok(await client.post(f"{URL}/{request['id']}/accept", headers=panel.invited.headers))
    seat = await seat_of(client, panel, panel.invited)
    assert seat is not None and seat["state"] == "active"


async def test_declining_seats_nobody_and_tells_the_asker(client, app):
    panel = await make_panel(client, app)
    request = ok(await ask(client, panel.manager, panel.outsider, panel.project_id), 201)
    answered = ok(
        await client.post(f"{URL}/{request['id']}/decline", headers=panel.outsider.headers)
    )
    assert answered["state"] == "declined"
    assert await seat_of(client, panel, panel.outsider) is None
    [told] = await notices(client, panel.manager, "help_request_answered")
    assert told["data"]["help_request_state"] == "declined"
    assert await notices(client, panel.owner, "help_request_answered") == []
    # Declined, they may be asked again later.
    ok(await ask(client, panel.owner, panel.outsider, panel.project_id), 201)


async def test_only_the_person_asked_answers(client, app):
    panel = await make_panel(client, app)
    request = ok(await ask(client, panel.owner, panel.outsider, panel.project_id), 201)
    for other in (panel.owner, panel.helper, panel.manager, panel.admin, panel.stranger):
        for answer in ("accept", "decline"):
            assert_problem(
                await client.post(f"{URL}/{request['id']}/{answer}", headers=other.headers), 404
            )
    assert_problem(
        await client.post(f"{URL}/{uuid.uuid4()}/accept", headers=panel.outsider.headers), 404
    )
    assert await seat_of(client, panel, panel.outsider) is None
    assert await notices(client, panel.owner, "help_request_answered") == []


async def test_an_asker_who_may_no_longer_invite_cannot_seat_anyone(client, app):
    panel = await make_panel(client, app)
    request = ok(await ask(client, panel.manager, panel.outsider, panel.project_id), 201)
    ok(
        await client.patch(
            f"{API}/users/{panel.manager.id}", headers=panel.admin.headers, json={"role": "rep"}
        )
    )
    assert_problem(
        await client.post(f"{URL}/{request['id']}/accept", headers=panel.outsider.headers), 409
    )
    assert await seat_of(client, panel, panel.outsider) is None


async def test_a_closed_project_takes_no_requests(client, app):
    panel = await make_panel(client, app)
    other = await new_project(client, panel.owner, title="Done deal")
    await add_member(client, other["id"], panel.owner, panel.helper)
    ok(
        await client.post(
            f"{API}/projects/{other['id']}/close",
            headers=panel.owner.headers,
            json={"result": "won"},
        )
    )
    assert_problem(await ask(client, panel.owner, panel.outsider, other["id"]), 409)
