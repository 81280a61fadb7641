"""The webhook outbox: events written in the transaction of the change they report.

``emit`` is the one entry point for every service (and the CRM import) that makes a change
subscribers hear about. It costs one indexed ``EXISTS`` when nobody listens; otherwise it
adds the event and, with a single ``INSERT ... SELECT``, one delivery row per enabled
endpoint subscribed to the type. A rollback takes both away. The worker is woken once the
transaction commits: ``pg_notify`` on PostgreSQL (delivered only on commit), an
``after_commit`` hook for workers in this process on SQLite.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session as SyncSession
from sqlmodel import col

from api.db import dialect_name
from api.models import (
    Client,
    DeliveryState,
    Project,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
    WebhookSubscription,
    utcnow,
)
from api.models.base import table_of
from api.schemas.projects import ProjectRead

CHANNEL = "mastermind_webhooks"
# Where sessions find PUBLIC_BASE_URL for links in payloads (the sessionmaker's info).
PUBLIC_BASE_URL_KEY = "public_base_url"
_WAKE_KEY = "wake_webhook_worker"
# Workers running in this process (SQLite): called after a commit that queued deliveries.
_local_wakers: set[Callable[[], None]] = set()

# A UUID made by the database for each fanned-out row: PostgreSQL has gen_random_uuid();
# on SQLite a version-4 UUID in the 32-hex-digit form SQLAlchemy's Uuid type stores there.
_SQLITE_UUID4 = (
    "lower(hex(randomblob(4)) || hex(randomblob(2)) || '4' || substr(hex(randomblob(2)), 2)"
    " || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2)"
    " || hex(randomblob(6)))"
)


def _is_postgres(session: AsyncSession) -> bool:
    return dialect_name(session) == "postgresql"


def _jsonable(payload: Mapping[str, Any]) -> dict[str, Any]:
    return orjson.loads(orjson.dumps(payload, default=str))


def spa_url(session: AsyncSession, path: str) -> str | None:
    """A link into the web app for subscribers, from PUBLIC_BASE_URL (None when unset)."""
    base = session.sync_session.info.get(PUBLIC_BASE_URL_KEY)
    return f"{base}{path}" if base else None


def person(user: User | None) -> dict[str, Any] | None:
    """How outbound payloads name people: enough to greet or notify them without a call."""
    if user is None:
        return None
    return {"id": str(user.id), "full_name": user.full_name, "email": user.email}


async def project_context(session: AsyncSession, project: Project) -> dict[str, Any]:
    """What every payload about a project carries (DESIGN 7.4): the project with its link,
    its client and its owner."""
    client = await session.get(Client, project.client_id) if project.client_id is not None else None
    owner = await session.get(User, project.owner_id)
    url = spa_url(session, f"/projects/{project.id}")
    return {
        "project": {
            "id": str(project.id),
            "title": project.title,
            "status": project.status.value,
            "external_source": project.external_source,
            "external_id": project.external_id,
            "url": url,
        },
        "client": None if client is None else {"id": str(client.id), "name": client.name},
        "owner": person(owner),
        "url": url,
    }


def project_payload(
    session: AsyncSession, project: Project
) -> Callable[[], Awaitable[dict[str, Any]]]:
    """What the project events carry: the project as the API reads it (its fields at the
    top, as before) plus ``project``, ``client``, ``owner`` and ``url``; built only when
    someone listens."""

    async def build() -> dict[str, Any]:
        read = ProjectRead.model_validate(project).model_dump(mode="json")
        return {**read, **await project_context(session, project)}

    return build


def with_context(
    session: AsyncSession,
    *,
    project: Project,
    body: Mapping[str, Any] | Callable[[], Awaitable[Mapping[str, Any]]],
    path: str,
    people: Mapping[str, uuid.UUID | None] | None = None,
) -> Callable[[], Awaitable[dict[str, Any]]]:
    """A payload about something in a project (a session, an action item): its own fields,
    then its project, client and owner, the people it names (``people``: key -> user id)
    and ``url``, the link to it in the web app."""

    async def build() -> dict[str, Any]:
        data = dict(body) if isinstance(body, Mapping) else dict(await body())
        context = await project_context(session, project)
        for key, user_id in (people or {}).items():
            context[key] = person(await session.get(User, user_id) if user_id else None)
        return {**data, **context, "url": spa_url(session, path)}

    return build


async def emit(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    event_type: WebhookEventType | str,
    payload: Mapping[str, Any] | Callable[[], Awaitable[Mapping[str, Any]]],
) -> uuid.UUID | None:
    """Queue ``event_type`` for every enabled endpoint of the organization subscribed to it,
    in the caller's transaction. Returns the event id (the ``webhook-id`` subscribers see),
    or None when nobody listens (then nothing is written).

    ``payload`` may be an async function: it then runs only when someone listens, so a
    payload that costs queries (a session's outcome) costs nothing otherwise.
    """
    event_type = WebhookEventType(event_type)
    subscribers = (
        select(col(WebhookEndpoint.id), col(WebhookEndpoint.organization_id))
        .join(WebhookSubscription, col(WebhookSubscription.endpoint_id) == WebhookEndpoint.id)
        .where(
            col(WebhookSubscription.organization_id) == organization_id,
            col(WebhookSubscription.event_type) == event_type,
            col(WebhookEndpoint.enabled).is_(True),
        )
    )
    if not await session.scalar(select(subscribers.exists())):
        return None
    if callable(payload):
        payload = await payload()
    now = utcnow()
    event_id = uuid.uuid4()
    await session.execute(
        insert(WebhookEvent).values(
            id=event_id,
            created_at=now,
            organization_id=organization_id,
            type=event_type,
            payload=_jsonable(payload),
        )
    )
    new_id = sa.literal_column(
        "gen_random_uuid()" if _is_postgres(session) else _SQLITE_UUID4, type_=sa.Uuid()
    )
    columns = table_of(WebhookDelivery).c
    await session.execute(
        insert(WebhookDelivery).from_select(
            [
                "id",
                "created_at",
                "updated_at",
                "organization_id",
                "endpoint_id",
                "event_id",
                "state",
                "attempts",
                "next_attempt_at",
            ],
            subscribers.with_only_columns(
                new_id,
                sa.literal(now, columns.created_at.type),
                sa.literal(now, columns.updated_at.type),
                col(WebhookEndpoint.organization_id),
                col(WebhookEndpoint.id),
                sa.literal(event_id, columns.event_id.type),
                sa.literal(DeliveryState.pending, columns.state.type),
                sa.literal(0, columns.attempts.type),
                sa.literal(now, columns.next_attempt_at.type),
            ),
        )
    )
    await wake(session)
    return event_id


async def wake(session: AsyncSession) -> None:
    """Wake the delivery workers once this transaction commits."""
    if _is_postgres(session):
        await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
    else:
        session.sync_session.info[_WAKE_KEY] = True


def add_local_waker(
    loop: asyncio.AbstractEventLoop, wake_event: asyncio.Event
) -> Callable[[], None]:
    """Have commits in this process set ``wake_event``; returns the function that undoes it."""

    def waker() -> None:
        # A commit may run on another thread's loop (a CLI command): hand over safely.
        with contextlib.suppress(RuntimeError):  # the worker's loop is already closed
            loop.call_soon_threadsafe(wake_event.set)

    _local_wakers.add(waker)
    return lambda: _local_wakers.discard(waker)


@sa_event.listens_for(SyncSession, "after_commit")
def _wake_after_commit(sync_session: SyncSession) -> None:
    if sync_session.get_nested_transaction() is not None:
        return  # a SAVEPOINT released: the outer transaction may still roll back
    if sync_session.info.pop(_WAKE_KEY, False):
        for waker in list(_local_wakers):
            waker()


@sa_event.listens_for(SyncSession, "after_rollback")
def _forget_wake(sync_session: SyncSession) -> None:
    if sync_session.get_nested_transaction() is None:
        sync_session.info.pop(_WAKE_KEY, None)
