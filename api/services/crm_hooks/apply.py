"""Storing inbound events and applying their effects: each event row claimed first (a replay
finds it and changes nothing), then the deal's client and project upserted inside
savepoints, audited, and announced on the outbox."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.db import dialect_name
from api.kit import audit, outbox
from api.kit.money import round_amount
from api.models import (
    Client,
    CrmConnection,
    CrmInboundEvent,
    InboundResult,
    Project,
    ProjectKind,
    ProjectStatus,
    User,
    utcnow,
)
from api.services import webhook_events
from api.services.crm_hooks.providers import MAX_EVENT_TYPE, DealEvent, printable
from api.services.organizations import organization_currency
from api.services.projects import owner_seat


async def claim(
    session: AsyncSession, connection: CrmConnection, event: DealEvent, result: InboundResult
) -> uuid.UUID | None:
    """Insert the event row; None when it was stored before (a replay)."""
    dialect = dialect_name(session)
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    statement = (
        insert(CrmInboundEvent)
        .values(
            id=uuid.uuid4(),
            created_at=now,
            updated_at=now,
            organization_id=connection.organization_id,
            connection_id=connection.id,
            external_id=event.external_id,
            event_type=printable(event.event_type)[:MAX_EVENT_TYPE],
            result=result,
            reason=printable(event.failure or event.ignore_reason),
            payload=printable(event.payload),
        )
        .on_conflict_do_nothing(index_elements=["connection_id", "external_id"])
        .returning(col(CrmInboundEvent.id))
    )
    return await session.scalar(statement)


async def record_result(
    session: AsyncSession,
    event_row_id: uuid.UUID,
    *,
    result: InboundResult,
    reason: str,
    client_id: uuid.UUID | None,
    project_id: uuid.UUID | None,
) -> None:
    """The claimed event's outcome, once its effects are applied (or failed)."""
    await session.execute(
        update(CrmInboundEvent)
        .where(col(CrmInboundEvent.id) == event_row_id)
        .values(
            result=result,
            reason=reason,
            client_id=client_id,
            project_id=project_id,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )


def _audit(
    session: AsyncSession,
    connection: CrmConnection,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID,
    changes: dict[str, Any],
) -> None:
    audit.record(
        session,
        caller=audit.SystemActor(connection.organization_id),  # a CRM, not a person
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        changes={"connection_id": str(connection.id), **changes},
    )


async def _owner_id(
    session: AsyncSession, connection: CrmConnection, email: str | None
) -> uuid.UUID:
    if email:
        found = await session.scalar(
            select(col(User.id)).where(
                col(User.organization_id) == connection.organization_id,
                col(User.email) == email.strip().lower(),
                col(User.is_active).is_(True),
            )
        )
        if found is not None:
            return found
    default_active = await session.scalar(
        select(col(User.is_active)).where(
            col(User.id) == connection.default_owner_id,
            col(User.organization_id) == connection.organization_id,
        )
    )
    if not default_active:
        raise EffectFailed("The connection's default owner is deactivated and no owner matched")
    return connection.default_owner_id


class EffectFailed(Exception):
    pass


async def _find_client(
    session: AsyncSession, connection: CrmConnection, company_id: str
) -> Client | None:
    return await session.scalar(
        select(Client).where(
            col(Client.organization_id) == connection.organization_id,
            col(Client.external_source) == connection.provider.value,
            col(Client.external_id) == company_id,
        )
    )


async def _upsert_client(
    session: AsyncSession, connection: CrmConnection, event: DealEvent, owner_id: uuid.UUID
) -> Client:
    assert event.company_id is not None
    client = await _find_client(session, connection, event.company_id)
    if client is None:
        client = Client(
            organization_id=connection.organization_id,
            owner_id=owner_id,
            name=(event.company_name or f"{connection.provider.value} company {event.company_id}")[
                :200
            ],
            industry=(event.company_industry or "")[:120],
            external_source=connection.provider.value,
            external_id=event.company_id,
        )
        try:
            async with session.begin_nested():
                session.add(client)
                await session.flush()
        except IntegrityError:
            # Another event created it meanwhile (it waited on the unique key): use that one.
            client = await _find_client(session, connection, event.company_id)
            if client is None:
                raise
        else:
            _audit(session, connection, "client.created", "client", client.id, {})
            return client
    changes = {}
    if event.company_name and event.company_name != client.name:
        changes["name"] = event.company_name[:200]
    if event.company_industry and event.company_industry != client.industry:
        changes["industry"] = event.company_industry[:120]
    if changes:
        for key, value in changes.items():
            setattr(client, key, value)
        client.updated_at = utcnow()
        _audit(session, connection, "client.updated", "client", client.id, changes)
    return client


async def _find_project(
    session: AsyncSession, connection: CrmConnection, deal_id: str
) -> Project | None:
    return await session.scalar(
        select(Project).where(
            col(Project.organization_id) == connection.organization_id,
            col(Project.external_source) == connection.provider.value,
            col(Project.external_id) == deal_id,
        )
    )


def _apply_status(project: Project, status: str | None, changes: dict[str, Any]) -> None:
    if status is None or status == project.status.value:
        return
    if status in ("won", "lost"):
        project.status = ProjectStatus(status)
        project.closed_at = utcnow()
    else:  # back to open in the CRM: reopen
        project.status = ProjectStatus.open
        project.closed_at = None
        project.lost_reason = project.competitor = None
    changes["status"] = status


async def apply_event(
    session: AsyncSession, connection: CrmConnection, event: DealEvent
) -> tuple[InboundResult, str, uuid.UUID | None, uuid.UUID | None]:
    assert event.deal_id is not None
    owner_id = await _owner_id(session, connection, event.owner_email)
    client = (
        await _upsert_client(session, connection, event, owner_id) if event.company_id else None
    )
    client_id = client.id if client else None
    project = await _find_project(session, connection, event.deal_id)
    if project is None:
        changes: dict[str, Any] = {}
        currency = event.currency or await organization_currency(
            session, connection.organization_id
        )
        project = Project(
            organization_id=connection.organization_id,
            kind=ProjectKind.account if client else ProjectKind.prospecting,
            client_id=client_id,
            owner_id=owner_id,
            title=event.deal_name or f"{connection.provider.value.title()} deal {event.deal_id}",
            # A CRM's amount is rounded to its currency's places, not refused: the event
            # cannot be sent back (api/kit/money.py).
            estimated_value=None if event.amount is None else round_amount(event.amount, currency),
            currency=currency,
            external_source=connection.provider.value,
            external_id=event.deal_id,
        )
        _apply_status(project, event.status, changes)
        try:
            async with session.begin_nested():
                session.add(project)
                await session.flush()
                session.add(owner_seat(project))
                await session.flush()
        except IntegrityError:
            # Another event about this deal created the project first: update that one.
            project = await _find_project(session, connection, event.deal_id)
            if project is None:
                raise
        else:
            _audit(
                session,
                connection,
                "project.created",
                "project",
                project.id,
                {"deal_id": event.deal_id, "title": project.title, **changes},
            )
            await outbox.emit(
                session,
                organization_id=project.organization_id,
                event_type="project.created",
                payload=lambda: webhook_events.project_event(session, project.id),
            )
            return InboundResult.created, "", client_id, project.id
    changes = {}
    if event.deal_name and event.deal_name != project.title:
        project.title = changes["title"] = event.deal_name
    if event.currency and event.currency != project.currency:
        project.currency = changes["currency"] = event.currency
    amount = event.amount if event.amount is not None else project.estimated_value
    if amount is not None:
        amount = round_amount(amount, project.currency)
        if amount != project.estimated_value:
            project.estimated_value = amount
            changes["estimated_value"] = str(amount)
    if client_id and project.client_id is None:
        project.client_id, project.kind = client_id, ProjectKind.account
        changes["client_id"] = str(client_id)
    _apply_status(project, event.status, changes)
    if not changes:
        return InboundResult.ignored, "Nothing changed", client_id, project.id
    project.updated_at = utcnow()
    closed = changes.get("status") in ("won", "lost")
    action = "project.closed" if closed else "project.updated"
    _audit(session, connection, action, "project", project.id, changes)
    await session.flush()
    await outbox.emit(
        session,
        organization_id=project.organization_id,
        event_type="project.closed" if closed else "project.updated",
        payload=lambda: webhook_events.project_event(session, project.id),
    )
    return InboundResult.updated, "", client_id, project.id
