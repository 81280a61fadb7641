"""Parsing a verified body into deal events of one shape, whichever CRM sent it: the generic
(Standard Webhooks) envelope, Pipedrive's webhooks v2 and HubSpot's batches. Anything a
body holds that the database could not store is refused here, so it fails as 422."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from api.kit.money import round_amount
from api.models import CrmConnection, CrmProvider
from api.schemas.base import MAX_AMOUNT

MAX_TITLE = 200
MAX_ID = 200  # crm_inbound_event, client and project external_id
MAX_EVENT_TYPE = 80  # crm_inbound_event.event_type
# A deal's status as a project takes it; any other status leaves the project's as it is.
DealStatus = Literal["open", "won", "lost"]


_DEAL_STATUSES: dict[str | None, DealStatus] = {"open": "open", "won": "won", "lost": "lost"}


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
# Rounded to the places the column stores (a tiny amount like 1E-999999 becomes 0), and to
# the currency's when the project takes it (crm_hooks/apply.py).
Money = Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT), AfterValidator(round_amount)]


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


def _parse_generic(body: bytes, event_id: str) -> list[DealEvent]:
    if len(event_id) > MAX_ID:
        raise ParseFailure(f"The webhook-id is longer than {MAX_ID} characters")
    try:
        envelope = _GenericBody.model_validate(_json(body))
    except ValidationError as exc:
        raise ParseFailure(_why(exc), event_id) from None
    event = DealEvent(external_id=event_id, event_type=envelope.type, payload=payload_text(body))
    if not envelope.type.startswith("deal."):
        event.ignore_reason = f"{envelope.type} events are not about deals"
        return [event]
    try:
        data = _GenericData.model_validate(envelope.data)
    except ValidationError as exc:
        raise ParseFailure(_why(exc), event_id) from None
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
        raise ParseFailure(_why(exc), external_id) from None
    meta = envelope.meta
    event = DealEvent(
        external_id=str(meta.id),
        event_type=f"{meta.entity}.{meta.action}",
        payload=payload_text(body),
    )
    if meta.version is not None and not meta.version.startswith("2"):
        raise ParseFailure("Only Pipedrive webhooks v2 bodies are understood", event.external_id)
    if meta.entity != "deal":
        event.ignore_reason = f"{meta.entity} events are not about deals"
        return [event]
    if meta.action == "delete" or envelope.data is None:
        event.ignore_reason = "A deleted deal leaves its project as it is"
        return [event]
    try:
        deal = _PipedriveDeal.model_validate(envelope.data)
    except ValidationError as exc:
        raise ParseFailure(_why(exc), event.external_id) from None
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
        raise ParseFailure("A HubSpot body is a non-empty array of events")
    events = []
    for index, item in enumerate(raw):
        try:
            parsed = _HubSpotEvent.model_validate(item)
        except ValidationError as exc:
            raise ParseFailure(f"event {index}: {_why(exc)}") from None
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
                amount = round_amount(amount)
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
        raise ParseFailure("The body is nested too deeply") from None
