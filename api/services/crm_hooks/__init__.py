"""Inbound CRM events: verify the raw body (verify.py), parse it into deal events of one
shape (providers.py), store them and apply their effects (apply.py); ``receive`` is the
whole of one request, in that order.

Order matters and is the security of this endpoint: the body is read under a size cap
before the database is touched (a sender trickling it holds no pooled connection), then the
connection is looked up, the request verified on those exact bytes, and only then parsed.
Nothing is written before verification succeeds. A body that verifies but cannot be used
(not JSON, nested too deeply, wrong types, NaN, ids or names longer than their columns,
text PostgreSQL cannot store) is kept as a failed event and answered 422, never 500.

Each event is inserted into ``crm_inbound_event`` with ``ON CONFLICT DO NOTHING`` on
(connection, event id) *before* its effects, in the request's transaction: a replay, even a
concurrent one (PostgreSQL makes the second insert wait for the first transaction), finds
the row and changes nothing. Clients and projects are upserted by (organization, source,
CRM id) inside savepoints, so two different events about one new deal cannot both create it.

Providers:

* ``generic`` -- Standard Webhooks (``standardwebhooks``, five minutes either way); the
  event id is the ``webhook-id`` header; body ``{"type": "deal.*", "data": {...}}``.
* ``hubspot`` -- signature v3: base64 HMAC-SHA256 (client secret) of method + URI + body +
  timestamp (ms), older than five minutes (or as far in the future) refused. The body is a
  batch of events; HubSpot sends ids and the changed property only, so a deal starts as
  "HubSpot deal <id>" and ``dealname``, ``amount`` and ``dealstage`` changes update it.
* ``pipedrive`` -- HTTP Basic credentials and the webhooks v2 body (``meta`` + ``data``);
  Pipedrive sends numeric ids, not emails or company names, so new deals go to the default
  owner and companies arrive as "Pipedrive organization <id>".

The source stored on clients and projects is the provider name, so a connection replaced
by a new one (to rotate its secret) keeps updating the same projects.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.errors import AppError, InvalidInput, NotFound
from api.models import CrmConnection, InboundResult
from api.schemas.crm_connections import HookEventResult
from api.security import SecretBox
from api.services.crm_hooks.apply import EffectFailed, apply_event, claim, record_result
from api.services.crm_hooks.providers import (
    MAX_ID,
    DealEvent,
    ParseFailure,
    body_id,
    parse,
    payload_text,
)
from api.services.crm_hooks.verify import (
    RawHook,
    hubspot_signature,
    sealing_context,
    verify_request,
)

__all__ = [
    "PayloadTooLarge",
    "RawHook",
    "UnparseableEvent",
    "get_connection",
    "hubspot_signature",
    "receive",
    "sealing_context",
]


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

    results: list[HookEventResult | None] = [None] * len(events)
    # Applied in deal order (stable within a deal): two batches touching the same new deals
    # in opposite orders would otherwise wait on each other's inserts (a deadlock).
    for index, event in sorted(enumerate(events), key=lambda pair: pair[1].deal_id or ""):
        # A deal event starts as "ignored" and gets its real result once applied below.
        initial = InboundResult.failed if event.failure else InboundResult.ignored
        event_row_id = await claim(session, connection, event, initial)
        if event_row_id is None:
            results[index] = HookEventResult(
                external_id=event.external_id,
                result=InboundResult.ignored,
                reason="Already received",
                replayed=True,
            )
            continue
        if initial == InboundResult.failed or event.deal_id is None:
            results[index] = HookEventResult(
                external_id=event.external_id,
                result=initial,
                reason=event.failure or event.ignore_reason,
            )
            continue
        try:
            async with session.begin_nested():
                result, reason, client_id, project_id = await apply_event(
                    session, connection, event
                )
        except EffectFailed as exc:
            result, reason, client_id, project_id = InboundResult.failed, str(exc), None, None
        await record_result(
            session,
            event_row_id,
            result=result,
            reason=reason,
            client_id=client_id,
            project_id=project_id,
        )
        results[index] = HookEventResult(
            external_id=event.external_id, result=result, reason=reason, project_id=project_id
        )
    return [result for result in results if result is not None]
