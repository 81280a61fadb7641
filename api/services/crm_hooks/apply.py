"""Storing inbound events and applying their effects: each event row claimed first (a replay
finds it and changes nothing), then the deal's client and project upserted inside
savepoints, audited, and announced on the outbox."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.db import upsert
from api.kit import audit, outbox
from api.kit.money import round_amount
from api.models import (
    Client,
    CrmConnection,
    CrmInboundEvent,
    CrmPropertyStamp,
    CrmProvider,
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
from api.services.projects import hand_over, owner_seat


async def claim(
    session: AsyncSession, connection: CrmConnection, event: DealEvent, result: InboundResult
) -> uuid.UUID | None:
    """Insert the event row; None when it was stored before (a replay)."""
    now = utcnow()
    statement = (
        upsert(session, CrmInboundEvent)
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
        placeholder = (
            f"Pipedrive organization {event.company_id}"
            if connection.provider == CrmProvider.pipedrive
            else f"{connection.provider.value} company {event.company_id}"
        )
        client = Client(
            organization_id=connection.organization_id,
            owner_id=owner_id,
            name=(event.company_name or placeholder)[:200],
            industry=(event.company_industry or "")[:120],
            # The client has no website field: the company's domain goes into its notes.
            notes=f"Website: {event.company_domain}" if event.company_domain else "",
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
    elif project.status != ProjectStatus.abandoned:  # back to open in the CRM: reopen
        # An abandoned project (deleted or merged at the CRM, or given up here) is reopened
        # only by a restore: a late change from before the deletion must not revive it.
        project.status = ProjectStatus.open
        project.closed_at = None
        project.lost_reason = project.competitor = None
    else:
        return
    changes["status"] = status


# Which stamped property (crm_property_stamp) guards each field an event may set; Pipedrive
# stamps the whole deal as "deal".
_GUARDS = {
    "deal_name": "dealname",
    "amount": "amount",
    "currency": "deal_currency_code",
    "status": "dealstage",
    "stage_id": "dealstage",
    "close_date": "closedate",
    "owner_email": "hubspot_owner_id",
    "company_id": "company",
}


async def _drop_stale(
    session: AsyncSession, connection: CrmConnection, event: DealEvent
) -> list[str]:
    """Forget what an event would set that a later change at the CRM already set (an older
    value never overwrites a newer one), and stamp what it may set. Returns the dropped."""
    assert event.deal_id is not None
    stamps = {name: event.occurred_at for name in event.properties if event.occurred_at}
    stamps |= {name: event.read_at for name in event.read_properties if event.read_at}
    if not stamps:
        return []
    source = connection.provider.value
    rows = await session.execute(
        select(col(CrmPropertyStamp.property_name), col(CrmPropertyStamp.occurred_at)).where(
            col(CrmPropertyStamp.organization_id) == connection.organization_id,
            col(CrmPropertyStamp.source) == source,
            col(CrmPropertyStamp.object_id) == event.deal_id,
            col(CrmPropertyStamp.property_name).in_(list(stamps)),
        )
    )
    stored = {name: at for name, at in rows.all()}
    stale = {name for name, at in stamps.items() if name in stored and stored[name] > at}
    now = utcnow()
    for name, at in stamps.items():
        if name in stale:
            continue
        statement = upsert(session, CrmPropertyStamp).values(
            id=uuid.uuid4(),
            created_at=now,
            updated_at=now,
            organization_id=connection.organization_id,
            source=source,
            object_id=event.deal_id,
            property_name=name,
            occurred_at=at,
        )
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["organization_id", "source", "object_id", "property_name"],
                set_={"occurred_at": at, "updated_at": now},
                where=col(CrmPropertyStamp.occurred_at) <= at,
            )
        )
    dropped = []
    for field_name, guard in _GUARDS.items():
        if (guard in stale or "deal" in stale) and getattr(event, field_name) is not None:
            setattr(event, field_name, None)
            dropped.append(guard)
    # Stamps that guard no field (the deal as a whole, its deletion or restore) count too.
    return sorted(set(dropped) | stale)


_PROVIDER_NAMES = {"hubspot": "HubSpot", "pipedrive": "Pipedrive", "generic": "the CRM"}


def _crm_name(connection: CrmConnection) -> str:
    return _PROVIDER_NAMES[connection.provider.value]


Applied = tuple[InboundResult, str, uuid.UUID | None, uuid.UUID | None]


async def apply_event(
    session: AsyncSession, connection: CrmConnection, event: DealEvent
) -> Applied:
    """The event's effects, by what it does (``event.action``)."""
    if event.action == "organization":
        return await _rename_client(session, connection, event)
    assert event.deal_id is not None
    if event.extra.get("gone"):
        return (
            InboundResult.ignored,
            f"The deal no longer exists in {_crm_name(connection)}",
            None,
            None,
        )
    if event.action in ("delete", "restore") and await _drop_stale(session, connection, event):
        later = "A later deletion or restore at the CRM already applies"
        return InboundResult.ignored, later, None, None
    if event.action == "delete" and event.survivor_id is not None:
        return await _abandon_merged(session, connection, event.deal_id, event.survivor_id)
    if event.action == "delete":
        return await _abandon(
            session, connection, event.deal_id, f"Deleted in {_crm_name(connection)}"
        )
    if event.action == "restore":
        project = await _find_project(session, connection, event.deal_id)
        if project is not None and project.status == ProjectStatus.abandoned:
            project.status, project.closed_at, project.close_note = ProjectStatus.open, None, ""
            project.merged_into_id = None
            project.updated_at = utcnow()
            _audit(
                session, connection, "project.updated", "project", project.id, {"status": "open"}
            )
            await session.flush()
            await outbox.emit(
                session,
                organization_id=project.organization_id,
                event_type="project.updated",
                payload=lambda: webhook_events.project_event(session, project.id),
            )
            return InboundResult.updated, "Restored: reopened", project.client_id, project.id
    dropped = await _drop_stale(session, connection, event)
    result, reason, client_id, project_id = await _upsert(session, connection, event)
    if dropped:
        note = "Newer at the CRM already, kept: " + ", ".join(dropped)
        reason = f"{reason}; {note}" if reason else note
    if event.action == "merge" and project_id is not None:
        merged = []
        for merged_id in event.merged_ids:
            found = await _find_project(session, connection, merged_id)
            if found is None:
                continue
            note = f"Merged into {_crm_name(connection)} deal {event.deal_id}"
            await _close_abandoned(session, connection, found, note, merged_into_id=project_id)
            merged.append(merged_id)
        reason = f"Merged into this deal: {', '.join(merged) or 'no known deals'}"
        result = InboundResult.updated
    return result, reason, client_id, project_id


async def _close_abandoned(
    session: AsyncSession,
    connection: CrmConnection,
    project: Project,
    note: str,
    *,
    merged_into_id: uuid.UUID | None = None,
) -> None:
    project.status, project.closed_at, project.close_note = ProjectStatus.abandoned, utcnow(), note
    project.lost_reason = project.competitor = None
    project.merged_into_id = merged_into_id
    project.updated_at = utcnow()
    changes: dict[str, Any] = {"status": "abandoned", "close_note": note}
    if merged_into_id:
        changes["merged_into_id"] = str(merged_into_id)
    _audit(session, connection, "project.closed", "project", project.id, changes)
    await session.flush()
    await outbox.emit(
        session,
        organization_id=project.organization_id,
        event_type="project.closed",
        payload=lambda: webhook_events.project_event(session, project.id),
    )


async def _abandon(
    session: AsyncSession, connection: CrmConnection, deal_id: str, note: str
) -> Applied:
    project = await _find_project(session, connection, deal_id)
    if project is None:
        return InboundResult.ignored, "No project follows this deal", None, None
    if project.status == ProjectStatus.abandoned:
        return InboundResult.ignored, "Already abandoned", project.client_id, project.id
    await _close_abandoned(session, connection, project, note)
    return InboundResult.updated, note, project.client_id, project.id


async def _abandon_merged(
    session: AsyncSession, connection: CrmConnection, deal_id: str, survivor_id: str
) -> Applied:
    """A deal merged away into another (Pipedrive's deletion naming ``merged_to_id``): its
    project is abandoned and points at the survivor's project when one follows it, so the
    team finds the history of both in one place."""
    project = await _find_project(session, connection, deal_id)
    if project is None:
        return InboundResult.ignored, "No project follows this deal", None, None
    if project.status == ProjectStatus.abandoned:
        return InboundResult.ignored, "Already abandoned", project.client_id, project.id
    survivor = await _find_project(session, connection, survivor_id)
    note = f"Merged into {_crm_name(connection)} deal {survivor_id}"
    merged_into_id = survivor.id if survivor is not None and survivor.id != project.id else None
    await _close_abandoned(session, connection, project, note, merged_into_id=merged_into_id)
    return InboundResult.updated, note, project.client_id, project.id


async def _rename_client(
    session: AsyncSession, connection: CrmConnection, event: DealEvent
) -> Applied:
    assert event.company_id is not None
    client = await _find_client(session, connection, event.company_id)
    if client is None:
        return InboundResult.ignored, "No client follows this organization", None, None
    if not event.company_name or event.company_name[:200] == client.name:
        return InboundResult.ignored, "Nothing changed", client.id, None
    client.name = event.company_name[:200]
    client.updated_at = utcnow()
    _audit(session, connection, "client.updated", "client", client.id, {"name": client.name})
    return InboundResult.updated, "", client.id, None


async def _matching_owner(
    session: AsyncSession, connection: CrmConnection, email: str | None
) -> uuid.UUID | None:
    if not email:
        return None
    return await session.scalar(
        select(col(User.id)).where(
            col(User.organization_id) == connection.organization_id,
            col(User.email) == email.strip().lower(),
            col(User.is_active).is_(True),
        )
    )


async def _upsert(session: AsyncSession, connection: CrmConnection, event: DealEvent) -> Applied:
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
            due_date=event.close_date,
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
    if event.close_date and event.close_date != project.due_date:
        project.due_date = event.close_date
        changes["due_date"] = event.close_date.isoformat()
    amount = event.amount if event.amount is not None else project.estimated_value
    if amount is not None:
        amount = round_amount(amount, project.currency)
        if amount != project.estimated_value:
            project.estimated_value = amount
            changes["estimated_value"] = str(amount)
    if client_id and project.client_id != client_id:
        # The deal's company changed at the CRM (or it had none): the project moves with it.
        project.client_id, project.kind = client_id, ProjectKind.account
        changes["client_id"] = str(client_id)
    new_owner = await _matching_owner(session, connection, event.owner_email)
    if new_owner is not None and new_owner != project.owner_id:
        await hand_over(session, project, new_owner)
        changes["owner_id"] = str(new_owner)
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
        event_type=action,
        payload=lambda: webhook_events.project_event(session, project.id),
    )
    return InboundResult.updated, "", client_id, project.id
