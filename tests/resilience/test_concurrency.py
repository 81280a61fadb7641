"""200 people post a contribution and vote on the same idea of one live session, all at
once: every accepted write is there afterwards and the counts are exact."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import httpx
from sqlalchemy import func, select

from api.models import Contribution, ContributionVote, SessionEvent
from tests.factories import API
from tests.session_kit import (
    contribute,
    make_panel,
    new_session,
    quick_users,
    seat_members,
    transition,
)

PEOPLE = 200


async def test_200_concurrent_contributions_and_votes_on_one_session(client, app):
    panel = await make_panel(client, app)
    people = await quick_users(app, panel.admin.organization_id, PEOPLE, prefix="crowd")
    await seat_members(app, panel.project_id, people)
    session = await new_session(client, panel.project_id, panel.owner)
    await transition(client, session["id"], panel.owner, "start")
    idea = await contribute(client, session["id"], panel.helper, "The idea everyone votes on")

    async def send(method: str, url: str, person, **kwargs) -> httpx.Response:
        """One person's write, retried as a well-behaved client does on 503.

        On PostgreSQL every write to the session takes its row lock (the live event number),
        so 400 writes at once queue for the pool, and those that wait past the pool timeout
        are refused with 503 + Retry-After before their transaction starts. The
        Idempotency-Key makes a retried post safe even if a first attempt had landed."""
        headers = kwargs.pop("headers", person.headers)
        for _attempt in range(40):
            response = await client.request(method, url, headers=headers, **kwargs)
            if response.status_code != 503:
                return response
            assert response.headers["retry-after"].isdigit()
            refused[0] += 1
            await asyncio.sleep(0.25)  # sooner than Retry-After, to keep the test quick
        return response

    refused = [0]
    posts = [
        send(
            "POST",
            f"{API}/sessions/{session['id']}/contributions",
            person,
            json={"kind": "idea", "body": f"Idea number {number}"},
            headers={**person.headers, "Idempotency-Key": f"post-{number}"},
        )
        for number, person in enumerate(people)
    ]
    votes = [send("POST", f"{API}/contributions/{idea['id']}/vote", person) for person in people]
    # Interleaved, so writes of both kinds contend for the same session row and idea row.
    requests = [request for pair in zip(posts, votes, strict=True) for request in pair]
    responses = await asyncio.gather(*requests)

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: PEOPLE, 200: PEOPLE}, [
        response.text for response in responses if response.status_code >= 300
    ][:3]
    print(f"503 answers retried: {refused[0]}")  # shown with -s (README figures)
    vote_counts = sorted(r.json()["votes"] for r in responses if r.status_code == 200)
    assert vote_counts == list(range(1, PEOPLE + 1)), "each vote saw its own count, once"

    session_id, idea_id = uuid.UUID(session["id"]), uuid.UUID(idea["id"])
    async with app.state.sessionmaker() as db:
        bodies = (
            await db.scalars(select(Contribution.body).where(Contribution.session_id == session_id))
        ).all()
        stored_votes = await db.scalar(select(Contribution.votes).where(Contribution.id == idea_id))
        vote_rows = await db.scalar(
            select(func.count())
            .select_from(ContributionVote)
            .where(ContributionVote.contribution_id == idea_id)
        )
        seqs = (
            await db.scalars(
                select(SessionEvent.seq)
                .where(SessionEvent.session_id == session_id)
                .order_by(SessionEvent.seq)
            )
        ).all()
    assert sorted(bodies) == sorted(
        ["The idea everyone votes on"] + [f"Idea number {n}" for n in range(PEOPLE)]
    )
    assert stored_votes == vote_rows == PEOPLE
    # Every write published one live event, numbered without gaps or repeats.
    assert seqs == list(range(1, len(seqs) + 1))
    assert len(seqs) >= 2 * PEOPLE + 1
