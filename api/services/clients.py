"""Clients and contacts: everyone in the organization sees them; the owner, managers and
admins change them; only managers and admins hand a client to another rep."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.db import dialect_name
from api.errors import Conflict, Forbidden, NotFound
from api.kit import audit, folding
from api.kit.patching import apply_changes, requested_changes
from api.kit.principal import Caller
from api.kit.versioning import ensure_current
from api.models import Client, ClientStatus, Contact, Project, ProjectStatus, User, utcnow
from api.pagination import paginate
from api.schemas.clients import ClientCreate, ClientPage, ClientRead, ClientUpdate, ContactCreate


def readable_clients(caller: Caller) -> Select[Client]:
    return select(Client).where(
        col(Client.organization_id) == caller.organization_id, col(Client.deleted_at).is_(None)
    )


async def client_row(*, session: AsyncSession, caller: Caller, client_id: uuid.UUID) -> Client:
    client = await session.scalar(readable_clients(caller).where(col(Client.id) == client_id))
    if client is None:
        raise NotFound("Client not found")
    return client


async def get_client(*, session: AsyncSession, caller: Caller, client_id: uuid.UUID) -> ClientRead:
    return await present_client(
        session, await client_row(session=session, caller=caller, client_id=client_id)
    )


async def present_client(session: AsyncSession, client: Client) -> ClientRead:
    return (await present_clients(session=session, clients=[client]))[0]


def _ensure_can_edit(caller: Caller, client: Client) -> None:
    if not (caller.is_staff or client.owner_id == caller.user_id):
        raise Forbidden("Only the client's owner, managers and admins change it")


async def active_user_in_organization(
    session: AsyncSession, caller: Caller, user_id: uuid.UUID
) -> User:
    user = await session.scalar(
        select(User).where(
            col(User.id) == user_id, col(User.organization_id) == caller.organization_id
        )
    )
    if user is None:
        raise NotFound(f"User not found: {user_id}")
    if not user.is_active:
        raise Conflict("This user is deactivated")
    return user


async def _resolve_owner(
    session: AsyncSession, caller: Caller, owner_id: uuid.UUID | None
) -> uuid.UUID:
    owner_id = owner_id or caller.user_id
    if owner_id != caller.user_id and not caller.is_staff:
        raise Forbidden("Only managers and admins assign a client to another rep")
    await active_user_in_organization(session, caller, owner_id)
    return owner_id


async def create_client(*, session: AsyncSession, caller: Caller, data: ClientCreate) -> ClientRead:
    client = Client(
        organization_id=caller.organization_id,
        owner_id=await _resolve_owner(session, caller, data.owner_id),
        name=data.name,
        industry=data.industry,
        status=data.status,
        notes=data.notes,
    )
    session.add(client)
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="client.created",
        entity_type="client",
        entity_id=client.id,
        changes=data.model_dump(exclude_unset=True),
    )
    return await present_client(session, client)


async def update_client(
    *,
    session: AsyncSession,
    caller: Caller,
    client_id: uuid.UUID,
    data: ClientUpdate,
    if_match: str | None,
) -> ClientRead:
    client = await client_row(session=session, caller=caller, client_id=client_id)
    _ensure_can_edit(caller, client)
    ensure_current(client, if_match)
    changes = requested_changes(data)
    if "owner_id" in changes and changes["owner_id"] != client.owner_id:
        if not caller.is_staff:
            raise Forbidden("Only managers and admins hand a client to another rep")
        await active_user_in_organization(session, caller, changes["owner_id"])
    apply_changes(client, changes)
    client.updated_at = utcnow()
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="client.updated",
        entity_type="client",
        entity_id=client.id,
        changes=changes,
    )
    return await present_client(session, client)


async def delete_client(*, session: AsyncSession, caller: Caller, client_id: uuid.UUID) -> None:
    """Archive the client; refused while a project on it is still open."""
    client = await client_row(session=session, caller=caller, client_id=client_id)
    _ensure_can_edit(caller, client)
    open_projects = await session.scalar(
        select(func.count()).where(
            col(Project.client_id) == client.id, col(Project.status) == ProjectStatus.open
        )
    )
    if open_projects:
        raise Conflict(f"The client has {open_projects} open project(s); close them first")
    client.deleted_at = utcnow()
    client.updated_at = client.deleted_at
    # Frees the CRM identity so the same CRM company can come back as a new client.
    client.external_source, client.external_id = None, None
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="client.deleted",
        entity_type="client",
        entity_id=client.id,
    )


async def list_clients(
    *,
    session: AsyncSession,
    caller: Caller,
    limit: int,
    cursor: str | None,
    owner_id: uuid.UUID | None = None,
    status: ClientStatus | None = None,
    industry: str | None = None,
    q: str | None = None,
) -> ClientPage:
    statement = readable_clients(caller)
    if owner_id is not None:
        statement = statement.where(col(Client.owner_id) == owner_id)
    if status is not None:
        statement = statement.where(col(Client.status) == status)
    if industry:
        statement = statement.where(func.lower(Client.industry) == industry.lower())
    if q:
        statement = statement.where(
            folding.matches(
                col(Client.search_text), col(Client.search_grams), q, dialect=dialect_name(session)
            )
        )
    rows, next_cursor = await paginate(
        session,
        statement,
        time_column=col(Client.created_at),
        id_column=col(Client.id),
        limit=limit,
        cursor=cursor,
    )
    return ClientPage(
        items=await present_clients(session=session, clients=rows), next_cursor=next_cursor
    )


async def present_clients(*, session: AsyncSession, clients: Sequence[Client]) -> list[ClientRead]:
    """Clients with their open-project counts, from one aggregate query for the page."""
    counts: dict[uuid.UUID | None, int] = {}
    if clients:
        rows = await session.execute(
            select(col(Project.client_id), func.count())
            .where(
                col(Project.client_id).in_([c.id for c in clients]),
                col(Project.status) == ProjectStatus.open,
            )
            .group_by(col(Project.client_id))
        )
        counts = {client_id: count for client_id, count in rows}
    return [
        ClientRead.model_validate(client).model_copy(
            update={"open_projects": counts.get(client.id, 0)}
        )
        for client in clients
    ]


async def create_contact(
    *, session: AsyncSession, caller: Caller, client_id: uuid.UUID, data: ContactCreate
) -> Contact:
    client = await client_row(session=session, caller=caller, client_id=client_id)
    _ensure_can_edit(caller, client)
    contact = Contact(
        organization_id=caller.organization_id, client_id=client.id, **data.model_dump()
    )
    session.add(contact)
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="contact.created",
        entity_type="contact",
        entity_id=contact.id,
        changes={"client_id": client.id, "name": contact.name},
    )
    return contact


async def list_contacts(
    *, session: AsyncSession, caller: Caller, client_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[Sequence[Contact], str | None]:
    client = await client_row(session=session, caller=caller, client_id=client_id)
    statement = select(Contact).where(col(Contact.client_id) == client.id)
    return await paginate(
        session,
        statement,
        time_column=col(Contact.created_at),
        id_column=col(Contact.id),
        limit=limit,
        cursor=cursor,
    )
