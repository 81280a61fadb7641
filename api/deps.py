"""Typed dependency aliases the routers declare: the session, settings, security and the caller."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.config import Settings
from api.db import SAFE_METHODS, get_session
from api.errors import Unauthorized
from api.models import User
from api.security import InvalidToken, Security
from api.services import api_keys as api_key_service
from api.services import users as user_service
from api.services.idempotency import IdempotentCreate, fingerprint
from api.services.principal import Caller
from api.user_cache import ActiveUserCache

# scope="function": the session commits when the handler returns, before the response.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

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


async def current_caller(
    request: Request,
    session: SessionDep,
    security: SecurityDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Caller:
    """The authentication dependency: every route outside the allowlist depends on it.

    A bearer token starting ``mm_`` is an API key: authenticated, rate-limited and checked
    against the scope of the matched route here, so no route can skip the check.
    """
    if not token:
        raise Unauthorized("Not authenticated")
    if api_key_service.looks_like_api_key(token):
        caller = await api_key_service.authenticate(
            sessionmaker=request.app.state.sessionmaker,
            settings=request.app.state.settings,
            key=token,
        )
        request.state.organization_id = caller.organization_id
        route = request.scope.get("route")
        api_key_service.authorize_route(
            caller, method=request.method, path_template=getattr(route, "path", request.url.path)
        )
        return caller
    try:
        claims = security.decode_token(token, expected_type="access")
    except InvalidToken:
        raise Unauthorized("The access token is invalid or expired") from None
    user = await _active_user(request, session, claims.subject, claims.organization_id)
    if user is None:
        raise Unauthorized("The access token is invalid or expired")
    request.state.organization_id = user.organization_id
    return Caller(user=user)


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
        request_fingerprint=fingerprint(request.method, request.url.path, body),
    )


IdempotencyDep = Annotated[IdempotentCreate, Depends(idempotent_create)]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match", max_length=1000, description="ETag of the version you read; 412 if stale"
    ),
]
