"""The ledger's rollups equal a recomputation from the facts, whatever happened.

A seeded random sequence of writes goes through the API (time logged on past days, sessions
with ideas adopted and un-adopted, completed with random attendance or cancelled, hand-overs,
removed members); then the stored rollups must equal ``expected_rollups`` (the rebuild's
recomputation), and the ledger endpoint must equal a naive per-fact computation written
here, for random periods cutting through months. The migration's backfill and the
``mastermind rebuild-ledger`` command are checked against the same recomputation.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from api import cli
from api.models import (
    Contribution,
    HelpRollup,
    MastermindSession,
    Organization,
    SessionParticipant,
    TimeEntry,
)
from api.services import rollup
from tests.cast import Cast, add_member, new_project, organization, rep
from tests.conftest import alembic_config
from tests.factories import API
from tests.session_kit import held_for, new_session, transition
from tests.test_cli import cli_env  # noqa: F401  (the fixture)

ZONE = "America/Los_Angeles"
SEEDS = (1, 2)


def ok(response, status: int = 200):  # type: ignore[no-untyped-def]
    assert response.status_code == status, f"{response.request.url}: {response.text}"
    return None if status == 204 else response.json()


async def build_world(client, app) -> Cast:  # type: ignore[no-untyped-def]
    """Six people of all seniorities; three of them own a project the others help on. The
    history's bookkeeping rides on the cast: ``projects``, ``owner`` (project id -> its
    owner's id), ``active`` (project id -> ids of active members, owner included) and the
    ``completed_contributions``."""
    levels = ["junior", "senior", "mid", "junior", "senior", "mid"]
    world = await organization(
        client,
        "Rollup Org",
        **{f"person{n}": rep(seniority=level) for n, level in enumerate(levels)},
    )
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(
            update(Organization)
            .where(Organization.id == uuid.UUID(world.organization_id))
            .values(time_zone=ZONE)
        )
    people = world.people[1:]
    world.app = app
    world.projects = []
    world.owner = {}
    world.active = {}
    world.completed_contributions = []
    for index in range(3):
        owner = people[index]
        project = await new_project(
            client, owner, title=f"Deal {index}", helper_budget_minutes=None
        )
        world.projects.append(project)
        world.owner[project["id"]] = owner.id
        world.active[project["id"]] = {owner.id}
        for helper in people:
            if helper.id == owner.id:
                continue
            await add_member(client, project["id"], owner, helper, role=None, budget_minutes=300)
            world.active[project["id"]].add(helper.id)
    return world


async def log_time(client, world: Cast, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    project = rng.choice(world.projects)["id"]
    person = world.by_id(rng.choice(sorted(world.active[project])))
    today = datetime.now(ZoneInfo(ZONE)).date()
    ok(
        await client.post(
            f"{API}/projects/{project}/time-entries",
            headers=person.headers,
            json={
                "minutes": rng.randint(5, 120),
                "spent_on": (today - timedelta(days=rng.randint(0, 120))).isoformat(),
            },
        ),
        201,
    )


async def hold_session(client, world: Cast, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    project = rng.choice(world.projects)["id"]
    owner = world.by_id(world.owner[project])
    members = sorted(world.active[project])
    mm_session = await new_session(
        client, project, owner, title="Panel", timebox_minutes=45, participant_ids=members
    )
    await transition(client, mm_session["id"], owner, "start")
    ideas = []
    for _ in range(rng.randint(0, 4)):
        author = world.by_id(rng.choice(members))
        ideas.append(
            ok(
                await client.post(
                    f"{API}/sessions/{mm_session['id']}/contributions",
                    headers=author.headers,
                    json={"kind": rng.choice(["idea", "risk"]), "body": "Try this"},
                ),
                201,
            )["id"]
        )
    for idea in ideas:
        for status in rng.sample(["adopted", "parked", "open", "adopted"], rng.randint(0, 3)):
            ok(
                await client.patch(
                    f"{API}/contributions/{idea}", headers=owner.headers, json={"status": status}
                )
            )
    if rng.random() < 0.25:
        ok(await client.post(f"{API}/sessions/{mm_session['id']}/cancel", headers=owner.headers))
        return
    await held_for(world.app, mm_session["id"], 60)
    attendance = [
        {"user_id": member, "minutes": rng.choice([0, 15, 30, 45, 60])}
        for member in rng.sample(members, rng.randint(1, len(members)))
    ]
    ok(
        await client.post(
            f"{API}/sessions/{mm_session['id']}/complete",
            headers=owner.headers,
            json={"summary": "Done", "attendance": attendance},
        )
    )
    world.completed_contributions += ideas


async def correct_idea(client, world: Cast, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """An admin adopts (or un-adopts) an idea of a completed session afterwards."""
    if world.completed_contributions:
        idea = rng.choice(world.completed_contributions)
        ok(
            await client.patch(
                f"{API}/contributions/{idea}",
                headers=world.admin.headers,
                json={"status": rng.choice(["adopted", "open"])},
            )
        )


async def hand_over(client, world: Cast, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    project = rng.choice(world.projects)["id"]
    candidates = sorted(world.active[project] - {world.owner[project]})
    if not candidates:
        return
    new_owner = rng.choice(candidates)
    ok(
        await client.patch(
            f"{API}/projects/{project}",
            headers=world.admin.headers,
            json={"owner_id": new_owner},
        )
    )
    world.owner[project] = new_owner


async def remove_member(client, world: Cast, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    project = rng.choice(world.projects)["id"]
    candidates = sorted(world.active[project] - {world.owner[project]})
    if len(candidates) <= 2:
        return
    member = rng.choice(candidates)
    ok(
        await client.delete(
            f"{API}/projects/{project}/members/{member}", headers=world.admin.headers
        ),
        204,
    )
    world.active[project].discard(member)


OPERATIONS = (
    (log_time, 6),
    (hold_session, 4),
    (correct_idea, 1),
    (hand_over, 1),
    (remove_member, 1),
)


async def random_history(  # type: ignore[no-untyped-def]
    client, world: Cast, seed: int, steps: int = 30, without=()
) -> None:
    rng = random.Random(seed)
    operations = [op for op, weight in OPERATIONS if op not in without for _ in range(weight)]
    for _ in range(steps):
        await rng.choice(operations)(client, world, rng)


async def naive_ledger(app, organization_id: uuid.UUID, since: date, until: date) -> dict:  # type: ignore[no-untyped-def]
    """Per user figures straight from the facts, one fact at a time."""
    zone = ZoneInfo(ZONE)
    figures: dict[uuid.UUID, dict[str, object]] = defaultdict(
        lambda: {
            "minutes_given": 0,
            "minutes_received": 0,
            "sessions_attended": 0,
            "contributions_count": 0,
            "ideas_adopted": 0,
            "helped": set(),
            "helped_by": set(),
        }
    )

    def inside(day: date) -> bool:
        return since <= day <= until

    def helped(helper: uuid.UUID, owner: uuid.UUID, minutes: int) -> None:
        if helper != owner:
            figures[helper]["minutes_given"] += minutes  # type: ignore[operator]
            figures[owner]["minutes_received"] += minutes  # type: ignore[operator]
            figures[helper]["helped"].add(owner)  # type: ignore[union-attr]
            figures[owner]["helped_by"].add(helper)  # type: ignore[union-attr]

    async with app.state.sessionmaker() as session:
        attendance = await session.execute(
            select(
                SessionParticipant.user_id,
                SessionParticipant.project_owner_id,
                SessionParticipant.attended_minutes,
                MastermindSession.completed_at,
            )
            .join(MastermindSession, MastermindSession.id == SessionParticipant.session_id)
            .where(
                MastermindSession.organization_id == organization_id,
                MastermindSession.status == "completed",
            )
        )
        for user, owner, minutes, completed_at in attendance:
            if minutes and inside(completed_at.astimezone(zone).date()):
                helped(user, owner, minutes)
                figures[user]["sessions_attended"] += 1  # type: ignore[operator]
        entries = await session.execute(
            select(
                TimeEntry.user_id, TimeEntry.project_owner_id, TimeEntry.minutes, TimeEntry.spent_on
            ).where(TimeEntry.organization_id == organization_id)
        )
        for user, owner, minutes, spent_on in entries:
            if inside(spent_on):
                helped(user, owner, minutes)
        contributions = await session.execute(
            select(
                Contribution.author_id,
                Contribution.created_at,
                Contribution.status,
                MastermindSession.status,
            )
            .join(MastermindSession, MastermindSession.id == Contribution.session_id)
            .where(Contribution.organization_id == organization_id)
        )
        for author, created_at, status, session_status in contributions:
            if session_status != "cancelled" and inside(created_at.astimezone(zone).date()):
                figures[author]["contributions_count"] += 1  # type: ignore[operator]
                figures[author]["ideas_adopted"] += int(status == "adopted")  # type: ignore[operator]
    return figures


@pytest.mark.parametrize("seed", SEEDS)
async def test_rollups_equal_a_recomputation_after_random_writes(client, app, seed: int):
    world = await build_world(client, app)
    await random_history(client, world, seed)
    organization_id = uuid.UUID(world.admin.organization_id)
    async with app.state.sessionmaker() as session:
        assert await rollup.verify_organization(session, organization_id) == []
        facts = await session.scalar(select(func.count()).select_from(HelpRollup))
    assert facts, "the random history should have produced help"

    rng = random.Random(seed)
    today = datetime.now(ZoneInfo(ZONE)).date()
    periods = [(today - timedelta(days=120), today), (today, today)]
    for _ in range(6):  # random periods, most cutting through months at both ends
        start = today - timedelta(days=rng.randint(0, 130))
        periods.append((start, start + timedelta(days=rng.randint(0, 70))))
    for since, until in periods:
        expected = await naive_ledger(app, organization_id, since, until)
        body = ok(
            await client.get(
                f"{API}/ledger",
                headers=world.admin.headers,
                params={"since": since.isoformat(), "until": until.isoformat()},
            )
        )
        assert body["items"], "every active person has a row"
        for row in body["items"]:
            want = expected.get(uuid.UUID(row["user_id"]))
            got = {
                k: row[k]
                for k in (
                    "minutes_given",
                    "minutes_received",
                    "sessions_attended",
                    "contributions_count",
                    "ideas_adopted",
                )
            }
            if want is None:
                assert not any(got.values()), (since, until, row)
                continue
            assert got == {k: want[k] for k in got}, (since, until, row["full_name"])
            assert row["helped_people"] == len(want["helped"]), (since, until)
            assert row["helped_by_people"] == len(want["helped_by"]), (since, until)
            assert row["balance_minutes"] == got["minutes_given"] - got["minutes_received"]


async def test_progress_burn_is_kept_in_step(client, app):
    world = await build_world(client, app)
    await random_history(client, world, seed=3, steps=15)
    async with app.state.sessionmaker() as session:
        stored = await rollup.stored_rollups(session, uuid.UUID(world.admin.organization_id))
    for project in world.projects:
        progress = ok(
            await client.get(
                f"{API}/projects/{project['id']}/progress", headers=world.admin.headers
            )
        )
        for member in progress["members"]:
            key = (uuid.UUID(project["id"]), uuid.UUID(member["user_id"]))
            assert member["minutes_used"] == stored.member_minutes.get(key, 0)


@pytest.mark.usefixtures("cli_env")
async def test_drift_is_found_and_the_rebuild_repairs_it(client, app):
    world = await build_world(client, app)
    await random_history(client, world, seed=4, steps=12)
    organization_id = uuid.UUID(world.admin.organization_id)
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(update(HelpRollup).values(minutes=HelpRollup.minutes + 7))
        await session.execute(
            update(MastermindSession).values(mixed_seniority=None)
        )  # as a bulk load would leave them
    async with app.state.sessionmaker() as session:
        assert await rollup.verify_organization(session, organization_id)

    runner = CliRunner()
    checked = await asyncio.to_thread(runner.invoke, cli.app, ["rebuild-ledger", "--check"])
    assert checked.exit_code == 1, checked.output
    assert "differ from the facts" in checked.output
    rebuilt = await asyncio.to_thread(runner.invoke, cli.app, ["rebuild-ledger"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "match the facts" in rebuilt.output
    again = await asyncio.to_thread(runner.invoke, cli.app, ["rebuild-ledger", "--check"])
    assert again.exit_code == 0, again.output
    async with app.state.sessionmaker() as session:
        assert await rollup.verify_organization(session, organization_id) == []
        assert None not in set(
            (
                await session.scalars(
                    select(MastermindSession.mixed_seniority).where(
                        MastermindSession.status == "completed"
                    )
                )
            ).all()
        )


async def test_the_migration_backfills_rollups_from_existing_facts(client, app, database_url):
    world = await build_world(client, app)
    # Old facts get the current owner (the best the backfill knows): no hand-over here.
    await random_history(client, world, seed=5, steps=15, without=(hand_over,))
    organization_id = uuid.UUID(world.admin.organization_id)
    async with app.state.sessionmaker() as session:
        before = await rollup.stored_rollups(session, organization_id)
    await app.state.engine.dispose()  # no pooled connection holds a lock during the DDL
    config = alembic_config(database_url)
    before_rollups = ScriptDirectory.from_config(config).get_revision("0005").down_revision
    await asyncio.to_thread(command.downgrade, config, before_rollups)
    await asyncio.to_thread(command.upgrade, config, "head")
    async with app.state.sessionmaker() as session:
        after = await rollup.stored_rollups(session, organization_id)
        assert await rollup.verify_organization(session, organization_id) == []
    assert after.help == before.help
    assert after.activity == before.activity
    assert after.member_minutes == before.member_minutes
