"""Outbound webhooks: endpoints (admins only), their delivery log, and manual retries."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from api.deps import (
    CurrentCaller,
    IdempotencyDep,
    IfMatch,
    SecurityDep,
    SessionDep,
    SettingsDep,
)
from api.errors import problem_responses
from api.kit.idempotency import SecretField
from api.models import DeliveryState
from api.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from api.routers import API_PREFIX
from api.routers.common import Created, created, with_etag
from api.schemas.webhooks import (
    WebhookDeliveryPage,
    WebhookDeliveryRead,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointPage,
    WebhookEndpointRead,
    WebhookEndpointUpdate,
)
from api.services import webhooks as webhook_service
from api.services.api_keys import PEOPLE_ONLY

router = APIRouter(
    dependencies=[PEOPLE_ONLY],
    prefix=f"{API_PREFIX}/webhook-endpoints",
    tags=["webhooks"],
    responses=problem_responses(401, 403, 422),
)
deliveries_router = APIRouter(
    dependencies=[PEOPLE_ONLY],
    prefix=f"{API_PREFIX}/webhook-deliveries",
    tags=["webhooks"],
    responses=problem_responses(401, 403, 422),
)


@router.get("", response_model=WebhookEndpointPage)
async def list_webhook_endpoints(
    caller: CurrentCaller,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> WebhookEndpointPage:
    items, next_cursor = await webhook_service.list_endpoints(
        session=session, caller=caller, limit=limit, cursor=cursor
    )
    return WebhookEndpointPage(items=items, next_cursor=next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=WebhookEndpointCreated)
async def create_webhook_endpoint(
    data: WebhookEndpointCreate,
    caller: CurrentCaller,
    session: SessionDep,
    settings: SettingsDep,
    security: SecurityDep,
    idempotency: IdempotencyDep,
) -> Created:
    """The signing secret is in this response only, and in its replays under the same
    Idempotency-Key (kept sealed for the key's 24 hours)."""

    async def produce() -> WebhookEndpointCreated:
        return await webhook_service.create_endpoint(
            session=session, caller=caller, settings=settings, data=data
        )

    secret = SecretField("secret", security.secret_box)
    return created(
        await idempotency.run(produce, status_code=status.HTTP_201_CREATED, secret=secret)
    )


@router.get("/{endpoint_id}", response_model=WebhookEndpointRead, responses=problem_responses(404))
async def get_webhook_endpoint(
    endpoint_id: uuid.UUID, caller: CurrentCaller, session: SessionDep, response: Response
) -> WebhookEndpointRead:
    endpoint, read = await webhook_service.get_endpoint(
        session=session, caller=caller, endpoint_id=endpoint_id
    )
    with_etag(response, endpoint)
    return read


@router.patch(
    "/{endpoint_id}", response_model=WebhookEndpointRead, responses=problem_responses(404, 412)
)
async def update_webhook_endpoint(
    endpoint_id: uuid.UUID,
    data: WebhookEndpointUpdate,
    caller: CurrentCaller,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatch = None,
) -> WebhookEndpointRead:
    endpoint, read = await webhook_service.update_endpoint(
        session=session,
        caller=caller,
        settings=settings,
        endpoint_id=endpoint_id,
        data=data,
        if_match=if_match,
    )
    with_etag(response, endpoint)
    return read


@router.delete(
    "/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404)
)
async def delete_webhook_endpoint(
    endpoint_id: uuid.UUID, caller: CurrentCaller, session: SessionDep
) -> None:
    await webhook_service.delete_endpoint(session=session, caller=caller, endpoint_id=endpoint_id)


@router.get(
    "/{endpoint_id}/deliveries",
    response_model=WebhookDeliveryPage,
    responses=problem_responses(404),
)
async def list_webhook_deliveries(
    endpoint_id: uuid.UUID,
    caller: CurrentCaller,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    state: DeliveryState | None = None,
) -> WebhookDeliveryPage:
    """Newest first."""
    items, next_cursor = await webhook_service.list_deliveries(
        session=session,
        caller=caller,
        endpoint_id=endpoint_id,
        limit=limit,
        cursor=cursor,
        state=state,
    )
    return WebhookDeliveryPage(items=items, next_cursor=next_cursor)


@deliveries_router.post(
    "/{delivery_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=WebhookDeliveryRead,
    responses=problem_responses(404, 409),
)
async def retry_webhook_delivery(
    delivery_id: uuid.UUID, caller: CurrentCaller, session: SessionDep
) -> WebhookDeliveryRead:
    """Send it again now (the worker picks it up at once)."""
    return await webhook_service.retry_delivery(
        session=session, caller=caller, delivery_id=delivery_id
    )
