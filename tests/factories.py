"""Factories that build test data through the public API, as a real client would; the cast
of organizations and signed-in people goes straight to the database (tests/cast.py) when the
client is the in-process one."""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests import cast

API = "/api/v1"
DEFAULT_PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)
PROBLEM = "application/problem+json"
# What a version tag looks like (api/kit/versioning.py).
ETAG = re.compile(r'^"[0-9a-f]{32}"$')


def assert_problem(response: httpx.Response, status: int) -> dict:
    """An RFC 9457 problem document with ``status``: its members, and the instance it names."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= body.keys(), body
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["type"], str) and body["type"]
    assert body["instance"] == response.request.url.path
    return body


def assert_unauthorized(response: httpx.Response) -> dict:
    """A 401 problem that asks for a bearer token: its members."""
    body = assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    return body


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{next(_counter)}-{uuid.uuid4().hex[:6]}@example.com"


ADMIN_NAME = "Ada Admin"


def default_full_name(role: str, email: str) -> str:
    """The name ``add_user`` gives someone the test does not name."""
    return f"{role.title()} {email.split('@')[0]}"


@dataclass
class Actor:
    """A signed-in person: their user record and the headers that authenticate them."""

    user: dict[str, Any]
    access_token: str
    refresh_token: str
    password: str = DEFAULT_PASSWORD
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.user["id"]

    @property
    def organization_id(self) -> str:
        return self.user["organization_id"]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def register(
    client: httpx.AsyncClient, *, organization_name: str = "Acme Sales", email: str | None = None
) -> Actor:
    """A new organization and its admin."""
    app = cast.app_of(client)
    if app is not None:
        user, organization, tokens = await cast.cast_admin(
            app,
            organization_name=organization_name,
            email=email or unique_email("admin"),
            full_name=ADMIN_NAME,
            password=DEFAULT_PASSWORD,
        )
        return Actor(
            user=user,
            access_token=tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            extra={"organization": organization},
        )
    response = await client.post(
        f"{API}/auth/register",
        json={
            "organization_name": organization_name,
            "full_name": ADMIN_NAME,
            "email": email or unique_email("admin"),
            "password": DEFAULT_PASSWORD,
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Actor(
        user=body["user"],
        access_token=body["tokens"]["access_token"],
        refresh_token=body["tokens"]["refresh_token"],
        extra={"organization": body["organization"]},
    )


async def login(
    client: httpx.AsyncClient, email: str, password: str = DEFAULT_PASSWORD
) -> httpx.Response:
    return await client.post(f"{API}/auth/token", data={"username": email, "password": password})


async def add_user(
    client: httpx.AsyncClient,
    admin: Actor,
    *,
    role: str = "rep",
    seniority: str = "mid",
    full_name: str | None = None,
    expertise: list[str] | None = None,
) -> Actor:
    """A user created by the admin, then signed in."""
    email = unique_email(role)
    app = cast.app_of(client)
    if app is not None:
        user, tokens = await cast.cast_user(
            app,
            organization_id=admin.organization_id,
            email=email,
            full_name=full_name or default_full_name(role, email),
            role=role,
            seniority=seniority,
            expertise=expertise or [],
            password=DEFAULT_PASSWORD,
        )
        return Actor(
            user=user, access_token=tokens["access_token"], refresh_token=tokens["refresh_token"]
        )
    response = await client.post(
        f"{API}/users",
        headers=admin.headers,
        json={
            "email": email,
            "full_name": full_name or default_full_name(role, email),
            "password": DEFAULT_PASSWORD,
            "role": role,
            "seniority": seniority,
            "expertise": expertise or [],
        },
    )
    assert response.status_code == 201, response.text
    tokens = await login(client, email)
    assert tokens.status_code == 200, tokens.text
    return Actor(
        user=response.json(),
        access_token=tokens.json()["access_token"],
        refresh_token=tokens.json()["refresh_token"],
    )


async def create_team(
    client: httpx.AsyncClient, actor: Actor, *, name: str | None = None, **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        f"{API}/teams",
        headers=actor.headers,
        json={"name": name or f"Team {next(_counter)}", **fields},
    )
    assert response.status_code == 201, response.text
    return response.json()
