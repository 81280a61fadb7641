"""Contributions, votes and takeaways over HTTP: who may post, steer and vote, while which
session states; votes under concurrency (exact counts); takeaways one per person;
Idempotency-Key on posting; a bounded number of statements per page."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import datetime

import pytest
from sqlalchemy import func, select

from api.models import Contribution, ContributionVote, SessionEvent
from tests.cast import Cast
from tests.factories import API, register
from tests.session_kit import (
    contribute,
    count_statements,
    make_panel,
    new_project,
    new_session,
    ok,
    problem,
    quick_users,
    seat_members,
    transition,
)


@pytest.fixture
async def panel(client, app) -> Cast:
    return await make_panel(client, app)


@pytest.fixture
async def live(client, panel) -> dict:
    """A live session of the panel's project, facilitated by the owner."""
    session = await new_session(client, panel.project_id, panel.owner)
    return await transition(client, session["id"], panel.owner, "start")


async def vote_rows(app, contribution_id: str) -> int:
    async with app.state.sessionmaker() as session:
        return await session.scalar(
            select(func.count())
            .select_from(ContributionVote)
            .where(ContributionVote.contribution_id == uuid.UUID(contribution_id))
        )


async def stored_votes(app, contribution_id: str) -> int:
    async with app.state.sessionmaker() as session:
        return await session.scalar(
            select(Contribution.votes).where(Contribution.id == uuid.UUID(contribution_id))
        )


def listing(client, session_id, actor, **params):
    return client.get(
        f"{API}/sessions/{session_id}/contributions", headers=actor.headers, params=params
    )


# --- posting -----------------------------------------------------------------------------


async def test_active_members_post_contributions(client, panel, live):
    posted = []
    for who in ("owner", "helper", "observer"):
        author = getattr(panel, who)
        r = await client.post(
            f"{API}/sessions/{live['id']}/contributions",
            headers=author.headers,
            json={"kind": "risk", "body": f"  Their CFO just left ({who})  "},
        )
        body = ok(r, 201, who)
        assert body["session_id"] == live["id"]
        assert body["author_id"] == author.id
        assert body["author_name"] == author.user["full_name"]
        assert body["kind"] == "risk"
        assert body["body"] == f"Their CFO just left ({who})"
        assert body["status"] == "open"
        assert body["votes"] == 0
        assert body["voted_by_me"] is False
        posted.append(body)
    listed = ok(await listing(client, live["id"], panel.helper2))
    assert listed["items"] == posted


async def test_contributions_are_welcome_before_the_session_starts(client, panel):
    session = await new_session(client, panel.project_id, panel.owner)
    body = await contribute(client, session["id"], panel.helper, "Pre-read: their annual report")
    assert body["status"] == "open"


async def test_who_may_not_post(client, panel, live):
    for who, status in [
        ("invited", 403),  # has not accepted yet
        ("manager", 403),  # reads everything, but is not on the panel
        ("admin", 403),
        ("outsider", 404),
        ("stranger", 404),
    ]:
        actor = getattr(panel, who)
        r = await client.post(
            f"{API}/sessions/{live['id']}/contributions",
            headers=actor.headers,
            json={"kind": "idea", "body": "Mine"},
        )
        problem(r, status, who)
        read = await listing(client, live["id"], actor)
        if status == 403:
            assert ok(read, 200, who)["items"] == []  # they can read the room, though
        else:
            problem(read, 404, who)
    assert ok(await listing(client, live["id"], panel.owner))["items"] == []


async def test_posting_needs_a_token_and_a_session(client, panel, live):
    body = {"kind": "idea", "body": "x"}
    problem(await client.post(f"{API}/sessions/{live['id']}/contributions", json=body), 401)
    problem(await client.get(f"{API}/sessions/{live['id']}/contributions"), 401)
    r = await client.post(
        f"{API}/sessions/{uuid.uuid4()}/contributions", headers=panel.owner.headers, json=body
    )
    problem(r, 404)


async def test_a_member_who_left_can_no_longer_post(client, panel, live):
    r = await client.patch(
        f"{API}/projects/{panel.project_id}/members/{panel.helper.id}",
        headers=panel.helper.headers,
        json={"state": "left"},
    )
    ok(r)
    r = await client.post(
        f"{API}/sessions/{live['id']}/contributions",
        headers=panel.helper.headers,
        json={"kind": "idea", "body": "Still here?"},
    )
    problem(r, 404)


async def test_no_contributions_after_the_session_ended(client, panel, live):
    cancelled = await new_session(client, panel.project_id, panel.owner)
    await transition(client, cancelled["id"], panel.owner, "cancel")
    await transition(client, live["id"], panel.owner, "complete")
    for session_id in (live["id"], cancelled["id"]):
        r = await client.post(
            f"{API}/sessions/{session_id}/contributions",
            headers=panel.helper.headers,
            json={"kind": "idea", "body": "Too late"},
        )
        problem(r, 409, session_id)
        assert ok(await listing(client, session_id, panel.owner))["items"] == []


async def test_contribution_validation(client, panel, live):
    for body in [
        {"kind": "rumour", "body": "x"},
        {"kind": "idea", "body": "   "},
        {"kind": "idea", "body": ""},
        {"kind": "idea", "body": "x" * 4001},
        {"kind": "idea", "body": "nul\u0000byte"},
        {"kind": "idea"},
        {"kind": "idea", "body": "x", "status": "adopted"},
        {"kind": "idea", "body": "x", "author_id": str(uuid.uuid4())},
        {"kind": "idea", "body": "x", "votes": 10},
    ]:
        r = await client.post(
            f"{API}/sessions/{live['id']}/contributions", headers=panel.helper.headers, json=body
        )
        assert "errors" in problem(r, 422, body)
    assert ok(await listing(client, live["id"], panel.owner))["items"] == []


# --- listing -----------------------------------------------------------------------------


async def test_listing_filters_and_shows_votes_and_my_vote(client, panel, live):
    sid = live["id"]
    idea = await contribute(client, sid, panel.helper, "Lead with uptime", "idea")
    question = await contribute(client, sid, panel.observer, "Who signs?", "question")
    risk = await contribute(client, sid, panel.owner, "Incumbent is cheap", "risk")
    idea2 = await contribute(client, sid, panel.helper2, "Bundle service", "idea")
    for voter in (panel.owner, panel.observer):
        ok(await client.post(f"{API}/contributions/{idea['id']}/vote", headers=voter.headers))
    ok(await client.post(f"{API}/contributions/{risk['id']}/vote", headers=panel.helper.headers))
    r = await client.patch(
        f"{API}/contributions/{idea['id']}", headers=panel.owner.headers, json={"status": "adopted"}
    )
    ok(r)

    everything = ok(await listing(client, sid, panel.helper))["items"]
    assert [c["id"] for c in everything] == [idea["id"], question["id"], risk["id"], idea2["id"]]
    assert {c["id"]: (c["votes"], c["voted_by_me"]) for c in everything} == {
        idea["id"]: (2, False),
        question["id"]: (0, False),
        risk["id"]: (1, True),
        idea2["id"]: (0, False),
    }
    assert {c["id"]: c["author_name"] for c in everything} == {
        idea["id"]: "Hank Helper",
        question["id"]: "Otto Observer",
        risk["id"]: "Olga Owner",
        idea2["id"]: "Hilda Helper",
    }
    as_owner = ok(await listing(client, sid, panel.owner))["items"]
    assert [c["voted_by_me"] for c in as_owner] == [True, False, False, False]
    # A manager who reads the room has voted on nothing.
    as_manager = ok(await listing(client, sid, panel.manager))["items"]
    assert [c["voted_by_me"] for c in as_manager] == [False] * 4

    def ids(body):
        return [c["id"] for c in body["items"]]

    assert ids(ok(await listing(client, sid, panel.helper, kind="idea"))) == [
        idea["id"],
        idea2["id"],
    ]
    assert ids(ok(await listing(client, sid, panel.helper, status="adopted"))) == [idea["id"]]
    assert ids(ok(await listing(client, sid, panel.helper, kind="idea", status="open"))) == [
        idea2["id"]
    ]
    assert ids(ok(await listing(client, sid, panel.helper, kind="resource"))) == []
    problem(await listing(client, sid, panel.helper, kind="rumour"), 422)
    problem(await listing(client, sid, panel.helper, status="done"), 422)

    first = ok(await listing(client, sid, panel.helper, limit=3))
    assert ids(first) == [idea["id"], question["id"], risk["id"]]
    second = ok(await listing(client, sid, panel.helper, limit=3, cursor=first["next_cursor"]))
    assert ids(second) == [idea2["id"]] and second["next_cursor"] is None


async def test_contributions_stay_within_their_session(client, panel, live):
    other = await new_session(client, panel.project_id, panel.owner)
    await contribute(client, other["id"], panel.helper, "Elsewhere")
    mine = await contribute(client, live["id"], panel.helper, "Here")
    assert [c["id"] for c in ok(await listing(client, live["id"], panel.owner))["items"]] == [
        mine["id"]
    ]


# --- steering: status --------------------------------------------------------------------


async def test_owner_managers_and_admins_set_status(client, panel, live):
    idea = await contribute(client, live["id"], panel.helper)
    for who in ("owner", "manager", "admin"):
        for status in ("adopted", "parked", "rejected", "open"):
            r = await client.patch(
                f"{API}/contributions/{idea['id']}",
                headers=getattr(panel, who).headers,
                json={"status": status},
            )
            body = ok(r, 200, (who, status))
            assert body["status"] == status
            assert body["id"] == idea["id"] and body["body"] == idea["body"]
            assert body["author_id"] == panel.helper.id and body["author_name"] == "Hank Helper"
            listed = ok(await listing(client, live["id"], panel.helper))["items"]
            assert [c["status"] for c in listed] == [status]


async def test_the_facilitator_sets_status(client, panel):
    session = await new_session(
        client, panel.project_id, panel.owner, facilitator_id=panel.helper2.id
    )
    idea = await contribute(client, session["id"], panel.helper)
    r = await client.patch(
        f"{API}/contributions/{idea['id']}",
        headers=panel.helper2.headers,
        json={"status": "parked"},
    )
    assert ok(r)["status"] == "parked"


async def test_a_helper_who_does_not_facilitate_cannot_adopt(client, panel):
    """Adopt, park and reject are the room's steering: the helper facilitating may, the
    other helper (an active member like them) may not, nor may the author."""
    session = await new_session(
        client, panel.project_id, panel.owner, facilitator_id=panel.helper2.id
    )
    idea = await contribute(client, session["id"], panel.observer)
    url = f"{API}/contributions/{idea['id']}"
    for status in ("adopted", "parked", "rejected"):
        for who in ("helper", "observer"):
            r = await client.patch(
                url, headers=getattr(panel, who).headers, json={"status": status}
            )
            problem(r, 403, (who, status))
    r = await client.patch(url, headers=panel.helper2.headers, json={"status": "adopted"})
    assert ok(r)["status"] == "adopted"


async def test_others_cannot_set_status(client, panel, live):
    # The author is a helper, but authorship is not steering.
    idea = await contribute(client, live["id"], panel.helper)
    for who, status in [
        ("helper", 403),
        ("observer", 403),
        ("invited", 403),
        ("outsider", 404),
        ("stranger", 404),
    ]:
        r = await client.patch(
            f"{API}/contributions/{idea['id']}",
            headers=getattr(panel, who).headers,
            json={"status": "adopted"},
        )
        problem(r, status, who)
    assert ok(await listing(client, live["id"], panel.owner))["items"][0]["status"] == "open"


async def test_status_after_the_session_ended(client, panel, live):
    idea = await contribute(client, live["id"], panel.helper)
    await transition(client, live["id"], panel.owner, "complete")
    url = f"{API}/contributions/{idea['id']}"
    for who in (panel.owner, panel.manager):
        problem(await client.patch(url, headers=who.headers, json={"status": "adopted"}), 403)
    assert (
        ok(await client.patch(url, headers=panel.admin.headers, json={"status": "adopted"}))[
            "status"
        ]
        == "adopted"
    )

    cancelled = await new_session(client, panel.project_id, panel.owner)
    other = await contribute(client, cancelled["id"], panel.helper)
    await transition(client, cancelled["id"], panel.owner, "cancel")
    r = await client.patch(
        f"{API}/contributions/{other['id']}",
        headers=panel.admin.headers,
        json={"status": "adopted"},
    )
    problem(r, 409)


async def test_status_validation_and_unknown_contribution(client, panel, live):
    idea = await contribute(client, live["id"], panel.helper)
    url = f"{API}/contributions/{idea['id']}"
    for body in ({"status": "done"}, {}, {"status": "adopted", "body": "rewritten"}):
        problem(await client.patch(url, headers=panel.owner.headers, json=body), 422)
    r = await client.patch(
        f"{API}/contributions/{uuid.uuid4()}",
        headers=panel.owner.headers,
        json={"status": "parked"},
    )
    problem(r, 404)
    problem(await client.patch(url, json={"status": "parked"}), 401)


# --- votes -------------------------------------------------------------------------------


async def test_voting_and_taking_it_back_are_repeatable(client, app, panel, live):
    idea = await contribute(client, live["id"], panel.helper)
    url = f"{API}/contributions/{idea['id']}/vote"
    body = ok(await client.post(url, headers=panel.owner.headers))
    assert (body["id"], body["votes"], body["voted_by_me"]) == (idea["id"], 1, True)
    body = ok(await client.post(url, headers=panel.owner.headers))  # again: harmless
    assert (body["votes"], body["voted_by_me"]) == (1, True)
    body = ok(await client.post(url, headers=panel.observer.headers))
    assert (body["votes"], body["voted_by_me"]) == (2, True)
    body = ok(await client.delete(url, headers=panel.owner.headers))
    assert (body["votes"], body["voted_by_me"]) == (1, False)
    body = ok(await client.delete(url, headers=panel.owner.headers))  # again: harmless
    assert (body["votes"], body["voted_by_me"]) == (1, False)
    body = ok(await client.delete(url, headers=panel.helper2.headers))  # never voted
    assert (body["votes"], body["voted_by_me"]) == (1, False)
    listed = ok(await listing(client, live["id"], panel.observer))["items"]
    assert [(c["votes"], c["voted_by_me"]) for c in listed] == [(1, True)]
    assert await vote_rows(app, idea["id"]) == 1


async def test_nobody_votes_for_their_own_contribution(client, panel, live):
    idea = await contribute(client, live["id"], panel.helper)
    url = f"{API}/contributions/{idea['id']}/vote"
    problem(await client.post(url, headers=panel.helper.headers), 409)
    problem(await client.delete(url, headers=panel.helper.headers), 409)
    assert ok(await listing(client, live["id"], panel.helper))["items"][0]["votes"] == 0


async def test_who_may_not_vote(client, panel, live):
    idea = await contribute(client, live["id"], panel.helper)
    url = f"{API}/contributions/{idea['id']}/vote"
    for who, status in [
        ("invited", 403),
        ("manager", 403),
        ("admin", 403),
        ("outsider", 404),
        ("stranger", 404),
    ]:
        problem(await client.post(url, headers=getattr(panel, who).headers), status, who)
        problem(await client.delete(url, headers=getattr(panel, who).headers), status, who)
    assert ok(await listing(client, live["id"], panel.owner))["items"][0]["votes"] == 0


async def test_votes_need_a_token_and_a_contribution(client, panel, live):
    idea = await contribute(client, live["id"], panel.helper)
    problem(await client.post(f"{API}/contributions/{idea['id']}/vote"), 401)
    r = await client.post(f"{API}/contributions/{uuid.uuid4()}/vote", headers=panel.owner.headers)
    problem(r, 404)


async def test_votes_close_with_the_session(client, panel, live):
    cancelled = await new_session(client, panel.project_id, panel.owner)
    for session, end in ((live, "complete"), (cancelled, "cancel")):
        idea = await contribute(client, session["id"], panel.helper)
        url = f"{API}/contributions/{idea['id']}/vote"
        ok(await client.post(url, headers=panel.owner.headers))
        await transition(client, session["id"], panel.owner, end)
        problem(await client.post(url, headers=panel.observer.headers), 409, end)
        problem(await client.delete(url, headers=panel.owner.headers), 409, end)
        listed = ok(await listing(client, session["id"], panel.owner))["items"]
        assert [(c["votes"], c["voted_by_me"]) for c in listed] == [(1, True)]


async def test_fifty_parallel_votes_count_exactly(client, app, panel, live):
    voters = await quick_users(app, panel.admin.organization_id, 50, prefix="voter")
    await seat_members(app, panel.project_id, voters)
    idea = await contribute(client, live["id"], panel.helper, "Everyone likes this")
    url = f"{API}/contributions/{idea['id']}/vote"

    responses = await asyncio.gather(*(client.post(url, headers=v.headers) for v in voters))
    assert [r.status_code for r in responses] == [200] * 50, [
        r.text for r in responses if r.status_code != 200
    ][:3]
    assert all(r.json()["voted_by_me"] for r in responses)
    # Each response saw its own vote counted: the counts are 1..50, each exactly once.
    assert sorted(r.json()["votes"] for r in responses) == list(range(1, 51))
    assert ok(await listing(client, live["id"], panel.owner))["items"][0]["votes"] == 50
    assert await vote_rows(app, idea["id"]) == 50

    responses = await asyncio.gather(*(client.delete(url, headers=v.headers) for v in voters))
    assert [r.status_code for r in responses] == [200] * 50
    assert sorted(r.json()["votes"] for r in responses) == list(range(50))
    assert ok(await listing(client, live["id"], panel.owner))["items"][0]["votes"] == 0
    assert await vote_rows(app, idea["id"]) == 0


async def test_mixed_concurrent_toggles_end_at_the_number_of_votes(client, app, panel, live):
    voters = await quick_users(app, panel.admin.organization_id, 30, prefix="toggler")
    await seat_members(app, panel.project_id, voters)
    idea = await contribute(client, live["id"], panel.helper)
    url = f"{API}/contributions/{idea['id']}/vote"
    # A third has voted already.
    for v in voters[:10]:
        ok(await client.post(url, headers=v.headers))
    rng = random.Random(20261127)  # a fixed shuffle
    requests = [
        (v, rng.choice(["post", "delete"])) for v in voters for _ in range(rng.randint(1, 4))
    ]
    rng.shuffle(requests)
    responses = await asyncio.gather(
        *(client.request(method.upper(), url, headers=v.headers) for v, method in requests)
    )
    assert {r.status_code for r in responses} == {200}, [
        r.text for r in responses if r.status_code != 200
    ][:3]
    rows = await vote_rows(app, idea["id"])
    assert await stored_votes(app, idea["id"]) == rows
    assert ok(await listing(client, live["id"], panel.owner))["items"][0]["votes"] == rows
    # Each voter's own view agrees with the rows: voted_by_me is the truth for everyone.
    mine = await asyncio.gather(*(listing(client, live["id"], v) for v in voters))
    assert sum(m.json()["items"][0]["voted_by_me"] for m in mine) == rows
    assert 0 <= rows <= 30


async def test_nothing_lands_after_the_session_ends_even_when_racing_it(client, app, panel, live):
    """Votes and posts racing ``complete`` are either in before it or refused (409); the
    live room's event log never shows one after the session ended."""
    voters = await quick_users(app, panel.admin.organization_id, 20, prefix="racer")
    await seat_members(app, panel.project_id, voters)
    idea = await contribute(client, live["id"], panel.helper)
    vote = f"{API}/contributions/{idea['id']}/vote"
    post = f"{API}/sessions/{live['id']}/contributions"
    requests = [client.post(vote, headers=v.headers) for v in voters]
    requests += [
        client.post(post, headers=v.headers, json={"kind": "idea", "body": "Late?"})
        for v in voters[:6]
    ]
    requests.insert(
        8,
        client.post(f"{API}/sessions/{live['id']}/complete", headers=panel.owner.headers, json={}),
    )
    responses = await asyncio.gather(*requests)
    complete, votes, posts = responses[8], responses[:8] + responses[9:21], responses[21:]
    assert complete.status_code == 200, complete.text
    assert {r.status_code for r in votes} <= {200, 409}
    assert {r.status_code for r in posts} <= {201, 409}
    accepted_votes = sum(r.status_code == 200 for r in votes)
    accepted_posts = sum(r.status_code == 201 for r in posts)

    listed = ok(await listing(client, live["id"], panel.owner))["items"]
    assert listed[0]["votes"] == accepted_votes == await vote_rows(app, idea["id"])
    assert len(listed) == 1 + accepted_posts
    async with app.state.sessionmaker() as session:
        log = list(
            await session.scalars(
                select(SessionEvent)
                .where(SessionEvent.session_id == uuid.UUID(live["id"]))
                .order_by(SessionEvent.seq)
            )
        )
    ended = [
        e.seq
        for e in log
        if e.type == "session.status_changed" and e.payload["status"] == "completed"
    ]
    assert len(ended) == 1
    late = [e.type for e in log if e.seq > ended[0]]
    assert late == [], late


# --- takeaways ---------------------------------------------------------------------------


async def test_a_takeaway_is_written_once_then_edited(client, panel, live):
    url = f"{API}/sessions/{live['id']}/takeaways"
    first = ok(
        await client.post(url, headers=panel.helper.headers, json={"body": "Ask about uptime"}), 201
    )
    assert first["session_id"] == live["id"] and first["user_id"] == panel.helper.id
    assert first["body"] == "Ask about uptime"
    edited = ok(
        await client.post(
            url, headers=panel.helper.headers, json={"body": "Ask about uptime first"}
        )
    )
    assert edited["id"] == first["id"] and edited["body"] == "Ask about uptime first"
    assert edited["created_at"] == first["created_at"]
    assert datetime.fromisoformat(edited["updated_at"]) > datetime.fromisoformat(
        first["updated_at"]
    )
    other = ok(
        await client.post(url, headers=panel.owner.headers, json={"body": "Bring a CFO"}), 201
    )
    assert other["id"] != first["id"]

    listed = ok(await client.get(url, headers=panel.observer.headers))["items"]
    assert [(t["user_id"], t["body"]) for t in listed] == [
        (panel.helper.id, "Ask about uptime first"),
        (panel.owner.id, "Bring a CFO"),
    ]
    problem(await client.get(url, headers=panel.outsider.headers), 404)
    problem(await client.get(url), 401)


async def test_takeaways_are_written_after_the_session_too(client, panel, live):
    await transition(client, live["id"], panel.owner, "complete")
    r = await client.post(
        f"{API}/sessions/{live['id']}/takeaways",
        headers=panel.observer.headers,
        json={"body": "Noted"},
    )
    assert ok(r, 201)["body"] == "Noted"


async def test_who_may_not_write_a_takeaway(client, panel, live):
    url = f"{API}/sessions/{live['id']}/takeaways"
    for who, status in [
        ("invited", 403),  # has not accepted: not yet a participant
        ("manager", 403),
        ("admin", 403),
        ("outsider", 404),
        ("stranger", 404),
    ]:
        r = await client.post(url, headers=getattr(panel, who).headers, json={"body": "Mine"})
        problem(r, status, who)
    assert ok(await client.get(url, headers=panel.owner.headers))["items"] == []


async def test_no_takeaways_from_a_cancelled_session(client, panel, live):
    await transition(client, live["id"], panel.owner, "cancel")
    r = await client.post(
        f"{API}/sessions/{live['id']}/takeaways", headers=panel.helper.headers, json={"body": "x"}
    )
    problem(r, 409)


async def test_takeaway_validation(client, panel, live):
    url = f"{API}/sessions/{live['id']}/takeaways"
    for body in ({"body": "  "}, {}, {"body": "x", "user_id": panel.owner.id}):
        problem(await client.post(url, headers=panel.helper.headers, json=body), 422)


async def test_concurrent_first_takeaways_make_one(client, panel, live):
    url = f"{API}/sessions/{live['id']}/takeaways"
    responses = await asyncio.gather(
        *(client.post(url, headers=panel.helper.headers, json={"body": f"v{n}"}) for n in range(5))
    )
    codes = [r.status_code for r in responses]
    # One creates; the others edit it or, when they raced the insert, are told to retry.
    assert codes.count(201) == 1 and set(codes) <= {200, 201, 409}, codes
    listed = ok(await client.get(url, headers=panel.owner.headers))["items"]
    assert len(listed) == 1 and listed[0]["user_id"] == panel.helper.id
    assert listed[0]["body"] in {f"v{n}" for n in range(5)}


# --- Idempotency-Key ---------------------------------------------------------------------


async def test_a_replayed_post_returns_the_first_contribution(client, panel, live):
    url = f"{API}/sessions/{live['id']}/contributions"
    headers = {**panel.helper.headers, "Idempotency-Key": "idea-1"}
    first = await client.post(url, headers=headers, json={"kind": "idea", "body": "Once"})
    assert first.status_code == 201
    again = await client.post(url, headers=headers, json={"kind": "idea", "body": "Once"})
    assert again.status_code == 201
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    # The same key with another body is a client error, and creates nothing.
    other = await client.post(url, headers=headers, json={"kind": "idea", "body": "Twice"})
    problem(other, 422)
    # Keys belong to their sender: someone else's identical key is a new request.
    theirs = await client.post(
        url,
        headers={**panel.observer.headers, "Idempotency-Key": "idea-1"},
        json={"kind": "idea", "body": "Once"},
    )
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]
    listed = ok(await listing(client, live["id"], panel.owner))["items"]
    assert [c["id"] for c in listed] == [first.json()["id"], theirs.json()["id"]]


async def test_concurrent_duplicates_create_one_contribution(client, panel, live):
    url = f"{API}/sessions/{live['id']}/contributions"
    headers = {**panel.helper.headers, "Idempotency-Key": "burst-7"}
    responses = await asyncio.gather(
        *(
            client.post(url, headers=headers, json={"kind": "insight", "body": "One"})
            for _ in range(8)
        )
    )
    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 7
    listed = ok(await listing(client, live["id"], panel.owner))["items"]
    assert [c["body"] for c in listed] == ["One"]


# --- no N+1 ------------------------------------------------------------------------------


async def test_listing_contributions_is_a_bounded_number_of_statements(client, app):
    admin = await register(client)
    owner, *_ = await quick_users(app, admin.organization_id, names=[("Olga Owner", "rep")])
    project = await new_project(client, owner)
    authors = await quick_users(app, admin.organization_id, 30, prefix="author")
    await seat_members(app, project["id"], authors)
    session = await new_session(client, project["id"], owner, participant_ids=[owner.id])
    url = f"{API}/sessions/{session['id']}/contributions"

    async def counted() -> tuple[int, int]:
        await client.get(url, headers=owner.headers)  # warm up
        with count_statements(app) as statements:
            body = ok(await client.get(url, headers=owner.headers))
        return len(body["items"]), len(statements)

    async def post(n: int) -> None:
        idea = await contribute(client, session["id"], authors[n], f"Idea {n}")
        if n % 2:  # half carry the reader's vote, some a status
            ok(await client.post(f"{API}/contributions/{idea['id']}/vote", headers=owner.headers))
        if n % 3 == 0:
            r = await client.patch(
                f"{API}/contributions/{idea['id']}",
                headers=owner.headers,
                json={"status": "parked"},
            )
            ok(r)

    for n in range(2):
        await post(n)
    small = await counted()
    for n in range(2, 30):
        await post(n)
    large = await counted()
    assert (small[0], large[0]) == (2, 30)
    assert large[1] == small[1]


# --- verdicts -------------------------------------------------------------------------------


async def test_the_owner_says_what_an_adopted_idea_did(client, app, panel, live):
    """After the client meeting: worked, did not work, not tried; said by the owner (or a
    manager or admin), changeable, kept with who said it; never by a helper, never on an
    idea that was not adopted; someone off the project or in another organization gets 404."""
    idea = await contribute(client, live["id"], panel.helper, "Lead with the downtime cost")
    url = f"{API}/contributions/{idea['id']}/verdict"
    not_adopted = await client.post(url, headers=panel.owner.headers, json={"verdict": "worked"})
    assert "adopted" in problem(not_adopted, 409)["detail"]
    ok(
        await client.patch(
            f"{API}/contributions/{idea['id']}",
            headers=panel.owner.headers,
            json={"status": "adopted"},
        )
    )
    for actor in (panel.helper, panel.observer):
        problem(await client.post(url, headers=actor.headers, json={"verdict": "worked"}), 403)
    # Not on the project, or another organization: there is no such idea for them.
    for actor in (panel.outsider, panel.stranger):
        problem(await client.post(url, headers=actor.headers, json={"verdict": "worked"}), 404)
    assert (await client.post(url, json={"verdict": "worked"})).status_code == 401
    refused = await client.post(url, headers=panel.owner.headers, json={"verdict": "great"})
    assert ["body", "verdict"] in [e["loc"] for e in problem(refused, 422)["errors"]]

    said = ok(
        await client.post(
            url,
            headers=panel.owner.headers,
            json={"verdict": "worked", "note": "The CFO asked for the model"},
        )
    )
    assert (said["verdict"], said["verdict_note"]) == ("worked", "The CFO asked for the model")
    assert said["verdict_at"] is not None
    changed = ok(
        await client.post(url, headers=panel.manager.headers, json={"verdict": "not_tried"})
    )
    assert (changed["verdict"], changed["verdict_note"]) == ("not_tried", "")
    listed = ok(await listing(client, live["id"], panel.helper))["items"]
    assert [c["verdict"] for c in listed if c["id"] == idea["id"]] == ["not_tried"]
    async with app.state.sessionmaker() as session:
        stored = await session.get(Contribution, uuid.UUID(idea["id"]))
        assert stored is not None
        assert str(stored.verdict_by_id) == panel.manager.id
