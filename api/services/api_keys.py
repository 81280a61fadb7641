"""API keys for scripts and BI tools: creation, listing, revocation, and authenticating a
request made with one.

How a key is allowed to act (decided here, documented in the README):

* **Identity.** A key acts as the admin who created it, inside that admin's organization:
  services see that admin as ``caller.user`` (so a key reads organization-wide, as an admin
  does, and audit rows name the admin), with ``caller.api_key_id`` and ``caller.scopes`` set.
  If the admin is deactivated or is no longer an admin, their keys stop working (401).
* **Scope of a route.** Declared where the route is: its router (or the route itself, which
  wins) depends on ``key_scope("<resource>")`` or on ``PEOPLE_ONLY``. ``GET``/``HEAD`` need
  ``<resource>:read``, any other method ``<resource>:write``; ``write`` does not imply
  ``read``. A people-only route (users, teams, CRM connections, API keys, webhooks) and a
  route that declares nothing are refused to every key with 403: a new route is closed to
  keys until its router opens it, and tests/routers/test_api_keys.py fails until it says which.
* **Checked in one place.** ``api.deps.authenticate_bearer`` calls ``authorize_route`` for every
  key request with the matched route, so no route can forget it (the declarations
  themselves do nothing when resolved); tests/routers/test_api_keys.py walks every served route.
* **Rate limit.** Requests per key in a fixed one-minute window, counted in the database
  (``api_key_window``, one atomic upsert) so every replica shares the count; 429 with
  Retry-After. ``last_used_at`` is written at most once a minute per key.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, get_args

from fastapi import Depends, params
from fastapi.dependencies.models import Dependant
from sqlalchemy import Select, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.config import Settings
from api.db import upsert
from api.errors import Conflict, Forbidden, NotFound, TooManyRequests, Unauthorized
from api.kit import audit
from api.kit.principal import Caller
from api.models import ApiKey, ApiKeyWindow, Role, User, utcnow
from api.pagination import paginate
from api.schemas.api_keys import ApiKeyCreate
from api.security import API_KEY_PREFIX, API_KEY_SHOWN_CHARS, hash_secret, new_api_key

READ_METHODS = frozenset({"GET", "HEAD"})
LAST_USED_RESOLUTION = timedelta(minutes=1)
WINDOW_SECONDS = 60

Resource = Literal["clients", "projects", "sessions", "ledger", "people"]
RESOURCES: tuple[Resource, ...] = get_args(Resource)

INVALID_KEY = "The API key is invalid, expired or revoked"


@dataclass(frozen=True, slots=True)
class KeyScope:
    """What a router or route declares about API keys: the resource whose scope they need,
    or ``None`` for routes only people call. A declaration, read by ``authorize_route`` from
    the matched route; resolving it as a dependency does nothing."""

    resource: Resource | None

    async def __call__(self) -> None:
        return None


def key_scope(resource: Resource) -> params.Depends:
    """``APIRouter(dependencies=[key_scope("projects")])``: keys with ``projects:read`` read
    these routes, keys with ``projects:write`` call the rest."""
    return Depends(KeyScope(resource))


# ``APIRouter(dependencies=[PEOPLE_ONLY])``: no key calls these routes, whatever its scopes.
PEOPLE_ONLY = Depends(KeyScope(None))


def declared_key_scope(dependant: Dependant) -> KeyScope | None:
    """The route's declaration: the route's own if it has one, else its router's (FastAPI
    lists the router's dependencies first); None when neither declared anything."""
    declared = [d.call for d in dependant.dependencies if isinstance(d.call, KeyScope)]
    return declared[-1] if declared else None


def required_scope(method: str, dependant: Dependant) -> str | None:
    """The scope a key needs for this route, or None when no key may call it."""
    declaration = declared_key_scope(dependant)
    if declaration is None or declaration.resource is None:
        return None
    return f"{declaration.resource}:{'read' if method.upper() in READ_METHODS else 'write'}"


def authorize_route(caller: Caller, *, method: str, dependant: Dependant | None) -> None:
    scope = None if dependant is None else required_scope(method, dependant)
    if scope is None:
        raise Forbidden("API keys cannot call this endpoint; sign in as a person")
    if scope not in caller.scopes:
        raise Forbidden(f"This API key lacks the scope {scope}")


def looks_like_api_key(token: str) -> bool:
    return token.startswith(API_KEY_PREFIX)


# --- administration -------------------------------------------------------------------------


def _ensure_admin(caller: Caller) -> None:
    if caller.is_api_key or not caller.is_admin:
        raise Forbidden("Only admins manage API keys")


async def create_api_key(
    *, session: AsyncSession, caller: Caller, data: ApiKeyCreate
) -> tuple[ApiKey, str]:
    """The new key row and the key itself, which is never available again."""
    _ensure_admin(caller)
    if data.expires_at is not None and data.expires_at <= utcnow():
        raise Conflict("expires_at must be in the future")
    key = new_api_key()
    row = ApiKey(
        organization_id=caller.organization_id,
        created_by_id=caller.user_id,
        name=data.name,
        prefix=key[:API_KEY_SHOWN_CHARS],
        key_hash=hash_secret(key),
        scopes=list(data.scopes),
        expires_at=data.expires_at,
    )
    session.add(row)
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="api_key.created",
        entity_type="api_key",
        entity_id=row.id,
        changes={"name": row.name, "scopes": row.scopes, "expires_at": row.expires_at},
    )
    return row, key


def _organization_keys(caller: Caller) -> Select[ApiKey]:
    return select(ApiKey).where(
        col(ApiKey.organization_id) == caller.organization_id, col(ApiKey.revoked_at).is_(None)
    )


async def list_api_keys(
    *, session: AsyncSession, caller: Caller, limit: int, cursor: str | None
) -> tuple[Sequence[ApiKey], str | None]:
    _ensure_admin(caller)
    return await paginate(
        session,
        _organization_keys(caller),
        time_column=col(ApiKey.created_at),
        id_column=col(ApiKey.id),
        limit=limit,
        cursor=cursor,
    )


async def revoke_api_key(*, session: AsyncSession, caller: Caller, key_id: uuid.UUID) -> None:
    """Revoked at once: the next request with the key is refused (nothing is cached)."""
    _ensure_admin(caller)
    row = await session.scalar(_organization_keys(caller).where(col(ApiKey.id) == key_id))
    if row is None:
        raise NotFound("API key not found")
    row.revoked_at = utcnow()
    await session.flush()
    audit.record(
        session, caller=caller, action="api_key.revoked", entity_type="api_key", entity_id=row.id
    )


# --- authenticating a request ---------------------------------------------------------------


async def authenticate(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    key: str,
    count_use: bool = True,
) -> Caller:
    """The caller a key stands for, after counting the request against the key's limit
    (``count_use=False``: only the checks, for a live stream that re-checks its key).

    Runs in a short transaction of its own, before the request's session does anything: the
    count must stick even when the request itself fails and rolls back, and the count's row
    lock must not be held for the whole request (that would serialize a key's requests).
    """
    now = utcnow()
    async with sessionmaker() as session, session.begin():
        row = (
            await session.execute(
                select(ApiKey, User)
                .join(User, col(User.id) == ApiKey.created_by_id)
                .where(col(ApiKey.key_hash) == hash_secret(key), col(ApiKey.revoked_at).is_(None))
            )
        ).first()
        if row is None:
            raise Unauthorized(INVALID_KEY)
        api_key, user = row
        if (
            (api_key.expires_at is not None and api_key.expires_at <= now)
            or not user.is_active
            or user.role != Role.admin
            or user.organization_id != api_key.organization_id
        ):
            raise Unauthorized(INVALID_KEY)
        if not count_use:
            return Caller(user=user, api_key_id=api_key.id, scopes=frozenset(api_key.scopes))

        window = int(now.timestamp()) // WINDOW_SECONDS
        statement = upsert(session, ApiKeyWindow).values(
            api_key_id=api_key.id, window=window, hits=1
        )
        hits = await session.scalar(
            statement.on_conflict_do_update(
                index_elements=[col(ApiKeyWindow.api_key_id), col(ApiKeyWindow.window)],
                set_={"hits": col(ApiKeyWindow.hits) + 1},
            ).returning(col(ApiKeyWindow.hits))
        )
        if hits == 1:
            # A new window: the key's older windows are history.
            await session.execute(
                delete(ApiKeyWindow).where(
                    col(ApiKeyWindow.api_key_id) == api_key.id, col(ApiKeyWindow.window) < window
                )
            )
        # At most one write a minute per key: the WHERE makes the other updates no-ops.
        await session.execute(
            update(ApiKey)
            .where(
                col(ApiKey.id) == api_key.id,
                or_(
                    col(ApiKey.last_used_at).is_(None),
                    col(ApiKey.last_used_at) < now - LAST_USED_RESOLUTION,
                ),
            )
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
    if hits is not None and hits > settings.api_key_requests_per_minute:
        retry_after = math.ceil((window + 1) * WINDOW_SECONDS - now.timestamp())
        raise TooManyRequests("Too many requests with this API key", retry_after=retry_after)
    return Caller(user=user, api_key_id=api_key.id, scopes=frozenset(api_key.scopes))
