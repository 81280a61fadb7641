"""Sign-in throttling: per account, per client address, reset by a successful sign-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from tests.factories import API, DEFAULT_PASSWORD, add_user, login, register, unique_email

PROBLEM = "application/problem+json"
WRONG_PASSWORD = "definitely not the password"


@asynccontextmanager
async def client_from(app, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client whose requests arrive from ``address``."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def assert_throttled(response, settings) -> int:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == 429
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
