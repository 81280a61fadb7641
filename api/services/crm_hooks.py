"""Inbound CRM events: verify the raw body, parse it into deal events, apply their effects.

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

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from api.db import dialect_name
from api.errors import AppError, InvalidInput, NotFound, Unauthorized
from api.kit import audit, outbox
from api.models import (
    Client,
    CrmConnection,
    CrmInboundEvent,
    CrmProvider,
    InboundResult,
    Project,
    ProjectKind,
    ProjectStatus,
    User,
    utcnow,
)
from api.schemas.base import MAX_AMOUNT, to_cents
from api.schemas.crm_connections import HookEventResult
from api.security import InvalidToken, SecretBox, secrets_match
from api.services.projects import owner_seat

TOLERANCE_SECONDS = 5 * 60
BAD_SIGNATURE = "The request's signature or credentials do not verify"
MAX_TITLE = 200
MAX_ID = 200  # crm_inbound_event, client and project external_id
MAX_EVENT_TYPE = 80  # crm_inbound_event.event_type
# HubSpot decodes these in the URI before signing (its v3 validation guide).
_HUBSPOT_DECODED = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}


class PayloadTooLarge(AppError):
    status, slug = 413, "payload-too-large"


class UnparseableEvent(InvalidInput):
    """A verified body that cannot be understood: 422, and the failed event is kept."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, loc=["body"])
        self.keep_changes = True


def sealing_context(connection_id: uuid.UUID) -> str:
    return f"crm_connection:{connection_id}:signing_secret"


# --- the request as received -----------------------------------------------------------------


# A deal's status as a project takes it; any other status leaves the project's as it is.
DealStatus = Literal["open", "won", "lost"]
_DEAL_STATUSES: dict[str | None, DealStatus] = {"open": "open", "won": "won", "lost": "lost"}


@dataclass(frozen=True, slots=True)
class RawHook:
    method: str
    uri: str  # the full URI the sender called (scheme, host, path, query)
    headers: dict[str, str]  # lower-cased names
    body: bytes


async def get_connection(*, session: AsyncSession, connection_id: uuid.UUID) -> CrmConnection:
    connection = await session.scalar(
        select(CrmConnection).where(
            col(CrmConnection.id) == connection_id, col(CrmConnection.deleted_at).is_(None)
        )
    )
    if connection is None:
        raise NotFound("CRM connection not found")
    return connection


# --- verification (before any parsing) -------------------------------------------------------


def _clock_reading(text: str) -> int | None:
    """A header's Unix time, if it is one: plain digits, and few enough that int() takes
    them (it refuses more than 4,300) and the window check means something."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 15 else None


def now_seconds() -> float:
    """The clock the five-minute windows are measured against (tests pin it)."""
    return time.time()


def _verify_generic(secret: str, hook: RawHook) -> str:
    # The window is checked here, against our clock, as well as by the library: the test of
    # the edge (301 s either way) must not depend on how long the request took to arrive.
    timestamp = _clock_reading(hook.headers.get("webhook-timestamp", ""))
    if timestamp is None:
        raise Unauthorized(BAD_SIGNATURE)
    if abs(now_seconds() - timestamp) > TOLERANCE_SECONDS:
        raise Unauthorized("The request's timestamp is outside the five-minute window")
    try:
        Webhook(secret).verify(hook.body, hook.headers, json_parse=False)
    except (WebhookVerificationError, ValueError, binascii.Error, UnicodeDecodeError):
        raise Unauthorized(BAD_SIGNATURE) from None
    return hook.headers["webhook-id"]


def hubspot_signature(secret: str, *, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """HubSpot's v3 signature: base64 of HMAC-SHA256 over method + URI + body + timestamp."""
    for encoded, plain in _HUBSPOT_DECODED.items():
        uri = uri.replace(encoded, plain).replace(encoded.lower(), plain)
    message = method.encode() + uri.encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def _verify_hubspot(secret: str, hook: RawHook, now_ms: int) -> None:
    signature = hook.headers.get("x-hubspot-signature-v3")
    timestamp = hook.headers.get("x-hubspot-request-timestamp", "")
    sent_ms = _clock_reading(timestamp)
    if not signature or sent_ms is None:
        raise Unauthorized(BAD_SIGNATURE)
    if abs(now_ms - sent_ms) > TOLERANCE_SECONDS * 1000:
        raise Unauthorized("The request's timestamp is outside the five-minute window")
    expected = hubspot_signature(
        secret, method=hook.method, uri=hook.uri, body=hook.body, timestamp=timestamp
    )
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise Unauthorized(BAD_SIGNATURE)


def _verify_basic(connection: CrmConnection, hook: RawHook) -> None:
    scheme, _, encoded = hook.headers.get("authorization", "").partition(" ")
    try:
        username, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Unauthorized(BAD_SIGNATURE) from None
    ok_user = hmac.compare_digest(username.encode(), (connection.basic_username or "").encode())
    ok_password = connection.basic_password_hash is not None and secrets_match(
        password, connection.basic_password_hash
    )
    if scheme.lower() != "basic" or not sep or not (ok_user and ok_password):
        raise Unauthorized(BAD_SIGNATURE)


def verify(connection: CrmConnection, hook: RawHook, box: SecretBox) -> str | None:
    """Refuse (401) anything not signed by the connection's CRM; returns the event id the
    signature covers, when the scheme has one (generic's ``webhook-id``)."""
    if connection.provider == CrmProvider.pipedrive:
        _verify_basic(connection, hook)
        return None
    try:
        secret = box.open(
            connection.signing_secret_sealed or "", context=sealing_context(connection.id)
        )
    except InvalidToken:
        # A secret sealed under another SECRET_KEY: nothing can verify, so nothing is let in.
        raise Unauthorized(BAD_SIGNATURE) from None
    if connection.provider == CrmProvider.generic:
        return _verify_generic(secret, hook)
    _verify_hubspot(secret, hook, now_ms=int(now_seconds() * 1000))
    return None


# --- parsing into deal events ----------------------------------------------------------------


@dataclass
class DealEvent:
    """One event, normalised: ``None`` fields are "not sent", so they change nothing."""

    external_id: str
    event_type: str
    payload: str
    deal_id: str | None = None  # None: not about a deal, stored as ignored
    ignore_reason: str = ""
    failure: str = ""  # set: this event could not be understood (stored as failed)
    deal_name: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    status: DealStatus | None = None
    company_id: str | None = None
    company_name: str | None = None
    company_industry: str | None = None
    owner_email: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _storable(value: str) -> str:
    # A body that verifies must still fit the database: PostgreSQL text refuses NUL, and a
    # lone surrogate (JSON allows the escape "\ud800") cannot be encoded as UTF-8 at all.
    # Refused here, the event is kept as failed (422) instead of failing the request (500).
    if "\x00" in value or _SURROGATE.search(value):
        raise ValueError("must not contain NUL or unpaired surrogate characters")
    return value


def _crm_id(value: str | int) -> str:
    text = str(value)
    if not 0 < len(text) <= MAX_ID:
        raise ValueError(f"must be 1 to {MAX_ID} characters")
    return text


_SURROGATE = re.compile("[\ud800-\udfff]")
# Every text taken from a body is stored somewhere, or compared with stored text.
Text = Annotated[str, AfterValidator(_storable)]
# Ids are stored in columns of MAX_ID characters: a longer one is refused, never cut, since
# two ids cut to the same prefix would make a new event look like a replay of another.
CrmId = Annotated[Text | int, AfterValidator(_crm_id)]
# Pipedrive's ids are integers; these fit PostgreSQL's bigint, and so the id columns.
PipedriveId = Annotated[int, Field(ge=0, le=2**63 - 1)]
# Rounded to cents as the column stores it (a tiny amount like 1E-999999 becomes 0.00).
Money = Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT), AfterValidator(to_cents)]


class _GenericData(_Lenient):
    deal_id: CrmId
    deal_name: Text | None = Field(default=None, max_length=MAX_TITLE)
    amount: Money | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    stage: Text | None = None
    status: DealStatus | None = None
    company_id: CrmId | None = None
    company_name: Text | None = Field(default=None, max_length=200)
    company_industry: Text | None = Field(default=None, max_length=120)
    owner_email: Text | None = Field(default=None, max_length=320)


class _GenericBody(_Lenient):
    type: Text = Field(max_length=MAX_EVENT_TYPE)
    data: dict[str, Any]


class _PipedriveMeta(_Lenient):
    id: CrmId
    # entity + "." + action is the stored event type.
    action: Text = Field(max_length=40)
    entity: Text = Field(max_length=MAX_EVENT_TYPE - 41)
    version: Text | None = None


class _PipedriveDeal(_Lenient):
    id: PipedriveId
    title: Text | None = Field(default=None, max_length=MAX_TITLE)
    value: Money | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    status: Text | None = None
    org_id: PipedriveId | None = None


class _PipedriveBody(_Lenient):
    meta: _PipedriveMeta
    data: dict[str, Any] | None = None


class _HubSpotEvent(_Lenient):
    eventId: CrmId  # noqa: N815 (HubSpot's field names)
    subscriptionType: Text = Field(max_length=MAX_EVENT_TYPE)  # noqa: N815
    objectId: CrmId  # noqa: N815
    propertyName: Text | None = None  # noqa: N815
    propertyValue: Text | None = None  # noqa: N815


def _text(body: bytes) -> str:
    return _printable(body.decode("utf-8", errors="replace"))


def _printable(text: str) -> str:
    """Text kept for inspection (a payload, a reason), made storable rather than refused."""
    return _SURROGATE.sub("\ufffd", text.replace("\x00", "\ufffd"))


def _why(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in error['loc']) or 'body'}: {error['msg']}"
        for error in exc.errors()[:5]
    )


def _body_id(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _not_json(constant: str) -> Any:
    # Python's parser takes NaN and Infinity; JSON (RFC 8259) has no such numbers.
    raise ValueError(f"{constant} is not a JSON number")


def _json(body: bytes) -> Any:
    try:
        return json.loads(body, parse_constant=_not_json)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _Unparseable(f"The body is not JSON: {exc}") from None


class _Unparseable(Exception):
    def __init__(self, reason: str, external_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.external_id = external_id


def _parse_generic(body: bytes, event_id: str) -> list[DealEvent]:
    if len(event_id) > MAX_ID:
        raise _Unparseable(f"The webhook-id is longer than {MAX_ID} characters")
    try:
        envelope = _GenericBody.model_validate(_json(body))
    except ValidationError as exc:
        raise _Unparseable(_why(exc), event_id) from None
    event = DealEvent(external_id=event_id, event_type=envelope.type, payload=_text(body))
    if not envelope.type.startswith("deal."):
        event.ignore_reason = f"{envelope.type} events are not about deals"
        return [event]
    try:
        data = _GenericData.model_validate(envelope.data)
    except ValidationError as exc:
        raise _Unparseable(_why(exc), event_id) from None
    event.deal_id = str(data.deal_id)
    event.deal_name = data.deal_name
    event.amount = data.amount
    event.currency = data.currency.upper() if data.currency else None
    event.status = data.status or ("won" if envelope.type == "deal.closed" else None)
    event.company_id = str(data.company_id) if data.company_id is not None else None
    event.company_name = data.company_name
    event.company_industry = data.company_industry
    event.owner_email = data.owner_email
    return [event]


def _parse_pipedrive(body: bytes) -> list[DealEvent]:
    raw = _json(body)
    meta = raw.get("meta") if isinstance(raw, dict) else None
    meta_id = meta.get("id") if isinstance(meta, dict) else None
    external_id = str(meta_id) if isinstance(meta_id, str | int) else None
    try:
        envelope = _PipedriveBody.model_validate(raw)
    except ValidationError as exc:
        raise _Unparseable(_why(exc), external_id) from None
    meta = envelope.meta
    event = DealEvent(
        external_id=str(meta.id), event_type=f"{meta.entity}.{meta.action}", payload=_text(body)
    )
    if meta.version is not None and not meta.version.startswith("2"):
        raise _Unparseable("Only Pipedrive webhooks v2 bodies are understood", event.external_id)
    if meta.entity != "deal":
        event.ignore_reason = f"{meta.entity} events are not about deals"
        return [event]
    if meta.action == "delete" or envelope.data is None:
        event.ignore_reason = "A deleted deal leaves its project as it is"
        return [event]
    try:
        deal = _PipedriveDeal.model_validate(envelope.data)
    except ValidationError as exc:
        raise _Unparseable(_why(exc), event.external_id) from None
    if deal.status == "deleted":
        event.ignore_reason = "A deleted deal leaves its project as it is"
        return [event]
    event.deal_id = str(deal.id)
    event.deal_name = deal.title
    event.amount = deal.value
    event.currency = deal.currency.upper() if deal.currency else None
    event.status = _DEAL_STATUSES.get(deal.status)
    if deal.org_id is not None:
        event.company_id = str(deal.org_id)
        event.company_name = f"Pipedrive organization {deal.org_id}"
    return [event]


def _parse_hubspot(body: bytes) -> list[DealEvent]:
    raw = _json(body)
    if not isinstance(raw, list) or not raw:
        raise _Unparseable("A HubSpot body is a non-empty array of events")
    events = []
    for index, item in enumerate(raw):
        try:
            parsed = _HubSpotEvent.model_validate(item)
        except ValidationError as exc:
            raise _Unparseable(f"event {index}: {_why(exc)}") from None
        event = DealEvent(
            external_id=str(parsed.eventId),
            event_type=parsed.subscriptionType,
            payload=json.dumps(item, ensure_ascii=False),
        )
        events.append(event)
        kind = parsed.subscriptionType
        if kind not in ("deal.creation", "deal.propertyChange"):
            event.ignore_reason = f"{kind} events do not change projects"
            continue
        event.deal_id = str(parsed.objectId)
        if kind == "deal.creation":
            continue
        name, value = parsed.propertyName, parsed.propertyValue or ""
        if name == "dealname":
            event.deal_name = value[:MAX_TITLE] or None
        elif name == "amount":
            try:
                amount = Decimal(value) if value else None
            except InvalidOperation:
                amount = None
            # Checked finite first: comparing a NaN Decimal raises instead of answering.
            if amount is not None and not (amount.is_finite() and 0 <= amount <= MAX_AMOUNT):
                amount = None
            elif amount is not None:
                amount = to_cents(amount)
            if value and amount is None:
                event.failure = f"amount is not a usable number: {value[:40]!r}"
            event.amount = amount
        elif name == "dealstage":
            event.status = (
                "won" if value == "closedwon" else "lost" if value == "closedlost" else "open"
            )
        else:
            event.deal_id = None
            event.ignore_reason = f"the deal property {name!r} is not tracked"
    return events


def parse(connection: CrmConnection, body: bytes, signed_id: str | None) -> list[DealEvent]:
    try:
        if connection.provider == CrmProvider.generic:
            assert signed_id is not None
            return _parse_generic(body, signed_id)
        if connection.provider == CrmProvider.pipedrive:
            return _parse_pipedrive(body)
        return _parse_hubspot(body)
    except RecursionError:
        # Nested deeper than the parser (or pydantic) recurses: within the size cap, a
        # body of brackets alone gets there.
        raise _Unparseable("The body is nested too deeply") from None


# --- storing events and their effects --------------------------------------------------------


async def _claim(
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
            event_type=_printable(event.event_type)[:MAX_EVENT_TYPE],
            result=result,
            reason=_printable(event.failure or event.ignore_reason),
            payload=_printable(event.payload),
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
        raise _EffectFailed("The connection's default owner is deactivated and no owner matched")
    return connection.default_owner_id


class _EffectFailed(Exception):
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
    changes["status"] = status


async def _apply(
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
        project = Project(
            organization_id=connection.organization_id,
            kind=ProjectKind.account if client else ProjectKind.prospecting,
            client_id=client_id,
            owner_id=owner_id,
            title=event.deal_name or f"{connection.provider.value.title()} deal {event.deal_id}",
            estimated_value=event.amount,
            currency=event.currency or "EUR",
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
                payload=outbox.project_payload(project),
            )
            return InboundResult.created, "", client_id, project.id
    changes = {}
    if event.deal_name and event.deal_name != project.title:
        project.title = changes["title"] = event.deal_name
    if event.amount is not None and event.amount != project.estimated_value:
        project.estimated_value = event.amount
        changes["estimated_value"] = str(event.amount)
    if event.currency and event.currency != project.currency:
        project.currency = changes["currency"] = event.currency
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
    if closed:
        await session.flush()
        await outbox.emit(
            session,
            organization_id=project.organization_id,
            event_type="project.closed",
            payload=outbox.project_payload(project),
        )
    return InboundResult.updated, "", client_id, project.id


async def receive(
    *, session: AsyncSession, connection: CrmConnection, hook: RawHook, box: SecretBox
) -> list[HookEventResult]:
    """Verify, parse, store and apply: the whole of one inbound request."""
    signed_id = verify(connection, hook, box)
    try:
        events = parse(connection, hook.body, signed_id)
    except _Unparseable as exc:
        candidates = (exc.external_id, signed_id)
        failed = DealEvent(
            # The event's own id when it has one that fits the column, else the body's hash.
            external_id=next(
                (c for c in candidates if c and len(c) <= MAX_ID), _body_id(hook.body)
            ),
            event_type="",
            payload=_text(hook.body),
            failure=exc.reason[:2000],
        )
        await _claim(session, connection, failed, InboundResult.failed)
        raise UnparseableEvent(f"The event does not parse: {exc.reason}") from None

    results: list[HookEventResult | None] = [None] * len(events)
    # Applied in deal order (stable within a deal): two batches touching the same new deals
    # in opposite orders would otherwise wait on each other's inserts (a deadlock).
    for index, event in sorted(enumerate(events), key=lambda pair: pair[1].deal_id or ""):
        # A deal event starts as "ignored" and gets its real result once applied below.
        initial = InboundResult.failed if event.failure else InboundResult.ignored
        event_row_id = await _claim(session, connection, event, initial)
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
                result, reason, client_id, project_id = await _apply(session, connection, event)
        except _EffectFailed as exc:
            result, reason, client_id, project_id = InboundResult.failed, str(exc), None, None
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
        results[index] = HookEventResult(
            external_id=event.external_id, result=result, reason=reason, project_id=project_id
        )
    return [result for result in results if result is not None]
