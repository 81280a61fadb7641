"""Clients and their contacts."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import CurrentCaller, IdempotencyDep, IfMatch, SessionDep
from api.errors import problem_responses
from api.models import ClientStatus
from api.openapi import ETAG_RESPONSE
from api.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from api.routers import API_PREFIX
from api.routers.common import Created, created, with_etag
from api.schemas.base import NO_NUL
from api.schemas.clients import (
    ClientCreate,
    ClientPage,
    ClientRead,
    ClientUpdate,
    ContactCreate,
    ContactPage,
    ContactRead,
)
from api.services import clients as client_service
from api.services.api_keys import key_scope

router = APIRouter(
    dependencies=[key_scope("clients")],
    prefix=f"{API_PREFIX}/clients",
    tags=["clients"],
    responses=problem_responses(401, 422),
)


@router.get("", response_model=ClientPage)
async def list_clients(
    caller: CurrentCaller,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    owner_id: uuid.UUID | None = None,
    status: ClientStatus | None = None,
    industry: Annotated[
        str | None,
        Query(max_length=120, pattern=NO_NUL, description="Industry is, case-insensitively"),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=NO_NUL,
            description="Name contains, folded (case, width, hiragana as katakana)",
        ),
    ] = None,
) -> ClientPage:
    """Clients the caller may read, newest first; `q` searches the folded name (Japanese-aware),
    `status` and `owner_id` filter."""
    return await client_service.list_clients(
        session=session,
        caller=caller,
        limit=limit,
        cursor=cursor,
        owner_id=owner_id,
        status=status,
        industry=industry,
        q=q,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ClientRead,
    responses=problem_responses(403, 404, 409),
)
async def create_client(
    data: ClientCreate, caller: CurrentCaller, session: SessionDep, idempotency: IdempotencyDep
) -> Created:
    """Create a client owned by the caller (or by `owner_id`, for managers and admins). Send
    Idempotency-Key to make a retry safe."""

    async def produce() -> ClientRead:
        return await client_service.create_client(session=session, caller=caller, data=data)

    return created(await idempotency.run(produce, status_code=status.HTTP_201_CREATED))


@router.get(
    "/{client_id}",
    response_model=ClientRead,
    responses={**problem_responses(404), 200: ETAG_RESPONSE},
)
async def get_client(
    client_id: uuid.UUID, caller: CurrentCaller, session: SessionDep, response: Response
) -> ClientRead:
    """One client; the ETag header is its version for If-Match. Another organization's id is 404."""
    read = await client_service.get_client(session=session, caller=caller, client_id=client_id)
    with_etag(response, read)
    return read


@router.patch(
    "/{client_id}",
    response_model=ClientRead,
    responses={**problem_responses(403, 404, 409, 412), 200: ETAG_RESPONSE},
)
async def update_client(
    client_id: uuid.UUID,
    data: ClientUpdate,
    caller: CurrentCaller,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ClientRead:
    """Change a client (its owner, managers, admins). Fields the schema marks nullable are
    cleared with null. Send If-Match with the ETag you read to avoid overwriting someone
    else's change (412)."""
    read = await client_service.update_client(
        session=session, caller=caller, client_id=client_id, data=data, if_match=if_match
    )
    with_etag(response, read)
    return read


@router.delete(
    "/{client_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(403, 404, 409),
)
async def delete_client(client_id: uuid.UUID, caller: CurrentCaller, session: SessionDep) -> None:
    """Archive a client (its owner, managers, admins); 409 while a project on it is still open.
    Its CRM identity is freed, so the same CRM company can come back as a new client."""
    await client_service.delete_client(session=session, caller=caller, client_id=client_id)


@router.get("/{client_id}/contacts", response_model=ContactPage, responses=problem_responses(404))
async def list_contacts(
    client_id: uuid.UUID,
    caller: CurrentCaller,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> ContactPage:
    """The client's contacts (the buyers and their roles)."""
    contacts, next_cursor = await client_service.list_contacts(
        session=session, caller=caller, client_id=client_id, limit=limit, cursor=cursor
    )
    return ContactPage(
        items=[ContactRead.model_validate(c) for c in contacts], next_cursor=next_cursor
    )


@router.post(
    "/{client_id}/contacts",
    status_code=status.HTTP_201_CREATED,
    response_model=ContactRead,
    responses=problem_responses(403, 404, 409),
)
async def create_contact(
    client_id: uuid.UUID,
    data: ContactCreate,
    caller: CurrentCaller,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Created:
    """Add a contact to the client. Send Idempotency-Key to make a retry safe."""

    async def produce() -> ContactRead:
        contact = await client_service.create_contact(
            session=session, caller=caller, client_id=client_id, data=data
        )
        return ContactRead.model_validate(contact)

    return created(await idempotency.run(produce, status_code=status.HTTP_201_CREATED))
