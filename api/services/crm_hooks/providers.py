"""Parsing a verified body into deal events of one shape, whichever CRM sent it: the generic
(Standard Webhooks) envelope, Pipedrive's webhooks v2 and HubSpot's batches. Anything a
body holds that the database could not store is refused here, so it fails as 422."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from api.kit.money import is_currency, round_amount
from api.models import CrmConnection, CrmProvider
from api.schemas.base import MAX_AMOUNT

MAX_TITLE = 255  # project.title: Pipedrive allows 255 characters
MAX_ID = 200  # crm_inbound_event, client and project external_id
MAX_EVENT_TYPE = 80  # crm_inbound_event.event_type
# A deal's status as a project takes it; any other status leaves the project's as it is.
DealStatus = Literal["open", "won", "lost"]


_DEAL_STATUSES: dict[str | None, DealStatus] = {"open": "open", "won": "won", "lost": "lost"}


# What an event does to its deal's project (crm_hooks/apply.py): create or update it, abandon
# it, abandon others in its favour, reopen it, move it to another client; "organization"
# renames the client of a CRM company (Pipedrive's organization events).
Action = Literal["upsert", "delete", "merge", "restore", "associate", "organization"]


@dataclass
class DealEvent:
    """One event, normalised: ``None`` fields are "not sent", so they change nothing."""

    external_id: str
    event_type: str
    payload: str
    deal_id: str | None = None  # None: not about a deal, stored as ignored
    ignore_reason: str = ""
    failure: str = ""  # set: this event could not be understood (stored as failed)
    action: Action = "upsert"
    # When the change happened at the CRM (ms since the epoch), and which properties it
    # sets: a property already set by a later change keeps its value (crm_property_stamp).
    occurred_at: int | None = None
    properties: tuple[str, ...] = ()
    # What the worker read from the CRM's API, and when (ms): stamped with that time.
    read_at: int | None = None
    read_properties: tuple[str, ...] = ()
    deal_name: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    status: DealStatus | None = None
    stage_id: str | None = None  # HubSpot: won or lost comes from the stage's metadata
    pipeline_id: str | None = None
    close_date: date | None = None
    company_id: str | None = None
    company_name: str | None = None
    company_industry: str | None = None
    company_domain: str | None = None
    owner_email: str | None = None
    owner_ref: str | None = None  # the CRM's user id of the owner (its email read by API)
    survivor_id: str | None = None  # merge: the deal the others were merged into
    merged_ids: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def applicable(self) -> bool:
        """Something for the worker to apply (else it is stored as failed or ignored)."""
        if self.failure:
            return False
        return self.deal_id is not None or (
            self.action == "organization" and self.company_id is not None
        )


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
# Rounded to the places the column stores (a tiny amount like 1E-999999 becomes 0), and to
# the currency's when the project takes it (crm_hooks/apply.py).
Money = Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT), AfterValidator(round_amount)]


def _currency(value: str) -> str:
    code = value.upper()
    if not is_currency(code):
        raise ValueError(f"{value!r} is not an ISO 4217 currency code")
    return code


# Any ISO 4217 code, upper-cased (CRMs send "eur" as well as "EUR").
Currency = Annotated[str, Field(min_length=3, max_length=3), AfterValidator(_currency)]


class _GenericData(_Lenient):
    deal_id: CrmId
    deal_name: Text | None = Field(default=None, max_length=MAX_TITLE)
    amount: Money | None = None
    currency: Currency | None = None
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
    entity_id: CrmId | None = None
    version: Text | None = None
    timestamp: datetime | None = None
    # Webhooks v2 reports a merge as the merged-away deal's deletion whose meta names the
    # survivor, plus a change of the survivor.
    merged_to_id: CrmId | None = None


class _PipedriveDeal(_Lenient):
    id: PipedriveId
    title: Text | None = Field(default=None, max_length=MAX_TITLE)
    value: Money | None = None
    currency: Currency | None = None
    status: Text | None = None
    org_id: PipedriveId | None = None
    owner_id: PipedriveId | None = None
    is_deleted: bool = False


class _PipedriveOrganization(_Lenient):
    id: PipedriveId
    name: Text | None = Field(default=None, max_length=200)


class _PipedriveBody(_Lenient):
    meta: _PipedriveMeta
    data: dict[str, Any] | None = None
    previous: dict[str, Any] | None = None


class _HubSpotEvent(_Lenient):
    """One element of a HubSpot batch: the legacy ``deal.*`` subscriptions and the generic
    ``object.*`` ones (with ``objectTypeId``) share these fields."""

    eventId: CrmId  # noqa: N815 (HubSpot's field names)
    subscriptionId: CrmId | None = None  # noqa: N815
    subscriptionType: Text = Field(max_length=MAX_EVENT_TYPE)  # noqa: N815
    objectId: CrmId | None = None  # noqa: N815
    objectTypeId: Text | None = None  # noqa: N815
    occurredAt: int | None = Field(default=None, ge=0, le=2**63 - 1)  # noqa: N815
    propertyName: Text | None = Field(default=None, max_length=200)  # noqa: N815
    propertyValue: Text | None = None  # noqa: N815
    primaryObjectId: CrmId | None = None  # noqa: N815
    mergedObjectIds: list[CrmId] = Field(default_factory=list, max_length=100)  # noqa: N815
    fromObjectId: CrmId | None = None  # noqa: N815
    toObjectId: CrmId | None = None  # noqa: N815
    fromObjectTypeId: Text | None = None  # noqa: N815
    toObjectTypeId: Text | None = None  # noqa: N815
    associationType: Text | None = None  # noqa: N815
    associationRemoved: bool = False  # noqa: N815


def payload_text(body: bytes) -> str:
    return printable(body.decode("utf-8", errors="replace"))


def printable(text: str) -> str:
    """Text kept for inspection (a payload, a reason), made storable rather than refused."""
    return _SURROGATE.sub("\ufffd", text.replace("\x00", "\ufffd"))


def _why(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in error['loc']) or 'body'}: {error['msg']}"
        for error in exc.errors()[:5]
    )


def body_id(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _not_json(constant: str) -> Any:
    # Python's parser takes NaN and Infinity; JSON (RFC 8259) has no such numbers.
    raise ValueError(f"{constant} is not a JSON number")


def _json(body: bytes) -> Any:
    try:
        return json.loads(body, parse_constant=_not_json)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseFailure(f"The body is not JSON: {exc}") from None


class ParseFailure(Exception):
    def __init__(self, reason: str, external_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.external_id = external_id


def _generic_event(body: bytes, event_id: str) -> DealEvent:
    if len(event_id) > MAX_ID:
        raise ParseFailure(f"The webhook-id is longer than {MAX_ID} characters")
    try:
        envelope = _GenericBody.model_validate(_json(body))
    except ValidationError as exc:
        raise ParseFailure(_why(exc), event_id) from None
    event = DealEvent(external_id=event_id, event_type=envelope.type, payload=payload_text(body))
    if not envelope.type.startswith("deal."):
        event.ignore_reason = f"{envelope.type} events are not about deals"
        return event
    if envelope.type == "deal.deleted":
        deal_id = envelope.data.get("deal_id")
        try:
            event.deal_id = str(_GenericData.model_validate({"deal_id": deal_id}).deal_id)
        except ValidationError as exc:
            raise ParseFailure(_why(exc), event_id) from None
        event.action = "delete"
        return event
    try:
        data = _GenericData.model_validate(envelope.data)
    except ValidationError as exc:
        raise ParseFailure(_why(exc), event_id) from None
    event.deal_id = str(data.deal_id)
    event.deal_name = data.deal_name
    event.amount = data.amount
    event.currency = data.currency
    event.status = data.status or ("won" if envelope.type == "deal.closed" else None)
    event.company_id = str(data.company_id) if data.company_id is not None else None
    event.company_name = data.company_name
    event.company_industry = data.company_industry
    event.owner_email = data.owner_email
    return event


def _milliseconds(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _pipedrive_event(body: bytes) -> DealEvent:
    raw = _json(body)
    meta = raw.get("meta") if isinstance(raw, dict) else None
    meta_id = meta.get("id") if isinstance(meta, dict) else None
    external_id = str(meta_id) if isinstance(meta_id, str | int) else None
    try:
        envelope = _PipedriveBody.model_validate(raw)
    except ValidationError as exc:
        raise ParseFailure(_why(exc), external_id) from None
    meta = envelope.meta
    event = DealEvent(
        external_id=str(meta.id),
        event_type=f"{meta.entity}.{meta.action}",
        payload=payload_text(body),
        occurred_at=_milliseconds(meta.timestamp),
    )
    if meta.version is not None and not meta.version.startswith("2"):
        raise ParseFailure("Only Pipedrive webhooks v2 bodies are understood", event.external_id)
    try:
        if meta.entity == "organization":
            return _pipedrive_organization(event, meta, envelope)
        if meta.entity != "deal":
            event.ignore_reason = f"{meta.entity} events are not about deals"
            return event
        if meta.action == "delete" or envelope.data is None:
            previous = (
                _PipedriveDeal.model_validate(envelope.previous) if envelope.previous else None
            )
            deal_id = meta.entity_id or (previous.id if previous else None)
            if deal_id is None:
                raise ParseFailure("A deleted deal's id is missing", event.external_id)
            event.deal_id, event.action = str(deal_id), "delete"
            if meta.merged_to_id is not None and str(meta.merged_to_id) != event.deal_id:
                # Merged away: the project is abandoned pointing at the survivor's.
                event.survivor_id = str(meta.merged_to_id)
            return event
        deal = _PipedriveDeal.model_validate(envelope.data)
    except ValidationError as exc:
        raise ParseFailure(_why(exc), event.external_id) from None
    event.deal_id = str(deal.id)
    if deal.status == "deleted" or deal.is_deleted:
        event.action = "delete"
        return event
    # A v2 body carries the whole deal: one stamp for all of it, so an older body that
    # arrives late changes nothing.
    event.properties = ("deal",)
    event.deal_name = deal.title
    event.amount = deal.value
    event.currency = deal.currency
    event.status = _DEAL_STATUSES.get(deal.status)
    if deal.owner_id is not None:
        event.owner_ref = str(deal.owner_id)
    if deal.org_id is not None:
        event.company_id = str(deal.org_id)
    return event


def _pipedrive_organization(
    event: DealEvent, meta: _PipedriveMeta, envelope: _PipedriveBody
) -> DealEvent:
    if meta.action == "delete" or envelope.data is None:
        event.ignore_reason = "A deleted organization leaves its client as it is"
        return event
    organization = _PipedriveOrganization.model_validate(envelope.data)
    event.action = "organization"
    event.company_id = str(organization.id)
    event.company_name = organization.name
    return event


# HubSpot's object type of deals (``objectTypeId`` of ``object.*`` subscriptions), and the
# legacy subscription names of what the generic ones call ``object.<kind>``.
HUBSPOT_DEAL_TYPE = "0-3"
HUBSPOT_COMPANY_TYPE = "0-2"
_HUBSPOT_KINDS = {"creation", "propertyChange", "deletion", "merge", "restore", "associationChange"}
# The deal properties a project follows, and what each sets.
_HUBSPOT_PROPERTIES = {
    "dealname",
    "amount",
    "deal_currency_code",
    "dealstage",
    "pipeline",
    "closedate",
    "hubspot_owner_id",
}
# The default pipeline's closed stages: used for won and lost when no access token lets the
# worker read the stages' metadata (custom pipelines then need the token).
DEFAULT_CLOSED_STAGES: dict[str, DealStatus] = {"closedwon": "won", "closedlost": "lost"}


def hubspot_identity(item: dict[str, Any]) -> str:
    """An event's identity at HubSpot: (subscriptionId, eventId, objectId, propertyName);
    eventId alone repeats across subscriptions. Hashed when it would not fit the column."""
    parts = [item.get(key) for key in ("subscriptionId", "eventId", "objectId", "propertyName")]
    text = ":".join("" if part is None else str(part) for part in parts)
    if len(text) <= MAX_ID and "\x00" not in text and not _SURROGATE.search(text):
        return text
    return "sha256:" + hashlib.sha256(text.encode("utf-8", errors="replace")).hexdigest()


def _hubspot_date(value: str) -> date | None:
    """closedate: milliseconds since the epoch in webhooks, ISO 8601 from the API."""
    if value.isdigit() and len(value) <= 15:
        return datetime.fromtimestamp(int(value) / 1000, UTC).date()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def hubspot_property(event: DealEvent, name: str, value: str) -> None:
    """Set one deal property (a webhook's change, or what the API read) on the event."""
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
            amount = round_amount(amount)
        if value and amount is None:
            event.failure = f"amount is not a usable number: {value[:40]!r}"
        event.amount = amount
    elif name == "deal_currency_code":
        code = value.upper()
        if value and not is_currency(code):
            event.failure = f"deal_currency_code is not an ISO 4217 code: {value[:40]!r}"
        event.currency = code if is_currency(code) else None
    elif name == "dealstage":
        event.stage_id = value or None
        event.status = DEFAULT_CLOSED_STAGES.get(value, "open") if value else None
    elif name == "pipeline":
        event.pipeline_id = value or None
    elif name == "closedate":
        event.close_date = _hubspot_date(value) if value else None
    elif name == "hubspot_owner_id":
        event.owner_ref = value or None


def _hubspot_event(item: Any) -> DealEvent:
    if not isinstance(item, dict):
        raise ParseFailure("A HubSpot event is an object")
    parsed = _HubSpotEvent.model_validate(item)
    kind, _, rest = parsed.subscriptionType.partition(".")
    event = DealEvent(
        external_id=hubspot_identity(item),
        event_type=parsed.subscriptionType,
        payload=json.dumps(item, ensure_ascii=False),
        occurred_at=parsed.occurredAt,
    )
    is_deal = kind == "deal" or (kind == "object" and parsed.objectTypeId == HUBSPOT_DEAL_TYPE)
    if not is_deal or rest not in _HUBSPOT_KINDS:
        event.ignore_reason = f"{parsed.subscriptionType} events do not change projects"
        return event
    if rest == "associationChange":
        return _hubspot_association(event, parsed)
    if parsed.objectId is None:
        raise ParseFailure("objectId is missing")
    event.deal_id = str(parsed.objectId)
    if rest in ("deletion", "restore"):
        # Stamped like a property: a deletion and a restore that arrive in the wrong order
        # leave the deal as the later of the two says.
        event.action = "delete" if rest == "deletion" else "restore"
        event.properties = ("lifecycle",)
    elif rest == "merge":
        event.action = "merge"
        survivor = parsed.primaryObjectId if parsed.primaryObjectId is not None else parsed.objectId
        event.deal_id = event.survivor_id = str(survivor)
        event.merged_ids = tuple(str(i) for i in parsed.mergedObjectIds if str(i) != str(survivor))
    elif rest == "propertyChange":
        name = parsed.propertyName or ""
        if name not in _HUBSPOT_PROPERTIES:
            event.deal_id = None
            event.ignore_reason = f"the deal property {name!r} is not tracked"
            return event
        event.properties = (name,)
        hubspot_property(event, name, parsed.propertyValue or "")
    return event


def _hubspot_association(event: DealEvent, parsed: _HubSpotEvent) -> DealEvent:
    association = (parsed.associationType or "").upper()
    types = (parsed.fromObjectTypeId, parsed.toObjectTypeId)
    if association == "DEAL_TO_COMPANY" or types == (HUBSPOT_DEAL_TYPE, HUBSPOT_COMPANY_TYPE):
        deal, company = parsed.fromObjectId, parsed.toObjectId
    elif association == "COMPANY_TO_DEAL" or types == (HUBSPOT_COMPANY_TYPE, HUBSPOT_DEAL_TYPE):
        deal, company = parsed.toObjectId, parsed.fromObjectId
    else:
        event.ignore_reason = f"{association or 'this'} associations do not change projects"
        return event
    if deal is None or company is None:
        raise ParseFailure("fromObjectId and toObjectId are required")
    if parsed.associationRemoved:
        event.ignore_reason = "A removed company association leaves the project's client"
        return event
    event.deal_id, event.company_id, event.action = str(deal), str(company), "associate"
    event.properties = ("company",)
    return event


def _hubspot_batch(body: bytes) -> list[DealEvent]:
    raw = _json(body)
    if not isinstance(raw, list) or not raw:
        raise ParseFailure("A HubSpot body is a non-empty array of events")
    events = []
    for index, item in enumerate(raw):
        try:
            events.append(_hubspot_event(item))
        except (ValidationError, ParseFailure) as exc:
            # One bad event never fails the batch: it is kept, failed, with its reason.
            reason = _why(exc) if isinstance(exc, ValidationError) else exc.reason
            text = json.dumps(item, ensure_ascii=False) if isinstance(item, dict) else repr(item)
            events.append(
                DealEvent(
                    external_id=hubspot_identity(item) if isinstance(item, dict) else "",
                    event_type=str(item.get("subscriptionType", ""))[:MAX_EVENT_TYPE]
                    if isinstance(item, dict)
                    else "",
                    payload=printable(text),
                    failure=f"event {index}: {reason}",
                )
            )
    for event in events:
        # An event without the parts of its identity: its content decides it.
        if not event.external_id or event.external_id == ":::":
            event.external_id = body_id(event.payload.encode())
    return events


def parse(connection: CrmConnection, body: bytes, signed_id: str | None) -> list[DealEvent]:
    """A verified body as the events it holds; ``ParseFailure`` when it is not the provider's
    format at all (then 422)."""
    try:
        if connection.provider == CrmProvider.generic:
            assert signed_id is not None
            return [_generic_event(body, signed_id)]
        if connection.provider == CrmProvider.pipedrive:
            return [_pipedrive_event(body)]
        return _hubspot_batch(body)
    except RecursionError:
        # Nested deeper than the parser (or pydantic) recurses: within the size cap, a
        # body of brackets alone gets there.
        raise ParseFailure("The body is nested too deeply") from None


def parse_stored(provider: CrmProvider, payload: str, external_id: str) -> DealEvent:
    """A stored event, parsed again by the worker (what was stored parsed once already)."""
    body = payload.encode()
    if provider == CrmProvider.generic:
        return _generic_event(body, external_id)
    if provider == CrmProvider.pipedrive:
        return _pipedrive_event(body)
    try:
        return _hubspot_event(json.loads(payload, parse_constant=_not_json))
    except ValidationError as exc:
        raise ParseFailure(_why(exc)) from None
    except (ValueError, RecursionError):
        # What was kept of an event that never parsed (an admin retried it).
        raise ParseFailure("The stored event is not a HubSpot event") from None
