"""CRM connections, administered by admins: credentials are generated (or, for HubSpot,
supplied) at creation, returned once, and kept only in a form that verifies."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.config import Settings
from api.errors import Conflict, Forbidden, InvalidInput, NotFound
from api.kit import audit, outbox, ssrf
from api.kit.principal import Caller
from api.models import (
    CrmConnection,
    CrmInboundEvent,
    CrmProvider,
    InboundResult,
    Project,
    utcnow,
)
from api.pagination import paginate
from api.schemas.crm_connections import CrmConnectionCreate
from api.security import SecretBox, hash_secret, new_password_secret, new_webhook_secret
from api.services.clients import active_user_in_organization
from api.services.crm_hooks import api_token_context, sealing_context


def _ensure_admin(caller: Caller) -> None:
    if caller.is_api_key or not caller.is_admin:
        raise Forbidden("Only admins manage CRM connections")


def readable_connections(caller: Caller) -> Select[CrmConnection]:
    return select(CrmConnection).where(
        col(CrmConnection.organization_id) == caller.organization_id,
        col(CrmConnection.deleted_at).is_(None),
    )


def missing(connection: CrmConnection) -> list[str]:
    """What the connection cannot do as it is (the read model's ``missing``)."""
    if connection.api_token_sealed is not None or connection.provider == CrmProvider.generic:
        return []
    if connection.provider == CrmProvider.hubspot:
        return [
            "access_token: without it only what HubSpot's webhooks carry is applied; deals "
            "are named 'HubSpot deal <id>' until renamed, companies by their id, owners are "
            "not handed over, and won or lost is known only for the default pipeline's "
            "closedwon and closedlost stages"
        ]
    return [
        "api_token: without it owners are not resolved (new deals go to the default owner) "
        "and organizations are named 'Pipedrive organization <id>'"
    ]


async def create_connection(
    *,
    session: AsyncSession,
    caller: Caller,
    box: SecretBox,
    settings: Settings,
    data: CrmConnectionCreate,
) -> tuple[CrmConnection, str | None]:
    """The connection and the secret to show once (None for HubSpot: the admin has it)."""
    _ensure_admin(caller)
    await active_user_in_organization(session, caller, data.default_owner_id)
    if data.provider == CrmProvider.hubspot and not data.client_secret:
        raise Conflict("A HubSpot connection needs your HubSpot app's client_secret")
    if data.provider != CrmProvider.hubspot and data.client_secret is not None:
        raise Conflict("client_secret is only for HubSpot; this provider's secret is generated")
    if data.access_token is not None and data.provider != CrmProvider.hubspot:
        raise Conflict("access_token is for HubSpot; Pipedrive takes api_token")
    if data.api_token is not None and data.provider != CrmProvider.pipedrive:
        raise Conflict("api_token is for Pipedrive; HubSpot takes access_token")
    if data.api_base_url is not None:
        if data.provider == CrmProvider.generic:
            raise Conflict("A generic connection has no CRM API to read")
        try:
            await ssrf.check_url(
                data.api_base_url,
                allow_private=settings.webhook_allow_private_targets,
                https_only=settings.webhook_https_only,
                dns_timeout=settings.webhook_dns_timeout_seconds,
            )
        except ssrf.UnsafeURL as exc:
            raise InvalidInput(exc.reason, loc=["body", "api_base_url"]) from None
    connection = CrmConnection(
        id=uuid.uuid4(),
        organization_id=caller.organization_id,
        provider=data.provider,
        name=data.name,
        default_owner_id=data.default_owner_id,
        api_base_url=data.api_base_url.strip().rstrip("/") if data.api_base_url else None,
    )
    token = data.access_token or data.api_token
    if token is not None:
        connection.api_token_sealed = box.seal(token, context=api_token_context(connection.id))
    shown: str | None = None
    if data.provider == CrmProvider.pipedrive:
        shown = new_password_secret()
        connection.basic_username = f"mastermind-{connection.id.hex[:12]}"
        connection.basic_password_hash = hash_secret(shown)
    else:
        secret = data.client_secret if data.provider == CrmProvider.hubspot else None
        if secret is None:
            secret = shown = new_webhook_secret()
        connection.signing_secret_sealed = box.seal(secret, context=sealing_context(connection.id))
    session.add(connection)
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="crm_connection.created",
        entity_type="crm_connection",
        entity_id=connection.id,
        changes={"provider": data.provider, "name": data.name},
    )
    return connection, shown


class ConnectionStats(NamedTuple):
    """How a connection is doing, for the list's glance: when its CRM last sent something,
    and how many of its events wait for an admin's retry."""

    last_event_at: datetime | None = None
    failed_events: int = 0


async def list_connections(
    *, session: AsyncSession, caller: Caller, limit: int, cursor: str | None
) -> tuple[Sequence[tuple[CrmConnection, ConnectionStats]], str | None]:
    """The page of connections, each with its stats from correlated subqueries (one
    statement for the page; the last event from the (connection_id, created_at) index)."""
    _ensure_admin(caller)
    mine = col(CrmInboundEvent.connection_id) == CrmConnection.id  # correlated to the row
    last_event_at = select(func.max(col(CrmInboundEvent.created_at))).where(mine)
    failed_events = (
        select(func.count())
        .select_from(CrmInboundEvent)
        .where(mine, col(CrmInboundEvent.result) == InboundResult.failed)
    )
    statement = readable_connections(caller).add_columns(
        last_event_at.scalar_subquery(), failed_events.scalar_subquery()
    )
    rows, next_cursor = await paginate(
        session,
        statement,
        time_column=col(CrmConnection.created_at),
        id_column=col(CrmConnection.id),
        limit=limit,
        cursor=cursor,
        plain_rows=True,
        keys_of=lambda row: row[0],
    )
    return [(row[0], ConnectionStats(row[1], row[2] or 0)) for row in rows], next_cursor


async def delete_connection(
    *, session: AsyncSession, caller: Caller, connection_id: uuid.UUID
) -> None:
    """Archive: the hook answers 404 from now on, the credentials are wiped, the log stays."""
    _ensure_admin(caller)
    connection = await session.scalar(
        readable_connections(caller).where(col(CrmConnection.id) == connection_id)
    )
    if connection is None:
        raise NotFound("CRM connection not found")
    connection.deleted_at = utcnow()
    connection.signing_secret_sealed = None
    connection.api_token_sealed = None
    connection.basic_password_hash = None
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="crm_connection.deleted",
        entity_type="crm_connection",
        entity_id=connection.id,
    )


async def list_events(
    *,
    session: AsyncSession,
    caller: Caller,
    connection_id: uuid.UUID,
    limit: int,
    cursor: str | None,
    result: InboundResult | None = None,
) -> tuple[Sequence[tuple[CrmInboundEvent, str | None]], str | None]:
    """Newest first (what an admin checking a connection wants), keyset-paginated, each event
    with the title of the project it touched (joined here, so a page is one query); ``result``
    keeps one outcome (failed: what to retry). Events of deleted connections stay listable."""
    _ensure_admin(caller)
    exists = await session.scalar(
        select(col(CrmConnection.id)).where(
            col(CrmConnection.id) == connection_id,
            col(CrmConnection.organization_id) == caller.organization_id,
        )
    )
    if exists is None:
        raise NotFound("CRM connection not found")
    statement = (
        select(CrmInboundEvent, col(Project.title))
        .outerjoin(Project, col(Project.id) == CrmInboundEvent.project_id)
        .where(col(CrmInboundEvent.connection_id) == connection_id)
    )
    if result is not None:
        statement = statement.where(col(CrmInboundEvent.result) == result)
    rows, next_cursor = await paginate(
        session,
        statement,
        time_column=col(CrmInboundEvent.created_at),
        id_column=col(CrmInboundEvent.id),
        limit=limit,
        cursor=cursor,
        newest_first=True,
        plain_rows=True,
        keys_of=lambda row: row[0],
    )
    return [(event, title) for event, title in rows], next_cursor


async def retry_event(
    *, session: AsyncSession, caller: Caller, connection_id: uuid.UUID, event_id: uuid.UUID
) -> tuple[CrmInboundEvent, str | None]:
    """Queue a failed event again (after fixing a token or an owner, say): the worker
    applies it anew, with its attempts counted from zero. Only failed events can be retried.
    Returns the event and the title of its project, as the log lists them."""
    _ensure_admin(caller)
    event = await session.scalar(
        select(CrmInboundEvent)
        .join(CrmConnection, col(CrmConnection.id) == CrmInboundEvent.connection_id)
        .where(
            col(CrmInboundEvent.id) == event_id,
            col(CrmInboundEvent.connection_id) == connection_id,
            col(CrmConnection.organization_id) == caller.organization_id,
            col(CrmConnection.deleted_at).is_(None),
        )
    )
    if event is None:
        raise NotFound("CRM event not found")
    if event.result != InboundResult.failed:
        raise Conflict(f"Only failed events are retried; this one is {event.result.value}")
    now = utcnow()
    event.result, event.attempts, event.next_attempt_at = InboundResult.pending, 0, now
    event.claimed_until = event.claim_token = None
    event.reason = "Retry requested"
    event.updated_at = now
    await session.flush()
    await outbox.wake(session)
    audit.record(
        session,
        caller=caller,
        action="crm_event.retried",
        entity_type="crm_inbound_event",
        entity_id=event.id,
    )
    title = None
    if event.project_id is not None:
        title = await session.scalar(
            select(col(Project.title)).where(col(Project.id) == event.project_id)
        )
    return event, title
