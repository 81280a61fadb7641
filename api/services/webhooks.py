"""Outbound webhook endpoints (admins only), their signing secrets and the delivery log.

Secrets are Standard Webhooks ``whsec_`` keys, shown once at creation and stored sealed
(``api.security.SecretBox``, as CRM secrets are, bound to the endpoint's row): the worker can
sign with them, the API never hands them out again. Changing SECRET_KEY therefore means
re-creating the endpoints.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Select, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.config import Settings
from api.errors import Conflict, Forbidden, InvalidInput, NotFound
from api.kit import audit, outbox, ssrf
from api.kit.patching import requested_changes
from api.kit.principal import Caller
from api.kit.versioning import ensure_current
from api.models import (
    DeliveryState,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
    WebhookSubscription,
    utcnow,
)
from api.pagination import paginate
from api.schemas.webhooks import (
    WebhookDeliveryRead,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointRead,
    WebhookEndpointUpdate,
)
from api.security import secret_box

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
DISABLED_BY_ADMIN = "Disabled by an admin"


# --- secrets ---------------------------------------------------------------------------------


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def sealing_context(endpoint_id: uuid.UUID) -> str:
    # alembic/versions/2026_12_02_0011_one_sealing_scheme.py seals existing rows with it too.
    return f"webhook_endpoint:{endpoint_id}:secret"


def seal_secret(settings: Settings, endpoint_id: uuid.UUID, secret: str) -> str:
    return secret_box(settings.secret_key or "").seal(secret, context=sealing_context(endpoint_id))


def open_secret(settings: Settings, endpoint_id: uuid.UUID, sealed: str) -> str:
    """The signing secret; ``InvalidToken`` when it was sealed under another SECRET_KEY."""
    return secret_box(settings.secret_key or "").open(sealed, context=sealing_context(endpoint_id))


# --- access ----------------------------------------------------------------------------------


def _ensure_admin(caller: Caller) -> None:
    # API keys act as their admin but never administer integrations (DESIGN.md).
    if not caller.is_admin or getattr(caller, "is_api_key", False):
        raise Forbidden("Only admins manage webhooks")


def readable_endpoints(caller: Caller) -> Select[WebhookEndpoint]:
    """The one scoping query: the caller's organization's endpoints, for admins."""
    _ensure_admin(caller)
    return select(WebhookEndpoint).where(
        col(WebhookEndpoint.organization_id) == caller.organization_id
    )


async def _endpoint(
    session: AsyncSession, caller: Caller, endpoint_id: uuid.UUID, *, for_update: bool = False
) -> WebhookEndpoint:
    statement = readable_endpoints(caller).where(col(WebhookEndpoint.id) == endpoint_id)
    if for_update:
        statement = statement.with_for_update()
    endpoint = await session.scalar(statement)
    if endpoint is None:
        raise NotFound("Webhook endpoint not found")
    return endpoint


async def checked_target_url(
    settings: Settings, url: str, *, receives: str = "webhooks", field: str = "url"
) -> str:
    """``url`` if the SSRF guard lets the service post to it under the webhook settings
    (outbound webhooks and chat channels alike), else 422 on ``field``."""
    try:
        return await ssrf.check_url(
            url,
            allow_private=settings.webhook_allow_private_targets,
            https_only=settings.webhook_https_only,
            dns_timeout=settings.webhook_dns_timeout_seconds,
        )
    except ssrf.UnsafeURL as exc:
        raise InvalidInput(
            f"This URL cannot receive {receives}: {exc.reason}", loc=["body", field]
        ) from None


# --- presenting ------------------------------------------------------------------------------


async def _events_by_endpoint(
    session: AsyncSession, endpoint_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[WebhookEventType]]:
    events: dict[uuid.UUID, list[WebhookEventType]] = defaultdict(list)
    if endpoint_ids:
        rows = await session.execute(
            select(col(WebhookSubscription.endpoint_id), col(WebhookSubscription.event_type))
            .where(col(WebhookSubscription.endpoint_id).in_(endpoint_ids))
            .order_by(col(WebhookSubscription.event_type))
        )
        for endpoint_id, event_type in rows:
            events[endpoint_id].append(event_type)
    return events


async def present_endpoints(
    session: AsyncSession, endpoints: Sequence[WebhookEndpoint]
) -> list[WebhookEndpointRead]:
    """Endpoints with their event types, one query for the whole page."""
    events = await _events_by_endpoint(session, [e.id for e in endpoints])
    return [
        WebhookEndpointRead(
            id=e.id,
            url=e.url,
            events=events[e.id],
            description=e.description,
            enabled=e.enabled,
            disabled_reason=e.disabled_reason,
            disabled_at=e.disabled_at,
            created_at=e.created_at,
            updated_at=e.updated_at,
        )
        for e in endpoints
    ]


# --- endpoints -------------------------------------------------------------------------------


def _subscribe(
    session: AsyncSession, endpoint: WebhookEndpoint, events: Sequence[WebhookEventType]
) -> None:
    session.add_all(
        WebhookSubscription(
            endpoint_id=endpoint.id, event_type=event, organization_id=endpoint.organization_id
        )
        for event in events
    )


async def create_endpoint(
    *, session: AsyncSession, caller: Caller, settings: Settings, data: WebhookEndpointCreate
) -> WebhookEndpointCreated:
    _ensure_admin(caller)
    url = await checked_target_url(settings, data.url)
    secret = new_secret()
    endpoint_id = uuid.uuid4()  # the sealed secret is bound to the row's id
    endpoint = WebhookEndpoint(
        id=endpoint_id,
        organization_id=caller.organization_id,
        url=url,
        description=data.description,
        secret_ciphertext=seal_secret(settings, endpoint_id, secret),
    )
    session.add(endpoint)
    await session.flush()
    _subscribe(session, endpoint, data.events)
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="webhook_endpoint.created",
        entity_type="webhook_endpoint",
        entity_id=endpoint.id,
        changes={"url": url, "events": data.events, "description": data.description},
    )
    (read,) = await present_endpoints(session, [endpoint])
    return WebhookEndpointCreated(**read.model_dump(), secret=secret)


async def list_endpoints(
    *, session: AsyncSession, caller: Caller, limit: int, cursor: str | None
) -> tuple[list[WebhookEndpointRead], str | None]:
    endpoints, next_cursor = await paginate(
        session,
        readable_endpoints(caller),
        time_column=col(WebhookEndpoint.created_at),
        id_column=col(WebhookEndpoint.id),
        limit=limit,
        cursor=cursor,
    )
    return await present_endpoints(session, endpoints), next_cursor


async def get_endpoint(
    *, session: AsyncSession, caller: Caller, endpoint_id: uuid.UUID
) -> tuple[WebhookEndpoint, WebhookEndpointRead]:
    endpoint = await _endpoint(session, caller, endpoint_id)
    (read,) = await present_endpoints(session, [endpoint])
    return endpoint, read


async def stop_pending(session: AsyncSession, endpoint_id: uuid.UUID, reason: str) -> None:
    """A disabled endpoint's queue is failed, with the reason in the log (a retry, once the
    endpoint is enabled again, sends one of them anew)."""
    await session.execute(
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.endpoint_id) == endpoint_id,
            col(WebhookDelivery.state) == DeliveryState.pending,
        )
        .values(
            state=DeliveryState.failed,
            next_attempt_at=None,
            last_error=f"{outbox.NOT_SENT_PREFIX}{reason}"[:500],
            updated_at=utcnow(),
        )
    )


async def update_endpoint(
    *,
    session: AsyncSession,
    caller: Caller,
    settings: Settings,
    endpoint_id: uuid.UUID,
    data: WebhookEndpointUpdate,
    if_match: str | None,
) -> tuple[WebhookEndpoint, WebhookEndpointRead]:
    endpoint = await _endpoint(session, caller, endpoint_id, for_update=True)
    ensure_current(endpoint, if_match)
    changes = requested_changes(data)
    if "url" in changes:
        changes["url"] = endpoint.url = await checked_target_url(settings, changes["url"])
    if "description" in changes:
        endpoint.description = changes["description"]
    if "events" in changes:
        await session.execute(
            delete(WebhookSubscription).where(col(WebhookSubscription.endpoint_id) == endpoint.id)
        )
        _subscribe(session, endpoint, changes["events"])
    now = utcnow()
    if "enabled" in changes and changes["enabled"] != endpoint.enabled:
        endpoint.enabled = changes["enabled"]
        if endpoint.enabled:
            # What was not sent while it was off goes out now (outbox.requeue_unsent).
            await outbox.requeue_unsent(session, endpoint, disabled_at=endpoint.disabled_at)
            endpoint.disabled_reason = endpoint.disabled_at = None
        else:
            endpoint.disabled_reason, endpoint.disabled_at = DISABLED_BY_ADMIN, now
            await stop_pending(session, endpoint.id, DISABLED_BY_ADMIN.lower())
    endpoint.updated_at = now
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="webhook_endpoint.updated",
        entity_type="webhook_endpoint",
        entity_id=endpoint.id,
        changes=changes,
    )
    (read,) = await present_endpoints(session, [endpoint])
    return endpoint, read


async def delete_endpoint(*, session: AsyncSession, caller: Caller, endpoint_id: uuid.UUID) -> None:
    """The endpoint goes with its subscriptions and delivery log (the events stay)."""
    endpoint = await _endpoint(session, caller, endpoint_id, for_update=True)
    await session.delete(endpoint)
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="webhook_endpoint.deleted",
        entity_type="webhook_endpoint",
        entity_id=endpoint_id,
        changes={"url": endpoint.url},
    )


# --- deliveries ------------------------------------------------------------------------------


def _delivery_read(delivery: WebhookDelivery, event: WebhookEvent) -> WebhookDeliveryRead:
    return WebhookDeliveryRead(
        id=delivery.id,
        endpoint_id=delivery.endpoint_id,
        event_id=event.id,
        event_type=event.type,
        payload=envelope(event),
        state=delivery.state,
        attempts=delivery.attempts,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        last_attempt_at=delivery.last_attempt_at,
        next_attempt_at=delivery.next_attempt_at,
        delivered_at=delivery.delivered_at,
        created_at=delivery.created_at,
        updated_at=delivery.updated_at,
    )


def envelope(event: WebhookEvent) -> dict:
    """The body subscribers receive (the Standard Webhooks payload structure)."""
    return {
        "type": event.type.value,
        "timestamp": event.created_at.isoformat(),
        "data": event.payload,
    }


async def list_deliveries(
    *,
    session: AsyncSession,
    caller: Caller,
    endpoint_id: uuid.UUID,
    limit: int,
    cursor: str | None,
    state: DeliveryState | None = None,
) -> tuple[list[WebhookDeliveryRead], str | None]:
    """The endpoint's delivery log, newest first (keyset on created_at, id descending)."""
    endpoint = await _endpoint(session, caller, endpoint_id)
    statement = (
        select(WebhookDelivery, WebhookEvent)
        .join(WebhookEvent, col(WebhookEvent.id) == WebhookDelivery.event_id)
        .where(col(WebhookDelivery.endpoint_id) == endpoint.id)
    )
    if state is not None:
        statement = statement.where(col(WebhookDelivery.state) == state)
    rows, next_cursor = await paginate(
        session,
        statement,
        time_column=col(WebhookDelivery.created_at),
        id_column=col(WebhookDelivery.id),
        limit=limit,
        cursor=cursor,
        plain_rows=True,
        newest_first=True,
        keys_of=lambda row: row[0],
    )
    return [_delivery_read(delivery, event) for delivery, event in rows], next_cursor


async def retry_delivery(
    *, session: AsyncSession, caller: Caller, delivery_id: uuid.UUID
) -> WebhookDeliveryRead:
    """Queue the delivery for now. A failed one gets one more attempt; a pending one stops
    waiting for its back-off; a delivered one is sent again (same webhook-id, so receivers
    that deduplicate ignore it)."""
    row = (
        await session.execute(
            select(WebhookDelivery, WebhookEvent, col(WebhookEndpoint.enabled))
            .join(WebhookEvent, col(WebhookEvent.id) == WebhookDelivery.event_id)
            .join(WebhookEndpoint, col(WebhookEndpoint.id) == WebhookDelivery.endpoint_id)
            .where(
                col(WebhookDelivery.id) == delivery_id,
                col(WebhookEndpoint.id).in_(
                    readable_endpoints(caller).with_only_columns(col(WebhookEndpoint.id))
                ),
            )
            .with_for_update(of=WebhookDelivery)
        )
    ).first()
    if row is None:
        raise NotFound("Webhook delivery not found")
    delivery, event, enabled = row
    if not enabled:
        raise Conflict("The endpoint is disabled: enable it before retrying its deliveries")
    now = utcnow()
    delivery.state = DeliveryState.pending
    delivery.next_attempt_at = now
    delivery.updated_at = now
    await session.flush()
    await outbox.wake(session)
    audit.record(
        session,
        caller=caller,
        action="webhook_delivery.retried",
        entity_type="webhook_delivery",
        entity_id=delivery.id,
    )
    return _delivery_read(delivery, event)
