"""API keys for scripts: admins create (the key is shown once), list and revoke them."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from api.deps import CurrentCaller, IdempotencyDep, SessionDep
from api.errors import problem_responses
from api.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from api.routers import API_PREFIX
from api.routers.common import Created, created
from api.schemas.api_keys import ApiKeyCreate, ApiKeyCreated, ApiKeyPage, ApiKeyRead
from api.services import api_keys as api_key_service
from api.services.api_keys import PEOPLE_ONLY

router = APIRouter(
    dependencies=[PEOPLE_ONLY],
    prefix=f"{API_PREFIX}/api-keys",
    tags=["api-keys"],
    responses=problem_responses(401, 403, 422, 429),
)


@router.get("", response_model=ApiKeyPage)
async def list_api_keys(
    caller: CurrentCaller,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> ApiKeyPage:
    """The organization's API keys (admins): prefix, scopes, last use and expiry; never the key."""
    keys, next_cursor = await api_key_service.list_api_keys(
        session=session, caller=caller, limit=limit, cursor=cursor
    )
    return ApiKeyPage(items=[ApiKeyRead.model_validate(k) for k in keys], next_cursor=next_cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiKeyCreated,
    responses=problem_responses(409),
)
async def create_api_key(
    data: ApiKeyCreate, caller: CurrentCaller, session: SessionDep, idempotency: IdempotencyDep
) -> Created:
    """Make an API key for a script (admins): the key is in this answer only; only its hash is
    kept (and, for 24 hours after a create with an Idempotency-Key, a sealed copy for the
    replay)."""

    async def produce() -> ApiKeyCreated:
        row, key = await api_key_service.create_api_key(session=session, caller=caller, data=data)
        return ApiKeyCreated(**ApiKeyRead.model_validate(row).model_dump(), key=key)

    return created(
        await idempotency.run(produce, status_code=status.HTTP_201_CREATED, sealed=("key",))
    )


@router.delete(
    "/{api_key_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404)
)
async def revoke_api_key(api_key_id: uuid.UUID, caller: CurrentCaller, session: SessionDep) -> None:
    """Revoke an API key (admins): it stops working at once."""
    await api_key_service.revoke_api_key(session=session, caller=caller, key_id=api_key_id)
