"""Inbound CRM events: verify the raw body (verify.py), parse it into deal events of one
shape (providers.py), store them (here), then apply them in the worker (worker.py, with what
crm_api.py reads from the CRM, and apply.py's effects). ``receive`` is the whole of one
request, in that order.

Order matters and is the security of this endpoint: the body is read under a size cap
before the database is touched (a sender trickling it holds no pooled connection), then the
connection is looked up, the request verified on those exact bytes, and only then parsed.
Nothing is written before verification succeeds. A body that verifies but is not the
provider's format at all (not JSON, not a HubSpot array, nested too deeply) is kept as a
failed event and answered 422, never 500. Within a HubSpot batch, one event that cannot be
understood is kept as failed and the others go on.

Receiving is cheap and answers at once: the events are inserted in one statement with
``ON CONFLICT DO NOTHING`` on (connection, event id), so a replay, even a concurrent one
(PostgreSQL makes the second insert wait for the first transaction), finds its row and
changes nothing. Events the worker has work for are ``pending``; the rest are stored as
``ignored`` (not about deals) or ``failed`` (with the reason) straight away.

Providers:

* ``generic`` -- Standard Webhooks (``standardwebhooks``, five minutes either way); the
  event id is the ``webhook-id`` header; body ``{"type": "deal.*", "data": {...}}``.
* ``hubspot`` -- signature v3: base64 HMAC-SHA256 (client secret) of method + URI + body +
  timestamp (ms), older than five minutes (or as far in the future) refused. The body is a
  batch of events, each identified by (subscriptionId, eventId, objectId, propertyName).
* ``pipedrive`` -- HTTP Basic credentials and the webhooks v2 body (``meta`` + ``data``).

The source stored on clients and projects is the provider name, so a connection replaced
by a new one (to rotate its secret) keeps updating the same projects.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.db import upsert
from api.errors import AppError, InvalidInput, NotFound
from api.kit import outbox
from api.models import CrmConnection, CrmInboundEvent, InboundResult, utcnow
from api.schemas.crm_connections import HookEventResult
from api.security import SecretBox
from api.services.crm_hooks.apply import claim
from api.services.crm_hooks.providers import (
    MAX_EVENT_TYPE,
    MAX_ID,
    DealEvent,
    ParseFailure,
    body_id,
    parse,
    payload_text,
    printable,
)
from api.services.crm_hooks.verify import (
    RawHook,
    api_token_context,
    hubspot_signature,
    sealing_context,
    verify_request,
)

__all__ = [
    "PayloadTooLarge",
    "RawHook",
    "UnparseableEvent",
    "api_token_context",
    "get_connection",
    "hubspot_signature",
    "receive",
    "sealing_context",
]


INSERT_CHUNK = 500  # rows per INSERT: 12 columns each, well under any bind-parameter limit


class PayloadTooLarge(AppError):
    status, slug = 413, "payload-too-large"


class UnparseableEvent(InvalidInput):
    """A verified body that cannot be understood: 422, and the failed event is kept."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, loc=["body"])
        self.keep_changes = True


async def get_connection(*, session: AsyncSession, connection_id: uuid.UUID) -> CrmConnection:
    connection = await session.scalar(
        select(CrmConnection).where(
            col(CrmConnection.id) == connection_id, col(CrmConnection.deleted_at).is_(None)
        )
    )
    if connection is None:
        raise NotFound("CRM connection not found")
    return connection


async def receive(
    *, session: AsyncSession, connection: CrmConnection, hook: RawHook, box: SecretBox
) -> list[HookEventResult]:
    """Verify, parse, store and apply: the whole of one inbound request."""
    signed_id = verify_request(connection, hook, box)
    try:
        events = parse(connection, hook.body, signed_id)
    except ParseFailure as exc:
        candidates = (exc.external_id, signed_id)
        failed = DealEvent(
            # The event's own id when it has one that fits the column, else the body's hash.
            external_id=next((c for c in candidates if c and len(c) <= MAX_ID), body_id(hook.body)),
            event_type="",
            payload=payload_text(hook.body),
            failure=exc.reason[:2000],
        )
        await claim(session, connection, failed, InboundResult.failed)
        raise UnparseableEvent(f"The event does not parse: {exc.reason}") from None

    return await store(session, connection, events)


async def store(
    session: AsyncSession, connection: CrmConnection, events: list[DealEvent]
) -> list[HookEventResult]:
    """Insert the events not seen before (one statement), pending those with work to do."""
    unique: dict[str, DealEvent] = {}
    for event in events:
        unique.setdefault(event.external_id, event)
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            # A microsecond apart: the worker applies a batch in the order it was sent (a
            # deal's creation before its changes) and the log lists it so.
            "created_at": now + timedelta(microseconds=index),
            "updated_at": now,
            "organization_id": connection.organization_id,
            "connection_id": connection.id,
            "external_id": event.external_id,
            "event_type": printable(event.event_type)[:MAX_EVENT_TYPE],
            "result": _initial(event),
            "reason": printable(event.failure or event.ignore_reason)[:2000],
            "payload": printable(event.payload),
            "attempts": 0,
            "next_attempt_at": now if event.applicable else None,
        }
        for index, event in enumerate(unique.values())
    ]
    stored: set[str] = set()
    # In chunks: a batch of tiny events within the body cap would otherwise pass the bind
    # parameters one statement may carry (32,767 on PostgreSQL and SQLite).
    for start in range(0, len(rows), INSERT_CHUNK):
        inserted = await session.scalars(
            upsert(session, CrmInboundEvent)
            .values(rows[start : start + INSERT_CHUNK])
            .on_conflict_do_nothing(index_elements=["connection_id", "external_id"])
            .returning(col(CrmInboundEvent.external_id))
        )
        stored.update(inserted.all())
    if any(event.applicable for event in unique.values()):
        await outbox.wake(session)  # the worker applies them once this commits
    results = []
    seen: set[str] = set()
    for event in events:
        fresh = event.external_id in stored and event.external_id not in seen
        seen.add(event.external_id)
        results.append(
            HookEventResult(
                external_id=event.external_id,
                result=_initial(event) if fresh else InboundResult.ignored,
                reason=(event.failure or event.ignore_reason) if fresh else "Already received",
                replayed=not fresh,
            )
        )
    return results


def _initial(event: DealEvent) -> InboundResult:
    if event.failure:
        return InboundResult.failed
    return InboundResult.pending if event.applicable else InboundResult.ignored
