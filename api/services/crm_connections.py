"""CRM connections, administered by admins: credentials are generated (or, for HubSpot,
supplied) at creation, returned once, and kept only in a form that verifies."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.errors import Conflict, Forbidden, NotFound
from api.kit import audit
from api.kit.principal import Caller
from api.models import CrmConnection, CrmInboundEvent, CrmProvider, utcnow
from api.pagination import paginate
from api.schemas.crm_connections import CrmConnectionCreate
from api.security import SecretBox, hash_secret, new_password_secret, new_webhook_secret
from api.services.clients import active_user_in_organization
from api.services.crm_hooks import sealing_context


def _ensure_admin(caller: Caller) -> None:
    if caller.is_api_key or not caller.is_admin:
        raise Forbidden("Only admins manage CRM connections")


def readable_connections(caller: Caller) -> Select[CrmConnection]:
    return select(CrmConnection).where(
        col(CrmConnection.organization_id) == caller.organization_id,
        col(CrmConnection.deleted_at).is_(None),
    )


async def create_connection(
    *, session: AsyncSession, caller: Caller, box: SecretBox, data: CrmConnectionCreate
) -> tuple[CrmConnection, str | None]:
    """The connection and the secret to show once (None for HubSpot: the admin has it)."""
    _ensure_admin(caller)
    await active_user_in_organization(session, caller, data.default_owner_id)
    if data.provider == CrmProvider.hubspot and not data.client_secret:
        raise Conflict("A HubSpot connection needs your HubSpot app's client_secret")
    if data.provider != CrmProvider.hubspot and data.client_secret is not None:
        raise Conflict("client_secret is only for HubSpot; this provider's secret is generated")
    connection = CrmConnection(
        id=uuid.uuid4(),
        organization_id=caller.organization_id,
        provider=data.provider,
        name=data.name,
        default_owner_id=data.default_owner_id,
    )
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


async def list_connections(
    *, session: AsyncSession, caller: Caller, limit: int, cursor: str | None
) -> tuple[Sequence[CrmConnection], str | None]:
    _ensure_admin(caller)
    return await paginate(
        session,
        readable_connections(caller),
        time_column=col(CrmConnection.created_at),
        id_column=col(CrmConnection.id),
        limit=limit,
        cursor=cursor,
    )


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
) -> tuple[Sequence[CrmInboundEvent], str | None]:
    """Newest first (what an admin checking a connection wants), keyset-paginated; events of
    deleted connections stay listable."""
    _ensure_admin(caller)
    exists = await session.scalar(
        select(col(CrmConnection.id)).where(
            col(CrmConnection.id) == connection_id,
            col(CrmConnection.organization_id) == caller.organization_id,
        )
    )
    if exists is None:
        raise NotFound("CRM connection not found")
    return await paginate(
        session,
        select(CrmInboundEvent).where(col(CrmInboundEvent.connection_id) == connection_id),
        time_column=col(CrmInboundEvent.created_at),
        id_column=col(CrmInboundEvent.id),
        limit=limit,
        cursor=cursor,
        newest_first=True,
    )
