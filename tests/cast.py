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

import contextlib
import uuid
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
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

__all__ = [
    "Cast",
    "add_member",
    "app_of",
    "bind",
    "cast_admin",
    "cast_people",
    "cast_user",
    "in_process",
    "manager",
    "new_project",
    "organization",
    "rep",
    "stranger",
]

# The in-process client of each app (tests/conftest.py binds them).
_APPS: weakref.WeakKeyDictionary[httpx.AsyncClient, FastAPI] = weakref.WeakKeyDictionary()
# password -> its argon2 hash, once per process: every cast person signs in with the same one.
_HASHES: dict[str, str] = {}


def bind(client: httpx.AsyncClient, app: FastAPI) -> None:
    """The cast writes ``client``'s people to ``app``'s database (with its keys)."""
    _APPS[client] = app


@contextlib.asynccontextmanager
async def in_process(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of ``app`` in this process (the app's errors answered as 500s, as a server
    would), bound to the cast."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        bind(client, app)
        yield client


def app_of(client: httpx.AsyncClient) -> FastAPI | None:
    return _APPS.get(client)


async def _password_hash(app: FastAPI, password: str) -> str:
    if password not in _HASHES:
        _HASHES[password] = await app.state.security.hash_password(password)
    return _HASHES[password]


def _tokens(pair: Any) -> dict[str, str]:
    return {"access_token": pair.access_token, "refresh_token": pair.refresh_token}


async def _insert(
    app: FastAPI, organization: Organization | None, users: list[User], password: str
) -> tuple[list[tuple[dict[str, Any], dict[str, str]]], dict[str, Any] | None]:
    """``users`` (and first ``organization``, whose id they then get) in one transaction,
    each with a minted token pair: their read models and tokens, and the organization's."""
    password_hash = await _password_hash(app, password)
    people = []
    async with app.state.sessionmaker() as session, session.begin():
        if organization is not None:
            session.add(organization)
            await session.flush()
        for user in users:
            user.password_hash = password_hash
            if organization is not None:
                user.organization_id = organization.id
        session.add_all(users)
        await session.flush()
        for user in users:
            pair = await issue_token_pair(
                session=session, security=app.state.security, settings=app.state.settings, user=user
            )
            people.append((UserRead.model_validate(user).model_dump(mode="json"), _tokens(pair)))
        organization_read = (
            OrganizationRead.model_validate(organization).model_dump(mode="json")
            if organization is not None
            else None
        )
    return people, organization_read


def _user(
    organization_id: str | uuid.UUID,
    *,
    email: str,
    full_name: str,
    role: str,
    seniority: str = "mid",
    expertise: list[str] | None = None,
) -> User:
    return User(
        organization_id=uuid.UUID(str(organization_id)),
        email=email.lower(),
        full_name=full_name,
        role=Role(role),
        seniority=Seniority(seniority),
        expertise=expertise or [],
        password_hash="",
    )


async def cast_admin(
    app: FastAPI, *, organization_name: str, email: str, full_name: str, password: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """A new organization and its first admin, as POST /auth/register makes them."""
    # The organization id is replaced by the new organization's on insert.
    admin = _user(uuid.uuid4(), email=email, full_name=full_name, role="admin", seniority="senior")
    people, organization_read = await _insert(
        app, Organization(name=organization_name), [admin], password
    )
    assert organization_read is not None
    (user, tokens) = people[0]
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
    person = _user(
        organization_id,
        email=email,
        full_name=full_name,
        role=role,
        seniority=seniority,
        expertise=expertise,
    )
    people, _organization = await _insert(app, None, [person], password)
    return people[0]


async def cast_people(
    app: FastAPI, organization_id: str, people: list[tuple[str, str, str]], password: str
) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """Many people of one organization at once, ``(email, full_name, role)`` each, in one
    transaction: for the tests that need a crowd (fan-out, load, query counts)."""
    rows = [
        _user(organization_id, email=email, full_name=full_name, role=role, seniority="mid")
        for email, full_name, role in people
    ]
    cast, _organization = await _insert(app, None, rows, password)
    return cast


# --- a scenario's organization: its admin and the people a test names ------------------------


@dataclass(frozen=True)
class Part:
    """Someone a test needs in its organization (``full_name`` defaults as POST /users by
    ``factories.add_user`` would name them)."""

    role: str = "rep"
    full_name: str | None = None
    seniority: str = "mid"
    expertise: tuple[str, ...] = ()


def rep(full_name: str | None = None, *, seniority: str = "mid", **rest: Any) -> Part:
    return Part("rep", full_name, seniority, tuple(rest.get("expertise", ())))


def manager(full_name: str | None = None, *, seniority: str = "mid", **rest: Any) -> Part:
    return Part("manager", full_name, seniority, tuple(rest.get("expertise", ())))


@dataclass(frozen=True)
class Stranger:
    """The admin of another organization (the one who must not see)."""

    organization_name: str = "Rival Inc"


def stranger(organization_name: str = "Rival Inc") -> Stranger:
    return Stranger(organization_name)


class Cast:
    """An organization's admin and the people a test names, as attributes (``cast.helper``)
    and by name (``cast["helper"]``); a scenario adds what it builds on them (projects,
    teams, sessions) as further attributes."""

    admin: Actor

    def __init__(self, admin: Actor, **people: Actor) -> None:
        self.admin = admin
        self.names = ["admin", *people]
        for name, actor in people.items():
            setattr(self, name, actor)

    def __getattr__(self, name: str) -> Any:  # only for what was never set: a clear error
        raise AttributeError(f"the cast has no {name!r} (it has {', '.join(self.names)})")

    def __getitem__(self, name: str) -> Actor:
        actor: Actor = getattr(self, name)
        return actor

    @property
    def organization_id(self) -> str:
        return self.admin.organization_id

    @property
    def people(self) -> list[Actor]:
        """Everyone named, the admin first, in the order given."""
        return [self[name] for name in self.names]

    def by_id(self, user_id: str) -> Actor:
        return next(actor for actor in self.people if actor.id == user_id)


async def organization(
    client: httpx.AsyncClient,
    name: str = "Acme Sales",
    *,
    admin_email: str | None = None,
    **people: Part | Stranger,
) -> Cast:
    """An organization named ``name`` with its admin and ``people`` (name -> ``rep()``,
    ``manager()``, or ``stranger()`` for another organization's admin), all signed in. For
    the in-process client, one transaction; for any other, through the API."""
    strangers = {n: p for n, p in people.items() if isinstance(p, Stranger)}
    parts = {n: p for n, p in people.items() if isinstance(p, Part)}
    app = app_of(client)
    actors: dict[str, Actor] = {}
    if app is None:
        admin = await factories.register(client, organization_name=name, email=admin_email)
        for who, part in parts.items():
            actors[who] = await factories.add_user(
                client,
                admin,
                role=part.role,
                seniority=part.seniority,
                full_name=part.full_name,
                expertise=list(part.expertise),
            )
    else:
        rows = [_admin_row(admin_email)]
        for part in parts.values():
            email = factories.unique_email(part.role)
            rows.append(
                _user(
                    uuid.uuid4(),
                    email=email,
                    full_name=part.full_name or factories.default_full_name(part.role, email),
                    role=part.role,
                    seniority=part.seniority,
                    expertise=list(part.expertise),
                )
            )
        inserted, organization_read = await _insert(
            app, Organization(name=name), rows, factories.DEFAULT_PASSWORD
        )
        (admin_user, admin_tokens), *others = inserted
        admin = _actor(admin_user, admin_tokens, organization=organization_read)
        for who, (user, tokens) in zip(parts, others, strict=True):
            actors[who] = _actor(user, tokens)
    for who, elsewhere in strangers.items():
        actors[who] = await factories.register(
            client, organization_name=elsewhere.organization_name
        )
    return Cast(admin, **{who: actors[who] for who in people})


def _admin_row(email: str | None) -> User:
    return _user(
        uuid.uuid4(),
        email=email or factories.unique_email("admin"),
        full_name=factories.ADMIN_NAME,
        role="admin",
        seniority="senior",
    )


def _actor(user: dict[str, Any], tokens: dict[str, str], **extra: Any) -> Actor:
    return factories.Actor(
        user=user,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        extra=extra,
    )


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


async def close_project(
    client: httpx.AsyncClient, project_id: str, owner: Actor, result: str
) -> dict[str, Any]:
    """Close a project ``won`` or ``lost`` (a lost one needs a reason: "price")."""
    reason = {"lost_reason": "price"} if result == "lost" else {}
    r = await client.post(
        f"{factories.API}/projects/{project_id}/close",
        headers=owner.headers,
        json={"result": result, **reason},
    )
    assert r.status_code == 200, r.text
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
