"""The Mastermind format (DESIGN 7.2) through the API: phases, what each participant may see
(asserted from the other participants' side), the dot budget under concurrency, and the
outcome's participation and evenness. Runs on SQLite and, with DATABASE_URL, PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import update

from api import events
from api.models import Seniority, User
from api.services import contributions as contribution_service
from tests.cast import Cast, new_project
from tests.factories import API, Actor
from tests.session_kit import contribute, make_panel, new_session, ok, problem, transition


@pytest.fixture
async def panel(client, app) -> Cast:
    panel = await make_panel(client, app)
    # Three participants of different seniority: the owner senior, the helpers mid and junior.
    async with app.state.sessionmaker() as session:
        for actor, seniority in (
            (panel.owner, Seniority.senior),
            (panel.helper, Seniority.mid),
            (panel.helper2, Seniority.junior),
        ):
            await session.execute(
                update(User).where(User.id == uuid.UUID(actor.id)).values(seniority=seniority)
            )
        await session.commit()
    return panel


async def mastermind(client, panel: Cast, **fields: Any) -> dict[str, Any]:
    session = await new_session(
        client,
        panel.project_id,
        panel.owner,
        format="mastermind",
        participant_ids=[panel.owner.id, panel.helper.id, panel.helper2.id],
        **fields,
    )
    return await transition(client, session["id"], panel.owner, "start")


async def phase(client, session_id: str, by: Actor, name: str, minutes: int = 5) -> Any:
    return await client.post(
        f"{API}/sessions/{session_id}/phase",
        headers=by.headers,
        json={"phase": name, "minutes": minutes},
    )


async def listed(client, session_id: str, by: Actor) -> dict[str, Any]:
    return ok(await client.get(f"{API}/sessions/{session_id}/contributions", headers=by.headers))


async def seen_events(app, session_id: str, by: Actor) -> list[events.LiveEvent]:
    """What ``by``'s stream writes for the stored events: the replay path of the stream,
    through the same per-reader view (tests/routers/test_live.py covers the transport)."""
    sid = uuid.UUID(session_id)
    async with app.state.sessionmaker() as session:
        from api.models import MastermindSession

        row = await session.get(MastermindSession, sid)
        assert row is not None
        view = await contribution_service.stream_view(session, row, uuid.UUID(by.id))
    stored = await events.events_since(app.state.sessionmaker, sid, 0)
    return [shown for live in stored if (shown := view(live)) is not None]


def leaks(items: Any, author: Actor) -> bool:
    """Does anything in ``items`` (any JSON) name ``author`` by id or full name?"""
    text = repr(items)
    return author.id in text or author.user["full_name"] in text


# --- formats and phases ---------------------------------------------------------------------


async def test_defaults_per_format(client, panel):
    open_one = await new_session(client, panel.project_id, panel.owner)
    assert (open_one["format"], open_one["anonymity"], open_one["vote_budget"]) == (
        "open",
        "none",
        None,
    )
    assert open_one["phase"] is None
    mm = await new_session(client, panel.project_id, panel.owner, format="mastermind")
    assert (mm["format"], mm["anonymity"], mm["vote_budget"]) == ("mastermind", "until_complete", 3)
    named = await new_session(
        client,
        panel.project_id,
        panel.owner,
        format="mastermind",
        anonymity="none",
        vote_budget=None,
    )
    assert (named["anonymity"], named["vote_budget"]) == ("none", None)
    # Settled while scheduled; a change of format brings its defaults.
    changed = ok(
        await client.patch(
            f"{API}/sessions/{open_one['id']}",
            headers=panel.owner.headers,
            json={"format": "mastermind"},
        )
    )
    assert (changed["anonymity"], changed["vote_budget"]) == ("until_complete", 3)
    started = await transition(client, changed["id"], panel.owner, "start")
    assert started["phase"] == "brief" and started["phase_started_at"] is not None
    problem(
        await client.patch(
            f"{API}/sessions/{started['id']}", headers=panel.owner.headers, json={"vote_budget": 9}
        ),
        409,
    )


async def test_phases_move_forward_only_by_those_who_steer(client, panel):
    live = await mastermind(client, panel)
    sid = live["id"]
    problem(await phase(client, sid, panel.helper, "write"), 403)
    problem(await phase(client, sid, panel.stranger, "write"), 404)
    moved = ok(await phase(client, sid, panel.owner, "write", 8))
    assert moved["phase"] == "write"
    assert moved["phase_ends_at"] > moved["phase_started_at"]
    problem(await phase(client, sid, panel.owner, "write"), 409)  # not again
    problem(await phase(client, sid, panel.owner, "brief"), 409)  # never back
    ok(await phase(client, sid, panel.manager, "vote"))  # skipping forward is allowed
    problem(await phase(client, sid, panel.admin, "reveal"), 409)
    # The open board has no phases.
    board = await new_session(client, panel.project_id, panel.owner)
    await transition(client, board["id"], panel.owner, "start")
    problem(await phase(client, board["id"], panel.owner, "write"), 409)
    types = [e.type for e in await seen_events(client_app(client), sid, panel.helper)]
    assert types.count("phase.changed") == 2


def client_app(client) -> Any:
    from tests import cast

    return cast.app_of(client)


async def test_the_open_board_is_as_before(client, panel):
    board = await new_session(client, panel.project_id, panel.owner)
    await transition(client, board["id"], panel.owner, "start")
    card = await contribute(client, board["id"], panel.helper)
    voted = ok(
        await client.post(f"{API}/contributions/{card['id']}/vote", headers=panel.owner.headers)
    )
    assert voted["votes"] == 1 and voted["mine"] is None
    page = await listed(client, board["id"], panel.helper2)
    assert page["hidden_count"] == 0
    assert page["items"][0]["author_id"] == panel.helper.id


# --- the whole protocol, seen from the other side -------------------------------------------


async def test_the_whole_protocol_hides_cards_authors_and_votes_from_the_others(client, app, panel):
    people = (panel.owner, panel.helper, panel.helper2)
    live = await mastermind(client, panel)
    sid = live["id"]
    problem(
        await client.post(
            f"{API}/sessions/{sid}/contributions",
            headers=panel.helper.headers,
            json={"kind": "idea", "body": "too early"},
        ),
        409,
    )  # the brief is for listening
    ok(await phase(client, sid, panel.owner, "write", 8))
    cards = {
        p.id: [await contribute(client, sid, p, f"idea {k}-{n}") for n in range(k)]
        for p, k in zip(people, (1, 2, 3), strict=True)
    }
    # write: each sees only their own; the others are a count, in the list, a single read,
    # the stream and the outcome.
    for p in people:
        page = await listed(client, sid, p)
        assert {c["id"] for c in page["items"]} == {c["id"] for c in cards[p.id]}
        assert page["hidden_count"] == 6 - len(cards[p.id])
        assert all(c["mine"] is True and c["author_id"] == p.id for c in page["items"])
        stream = await seen_events(app, sid, p)
        for other in people:
            if other is p:
                continue
            assert not leaks([e.payload for e in stream], other)
            for c in cards[other.id]:
                problem(await client.get(f"{API}/contributions/{c['id']}", headers=p.headers), 404)
                assert c["body"] not in repr([e.payload for e in stream])
        assert any(e.type == "contribution.hidden" for e in stream)
        outcome = ok(await client.get(f"{API}/sessions/{sid}/outcome", headers=p.headers))
        assert outcome["participation"] == []
    # reveal: all at once, in one event, still without authors for the others.
    ok(await phase(client, sid, panel.owner, "reveal"))
    for p in people:
        page = await listed(client, sid, p)
        assert len(page["items"]) == 6 and page["hidden_count"] == 0
        for c in page["items"]:
            if c["mine"]:
                assert c["author_id"] == p.id
            else:
                assert c["author_id"] is None and c["author_name"] == ""
        others = [o for o in people if o is not p]
        assert not any(leaks(page["items"], o) for o in others)
        stream = await seen_events(app, sid, p)
        revealed = [
            e for e in stream if e.type == "phase.changed" and e.payload["phase"] == "reveal"
        ]
        assert len(revealed) == 1 and len(revealed[0].payload["contributions"]) == 6
        assert not any(leaks([e.payload for e in stream], o) for o in others)
        single = ok(
            await client.get(
                f"{API}/contributions/{cards[others[0].id][0]['id']}", headers=p.headers
            )
        )
        assert single["author_id"] is None and single["mine"] is False
    # vote: secret, within the budget of 3.
    problem(
        await client.post(
            f"{API}/contributions/{cards[panel.helper.id][0]['id']}/vote",
            headers=panel.owner.headers,
        ),
        409,
    )  # not in reveal
    ok(await phase(client, sid, panel.owner, "vote"))
    junior_cards = cards[panel.helper2.id]
    for c in junior_cards:
        mine = ok(
            await client.post(f"{API}/contributions/{c['id']}/vote", headers=panel.owner.headers)
        )
        assert mine["voted_by_me"] is True and mine["votes"] is None
    problem(
        await client.post(
            f"{API}/contributions/{cards[panel.helper.id][0]['id']}/vote",
            headers=panel.owner.headers,
        ),
        409,
    )  # a fourth dot
    ok(
        await client.post(
            f"{API}/contributions/{junior_cards[0]['id']}/vote", headers=panel.helper.headers
        )
    )
    for p in people:
        page = await listed(client, sid, p)
        assert all(c["votes"] is None for c in page["items"])
        stream = await seen_events(app, sid, p)
        votes = [e for e in stream if e.type == "vote.changed"]
        assert all(e.payload["votes"] is None and "voter_id" not in e.payload for e in votes)
        expected = {panel.owner.id: 3, panel.helper.id: 1, panel.helper2.id: 0}[p.id]
        assert len(votes) == expected  # only one's own votes reach one's stream
    by_helper = {
        c["id"]: c["voted_by_me"] for c in (await listed(client, sid, panel.helper))["items"]
    }
    assert by_helper[junior_cards[0]["id"]] is True and by_helper[junior_cards[1]["id"]] is False
    # discuss: the counts appear at once.
    ok(await phase(client, sid, panel.owner, "discuss"))
    counts = {c["id"]: c["votes"] for c in (await listed(client, sid, panel.helper2))["items"]}
    assert counts[junior_cards[0]["id"]] == 2 and counts[junior_cards[2]["id"]] == 1
    ended = [e for e in await seen_events(app, sid, panel.helper2) if e.type == "phase.changed"]
    assert {c["id"]: c["votes"] for c in ended[-1].payload["contributions"]} == counts
    # decide: adopt, then complete; authors are credited.
    ok(await phase(client, sid, panel.owner, "decide"))
    for c in junior_cards[:2] + cards[panel.owner.id]:
        ok(
            await client.patch(
                f"{API}/contributions/{c['id']}",
                headers=panel.owner.headers,
                json={"status": "adopted"},
            )
        )
    before = ok(await client.get(f"{API}/sessions/{sid}/outcome", headers=panel.helper.headers))
    assert all(a["author_id"] is None for a in before["adopted_contributions"])
    await transition(client, sid, panel.owner, "complete", summary="Heard everyone")
    after = ok(await client.get(f"{API}/sessions/{sid}/outcome", headers=panel.helper.headers))
    assert {a["author_id"] for a in after["adopted_contributions"]} == {
        panel.helper2.id,
        panel.owner.id,
    }
    participation = {
        p["user_id"]: (p["contributions"], p["adopted"]) for p in after["participation"]
    }
    assert participation == {
        panel.owner.id: (1, 1),
        panel.helper.id: (2, 0),
        panel.helper2.id: (3, 2),
    }
    assert after["evenness"] == pytest.approx(1 - 4 / 18, abs=1e-3)
    page = await listed(client, sid, panel.helper)
    assert {c["author_id"] for c in page["items"]} == {p.id for p in people}


async def test_twenty_concurrent_votes_spend_exactly_the_budget(client, app, panel):
    live = await mastermind(client, panel)
    sid = live["id"]
    ok(await phase(client, sid, panel.owner, "write"))
    cards = [
        await contribute(client, sid, p, f"card {n}")
        for n in range(5)
        for p in (panel.helper, panel.helper2)
    ]
    ok(await phase(client, sid, panel.owner, "vote"))
    responses = await asyncio.gather(
        *(
            client.post(
                f"{API}/contributions/{cards[n % len(cards)]['id']}/vote",
                headers=panel.owner.headers,
            )
            for n in range(20)
        )
    )
    codes = sorted(r.status_code for r in responses)
    assert set(codes) <= {200, 409}
    ok(await phase(client, sid, panel.owner, "discuss"))
    total = sum(c["votes"] for c in (await listed(client, sid, panel.owner))["items"])
    assert total == 3


# --- merging duplicates -----------------------------------------------------------------------


async def test_merging_moves_votes_and_nobody_counts_twice(client, app, panel):
    live = await mastermind(client, panel, vote_budget=None)
    sid = live["id"]
    ok(await phase(client, sid, panel.owner, "write"))
    dup = await contribute(client, sid, panel.helper, "Pilot one depot")
    survivor = await contribute(client, sid, panel.helper2, "A one-depot pilot")
    ok(await phase(client, sid, panel.owner, "vote"))
    for voter, card in ((panel.owner, dup), (panel.owner, survivor), (panel.helper2, dup)):
        ok(await client.post(f"{API}/contributions/{card['id']}/vote", headers=voter.headers))
    url = f"{API}/contributions/{dup['id']}/merge"
    problem(
        await client.post(url, headers=panel.helper.headers, json={"into": survivor["id"]}), 403
    )
    problem(
        await client.post(url, headers=panel.stranger.headers, json={"into": survivor["id"]}), 404
    )
    problem(await client.post(url, headers=panel.owner.headers, json={"into": dup["id"]}), 409)
    merged = ok(await client.post(url, headers=panel.owner.headers, json={"into": survivor["id"]}))
    assert merged["id"] == survivor["id"] and merged["votes"] is None  # still the secret vote
    problem(await client.get(f"{API}/contributions/{dup['id']}", headers=panel.owner.headers), 404)
    ok(await phase(client, sid, panel.owner, "discuss"))
    page = await listed(client, sid, panel.helper)
    # The owner voted for both: one vote; helper2 wrote the survivor: their vote is dropped.
    assert [(c["id"], c["votes"]) for c in page["items"]] == [(survivor["id"], 1)]
    stream = await seen_events(app, sid, panel.helper2)
    merges = [e for e in stream if e.type == "contribution.merged"]
    assert len(merges) == 1 and merges[0].payload["author_id"] is None


async def test_the_learning_view_shares_adopted_ideas_by_author_seniority(client, panel):
    live = await mastermind(client, panel)
    sid = live["id"]
    ok(await phase(client, sid, panel.owner, "write"))
    junior = [await contribute(client, sid, panel.helper2, f"junior {n}") for n in range(2)]
    senior = await contribute(client, sid, panel.owner, "senior")
    ok(await phase(client, sid, panel.owner, "decide"))
    for card in (junior[0], senior):
        ok(
            await client.patch(
                f"{API}/contributions/{card['id']}",
                headers=panel.owner.headers,
                json={"status": "adopted"},
            )
        )
    await transition(client, sid, panel.owner, "complete")
    team = ok(await client.get(f"{API}/dashboard", headers=panel.manager.headers))["team"]
    shares = {
        r["seniority"]: (r["contributions"], r["adopted"], r["share_adopted"])
        for r in team["learning_mix"]["adopted_by_seniority"]
    }
    assert shares == {"junior": (2, 1, 0.5), "senior": (1, 1, 1.0)}


async def test_search_keeps_back_what_the_room_hides(client, panel):
    """Search answers by the room's rule (``contribution_visibility``): another's card is not
    found during the write phase, only its author finds it; after the reveal everyone with
    the project does."""
    sid = (await mastermind(client, panel))["id"]
    ok(await phase(client, sid, panel.owner, "write", 8))
    await contribute(client, sid, panel.helper2, "Zanzibar pricing ladder")

    async def finds(by: Actor) -> bool:
        page = ok(
            await client.get(
                f"{API}/search", params={"q": "Zanzibar", "types": "ideas"}, headers=by.headers
            )
        )
        return any(hit["type"] == "ideas" for hit in page["items"])

    assert await finds(panel.helper2)
    assert not await finds(panel.owner) and not await finds(panel.helper)
    ok(await phase(client, sid, panel.owner, "reveal"))
    assert await finds(panel.owner) and await finds(panel.helper)


async def test_related_learnings_name_no_author_of_an_anonymous_session_until_it_completes(
    client, panel
):
    """Related learnings name the people who had an idea, so an adopted card of a live
    anonymous session stays out of them for the other participants until completion; then
    it is there, with its author."""
    sid = (await mastermind(client, panel))["id"]
    ok(await phase(client, sid, panel.owner, "write", 8))
    card = await contribute(client, sid, panel.helper, "Northwind loves a reference visit")
    ok(await phase(client, sid, panel.owner, "decide"))
    ok(
        await client.patch(
            f"{API}/contributions/{card['id']}",
            headers=panel.owner.headers,
            json={"status": "adopted"},
        )
    )
    # Another project of the owner with a word in common: the first one is a candidate.
    other = await new_project(client, panel.owner, title="Northwind renewal")
    url = f"{API}/projects/{other['id']}/related-learnings"

    def ideas(page: dict[str, Any]) -> list[dict[str, Any]]:
        return [i for i in page["items"] if i["id"] == card["id"]]

    assert ideas(ok(await client.get(url, headers=panel.owner.headers))) == []
    await transition(client, sid, panel.owner, "complete", summary="Visit first")
    (found,) = ideas(ok(await client.get(url, headers=panel.owner.headers)))
    assert [p["id"] for p in found["people"]] == [panel.helper.id]


async def test_the_ledger_counts_an_anonymous_sessions_cards_only_once_it_completes(
    client, app, panel
):
    """The ledger's counters moving as cards appear would name their authors to the room:
    an anonymous mastermind's contributions and adopted ideas count at completion (and the
    rebuild from facts agrees at every step)."""
    from api.services import rollup

    async def counts(who: Actor) -> tuple[int, int]:
        page = ok(await client.get(f"{API}/ledger", headers=panel.manager.headers))
        (row,) = [r for r in page["items"] if r["user_id"] == who.id]
        return row["contributions_count"], row["ideas_adopted"]

    async def consistent() -> None:
        async with app.state.sessionmaker() as session:
            organization_id = uuid.UUID(panel.admin.organization_id)
            assert await rollup.verify_organization(session, organization_id) == []

    sid = (await mastermind(client, panel))["id"]
    ok(await phase(client, sid, panel.owner, "write", 8))
    first = await contribute(client, sid, panel.helper, "Lead with the audit findings")
    await contribute(client, sid, panel.helper, "Invite their plant manager")
    ok(await phase(client, sid, panel.owner, "decide"))
    ok(
        await client.patch(
            f"{API}/contributions/{first['id']}",
            headers=panel.owner.headers,
            json={"status": "adopted"},
        )
    )
    assert await counts(panel.helper) == (0, 0)
    await consistent()
    await transition(client, sid, panel.owner, "complete", summary="Audit first")
    assert await counts(panel.helper) == (2, 1)
    await consistent()


async def test_a_cancelled_anonymous_session_never_counts_its_cards(client, app, panel):
    sid = (await mastermind(client, panel))["id"]
    ok(await phase(client, sid, panel.owner, "write", 8))
    await contribute(client, sid, panel.helper2, "Ask for the shortlist")
    await transition(client, sid, panel.owner, "cancel")
    page = ok(await client.get(f"{API}/ledger", headers=panel.manager.headers))
    row = [r for r in page["items"] if r["user_id"] == panel.helper2.id]
    assert not row or row[0]["contributions_count"] == 0
