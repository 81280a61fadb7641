"""Sign-in throttling (per account, per client address, reset by a successful sign-in, atomic
under concurrent guesses) and the sign-up limit per address."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import func, select

from api.models import LoginFailure, ThrottleScope
from tests.factories import (
    API,
    DEFAULT_PASSWORD,
    PROBLEM,
    add_user,
    assert_problem,
    login,
    register,
    unique_email,
)

WRONG_PASSWORD = "definitely not the password"


@asynccontextmanager
async def client_from(app, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client whose requests arrive from ``address``."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def assert_throttled(response, settings) -> int:
    body = assert_problem(response, 429)
    assert body["type"].endswith("too-many-requests")
    assert "access_token" not in body
    retry_after = int(response.headers["retry-after"])
    assert 0 < retry_after <= settings.login_window_seconds
    return retry_after


async def fail(http: httpx.AsyncClient, email: str, times: int) -> None:
    for attempt in range(times):
        response = await login(http, email, WRONG_PASSWORD)
        assert response.status_code == 401, f"attempt {attempt + 1}: {response.text}"


# --- per account -----------------------------------------------------------------------------


async def test_account_is_throttled_after_max_failures_even_with_the_right_password(
    client, settings
):
    admin = await register(client)
    email = admin.user["email"]
    limit = settings.login_max_failures_per_account

    await fail(client, email, limit - 1)
    # One below the limit, the right password still works... (and resets the count)
    assert (await login(client, email)).status_code == 200

    await fail(client, email, limit)
    assert_throttled(await login(client, email), settings)
    # A wrong password is answered the same way: the count gives no oracle to keep guessing.
    assert_throttled(await login(client, email, WRONG_PASSWORD), settings)
    # Case and whitespace do not make it another account.
    assert_throttled(await login(client, f" {email.upper()} "), settings)


async def test_account_throttle_applies_from_every_address(app, client, settings):
    admin = await register(client)
    email = admin.user["email"]
    async with client_from(app, "10.9.9.1") as attacker:
        await fail(attacker, email, settings.login_max_failures_per_account)
    async with client_from(app, "10.9.9.2") as owner:
        assert_throttled(await login(owner, email), settings)


async def test_account_throttle_counts_every_spelling_of_the_email(client, settings):
    admin = await register(client)
    email = admin.user["email"]
    spellings = [email, email.upper(), f"  {email}", email.title()]
    for attempt in range(settings.login_max_failures_per_account):
        response = await login(client, spellings[attempt % len(spellings)], WRONG_PASSWORD)
        assert response.status_code == 401
    assert_throttled(await login(client, email), settings)


async def test_throttled_account_does_not_affect_another_account(client, settings):
    admin = await register(client)
    colleague = await add_user(client, admin)
    await fail(client, admin.user["email"], settings.login_max_failures_per_account)
    assert_throttled(await login(client, admin.user["email"]), settings)
    assert (await login(client, colleague.user["email"])).status_code == 200


async def test_unknown_accounts_are_throttled_like_known_ones(client, settings):
    email = unique_email("ghost")
    await fail(client, email, settings.login_max_failures_per_account)
    assert_throttled(await login(client, email, WRONG_PASSWORD), settings)


async def test_throttling_does_not_revoke_existing_sessions(client, settings):
    admin = await register(client)
    await fail(client, admin.user["email"], settings.login_max_failures_per_account)
    assert_throttled(await login(client, admin.user["email"]), settings)
    # A guesser cannot lock the owner out of a session they already have.
    assert (await client.get(f"{API}/users/me", headers=admin.headers)).status_code == 200
    refreshed = await client.post(
        f"{API}/auth/refresh", json={"refresh_token": admin.refresh_token}
    )
    assert refreshed.status_code == 200


async def test_successful_login_resets_the_account_counter(app, client, settings):
    admin = await register(client)
    email = admin.user["email"]
    below = settings.login_max_failures_per_account - 1
    # Its own address, so the per-address limit cannot be what decides this test.
    async with client_from(app, "10.7.7.7") as http:
        await fail(http, email, below)
        assert (await login(http, email)).status_code == 200
        await fail(http, email, below)
        # 2 x (limit - 1) failures in the window, but a success in between: still allowed.
        response = await login(http, email)
        assert response.status_code == 200, response.text
        # Without another success, the next failures count from zero up to the limit.
        await fail(http, email, below + 1)
        assert_throttled(await login(http, email), settings)


# --- per address -----------------------------------------------------------------------------


async def test_address_is_throttled_across_different_accounts(app, client, settings):
    admin = await register(client)
    victim = admin.user["email"]
    colleague = await add_user(client, admin)

    async with client_from(app, "10.1.2.3") as attacker:
        # Spray: one guess per account, so no account nears its own limit, all from one
        # address; a real account is among the targets.
        targets = [colleague.user["email"]] + [
            unique_email("spray") for _ in range(settings.login_max_failures_per_address - 1)
        ]
        for attempt, email in enumerate(targets):
            response = await login(attacker, email, WRONG_PASSWORD)
            assert response.status_code == 401, f"attempt {attempt + 1}: {response.text}"

        # Now that address is refused, even for an untouched account with the right password.
        assert_throttled(await login(attacker, victim), settings)
        assert_throttled(await login(attacker, unique_email("fresh"), WRONG_PASSWORD), settings)

    # Elsewhere both accounts sign in fine: neither reached its own limit.
    assert (await login(client, victim)).status_code == 200
    assert (await login(client, colleague.user["email"])).status_code == 200


async def test_failures_from_one_address_do_not_throttle_another_address(app, client, settings):
    admin = await register(client)
    colleague = await add_user(client, admin)

    async with client_from(app, "10.1.2.3") as attacker:
        for _ in range(settings.login_max_failures_per_address):
            assert (await login(attacker, unique_email("guess"), WRONG_PASSWORD)).status_code == 401
        assert_throttled(await login(attacker, admin.user["email"]), settings)

    async with client_from(app, "10.4.5.6") as office:
        response = await login(office, colleague.user["email"])
        assert response.status_code == 200, response.text
        # Wrong passwords from there are plain 401s, not 429s.
        assert (await login(office, colleague.user["email"], WRONG_PASSWORD)).status_code == 401


async def test_successful_login_does_not_reset_the_address_counter(app, client, settings):
    admin = await register(client)
    email = admin.user["email"]
    per_address = settings.login_max_failures_per_address
    async with client_from(app, "10.3.3.3") as http:
        for _ in range(per_address - 1):
            assert (await login(http, unique_email("guess"), WRONG_PASSWORD)).status_code == 401
        # A guesser's own valid account must not wash away the address's record.
        assert (await login(http, email, DEFAULT_PASSWORD)).status_code == 200
        assert (await login(http, unique_email("guess"), WRONG_PASSWORD)).status_code == 401
        assert_throttled(await login(http, email), settings)


# --- concurrent guesses ----------------------------------------------------------------------


@asynccontextmanager
async def counted_verifications(app) -> AsyncIterator[list[str]]:
    """The real password check, with a record of each time it ran."""
    security = app.state.security
    real_verify = security.verify_password
    calls: list[str] = []

    async def verify_password(password, password_hash):  # type: ignore[no-untyped-def]
        calls.append(password)
        return await real_verify(password, password_hash)

    security.verify_password = verify_password
    try:
        yield calls
    finally:
        del security.verify_password  # the instance attribute goes; the method is back


async def test_thirty_concurrent_wrong_passwords_check_the_password_at_most_limit_times(
    app, client, settings
):
    admin = await register(client)
    email = admin.user["email"]
    limit = settings.login_max_failures_per_account
    guesses = 30
    async with client_from(app, "10.30.30.30") as http, counted_verifications(app) as checks:
        # Concurrent requests, each with its own session and pooled connection: every one of
        # them reads the count before any password check has finished.
        responses = await asyncio.gather(
            *(login(http, email, f"{WRONG_PASSWORD} {n}") for n in range(guesses))
        )
    statuses = Counter(response.status_code for response in responses)
    assert len(checks) <= limit, f"{len(checks)} password checks for {guesses} guesses"
    assert statuses == {401: limit, 429: guesses - limit}, statuses
    for response in responses:
        if response.status_code == 429:
            assert_throttled(response, settings)
    async with app.state.sessionmaker() as session:
        recorded = await session.scalar(
            select(func.count()).where(LoginFailure.scope == ThrottleScope.account)
        )
    # The refused guesses were not counted: `limit` failures, one per password check.
    assert recorded == limit
    # Even the right password is now refused without being checked.
    async with counted_verifications(app) as checks:
        assert_throttled(await login(client, email), settings)
    assert checks == []


# --- sign-up ---------------------------------------------------------------------------------


def sign_up_body(email: str | None = None) -> dict[str, str]:
    return {
        "organization_name": "Signup Ltd",
        "full_name": "Sam Signup",
        "email": email or unique_email("signup"),
        "password": DEFAULT_PASSWORD,
    }


@pytest.fixture
def signup_limit(app, settings) -> Iterator[int]:
    """The app with a low sign-up limit (the suite's own is high, it signs up a lot)."""
    limit = 3
    app.state.settings = settings.model_copy(update={"signup_max_per_address": limit})
    try:
        yield limit
    finally:
        app.state.settings = settings


async def test_sign_up_is_limited_per_address(app, signup_limit, settings):
    async with client_from(app, "10.50.0.1") as http:
        first = await http.post(f"{API}/auth/register", json=sign_up_body())
        assert first.status_code == 201, first.text
        # A refused attempt counts too: it tells whether an email has an account.
        taken = await http.post(
            f"{API}/auth/register", json=sign_up_body(first.json()["user"]["email"])
        )
        assert taken.status_code == 409
        for _ in range(signup_limit - 2):
            assert (await http.post(f"{API}/auth/register", json=sign_up_body())).status_code == 201
        refused = await http.post(f"{API}/auth/register", json=sign_up_body())
        assert refused.status_code == 429, refused.text
        assert refused.headers["content-type"].startswith(PROBLEM)
        assert refused.json()["type"].endswith("too-many-requests")
        retry_after = int(refused.headers["retry-after"])
        assert 0 < retry_after <= settings.signup_window_seconds
    async with client_from(app, "10.50.0.2") as elsewhere:
        response = await elsewhere.post(f"{API}/auth/register", json=sign_up_body())
        assert response.status_code == 201, response.text


async def test_concurrent_sign_ups_from_one_address_stop_at_the_limit(app, signup_limit):
    async with client_from(app, "10.50.0.3") as http:
        responses = await asyncio.gather(
            *(http.post(f"{API}/auth/register", json=sign_up_body()) for _ in range(8))
        )
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: signup_limit, 429: 8 - signup_limit}, statuses


async def test_sign_ups_do_not_count_as_failed_sign_ins(app, signup_limit, settings):
    async with client_from(app, "10.50.0.4") as http:
        for _ in range(signup_limit):
            assert (await http.post(f"{API}/auth/register", json=sign_up_body())).status_code == 201
        # The address may still sign in (and fail) as often as the sign-in limit allows.
        await fail(http, unique_email("after-signup"), settings.login_max_failures_per_account)
