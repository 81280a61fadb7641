"""The test cast: organizations and signed-in people written straight to the database.

Most tests are not about signing up or signing in, but nearly all of them start with an
organization and a few people. Building those through the API costs two requests and an
argon2 hash (and a verification) each; here they are one insert with a hash computed once
per process, and a token pair minted by the service that signs people in
(``api.services.auth.issue_token_pair``), so the people can do everything a signed-in
person can. ``tests.factories.register`` and ``add_user`` use this for the in-process test
client and fall back to the API for any other client (a server in a subprocess).

The rows are what the API writes (same models, same folded search text, the same read
models for the dicts tests receive); tests about signing up and signing in
(tests/test_auth.py, tests/test_throttle.py, ...) call the API themselves.
"""

from __future__ import annotations

import uuid
import weakref
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import FastAPI

from api.models import Organization, Role, Seniority, User
from api.schemas.organizations import OrganizationRead
from api.schemas.users import UserRead
from api.services.auth import issue_token_pair
from tests import factories

if TYPE_CHECKING:
    from tests.factories import Actor

__all__ = ["add_member", "app_of", "bind", "cast_admin", "cast_people", "cast_user", "new_project"]

# The in-process client of each app (tests/conftest.py binds them).
_APPS: weakref.WeakKeyDictionary[httpx.AsyncClient, FastAPI] = weakref.WeakKeyDictionary()
# password -> its argon2 hash, once per process: every cast person signs in with the same one.
_HASHES: dict[str, str] = {}


def bind(client: httpx.AsyncClient, app: FastAPI) -> None:
    _APPS[client] = app


def app_of(client: httpx.AsyncClient) -> FastAPI | None:
    return _APPS.get(client)


async def _password_hash(app: FastAPI, password: str) -> str:
    if password not in _HASHES:
        _HASHES[password] = await app.state.security.hash_password(password)
    return _HASHES[password]


async def _insert(
    app: FastAPI, user: User, organization: Organization | None, password: str
) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, str]]:
    user.password_hash = await _password_hash(app, password)
    async with app.state.sessionmaker() as session, session.begin():
        if organization is not None:
            session.add(organization)
            await session.flush()
            user.organization_id = organization.id
        session.add(user)
        await session.flush()
        tokens = await issue_token_pair(
            session=session, security=app.state.security, settings=app.state.settings, user=user
        )
        user_read = UserRead.model_validate(user).model_dump(mode="json")
        organization_read = (
            OrganizationRead.model_validate(organization).model_dump(mode="json")
            if organization is not None
            else None
        )
    return (
        user_read,
        organization_read,
        {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token},
    )


async def cast_admin(
    app: FastAPI, *, organization_name: str, email: str, full_name: str, password: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """A new organization and its first admin, as POST /auth/register makes them."""
    organization = Organization(name=organization_name)
    admin = User(
        organization_id=uuid.uuid4(),  # replaced by the organization's id on insert
        email=email.lower(),
        full_name=full_name,
        role=Role.admin,
        seniority=Seniority.senior,
        password_hash="",
    )
    user, organization_read, tokens = await _insert(app, admin, organization, password)
    assert organization_read is not None
    return user, organization_read, tokens


async def cast_user(
    app: FastAPI,
    *,
    organization_id: str,
    email: str,
    full_name: str,
    role: str,
    seniority: str,
    expertise: list[str],
    password: str,
) -> tuple[dict[str, Any], dict[str, str]]:
    """A person in an organization, as an admin's POST /users makes them, signed in."""
    person = User(
        organization_id=uuid.UUID(organization_id),
        email=email.lower(),
        full_name=full_name,
        role=Role(role),
        seniority=Seniority(seniority),
        expertise=expertise,
        password_hash="",
    )
    user, _organization, tokens = await _insert(app, person, None, password)
    return user, tokens


async def cast_people(
    app: FastAPI, organization_id: str, people: list[tuple[str, str, str]], password: str
) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """Many people of one organization at once, ``(email, full_name, role)`` each, in one
    transaction: for the tests that need a crowd (fan-out, load, query counts)."""
    password_hash = await _password_hash(app, password)
    rows = [
        User(
            organization_id=uuid.UUID(organization_id),
            email=email.lower(),
            full_name=full_name,
            role=Role(role),
            password_hash=password_hash,
        )
        for email, full_name, role in people
    ]
    cast = []
    async with app.state.sessionmaker() as session, session.begin():
        session.add_all(rows)
        await session.flush()
        for row in rows:
            tokens = await issue_token_pair(
                session=session, security=app.state.security, settings=app.state.settings, user=row
            )
            cast.append(
                (
                    UserRead.model_validate(row).model_dump(mode="json"),
                    {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token},
                )
            )
    return cast


# Projects and their seats go through the API: the scenarios the per-file fixtures build
# (a panel, a live room, a ledger story, a roll-up world) are people from above, then these.


async def new_project(
    client: httpx.AsyncClient,
    owner: Actor,
    *,
    title: str = "Northwind expansion",
    helper_budget_minutes: int | None = 60,
    **fields: Any,
) -> dict[str, Any]:
    """A prospecting project of ``owner`` (``fields`` add to or replace the body)."""
    body: dict[str, Any] = {"title": title, "kind": "prospecting", **fields}
    if helper_budget_minutes is not None:
        body["helper_budget_minutes"] = helper_budget_minutes
    r = await client.post(f"{factories.API}/projects", headers=owner.headers, json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def add_member(
    client: httpx.AsyncClient,
    project_id: str,
    by: Actor,
    person: Actor,
    *,
    role: str | None = "helper",
    accept: bool = True,
    **fields: Any,
) -> None:
    """``by`` seats ``person`` on the project and, unless ``accept`` is false, ``person``
    accepts (``role=None`` leaves the role to the API's default)."""
    body: dict[str, Any] = {"user_id": person.id, **fields}
    if role is not None:
        body["role"] = role
    r = await client.post(
        f"{factories.API}/projects/{project_id}/members", headers=by.headers, json=body
    )
    assert r.status_code == 201, r.text
    if accept:
        r = await client.patch(
            f"{factories.API}/projects/{project_id}/members/{person.id}",
            headers=person.headers,
            json={"state": "active"},
        )
        assert r.status_code == 200, r.text
