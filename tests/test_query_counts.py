"""No N+1: the list endpoints of clients, projects and members issue the same number of SQL
statements for a page of 2 rows as for a page of 30; the contribution write issues a fixed few."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import event, func, select

from api.models import (
    ActivityRollup,
    AuditEvent,
    Contribution,
    Grain,
    MastermindSession,
    SessionEvent,
    User,
)
from tests.factories import API, Actor, add_user, register
from tests.session_kit import contribute, make_panel, new_session, transition


@contextmanager
def counted_statements(app) -> Iterator[list[str]]:
    """Every statement the app's engine sends to the database while the block runs."""
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def is_caller_lookup(statement: str) -> bool:
    """The caller's own row, read once per request unless the user cache has it (reads on
    PostgreSQL once its listener runs): a constant, so it is left out of the comparison."""
    unquoted = statement.replace('"user"', "user")  # PostgreSQL quotes the name, SQLite not
    return "WHERE user.id = " in unquoted and "user.is_active IS" in unquoted


async def statements_for(
    client: httpx.AsyncClient, app, actor: Actor, url: str, rows: int, *, last_page: bool = True
) -> list[str]:
    """The statements one GET of ``url`` costs; the page must hold ``rows`` items."""
    with counted_statements(app) as statements:
        response = await client.get(url, headers=actor.headers)
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == rows
    assert (response.json()["next_cursor"] is None) is last_page
    return [statement for statement in statements if not is_caller_lookup(statement)]


async def create_clients(client, admin: Actor, owners: list[Actor], count: int) -> None:
    for i in range(count):
        owner = owners[i % len(owners)]
        response = await client.post(
            f"{API}/clients",
            headers=admin.headers,
            json={"name": f"Client {uuid.uuid4().hex[:8]}", "owner_id": owner.id},
        )
        assert response.status_code == 201, response.text
        # Every other client gets an open project, so open_projects is not always zero.
        if i % 2 == 0:
            project = await client.post(
                f"{API}/projects",
                headers=owner.headers,
                json={"title": "Deal", "kind": "account", "client_id": response.json()["id"]},
            )
            assert project.status_code == 201, project.text


async def test_list_clients_costs_the_same_for_2_and_30_rows(client, app):
    admin = await register(client)
    reps = [await add_user(client, admin), await add_user(client, admin)]
    await create_clients(client, admin, reps, 2)
    small = await statements_for(client, app, reps[0], f"{API}/clients", 2)
    await create_clients(client, admin, reps, 28)
    large = await statements_for(client, app, reps[0], f"{API}/clients", 30)
    assert len(small) == len(large), (small, large)
    assert len(large) <= 6, large


async def create_projects(client, actors: list[Actor], count: int) -> None:
    for i in range(count):
        response = await client.post(
            f"{API}/projects",
            headers=actors[i % len(actors)].headers,
            json={"title": f"Project {i}", "kind": "prospecting"},
        )
        assert response.status_code == 201, response.text


async def test_list_projects_costs_the_same_for_2_and_30_rows(client, app):
    admin = await register(client)
    rep = await add_user(client, admin)
    await create_projects(client, [rep, admin], 4)  # the rep sees the 2 of their own
    small_rep = await statements_for(client, app, rep, f"{API}/projects", 2)
    small_admin = await statements_for(
        client, app, admin, f"{API}/projects?limit=2", 2, last_page=False
    )
    await create_projects(client, [rep, admin], 56)
    large_rep = await statements_for(client, app, rep, f"{API}/projects", 30)
    large_admin = await statements_for(
        client, app, admin, f"{API}/projects?limit=30", 30, last_page=False
    )
    assert len(small_rep) == len(large_rep), (small_rep, large_rep)
    assert len(small_admin) == len(large_admin), (small_admin, large_admin)
    assert len(large_rep) <= 5, large_rep


async def insert_users(app, organization_id: str, count: int) -> list[str]:
    """Users written straight to the database: they only sit on a panel, nobody signs in."""
    users = [
        User(
            organization_id=uuid.UUID(organization_id),
            email=f"panel-{uuid.uuid4().hex}@example.com",
            full_name=f"Panel Member {i}",
            password_hash="not-a-password-hash",
        )
        for i in range(count)
    ]
    async with app.state.sessionmaker() as session:
        session.add_all(users)
        await session.commit()
    return [str(user.id) for user in users]


async def test_list_members_costs_the_same_for_2_and_30_rows(client, app):
    admin = await register(client)
    owner = await add_user(client, admin)
    response = await client.post(
        f"{API}/projects", headers=owner.headers, json={"title": "Panel", "kind": "campaign"}
    )
    assert response.status_code == 201, response.text
    url = f"{API}/projects/{response.json()['id']}/members"
    user_ids = await insert_users(app, admin.organization_id, 29)

    async def seat(user_id: str) -> None:
        invited = await client.post(url, headers=owner.headers, json={"user_id": user_id})
        assert invited.status_code == 201, invited.text

    await seat(user_ids[0])
    small = await statements_for(client, app, owner, url, 2)
    for user_id in user_ids[1:]:
        await seat(user_id)
    large = await statements_for(client, app, owner, url, 30)
    assert len(small) == len(large), (small, large)
    assert len(large) <= 6, large
    names = {m["full_name"] for m in (await client.get(url, headers=owner.headers)).json()["items"]}
    assert {f"Panel Member {i}" for i in range(29)} <= names


async def test_posting_a_contribution_costs_a_fixed_few_statements(client, app):
    """The hot write of a live room: the session locked, its project read with the caller's
    seat, then the card, the ledger's rollup, the audit row, the event's number, the event
    and its NOTIFY in one more on PostgreSQL (on SQLite, where round trips cost nothing,
    one each). Nothing is read back for the answer. Checked from the other side too: the rows
    are all there and the event reached the room's store in order."""
    panel = await make_panel(client, app)
    mm = await new_session(client, panel.project_id, panel.owner)
    await transition(client, mm["id"], panel.owner, "start")
    await contribute(client, mm["id"], panel.helper, "Warm-up")  # caches: the org's zone
    with counted_statements(app) as statements:
        created = await contribute(client, mm["id"], panel.helper, "Counted")
    statements = [s for s in statements if not is_caller_lookup(s) and not s.startswith("BEGIN")]
    postgres = app.state.engine.dialect.name == "postgresql"
    # PostgreSQL: the lock, the project with the caller's seat, the combined write. SQLite:
    # the lock, the project, the card, the rollup's day and month rows, the audit row, the
    # number and the event.
    assert len(statements) == (3 if postgres else 8), statements
    assert "FOR UPDATE" in statements[0] or not postgres, statements[0]
    assert created["author_name"] == "Hank Helper" and created["votes"] == 0
    assert created["voted_by_me"] is False

    async with app.state.sessionmaker() as db:
        stored = await db.scalar(
            select(Contribution).where(Contribution.id == uuid.UUID(created["id"]))
        )
        assert stored is not None and stored.search_text == "counted"
        audited = await db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.entity_id == stored.id, AuditEvent.action == "contribution.created")
        )
        assert audited == 1
        seqs = list(
            await db.scalars(
                select(SessionEvent.seq)
                .where(SessionEvent.session_id == stored.session_id)
                .order_by(SessionEvent.seq)
            )
        )
        assert seqs == list(range(1, len(seqs) + 1))  # gap-free
        last = await db.scalar(
            select(SessionEvent).where(
                SessionEvent.session_id == stored.session_id, SessionEvent.seq == seqs[-1]
            )
        )
        assert last is not None and last.type == "contribution.created"
        assert last.payload["id"] == created["id"] and last.payload["body"] == "Counted"
        number = await db.scalar(
            select(MastermindSession.event_seq).where(MastermindSession.id == stored.session_id)
        )
        assert number == seqs[-1]
        counted = await db.scalar(
            select(func.sum(ActivityRollup.contributions_count)).where(
                ActivityRollup.user_id == uuid.UUID(panel.helper.id),
                ActivityRollup.grain == Grain.day,
            )
        )
        assert counted == 2


async def test_an_idempotency_key_adds_two_statements_to_a_post(client, app):
    """The SPA sends a key with every card: claiming it is one upsert, storing the answer one
    update; a replay reads the record and writes nothing else."""
    panel = await make_panel(client, app)
    mm = await new_session(client, panel.project_id, panel.owner)
    await transition(client, mm["id"], panel.owner, "start")
    await contribute(client, mm["id"], panel.helper, "Warm-up")
    url = f"{API}/sessions/{mm['id']}/contributions"

    async def counted_post(key: str | None, body: str) -> tuple[httpx.Response, list[str]]:
        headers = {**panel.helper.headers, **({"Idempotency-Key": key} if key else {})}
        with counted_statements(app) as statements:
            response = await client.post(url, headers=headers, json={"kind": "idea", "body": body})
        kept = [s for s in statements if not is_caller_lookup(s) and not s.startswith("BEGIN")]
        return response, kept

    plain, plain_statements = await counted_post(None, "Unkeyed")
    keyed, keyed_statements = await counted_post("card-1", "Keyed")
    replayed, replay_statements = await counted_post("card-1", "Keyed")
    assert (plain.status_code, keyed.status_code, replayed.status_code) == (201, 201, 201)
    assert len(keyed_statements) == len(plain_statements) + 2, keyed_statements
    assert "ON CONFLICT" in keyed_statements[0] and keyed_statements[-1].startswith("UPDATE")
    assert replayed.json() == keyed.json() and replayed.headers["idempotent-replayed"] == "true"
    assert len(replay_statements) == 2, replay_statements  # the claim that finds it, the read
