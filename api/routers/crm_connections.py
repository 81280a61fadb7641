"""CRM connections (admins only) and the log of the events each one delivered."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from api.deps import CurrentCaller, IdempotencyDep, SecurityDep, SessionDep, SettingsDep
from api.errors import problem_responses
from api.models import CrmConnection, CrmInboundEvent, InboundResult
from api.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from api.routers import API_PREFIX
from api.routers.common import Created, created
from api.schemas.crm_connections import (
    CrmConnectionCreate,
    CrmConnectionCreated,
    CrmConnectionPage,
    CrmConnectionRead,
    CrmInboundEventPage,
    CrmInboundEventRead,
)
from api.services import crm_connections as connection_service
from api.services.api_keys import PEOPLE_ONLY

router = APIRouter(
    dependencies=[PEOPLE_ONLY],
    prefix=f"{API_PREFIX}/integrations/crm",
    tags=["integrations"],
    responses=problem_responses(401, 403, 422),
)


def webhook_url(request: Request, base_url: str | None, connection_id: uuid.UUID) -> str:
    base = base_url or str(request.base_url).rstrip("/")
    return f"{base}{API_PREFIX}/hooks/crm/{connection_id}"


_DERIVED = {"webhook_url", "api_token_set", "missing", "last_event_at", "failed_events"}


def _present(
    request: Request,
    base_url: str | None,
    row: CrmConnection,
    stats: connection_service.ConnectionStats | None = None,
) -> CrmConnectionRead:
    stats = stats or connection_service.ConnectionStats()
    return CrmConnectionRead.model_validate(
        {
            **{k: getattr(row, k) for k in CrmConnectionRead.model_fields if k not in _DERIVED},
            "webhook_url": webhook_url(request, base_url, row.id),
            "api_token_set": row.api_token_sealed is not None,
            "missing": connection_service.missing(row),
            "last_event_at": stats.last_event_at,
            "failed_events": stats.failed_events,
        }
    )


def _present_event(row: CrmInboundEvent, project_title: str | None) -> CrmInboundEventRead:
    read = CrmInboundEventRead.model_validate(row)
    read.project_title = project_title
    return read


@router.get("", response_model=CrmConnectionPage)
async def list_connections(
    request: Request,
    caller: CurrentCaller,
    session: SessionDep,
    settings: SettingsDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> CrmConnectionPage:
    """The organization's CRM connections (admins), each with when its CRM last sent an event
    and how many failed; secrets are never returned, only whether one is set."""
    rows, next_cursor = await connection_service.list_connections(
        session=session, caller=caller, limit=limit, cursor=cursor
    )
    return CrmConnectionPage(
        items=[_present(request, settings.public_base_url, row, stats) for row, stats in rows],
        next_cursor=next_cursor,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CrmConnectionCreated,
    responses=problem_responses(404, 409),
)
async def create_connection(
    data: CrmConnectionCreate,
    request: Request,
    caller: CurrentCaller,
    session: SessionDep,
    settings: SettingsDep,
    security: SecurityDep,
    idempotency: IdempotencyDep,
) -> Created:
    """Connect a CRM (admins): the answer carries the webhook URL to give the CRM and, once, the
    signing secret (a retry with the same Idempotency-Key answers it again, kept sealed
    meanwhile)."""

    async def produce() -> CrmConnectionCreated:
        row, secret = await connection_service.create_connection(
            session=session, caller=caller, box=security.secret_box, settings=settings, data=data
        )
        read = _present(request, settings.public_base_url, row)
        return CrmConnectionCreated(**read.model_dump(), signing_secret=secret)

    return created(
        await idempotency.run(
            produce, status_code=status.HTTP_201_CREATED, sealed=("signing_secret",)
        )
    )


@router.delete(
    "/{connection_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404)
)
async def delete_connection(
    connection_id: uuid.UUID, caller: CurrentCaller, session: SessionDep
) -> None:
    """Disconnect a CRM (admins); its webhook URL stops answering."""
    await connection_service.delete_connection(
        session=session, caller=caller, connection_id=connection_id
    )


@router.get(
    "/{connection_id}/events",
    response_model=CrmInboundEventPage,
    responses=problem_responses(404),
)
async def list_events(
    connection_id: uuid.UUID,
    caller: CurrentCaller,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    result: Annotated[
        InboundResult | None,
        Query(description="Only events with this result (failed: the ones to retry)"),
    ] = None,
) -> CrmInboundEventPage:
    """The connection's inbound events, newest first, with what each one did and the project
    it touched; filter by `result` (`failed` lists what an admin may retry)."""
    rows, next_cursor = await connection_service.list_events(
        session=session,
        caller=caller,
        connection_id=connection_id,
        limit=limit,
        cursor=cursor,
        result=result,
    )
    return CrmInboundEventPage(
        items=[_present_event(event, title) for event, title in rows], next_cursor=next_cursor
    )


@router.post(
    "/{connection_id}/events/{event_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=CrmInboundEventRead,
    responses=problem_responses(404, 409),
)
async def retry_event(
    connection_id: uuid.UUID, event_id: uuid.UUID, caller: CurrentCaller, session: SessionDep
) -> CrmInboundEventRead:
    """Queue a failed event again; the worker applies it anew (202: not applied yet)."""
    row, title = await connection_service.retry_event(
        session=session, caller=caller, connection_id=connection_id, event_id=event_id
    )
    return _present_event(row, title)
