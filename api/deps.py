"""Typed dependency aliases the routers declare: the session, settings, security and the caller."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

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


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SecurityDep = Annotated[Security, Depends(get_security)]


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
    the matched route here, so no route can skip the check.
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
        route = request.scope.get("route")
        api_key_service.authorize_route(
            caller, method=request.method, path_template=getattr(route, "path", request.url.path)
        )
        return Authenticated(caller=caller, expires_at=None)
    try:
        claims = security.decode_token(token, expected_type="access")
    except InvalidToken:
        raise Unauthorized("The access token is invalid or expired") from None
    user = await _active_user(request, session, claims.subject, claims.organization_id)
    if user is None:
        raise Unauthorized("The access token is invalid or expired")
    request.state.organization_id = user.organization_id
    return Authenticated(caller=Caller(user=user), expires_at=claims.expires_at)


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
    if settings.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        first = forwarded.split(",")[0].strip()
        if first:
            return first
    return request.client.host if request.client else "unknown"


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
