"""Forged and malformed access tokens against GET /users/me: each one is a plain 401.

Tokens are built here with a hand-written HS256/384/512 encoder (stdlib only), so these
tests do not share a JWT library, or its bugs, with the code under test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.cast import Cast, organization, rep, stranger
from tests.conftest import TEST_SECRET_KEY
from tests.factories import API, PROBLEM

_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def sign(signing_input: str, *, alg: str = "HS256", key: str = TEST_SECRET_KEY) -> str:
    digest = hmac.new(key.encode(), signing_input.encode(), _HASHES[alg]).digest()
    return b64url(digest)


def forge(
    claims: dict[str, Any],
    *,
    alg: str = "HS256",
    key: str = TEST_SECRET_KEY,
    header: dict[str, Any] | None = None,
) -> str:
    header = header if header is not None else {"alg": alg, "typ": "JWT"}
    signing_input = f"{b64url_json(header)}.{b64url_json(claims)}"
    return f"{signing_input}.{sign(signing_input, alg=alg, key=key)}"


def unsigned(claims: dict[str, Any], alg: str = "none") -> str:
    return f"{b64url_json({'alg': alg, 'typ': 'JWT'})}.{b64url_json(claims)}."


def claims(world: Cast, **overrides: Any) -> dict[str, Any]:
    """A right access token's claims for the victim (the cast's admin), ``overrides``
    replacing (or, as ``_DROP``, removing) some."""
    settings = world.settings
    issued = now()
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": world.admin.id,
        "org": world.admin.organization_id,
        "typ": "access",
        "jti": str(uuid.uuid4()),
        "iat": issued,
        "nbf": issued,
        "exp": issued + 300,
        "ver": 0,  # the users' token_version: none of them has signed out yet
    }
    for name, value in overrides.items():
        if value is _DROP:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


_DROP = object()


@pytest.fixture
async def world(client, settings) -> Cast:
    """Who exists while a vector runs: the victim (the admin), a colleague, a deactivated
    colleague and the admin of another organization."""
    world = await organization(
        client, "Victim Org", colleague=rep(), gone=rep(), other=stranger("Other Org")
    )
    response = await client.patch(
        f"{API}/users/{world.gone.id}", headers=world.admin.headers, json={"is_active": False}
    )
    assert response.status_code == 200, response.text
    world.settings = settings
    return world


def _tampered(world: Cast) -> str:
    """The colleague's genuine token with the payload rewritten to claim the admin."""
    header, payload, signature = world.colleague.access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["sub"] == world.colleague.id
    claims["sub"] = world.admin.id
    return f"{header}.{b64url_json(claims)}.{signature}"


def _wrong_header_alg(world: Cast) -> str:
    """Signed with HS256 and the right key, but the header names another algorithm."""
    return forge(claims(world), header={"alg": "RS256", "typ": "JWT"})


def _signed_raw_payload(payload: bytes) -> str:
    """Correctly signed with the right key and algorithm, but the payload is no claims object."""
    signing_input = f"{b64url_json({'alg': 'HS256', 'typ': 'JWT'})}.{b64url(payload)}"
    return f"{signing_input}.{sign(signing_input)}"


def now() -> int:
    return int(time.time())


# Each vector: the Authorization header value to send, built against the world.
VECTORS: dict[str, Callable[[Cast], str]] = {
    "alg-none-unsigned": lambda w: "Bearer " + unsigned(claims(w)),
    "alg-None-capitalised": lambda w: "Bearer " + unsigned(claims(w), alg="None"),
    "alg-none-with-hs256-signature": lambda w: (
        "Bearer " + unsigned(claims(w)) + forge(claims(w)).rsplit(".", 1)[1]
    ),
    "hs512-right-key": lambda w: "Bearer " + forge(claims(w), alg="HS512"),
    "hs384-right-key": lambda w: "Bearer " + forge(claims(w), alg="HS384"),
    "header-says-rs256": lambda w: "Bearer " + _wrong_header_alg(w),
    "guessed-key": lambda w: "Bearer " + forge(claims(w), key="secret"),
    "wrong-long-key": lambda w: "Bearer " + forge(claims(w), key=TEST_SECRET_KEY + "!"),
    "empty-key": lambda w: "Bearer " + forge(claims(w), key=""),
    "tampered-payload": lambda w: "Bearer " + _tampered(w),
    "signature-stripped": lambda w: "Bearer " + forge(claims(w)).rsplit(".", 1)[0] + ".",
    "expired-beyond-leeway": lambda w: (
        "Bearer " + forge(claims(w, iat=now() - 3600, nbf=now() - 3600, exp=now() - 60))
    ),
    "not-yet-valid": lambda w: "Bearer " + forge(claims(w, nbf=now() + 600)),
    "wrong-audience": lambda w: "Bearer " + forge(claims(w, aud="some-other-api")),
    "wrong-issuer": lambda w: "Bearer " + forge(claims(w, iss="https://evil.example")),
    "missing-aud": lambda w: "Bearer " + forge(claims(w, aud=_DROP)),
    "missing-iss": lambda w: "Bearer " + forge(claims(w, iss=_DROP)),
    "missing-exp": lambda w: "Bearer " + forge(claims(w, exp=_DROP)),
    "missing-iat": lambda w: "Bearer " + forge(claims(w, iat=_DROP)),
    "missing-sub": lambda w: "Bearer " + forge(claims(w, sub=_DROP)),
    "missing-jti": lambda w: "Bearer " + forge(claims(w, jti=_DROP)),
    "missing-typ": lambda w: "Bearer " + forge(claims(w, typ=_DROP)),
    "missing-org": lambda w: "Bearer " + forge(claims(w, org=_DROP)),
    "missing-ver": lambda w: "Bearer " + forge(claims(w, ver=_DROP)),
    "ver-as-string": lambda w: "Bearer " + forge(claims(w, ver="0")),
    "ver-as-false": lambda w: "Bearer " + forge(claims(w, ver=False)),  # False == 0 in Python
    "ver-as-float": lambda w: "Bearer " + forge(claims(w, ver=0.0)),
    "ver-ahead-of-the-user": lambda w: "Bearer " + forge(claims(w, ver=1)),
    "typ-refresh-as-access": lambda w: (
        "Bearer " + forge(claims(w, typ="refresh", fam=str(uuid.uuid4())))
    ),
    "typ-uppercase": lambda w: "Bearer " + forge(claims(w, typ="ACCESS")),
    "exp-as-string": lambda w: "Bearer " + forge(claims(w, exp="9999999999x")),
    "garbage": lambda w: "Bearer this-is-not-a-jwt",
    "garbage-three-parts": lambda w: "Bearer aaa.bbb.ccc",
    "payload-not-json": lambda w: "Bearer " + _signed_raw_payload(b"not json {"),
    "payload-is-a-list": lambda w: "Bearer " + _signed_raw_payload(b'["sub", "exp"]'),
    "empty-bearer": lambda w: "Bearer ",
    "scheme-only": lambda w: "Bearer",
    "basic-scheme": lambda w: "Basic " + forge(claims(w)),
    "non-uuid-sub": lambda w: "Bearer " + forge(claims(w, sub="admin")),
    "integer-sub": lambda w: "Bearer " + forge(claims(w, sub=1)),
    "unknown-user": lambda w: "Bearer " + forge(claims(w, sub=str(uuid.uuid4()))),
    "non-uuid-org": lambda w: "Bearer " + forge(claims(w, org="acme")),
    "user-of-another-org-id": lambda w: "Bearer " + forge(claims(w, org=w.other.organization_id)),
    "deactivated-user": lambda w: (
        "Bearer " + forge(claims(w, sub=w.gone.id, org=w.gone.organization_id))
    ),
}


def refusal_problems(response, authorization: str, world: Cast) -> list[str]:
    """What is wrong with ``response`` as the refusal of a bad token (empty: all good)."""
    problems = []
    if response.status_code != 401:
        problems.append(f"status {response.status_code}: {response.text[:300]}")
        return problems
    if not response.headers.get("content-type", "").startswith(PROBLEM):
        problems.append(f"content-type {response.headers.get('content-type')}")
    if response.headers.get("www-authenticate") != "Bearer":
        problems.append(f"WWW-Authenticate {response.headers.get('www-authenticate')!r}")
    body = response.json()
    if body.get("status") != 401 or not str(body.get("type", "")).endswith("unauthorized"):
        problems.append(f"body {body}")
    # The refusal says nothing about why, and never echoes the token back.
    if body.get("detail") not in {"Not authenticated", "The access token is invalid or expired"}:
        problems.append(f"detail {body.get('detail')!r}")
    token = authorization.partition(" ")[2]
    if token and token in response.text:
        problems.append("the token is echoed back")
    if world.admin.user["email"] in response.text:
        problems.append("the user's email is revealed")
    return problems


async def test_forged_or_malformed_tokens_are_refused(client, world, subtests):
    """Every vector against one set of users (one database reset, not one per vector);
    each vector is its own subtest, so a failure names the vector."""
    assert len(VECTORS) >= 12
    for vector, build in VECTORS.items():
        with subtests.test(msg=vector):
            authorization = build(world)
            response = await client.get(f"{API}/users/me", headers={"Authorization": authorization})
            problems = refusal_problems(response, authorization, world)
            assert not problems, f"{vector}: {problems}"

    # The users the vectors aimed at are intact: the right token still works.
    control = await client.get(
        f"{API}/users/me", headers={"Authorization": f"Bearer {forge(claims(world))}"}
    )
    assert control.status_code == 200, control.text


async def test_no_authorization_header_is_401(client):
    response = await client.get(f"{API}/users/me")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["detail"] == "Not authenticated"


# --- positive controls: the vectors fail for the reason they claim ------------------------


async def read_me(client, token: str, scheme: str = "Bearer"):
    return await client.get(f"{API}/users/me", headers={"Authorization": f"{scheme} {token}"})


async def test_positive_controls_are_accepted(client, world, subtests):
    """Change only what a vector changes back to the right value, and the token is accepted."""
    with subtests.test(msg="hand-forged token with every right claim"):
        response = await read_me(client, forge(claims(world)))
        assert response.status_code == 200, response.text
        assert response.json()["id"] == world.admin.id
        assert response.json()["organization"]["name"] == "Victim Org"

    with subtests.test(msg="the genuine token that tampered-payload started from"):
        response = await read_me(client, world.colleague.access_token)
        assert response.status_code == 200, response.text
        assert response.json()["id"] == world.colleague.id

    with subtests.test(msg="hand-forged token for the colleague (a signed sub swap works)"):
        response = await read_me(client, forge(claims(world, sub=world.colleague.id)))
        assert response.status_code == 200, response.text
        assert response.json()["id"] == world.colleague.id

    with subtests.test(msg="expired 3 s ago: inside the 10 s leeway"):
        token = forge(claims(world, iat=now() - 600, nbf=now() - 600, exp=now() - 3))
        assert (await read_me(client, token)).status_code == 200

    with subtests.test(msg="lower-case bearer scheme"):
        assert (await read_me(client, forge(claims(world)), scheme="bearer")).status_code == 200

    with subtests.test(msg="the other organization's admin with their own org id"):
        token = forge(claims(world, sub=world.other.id, org=world.other.organization_id))
        response = await read_me(client, token)
        assert response.status_code == 200, response.text
        assert response.json()["organization"]["name"] == "Other Org"

    with subtests.test(msg="the deactivated user, once reactivated, with a current token"):
        gone = world.gone.user
        # Deactivation raised their token_version to 1: tokens from before stay dead.
        before = forge(claims(world, sub=gone["id"], org=gone["organization_id"]))
        current = forge(claims(world, sub=gone["id"], org=gone["organization_id"], ver=1))
        assert (await read_me(client, current)).status_code == 401
        reactivated = await client.patch(
            f"{API}/users/{gone['id']}", headers=world.admin.headers, json={"is_active": True}
        )
        assert reactivated.status_code == 200, reactivated.text
        response = await read_me(client, current)
        assert response.status_code == 200, response.text
        assert response.json()["id"] == gone["id"]
        assert (await read_me(client, before)).status_code == 401

    with subtests.test(msg="the hand-written encoder signs exactly like the service"):
        header, payload, signature = world.colleague.access_token.split(".")
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
        assert decoded["alg"] == "HS256"
        assert sign(f"{header}.{payload}") == signature


def test_a_verified_token_stays_cached_only_until_it_expires(settings, monkeypatch):
    """The per-process cache of verified access tokens never outlives a token's expiry, and
    never holds a refusal."""
    from datetime import timedelta

    from api import security as security_module
    from api.security import InvalidToken, Security

    security = Security(settings)
    issued = security.issue_token(
        token_type="access",
        subject=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        lifetime=timedelta(seconds=60),
        token_version=0,
    )
    first = security.decode_token(issued.token, expected_type="access")
    assert security.decode_token(issued.token, expected_type="access") is first  # the cache
    with pytest.raises(InvalidToken):  # the cached token is still an access token only
        security.decode_token(issued.token, expected_type="refresh")
    # Past its expiry the cached answer is dropped and the token is checked afresh (here
    # only the cache's clock moved, so the fresh check still passes: a new object).
    later = time.time() + 60 + security_module.JWT_LEEWAY_SECONDS + 1
    with monkeypatch.context() as patched:
        patched.setattr(security_module.time, "time", lambda: later)
        assert security.decode_token(issued.token, expected_type="access") is not first
    expired = security.issue_token(
        token_type="access",
        subject=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        lifetime=timedelta(seconds=-60),
        token_version=0,
    )
    with pytest.raises(InvalidToken):
        security.decode_token(expired.token, expected_type="access")
    assert expired.token not in security._verified  # refusals are never cached
