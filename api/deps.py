"""Typed dependency aliases the routers declare: the session, settings, security and the caller."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.config import Settings
from api.db import SAFE_METHODS, get_session
from api.errors import Unauthorized
from api.kit.idempotency import IdempotentCreate
from api.kit.principal import Caller
from api.models import User
from api.security import InvalidToken, Security
from api.services import api_keys as api_key_service
from api.services import users as user_service
from api.user_cache import ActiveUserCache

# scope="function": the session commits when the handler returns, before the response.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

INVALID_ACCESS_TOKEN = "The access token is invalid or expired"

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


# These (and client_address) are `async def` although they never wait: FastAPI runs a plain
# `def` dependency in its thread pool, a thread hop on every request for a dict lookup.
async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


async def get_security(request: Request) -> Security:
    return request.app.state.security


async def get_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    return request.app.state.sessionmaker


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SecurityDep = Annotated[Security, Depends(get_security)]
# Sessions of their own, for counters that must commit before the request's transaction does.
SessionmakerDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)]


@dataclass(frozen=True, slots=True)
class Authenticated:
    caller: Caller
    # The access token's expiry; None for an API key (valid until revoked or its own expiry).
    expires_at: datetime | None


async def authenticate_bearer(
    request: Request, session: AsyncSession, token: str | None, *, count_key_use: bool = True
) -> Authenticated:
    """Who the bearer token stands for, or ``Unauthorized``: the one authentication every
    request runs (``current_caller``) and every live stream runs again while it is open.

    A bearer token starting ``mm_`` is an API key: authenticated, rate-limited (unless
    ``count_key_use`` is off, for a stream's re-checks) and checked against the scope of
    the matched route's declaration here, so no route can skip the check.

    Any other token is an access token. It must be signed here, unexpired, and carry the
    user's current ``token_version``: signing out, a password change, an admin's reset and
    deactivation raise the version in the user's row (api/services/users.py:
    revoke_access_tokens), so tokens issued before are refused from the next request on, on
    every API process. The signature check may come from this process's cache of verified
    tokens; the comparison with the row never does. The row is the user cache's, which
    forgets a changed user within milliseconds on every process (api/user_cache.py), so a
    cached read adds no query.
    """
    if not token:
        raise Unauthorized("Not authenticated")
    security: Security = request.app.state.security
    if api_key_service.looks_like_api_key(token):
        caller = await api_key_service.authenticate(
            sessionmaker=request.app.state.sessionmaker,
            settings=request.app.state.settings,
            key=token,
            count_use=count_key_use,
        )
        request.state.organization_id = caller.organization_id
        # The matched APIRoute carries its router's dependencies and its own, the scope
        # declarations among them; no route (a 404, say) means no declaration: refused.
        route = request.scope.get("route")
        api_key_service.authorize_route(
            caller, method=request.method, dependant=getattr(route, "dependant", None)
        )
        return Authenticated(caller=caller, expires_at=None)
    try:
        claims = security.decode_token(token, expected_type="access")
    except InvalidToken:
        raise Unauthorized(INVALID_ACCESS_TOKEN) from None
    user = await _active_user(request, session, claims.subject, claims.organization_id)
    assert claims.token_version is not None  # an access token always carries it
    if user is not None and claims.token_version > user.token_version:
        # Issued after a raise this process has not heard of yet (the notice is on its
        # way): the row decides. Versions only rise, so an older token needs no second look.
        user = await user_service.get_active_user_for_token(
            session=session, user_id=claims.subject, organization_id=claims.organization_id
        )
    if user is None or user.token_version != claims.token_version:
        raise Unauthorized(INVALID_ACCESS_TOKEN)
    request.state.organization_id = user.organization_id
    caller = Caller(user=user, sign_in_id=claims.family_id)
    return Authenticated(caller=caller, expires_at=claims.expires_at)


async def current_caller(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Caller:
    """The authentication dependency: every route outside the allowlist depends on it."""
    authenticated = await authenticate_bearer(request, session, token)
    request.state.token_expires_at = authenticated.expires_at
    return authenticated.caller


async def _active_user(
    request: Request, session: AsyncSession, user_id: uuid.UUID, organization_id: uuid.UUID
) -> User | None:
    """The token's user if still active: from the user cache for reads (see api/user_cache.py),
    always from the database for writes, so a write never acts on a stale role."""
    if request.method not in SAFE_METHODS:
        return await user_service.get_active_user_for_token(
            session=session, user_id=user_id, organization_id=organization_id
        )
    cache: ActiveUserCache = request.app.state.user_cache
    user = cache.get(user_id, organization_id)
    if user is not None:
        return user
    if not cache.live:
        request.app.state.live_hub.start_listening()
    generation = cache.generation
    user = await user_service.get_active_user_for_token(
        session=session, user_id=user_id, organization_id=organization_id
    )
    if user is not None:
        cache.put(user, generation=generation)
    return user


CurrentCaller = Annotated[Caller, Depends(current_caller)]


# What sign-ins and sign-ups count against when the server rewrote the peer from a header we
# do not trust: every such request came through the same kind of proxy, so they share one.
UNTRUSTED_PROXY_ADDRESS = "untrusted-proxy"


def _forwarded_hosts(request: Request) -> list[str]:
    """The X-Forwarded-For entries, in order, without ports (``1.2.3.4:80``, ``[::1]:80``)."""
    hosts = []
    for value in request.headers.getlist("x-forwarded-for"):
        for entry in value.split(","):
            entry = entry.strip()
            if entry.startswith("[") and "]" in entry:
                entry = entry[1 : entry.index("]")]
            elif entry.count(":") == 1:
                entry = entry.split(":", 1)[0]
            if entry:
                hosts.append(entry)
    return hosts


@dataclass(frozen=True, slots=True)
class StreamCredentials:
    """The credentials a live stream opened with, to run their authentication again."""

    request: Request
    token: str | None
    expires_at: datetime | None

    async def reauthenticate(self, session: AsyncSession) -> Caller:
        return (
            await authenticate_bearer(self.request, session, self.token, count_key_use=False)
        ).caller


async def stream_credentials(
    request: Request,
    caller: CurrentCaller,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> StreamCredentials:
    # Depends on the caller, so the first authentication has run (and set the expiry).
    return StreamCredentials(request, token, request.state.token_expires_at)


StreamCredentialsDep = Annotated[StreamCredentials, Depends(stream_credentials)]


async def get_clock(request: Request) -> Callable[[], datetime]:
    return request.app.state.clock


# The time rules that depend on "now" read it here, so tests can pin it (app.state.clock).
ClockDep = Annotated[Callable[[], datetime], Depends(get_clock)]


async def client_address(request: Request, settings: SettingsDep) -> str:
    """The address sign-ins and sign-ups are counted against.

    Trusted (``TRUST_FORWARDED_FOR=true``, behind your own proxy): the last X-Forwarded-For
    entry, the one that proxy wrote; entries before it are whatever the client claimed.
    Untrusted: the TCP peer, and never an address a header could have supplied. uvicorn
    rewrites the peer from X-Forwarded-For by default when the connection comes from
    127.0.0.1 (unless started with ``--no-proxy-headers``), and the real peer is gone from the
    ASGI scope by then: a peer that equals a forwarded entry is such a rewrite, so those
    requests count as one address, the proxy they came through.
    """
    forwarded = _forwarded_hosts(request)
    if settings.trust_forwarded_for and forwarded:
        return forwarded[-1]
    peer = request.client.host if request.client else None
    if not peer:
        return "unknown"
    if not settings.trust_forwarded_for and peer in forwarded:
        return UNTRUSTED_PROXY_ADDRESS
    return peer


ClientAddress = Annotated[str, Depends(client_address)]


async def idempotent_create(
    request: Request,
    session: SessionDep,
    caller: CurrentCaller,
    security: SecurityDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            description="Send the same key to retry safely: the first response is replayed",
        ),
    ] = None,
) -> IdempotentCreate:
    body = await request.body()
    return IdempotentCreate(
        session=session,
        caller=caller,
        key=idempotency_key,
        request_fingerprint=security.request_fingerprint(request.method, request.url.path, body),
        secret_box=security.secret_box,
    )


IdempotencyDep = Annotated[IdempotentCreate, Depends(idempotent_create)]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match", max_length=1000, description="ETag of the version you read; 412 if stale"
    ),
]
