"""The webhook outbox: events written in the transaction of the change they report.

``emit`` is the one entry point for every service (and the CRM import) that makes a change
subscribers hear about. It costs one indexed ``EXISTS`` when nobody listens; otherwise it
adds the event (kept for a disabled endpoint too, which gets it when enabled again) and,
with a single ``INSERT ... SELECT``, one delivery row per enabled endpoint subscribed to
the type; and as many as that for the chat channels (api/models/chat_channels.py) of the
teams working on the event's project, which the same worker drains. A rollback takes both away. The worker is woken once the
transaction commits: ``pg_notify`` on PostgreSQL (delivered only on commit), an
``after_commit`` hook for workers in this process on SQLite.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.db import dialect_name, rowcount
from api.kit.wakeup import WorkerWake
from api.models import (
    ChatChannel,
    ChatChannelSubscription,
    ChatDelivery,
    DeliveryState,
    Project,
    TeamMember,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
    WebhookSubscription,
    utcnow,
)
from api.models.base import table_of

CHANNEL = "mastermind_webhooks"

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
    subscribed = (
        select(col(WebhookEndpoint.id), col(WebhookEndpoint.organization_id))
        .join(WebhookSubscription, col(WebhookSubscription.endpoint_id) == WebhookEndpoint.id)
        .where(
            col(WebhookSubscription.organization_id) == organization_id,
            col(WebhookSubscription.event_type) == event_type,
        )
    )
    # A disabled endpoint's subscription keeps the event too: enabled again, it gets what
    # it missed (``requeue_unsent``). Deliveries go to the enabled ones only.
    chat_listens = (
        select(col(ChatChannelSubscription.channel_id))
        .where(
            col(ChatChannelSubscription.organization_id) == organization_id,
            col(ChatChannelSubscription.event_type) == event_type,
        )
        .exists()
    )
    # One query says who listens: the webhook endpoints, the chat channels, both or none.
    hooks, chats = (await session.execute(select(subscribed.exists(), chat_listens))).one()
    if not hooks and not chats:
        return None
    subscribers = subscribed.where(col(WebhookEndpoint.enabled).is_(True))
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
    if hooks:
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
    if chats:
        await _queue_chat_messages(session, organization_id, event_type, event_id, payload, now)
    await wake(session)
    return event_id


def _project_of(payload: Mapping[str, Any]) -> uuid.UUID | None:
    # Every event's payload names its project (api/schemas/webhook_events.py).
    project = payload.get("project")
    if not isinstance(project, Mapping) or project.get("id") is None:
        return None
    return uuid.UUID(str(project["id"]))


async def _queue_chat_messages(
    session: AsyncSession,
    organization_id: uuid.UUID,
    event_type: WebhookEventType,
    event_id: uuid.UUID,
    payload: Mapping[str, Any],
    now: datetime,
) -> None:
    """One chat delivery per enabled channel subscribed to the type whose team works on the
    event's project (a member of the team owns it), in one ``INSERT ... SELECT``."""
    project_id = _project_of(payload)
    if project_id is None:
        return
    teams_of_project = (
        select(col(TeamMember.team_id))
        .join(Project, col(Project.owner_id) == TeamMember.user_id)
        .where(col(Project.id) == project_id)
    )
    columns = table_of(ChatDelivery).c
    new_id = sa.literal_column(
        "gen_random_uuid()" if _is_postgres(session) else _SQLITE_UUID4, type_=sa.Uuid()
    )
    channels = (
        select(
            new_id,
            sa.literal(now, columns.created_at.type),
            sa.literal(now, columns.updated_at.type),
            col(ChatChannel.organization_id),
            col(ChatChannel.id),
            sa.literal(event_id, columns.event_id.type),
            sa.literal(DeliveryState.pending, columns.state.type),
            sa.literal(0, columns.attempts.type),
            sa.literal(now, columns.next_attempt_at.type),
        )
        .join(ChatChannelSubscription, col(ChatChannelSubscription.channel_id) == ChatChannel.id)
        .where(
            col(ChatChannelSubscription.organization_id) == organization_id,
            col(ChatChannelSubscription.event_type) == event_type,
            col(ChatChannel.enabled).is_(True),
            col(ChatChannel.team_id).in_(teams_of_project),
        )
    )
    await session.execute(
        insert(ChatDelivery).from_select(
            [
                "id",
                "created_at",
                "updated_at",
                "organization_id",
                "channel_id",
                "event_id",
                "state",
                "attempts",
                "next_attempt_at",
            ],
            channels,
        )
    )


# What ``stop_pending`` (services/webhooks.py) writes on the deliveries a disabling stopped.
NOT_SENT_PREFIX = "Not sent: "


async def requeue_unsent(
    session: AsyncSession, endpoint: WebhookEndpoint, *, disabled_at: datetime | None
) -> int:
    """An endpoint enabled again gets what it missed, in the caller's transaction: the
    deliveries its disabling stopped (and the one answered 410 Gone), and one delivery for
    each subscribed event of its organization made while it was off. Returns how many."""
    now = utcnow()
    stopped = await session.execute(
        sa.update(WebhookDelivery)
        .where(
            col(WebhookDelivery.endpoint_id) == endpoint.id,
            col(WebhookDelivery.state) == DeliveryState.failed,
            sa.or_(
                col(WebhookDelivery.last_error).startswith(NOT_SENT_PREFIX),
                col(WebhookDelivery.last_status_code) == 410,
            ),
        )
        .values(
            state=DeliveryState.pending,
            attempts=0,
            next_attempt_at=now,
            last_error=None,
            updated_at=now,
        )
    )
    missed = 0
    if disabled_at is not None:
        columns = table_of(WebhookDelivery).c
        new_id = sa.literal_column(
            "gen_random_uuid()" if _is_postgres(session) else _SQLITE_UUID4, type_=sa.Uuid()
        )
        # Correlated to the event only: the INSERT's own table must not swallow its FROM.
        already = (
            select(col(WebhookDelivery.id))
            .where(
                col(WebhookDelivery.endpoint_id) == endpoint.id,
                col(WebhookDelivery.event_id) == WebhookEvent.id,
            )
            .correlate(WebhookEvent)
        )
        during = (
            select(
                new_id,
                sa.literal(now, columns.created_at.type),
                sa.literal(now, columns.updated_at.type),
                sa.literal(endpoint.organization_id, columns.organization_id.type),
                sa.literal(endpoint.id, columns.endpoint_id.type),
                col(WebhookEvent.id),
                sa.literal(DeliveryState.pending, columns.state.type),
                sa.literal(0, columns.attempts.type),
                sa.literal(now, columns.next_attempt_at.type),
            )
            .join(
                WebhookSubscription,
                (col(WebhookSubscription.event_type) == WebhookEvent.type)
                & (col(WebhookSubscription.endpoint_id) == endpoint.id),
            )
            .where(
                col(WebhookEvent.organization_id) == endpoint.organization_id,
                col(WebhookEvent.created_at) >= disabled_at,
                ~already.exists(),
            )
        )
        result = await session.execute(
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
                during,
            )
        )
        missed = rowcount(result)
    requeued = rowcount(stopped) + missed
    if requeued:
        await wake(session)
    return requeued


# The workers are woken once the transaction commits (api/kit/wakeup.py).
WEBHOOK_WAKE = WorkerWake(CHANNEL, what="webhook")
wake = WEBHOOK_WAKE.wake
add_local_waker = WEBHOOK_WAKE.add_local_waker
