"""The signed-in user cache (api/user_cache.py): its rules on their own, then the whole path on
PostgreSQL: the trigger's notices, read-your-writes in the process that commits, and a lost
listening connection."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from api.models import Role, Seniority, User
from api.user_cache import USER_CACHE_KEY, ActiveUserCache
from tests.factories import API, add_user, assert_unauthorized, register
from tests.session_kit import count_statements

# --- the rules, without a database -----------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_user(*, organization_id: uuid.UUID | None = None, is_active: bool = True) -> User:
    return User(
        id=uuid.uuid4(),
        organization_id=organization_id or uuid.uuid4(),
        email=f"{uuid.uuid4().hex[:8]}@example.com",
        full_name="Casey Cached",
        role=Role.rep,
        seniority=Seniority.mid,
        expertise=[],
        is_active=is_active,
        password_hash="not-a-real-hash",
    )


def live_cache(**kwargs) -> ActiveUserCache:
    cache = ActiveUserCache(**kwargs)
    cache.set_live(True)
    return cache


def test_a_cache_that_is_not_live_keeps_nothing():
    cache = ActiveUserCache()
    user = make_user()
    cache.put(user, generation=cache.generation)
    assert cache.get(user.id, user.organization_id) is None
    assert len(cache) == 0


def test_a_live_cache_returns_a_detached_copy_for_the_same_organization_only():
    cache = live_cache()
    user = make_user()
    cache.put(user, generation=cache.generation)
    cached = cache.get(user.id, user.organization_id)
    assert cached is not None and cached is not user
    assert (cached.id, cached.role, cached.full_name) == (user.id, user.role, user.full_name)
    assert cache.get(user.id, uuid.uuid4()) is None  # the token's organization must match


def test_a_row_read_before_a_notice_is_not_stored():
    """The race: a request reads the row, the user changes, the notice arrives, then the
    request tries to store what it read. It must not."""
    cache = live_cache()
    user = make_user()
    generation = cache.generation
    cache.on_notice(str(user.id))
    cache.put(user, generation=generation)
    assert cache.get(user.id, user.organization_id) is None


def test_notices_forget_one_user_or_everyone():
    cache = live_cache()
    first, second = make_user(), make_user()
    for user in (first, second):
        cache.put(user, generation=cache.generation)
    cache.on_notice(str(first.id))
    assert cache.get(first.id, first.organization_id) is None
    assert cache.get(second.id, second.organization_id) is not None

    cache.on_notice("*")
    assert len(cache) == 0
    cache.put(first, generation=cache.generation)
    cache.on_notice("not-a-user-id")  # unreadable: forget everyone rather than guess
    assert len(cache) == 0


def test_losing_the_listener_empties_the_cache_and_stops_it():
    cache = live_cache()
    user = make_user()
    cache.put(user, generation=cache.generation)
    cache.set_live(False)
    assert len(cache) == 0
    assert cache.get(user.id, user.organization_id) is None
    cache.set_live(True)
    assert cache.get(user.id, user.organization_id) is None  # nothing survives a turn


def test_entries_expire_and_inactive_users_are_never_kept():
    clock = FakeClock()
    cache = live_cache(ttl_seconds=30, clock=clock)
    user = make_user()
    cache.put(user, generation=cache.generation)
    clock.now += 29
    assert cache.get(user.id, user.organization_id) is not None
    clock.now += 2
    assert cache.get(user.id, user.organization_id) is None

    inactive = make_user(is_active=False)
    cache.put(inactive, generation=cache.generation)
    assert len(cache) == 0


def test_the_cache_is_bounded_and_drops_its_oldest_entry():
    cache = live_cache(max_entries=3)
    users = [make_user() for _ in range(4)]
    for user in users:
        cache.put(user, generation=cache.generation)
    assert len(cache) == 3
    assert cache.get(users[0].id, users[0].organization_id) is None
    assert all(cache.get(u.id, u.organization_id) is not None for u in users[1:])


# --- the whole path, through the app -----------------------------------------------------------


async def wait_until(condition, *, seconds: float = 5.0) -> bool:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return True
        await asyncio.sleep(0.02)
    return condition()


def user_lookups(statements: list[str]) -> list[str]:
    return [s for s in statements if 'FROM "user"' in s and '"user".is_active IS true' in s]


@pytest.fixture
def postgres(database_url) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("change notices travel by LISTEN/NOTIFY: PostgreSQL only")
    return make_url(database_url).set(drivername="postgresql").render_as_string(False)


async def test_reads_skip_the_user_query_once_the_cache_is_live(postgres, client, app):
    admin = await register(client)
    assert (await client.get(f"{API}/users/me", headers=admin.headers)).status_code == 200
    assert await wait_until(lambda: app.state.user_cache.live)
    assert (await client.get(f"{API}/users/me", headers=admin.headers)).status_code == 200

    with count_statements(app) as statements:
        response = await client.get(f"{API}/users/me", headers=admin.headers)
    assert response.status_code == 200
    assert response.json()["id"] == admin.id
    assert user_lookups(statements) == []

    # A write always reads the caller's row in its own transaction.
    with count_statements(app) as statements:
        response = await client.post(
            f"{API}/teams", headers=admin.headers, json={"name": "Cached team"}
        )
    assert response.status_code == 201, response.text
    assert len(user_lookups(statements)) == 1


async def test_a_change_made_outside_the_app_reaches_the_cache(postgres, client, app):
    """The trigger's notice, not the app's own bookkeeping: a row changed by another process
    (here a plain connection) locks the user out within moments."""
    admin = await register(client)
    rep = await add_user(client, admin)
    assert (await client.get(f"{API}/users/me", headers=rep.headers)).status_code == 200
    assert await wait_until(lambda: app.state.user_cache.live)
    assert (await client.get(f"{API}/users/me", headers=rep.headers)).status_code == 200
    assert app.state.user_cache.get(uuid.UUID(rep.id), uuid.UUID(rep.organization_id))

    connection = await asyncpg.connect(postgres)
    try:
        await connection.execute(
            'UPDATE "user" SET is_active = false WHERE id = $1', uuid.UUID(rep.id)
        )
    finally:
        await connection.close()
    assert await wait_until(
        lambda: not app.state.user_cache.get(uuid.UUID(rep.id), uuid.UUID(rep.organization_id))
    )
    assert_unauthorized(await client.get(f"{API}/users/me", headers=rep.headers))


async def test_the_committing_session_forgets_a_changed_user_at_once(client, app):
    """Read-your-writes without waiting for the notice: a session that commits a change to
    a user row forgets that user in its app's cache; a rolled-back change forgets nothing."""
    admin = await register(client)
    user_id, organization_id = uuid.UUID(admin.id), uuid.UUID(admin.organization_id)
    cache = live_cache()
    with_cache = {USER_CACHE_KEY: cache}

    async with app.state.sessionmaker(info=with_cache) as session:
        user = await session.get(User, user_id)
        cache.put(user, generation=cache.generation)
        user.full_name = "Rolled Back"
        await session.flush()
        await session.rollback()
    assert cache.get(user_id, organization_id) is not None

    async with app.state.sessionmaker(info=with_cache) as session:
        user = await session.get(User, user_id)
        user.full_name = "Ada Renamed"
        await session.flush()
        assert cache.get(user_id, organization_id) is not None  # not committed yet
        await session.commit()
    assert cache.get(user_id, organization_id) is None


async def test_a_demotion_applies_to_the_very_next_read(client, app, database_url):
    """Read-your-writes in the committing process, on both databases: a manager demoted to
    rep stops seeing the projects of others at once."""
    admin = await register(client)
    manager = await add_user(client, admin, role="manager")
    other = await add_user(client, admin)
    created = await client.post(
        f"{API}/projects",
        headers=other.headers,
        json={"kind": "prospecting", "title": "Not the manager's", "objective": "Win"},
    )
    assert created.status_code == 201, created.text
    listing = await client.get(f"{API}/projects", headers=manager.headers)
    assert [p["title"] for p in listing.json()["items"]] == ["Not the manager's"]
    cache = app.state.user_cache
    if database_url.startswith("postgresql"):  # SQLite has no listener: never cached there
        assert await wait_until(lambda: cache.live)
        assert (await client.get(f"{API}/projects", headers=manager.headers)).status_code == 200
        assert cache.get(uuid.UUID(manager.id), uuid.UUID(manager.organization_id))

    demoted = await client.patch(
        f"{API}/users/{manager.id}", headers=admin.headers, json={"role": "rep"}
    )
    assert demoted.status_code == 200, demoted.text
    listing = await client.get(f"{API}/projects", headers=manager.headers)
    assert listing.status_code == 200
    assert listing.json()["items"] == []
    me = await client.get(f"{API}/users/me", headers=manager.headers)
    assert me.json()["role"] == "rep"


async def test_a_lost_listener_turns_the_cache_off_until_it_listens_again(postgres, client, app):
    admin = await register(client)
    assert (await client.get(f"{API}/users/me", headers=admin.headers)).status_code == 200
    cache = app.state.user_cache
    assert await wait_until(lambda: cache.live)
    assert (await client.get(f"{API}/users/me", headers=admin.headers)).status_code == 200
    assert len(cache) >= 1

    name = make_url(postgres).database
    killer = await asyncpg.connect(postgres)
    try:
        killed = await killer.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = $1 AND query LIKE 'LISTEN %'",
            name,
        )
    finally:
        await killer.close()
    assert killed >= 1
    assert await wait_until(lambda: not cache.live)
    assert len(cache) == 0
    # Reads still work meanwhile (from the database), and the listener comes back.
    assert (await client.get(f"{API}/users/me", headers=admin.headers)).status_code == 200
    assert await wait_until(lambda: cache.live)
    # The terminated connection was not handed back to the pool for a request to fail on.
    burst = await asyncio.gather(
        *(client.get(f"{API}/users", headers=admin.headers) for _ in range(12))
    )
    assert [r.status_code for r in burst] == [200] * 12
