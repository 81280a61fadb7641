"""Sign-up, sign-in, refresh-token rotation with reuse detection, sign-out, password change."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from tests.factories import (
    API,
    DEFAULT_PASSWORD,
    add_user,
    assert_problem,
    assert_unauthorized,
    login,
    register,
    unique_email,
)

INVALID_CREDENTIALS = "Incorrect email or password"
NEW_PASSWORD = "a brand new passphrase 42"


async def refresh(client, token: str):
    return await client.post(f"{API}/auth/refresh", json={"refresh_token": token})


async def me(client, access_token: str):
    return await client.get(f"{API}/users/me", headers={"Authorization": f"Bearer {access_token}"})


def claims_of(token: str) -> dict:
    """The payload of a JWT, read without verifying it (the service verifies)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def register_payload(**overrides) -> dict:
    payload = {
        "organization_name": "Northwind Traders",
        "full_name": "Nora North",
        "email": unique_email("nora"),
        "password": DEFAULT_PASSWORD,
    }
    payload.update(overrides)
    return payload


# --- register ------------------------------------------------------------------------------


async def test_a_new_organization_speaks_the_language_it_was_registered_in(client):
    """The SPA sends the language its page speaks: a team registering from a Japanese
    browser gets a Japanese organization; without one it is English, as before."""
    japanese = await client.post(
        f"{API}/auth/register", json=register_payload(email=unique_email(), locale="ja")
    )
    assert japanese.status_code == 201, japanese.text
    assert japanese.json()["organization"]["locale"] == "ja"
    plain = await client.post(f"{API}/auth/register", json=register_payload(email=unique_email()))
    assert plain.json()["organization"]["locale"] == "en"
    refused = await client.post(
        f"{API}/auth/register", json=register_payload(email=unique_email(), locale="fr")
    )
    assert refused.status_code == 422


async def test_register_returns_user_organization_and_working_tokens(client, settings):
    payload = register_payload(email="Nora.North@Example.COM")
    response = await client.post(f"{API}/auth/register", json=payload)

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"user", "organization", "tokens"}

    user, organization, tokens = body["user"], body["organization"], body["tokens"]
    assert set(user) == {
        "id",
        "organization_id",
        "email",
        "full_name",
        "name_reading",
        "locale",
        "role",
        "seniority",
        "expertise",
        "is_active",
        "created_at",
        "updated_at",
    }
    uuid.UUID(user["id"])
    assert user["email"] == "nora.north@example.com"  # stored lower-cased
    assert user["full_name"] == "Nora North"
    assert user["role"] == "admin"  # the first person of an organization administers it
    assert user["is_active"] is True
    assert user["organization_id"] == organization["id"]

    assert set(organization) == {
        "id",
        "name",
        "time_zone",
        "fiscal_year_start_month",
        "default_currency",
        "locale",
        "share_closed_learnings",
        "created_at",
        "updated_at",
    }
    assert organization["name"] == "Northwind Traders"

    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == settings.access_token_minutes * 60
    assert tokens["access_token"] != tokens["refresh_token"]

    who = await me(client, tokens["access_token"])
    assert who.status_code == 200
    assert who.json()["id"] == user["id"]
    assert who.json()["organization"]["name"] == "Northwind Traders"

    renewed = await refresh(client, tokens["refresh_token"])
    assert renewed.status_code == 200, renewed.text


async def test_register_then_login_with_the_same_password(client):
    payload = register_payload()
    assert (await client.post(f"{API}/auth/register", json=payload)).status_code == 201
    response = await login(client, payload["email"], payload["password"])
    assert response.status_code == 200, response.text


async def test_register_duplicate_email_is_409_problem(client):
    payload = register_payload(email="dup@example.com")
    assert (await client.post(f"{API}/auth/register", json=payload)).status_code == 201

    again = await client.post(
        f"{API}/auth/register",
        json=register_payload(email="dup@example.com", organization_name="Other Org"),
    )
    body = assert_problem(again, 409)
    assert body["detail"] == "An account with this email already exists"

    # Emails are case-insensitive: a different spelling is the same account.
    shouted = await client.post(
        f"{API}/auth/register", json=register_payload(email="DUP@Example.com")
    )
    assert_problem(shouted, 409)

    # The losing attempts created nothing: the original password still signs in, alone.
    assert (await login(client, "dup@example.com")).status_code == 200


async def test_register_duplicate_of_a_user_created_by_an_admin_is_409(client):
    admin = await register(client)
    rep = await add_user(client, admin)
    again = await client.post(
        f"{API}/auth/register", json=register_payload(email=rep.user["email"])
    )
    assert_problem(again, 409)


@pytest.mark.parametrize(
    ("overrides", "bad_field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"password": "ninechars"}, "password"),
        ({"password": "x" * 257}, "password"),
        ({"organization_name": "   "}, "organization_name"),
        ({"organization_name": "o" * 201}, "organization_name"),
        ({"full_name": ""}, "full_name"),
        ({"full_name": 42}, "full_name"),
        ({"password": None}, "password"),
    ],
    ids=[
        "invalid-email",
        "empty-email",
        "short-password",
        "long-password",
        "blank-org",
        "long-org",
        "empty-name",
        "numeric-name",
        "null-password",
    ],
)
async def test_register_rejects_invalid_fields_with_422(client, overrides, bad_field):
    response = await client.post(f"{API}/auth/register", json=register_payload(**overrides))
    body = assert_problem(response, 422)
    assert isinstance(body["errors"], list) and body["errors"]
    locations = [error["loc"] for error in body["errors"]]
    assert ["body", bad_field] in [loc[:2] for loc in locations], locations
    for error in body["errors"]:
        assert set(error) == {"loc", "msg", "type"}  # never echoes the rejected input


@pytest.mark.parametrize("missing", ["organization_name", "full_name", "email", "password"])
async def test_register_rejects_missing_fields(client, missing):
    payload = register_payload()
    del payload[missing]
    body = assert_problem(await client.post(f"{API}/auth/register", json=payload), 422)
    assert ["body", missing] in [error["loc"] for error in body["errors"]]
    assert any(error["type"] == "missing" for error in body["errors"])


@pytest.mark.parametrize(
    "extra",
    [{"role": "admin"}, {"is_active": True}, {"organization_id": str(uuid.uuid4())}],
    ids=["role", "is_active", "organization_id"],
)
async def test_register_refuses_unknown_fields(client, extra):
    payload = register_payload(**extra)
    body = assert_problem(await client.post(f"{API}/auth/register", json=payload), 422)
    (field,) = extra
    assert ["body", field] in [error["loc"] for error in body["errors"]]
    # Nothing was created.
    assert (await login(client, payload["email"])).status_code == 401


async def test_register_rejects_non_json_and_non_object_bodies(client):
    assert_problem(await client.post(f"{API}/auth/register", content=b"{not json"), 422)
    assert_problem(await client.post(f"{API}/auth/register", json=["a", "b"]), 422)
    assert_problem(await client.post(f"{API}/auth/register"), 422)


# --- login ---------------------------------------------------------------------------------


async def test_login_with_form_returns_a_token_pair(client, settings):
    admin = await register(client)
    response = await login(client, admin.user["email"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.access_token_minutes * 60
    access, refresh_claims = claims_of(body["access_token"]), claims_of(body["refresh_token"])
    assert access["typ"] == "access" and refresh_claims["typ"] == "refresh"
    assert access["sub"] == refresh_claims["sub"] == admin.id
    assert access["exp"] - access["iat"] == body["expires_in"]  # expires_in tells the truth
    assert refresh_claims["exp"] - refresh_claims["iat"] == settings.refresh_token_days * 86400
    # A fresh pair, not the one registration handed out.
    assert body["access_token"] != admin.access_token
    assert body["refresh_token"] != admin.refresh_token

    who = await me(client, body["access_token"])
    assert who.status_code == 200
    assert who.json()["email"] == admin.user["email"]
    assert (await refresh(client, body["refresh_token"])).status_code == 200


async def test_login_email_is_case_and_whitespace_insensitive(client):
    admin = await register(client)
    response = await login(client, f"  {admin.user['email'].upper()} ")
    assert response.status_code == 200, response.text


async def test_login_wrong_password_is_401_problem(client):
    admin = await register(client)
    response = await login(client, admin.user["email"], "not the password at all")
    body = assert_unauthorized(response)
    assert body["detail"] == INVALID_CREDENTIALS
    assert "access_token" not in response.text


async def test_login_password_is_case_sensitive(client):
    admin = await register(client)
    response = await login(client, admin.user["email"], DEFAULT_PASSWORD.upper())
    assert_unauthorized(response)


async def test_unknown_email_is_indistinguishable_from_wrong_password(client):
    admin = await register(client)
    wrong_password = await login(client, admin.user["email"], "wrong password 123")
    unknown_email = await login(client, unique_email("nobody"), "wrong password 123")

    assert wrong_password.status_code == unknown_email.status_code == 401
    first, second = wrong_password.json(), unknown_email.json()
    assert first == second  # same type, title, status, detail and instance
    assert first["detail"] == INVALID_CREDENTIALS
    assert (
        wrong_password.headers["www-authenticate"]
        == unknown_email.headers["www-authenticate"]
        == "Bearer"
    )


async def test_deactivated_user_cannot_sign_in(client):
    admin = await register(client)
    rep = await add_user(client, admin)
    response = await client.patch(
        f"{API}/users/{rep.id}", headers=admin.headers, json={"is_active": False}
    )
    assert response.status_code == 200, response.text
    assert response.json()["is_active"] is False

    refused = await login(client, rep.user["email"])
    body = assert_unauthorized(refused)
    # Same answer as a wrong password: deactivation is not revealed to whoever holds it.
    assert body["detail"] == INVALID_CREDENTIALS
    # Their existing tokens stop working too.
    assert_unauthorized(await me(client, rep.access_token))
    assert_unauthorized(await refresh(client, rep.refresh_token))

    # Reactivated, the same password works again.
    await client.patch(f"{API}/users/{rep.id}", headers=admin.headers, json={"is_active": True})
    assert (await login(client, rep.user["email"])).status_code == 200


async def test_login_requires_form_fields(client):
    admin = await register(client)
    as_json = await client.post(
        f"{API}/auth/token", json={"username": admin.user["email"], "password": DEFAULT_PASSWORD}
    )
    assert_problem(as_json, 422)
    no_password = await client.post(f"{API}/auth/token", data={"username": admin.user["email"]})
    body = assert_problem(no_password, 422)
    assert ["body", "password"] in [error["loc"] for error in body["errors"]]


# --- refresh rotation ----------------------------------------------------------------------


async def test_refresh_rotates_the_pair(client, settings):
    admin = await register(client)
    response = await refresh(client, admin.refresh_token)
    assert response.status_code == 200, response.text
    pair = response.json()
    assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert pair["token_type"] == "bearer"
    assert pair["expires_in"] == settings.access_token_minutes * 60
    assert pair["refresh_token"] != admin.refresh_token
    assert pair["access_token"] != admin.access_token

    who = await me(client, pair["access_token"])
    assert who.status_code == 200
    assert who.json()["id"] == admin.id

    # The new refresh token rotates again, and so on.
    third = await refresh(client, pair["refresh_token"])
    assert third.status_code == 200, third.text
    assert third.json()["refresh_token"] not in {pair["refresh_token"], admin.refresh_token}


async def test_reusing_a_spent_refresh_token_revokes_the_whole_family(client):
    admin = await register(client)
    second = (await refresh(client, admin.refresh_token)).json()["refresh_token"]
    third = (await refresh(client, second)).json()["refresh_token"]

    # The first token was spent: presenting it again is theft (or a replay).
    reused = await refresh(client, admin.refresh_token)
    body = assert_unauthorized(reused)
    assert "already used" in body["detail"]

    # Every token of that family is dead now, including the newest one.
    assert_unauthorized(await refresh(client, third))
    assert_unauthorized(await refresh(client, second))


async def test_reuse_revocation_spares_other_sessions(client):
    admin = await register(client)
    other_device = (await login(client, admin.user["email"])).json()["refresh_token"]

    assert (await refresh(client, admin.refresh_token)).status_code == 200
    assert_unauthorized(await refresh(client, admin.refresh_token))

    # A separate sign-in is a separate family and keeps working.
    assert (await refresh(client, other_device)).status_code == 200


async def test_refresh_rejects_garbage_and_unknown_tokens(client):
    admin = await register(client)
    for token in ("garbage", admin.refresh_token + "x", admin.refresh_token[:-4]):
        body = assert_unauthorized(await refresh(client, token))
        assert body["detail"] == "The refresh token is invalid or expired"
    # None of those attempts spent the real token.
    assert (await refresh(client, admin.refresh_token)).status_code == 200


async def test_refresh_body_is_validated(client):
    assert_problem(await client.post(f"{API}/auth/refresh", json={}), 422)
    assert_problem(await client.post(f"{API}/auth/refresh", json={"refresh_token": ""}), 422)
    body = assert_problem(
        await client.post(f"{API}/auth/refresh", json={"refresh_token": "x", "extra": 1}), 422
    )
    assert ["body", "extra"] in [error["loc"] for error in body["errors"]]


# --- logout --------------------------------------------------------------------------------


async def test_logout_revokes_the_refresh_token(client):
    admin = await register(client)
    response = await client.post(f"{API}/auth/logout", json={"refresh_token": admin.refresh_token})
    assert response.status_code == 204
    assert response.content == b""

    assert_unauthorized(await refresh(client, admin.refresh_token))


async def test_logout_revokes_the_rotated_successor_too(client):
    admin = await register(client)
    successor = (await refresh(client, admin.refresh_token)).json()["refresh_token"]
    response = await client.post(f"{API}/auth/logout", json={"refresh_token": successor})
    assert response.status_code == 204
    assert_unauthorized(await refresh(client, successor))


async def test_logout_leaves_other_sign_ins_alone(client):
    admin = await register(client)
    other = (await login(client, admin.user["email"])).json()["refresh_token"]
    assert (
        await client.post(f"{API}/auth/logout", json={"refresh_token": admin.refresh_token})
    ).status_code == 204
    assert (await refresh(client, other)).status_code == 200


async def test_logout_with_an_invalid_token_is_401(client):
    admin = await register(client)
    assert_unauthorized(await client.post(f"{API}/auth/logout", json={"refresh_token": "nope"}))
    assert_unauthorized(
        await client.post(f"{API}/auth/logout", json={"refresh_token": admin.access_token})
    )
    # The real refresh token was not touched.
    assert (await refresh(client, admin.refresh_token)).status_code == 200


# --- token types are not interchangeable ---------------------------------------------------


async def test_access_token_is_not_a_refresh_token(client):
    admin = await register(client)
    body = assert_unauthorized(await refresh(client, admin.access_token))
    assert body["detail"] == "The refresh token is invalid or expired"


async def test_refresh_token_is_not_an_access_token(client):
    admin = await register(client)
    body = assert_unauthorized(await me(client, admin.refresh_token))
    assert body["detail"] == "The access token is invalid or expired"
    # And it still works as what it is.
    assert (await refresh(client, admin.refresh_token)).status_code == 200


# --- password change -----------------------------------------------------------------------


async def test_changing_own_password_needs_the_current_one(client):
    admin = await register(client)
    rep = await add_user(client, admin)
    url = f"{API}/users/{rep.id}"

    missing = await client.patch(url, headers=rep.headers, json={"password": NEW_PASSWORD})
    body = assert_problem(missing, 422)
    assert body["errors"][0]["loc"] == ["body", "current_password"]

    wrong = await client.patch(
        url,
        headers=rep.headers,
        json={"password": NEW_PASSWORD, "current_password": "not my password"},
    )
    assert_problem(wrong, 403)

    # Refused attempts changed nothing: the old password and the refresh token still work.
    assert (await login(client, rep.user["email"])).status_code == 200
    assert (await login(client, rep.user["email"], NEW_PASSWORD)).status_code == 401
    assert (await refresh(client, rep.refresh_token)).status_code == 200


async def test_changing_own_password_signs_out_every_other_device(client):
    admin = await register(client)
    rep = await add_user(client, admin)
    other_device = (await login(client, rep.user["email"])).json()

    response = await client.patch(
        f"{API}/users/{rep.id}",
        headers=rep.headers,
        json={"password": NEW_PASSWORD, "current_password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 200, response.text
    assert "password" not in response.text

    # Every access token issued before the change ends, this device's too ...
    assert_unauthorized(await client.get(f"{API}/users/me", headers=rep.headers))
    other_headers = {"Authorization": f"Bearer {other_device['access_token']}"}
    assert_unauthorized(await client.get(f"{API}/users/me", headers=other_headers))
    # ... the other device is signed out, and this one gets a new pair and carries on
    # (DESIGN 7.3: a password change signs out every *other* session).
    assert_unauthorized(await refresh(client, other_device["refresh_token"]))
    renewed = await refresh(client, rep.refresh_token)
    assert renewed.status_code == 200, renewed.text
    headers = {"Authorization": f"Bearer {renewed.json()['access_token']}"}
    assert (await client.get(f"{API}/users/me", headers=headers)).status_code == 200
    # The old password is refused, the new one signs in.
    assert_unauthorized(await login(client, rep.user["email"], DEFAULT_PASSWORD))
    fresh = await login(client, rep.user["email"], NEW_PASSWORD)
    assert fresh.status_code == 200, fresh.text
    assert (await refresh(client, fresh.json()["refresh_token"])).status_code == 200


async def test_admin_resets_someone_elses_password_without_theirs(client):
    admin = await register(client)
    rep = await add_user(client, admin)
    response = await client.patch(
        f"{API}/users/{rep.id}", headers=admin.headers, json={"password": NEW_PASSWORD}
    )
    assert response.status_code == 200, response.text
    assert_unauthorized(await refresh(client, rep.refresh_token))
    assert_unauthorized(await login(client, rep.user["email"]))
    assert (await login(client, rep.user["email"], NEW_PASSWORD)).status_code == 200
    # The admin's own tokens are untouched.
    assert (await refresh(client, admin.refresh_token)).status_code == 200


async def test_rep_cannot_change_someone_elses_password(client):
    admin = await register(client)
    rep = await add_user(client, admin)
    other = await add_user(client, admin)
    response = await client.patch(
        f"{API}/users/{other.id}",
        headers=rep.headers,
        json={"password": NEW_PASSWORD, "current_password": DEFAULT_PASSWORD},
    )
    assert_problem(response, 403)
    assert (await login(client, other.user["email"])).status_code == 200


async def test_new_password_must_validate(client):
    admin = await register(client)
    response = await client.patch(
        f"{API}/users/{admin.id}",
        headers=admin.headers,
        json={"password": "short", "current_password": DEFAULT_PASSWORD},
    )
    body = assert_problem(response, 422)
    assert ["body", "password"] in [error["loc"] for error in body["errors"]]
    assert (await refresh(client, admin.refresh_token)).status_code == 200
