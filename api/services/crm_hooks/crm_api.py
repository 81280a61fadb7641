"""Reading what a CRM webhook only points at, through the CRM's own REST API: HubSpot's CRM v3
(deals with their company association, companies, owners, deal pipelines) and Pipedrive's
(users v1, organizations v2), with the connection's sealed token.

Every call has a timeout and is retried a few times (timeouts, 5xx); a rate-limit answer
(429) is waited out when the CRM says how long (``Retry-After``, HubSpot's
``X-HubSpot-RateLimit-Interval-Milliseconds`` once its remaining count is 0, Pipedrive's
``x-ratelimit-reset``) and that is short, else the event goes back to the worker's queue for
later (``CrmUnavailable``). A refused token (401, 403) is ``CrmRefused``: retrying will not
help until an admin fixes it. Pipelines and owners change rarely and are read for nearly
every event, so they are cached per connection for a few minutes.

The token is sent in a header, never in the URL, so no access log carries it.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from api.kit import ssrf
from api.kit.retry_after import retry_after
from api.services.crm_hooks.providers import DealEvent, DealStatus, hubspot_property

ATTEMPTS = 3  # per call: the first and two retries
MAX_INLINE_WAIT = 5.0  # a rate limit that lifts sooner is waited out; a longer one re-queues
CACHE_SECONDS = 300.0
DEAL_PROPERTIES = (
    "dealname",
    "amount",
    "deal_currency_code",
    "dealstage",
    "pipeline",
    "closedate",
    "hubspot_owner_id",
)
DEFAULT_BASE_URLS = {"hubspot": "https://api.hubapi.com", "pipedrive": "https://api.pipedrive.com"}


class CrmApiError(Exception):
    pass


class CrmUnavailable(CrmApiError):
    """Try again later: the CRM timed out, failed, or asks us to slow down."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class CrmRefused(CrmApiError):
    """The CRM refuses the request (a wrong or revoked token, a missing scope)."""


_cache: dict[tuple[uuid.UUID, str, str], tuple[float, Any]] = {}


def clear_cache() -> None:
    _cache.clear()


async def _cached(connection_id: uuid.UUID, kind: str, key: str, load: Any) -> Any:
    now = time.monotonic()
    hit = _cache.get((connection_id, kind, key))
    if hit is not None and hit[0] > now:
        return hit[1]
    value = await load()
    _cache[(connection_id, kind, key)] = (now + CACHE_SECONDS, value)
    return value


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and 0 <= value < 10**7 else None


def rate_limit_wait(response: httpx.Response) -> float:
    """Seconds to wait after a 429, from whichever header the CRM sent (else one second)."""
    headers = response.headers
    asked = retry_after(headers.get("retry-after"), now=datetime.now(UTC))
    if asked is not None:
        return asked.total_seconds()
    if headers.get("x-hubspot-ratelimit-remaining") == "0":
        interval = _number(headers.get("x-hubspot-ratelimit-interval-milliseconds"))
        if interval is not None:
            return interval / 1000
    reset = _number(headers.get("x-ratelimit-reset"))  # Pipedrive: seconds until it resets
    return reset if reset is not None else 1.0


class _Http:
    """GETs of JSON against one CRM: timeouts, retries, rate limits."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        headers: dict[str, str],
        *,
        extensions: dict[str, Any] | None = None,
        timeout: float = 5.0,
        sleep: Any = asyncio.sleep,
    ) -> None:
        self._timeout = timeout
        self._client = client
        self._base = base_url.rstrip("/")
        self._headers = headers
        self._extensions = extensions or {}
        self._sleep = sleep
        self.calls = 0

    async def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        """The JSON body, or None for 404 (the object is gone)."""
        last = ""
        for attempt in range(ATTEMPTS):
            self.calls += 1
            try:
                response = await self._client.get(
                    self._base + path,
                    params=params,
                    headers=self._headers,
                    timeout=self._timeout,
                    extensions=self._extensions,
                )
            except httpx.TimeoutException:
                last = f"timed out after {self._timeout:g} s"
                continue
            except httpx.HTTPError as exc:
                last = type(exc).__name__
                await self._sleep(0.2 * 2**attempt)
                continue
            status = response.status_code
            if status == 429:
                wait = rate_limit_wait(response)
                if wait > MAX_INLINE_WAIT or attempt == ATTEMPTS - 1:
                    raise CrmUnavailable(f"{path}: rate limited for {wait:g} s", retry_after=wait)
                await self._sleep(wait)
                continue
            if status >= 500:
                last = f"HTTP {status}"
                await self._sleep(0.2 * 2**attempt)
                continue
            if status == 404:
                return None
            if status in (401, 403):
                raise CrmRefused(f"The CRM refused the API token (HTTP {status} on {path})")
            if status >= 400:
                raise CrmRefused(f"HTTP {status} on {path}")
            try:
                return response.json()
            except ValueError:
                last = "the answer is not JSON"
        raise CrmUnavailable(f"{path}: {last}")


@dataclass
class HubSpotDeal:
    properties: dict[str, str]
    company_id: str | None


@dataclass
class Company:
    name: str | None
    industry: str | None = None
    domain: str | None = None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class HubSpotApi:
    """HubSpot's CRM v3 with a private app's access token."""

    def __init__(self, http: _Http, connection_id: uuid.UUID) -> None:
        self.http = http
        self._connection_id = connection_id

    async def deal(self, deal_id: str) -> HubSpotDeal | None:
        body = await self.http.get(
            f"/crm/v3/objects/deals/{deal_id}",
            {"properties": ",".join(DEAL_PROPERTIES), "associations": "companies"},
        )
        if not isinstance(body, dict):
            return None
        raw = body.get("properties")
        if not isinstance(raw, dict):
            raw = {}
        properties = {k: v for k, v in raw.items() if k in DEAL_PROPERTIES and isinstance(v, str)}
        results = ((body.get("associations") or {}).get("companies") or {}).get("results") or []
        companies = [r for r in results if isinstance(r, dict) and r.get("id") is not None]
        # The primary company first: HubSpot labels it "deal_to_company" (its unlabeled
        # associations are "deal_to_company_unlabeled").
        companies.sort(key=lambda r: r.get("type") != "deal_to_company")
        return HubSpotDeal(properties, str(companies[0]["id"]) if companies else None)

    async def company(self, company_id: str) -> Company | None:
        body = await self.http.get(
            f"/crm/v3/objects/companies/{company_id}", {"properties": "name,industry,domain"}
        )
        if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
            return None
        props = body["properties"]
        return Company(
            _text(props.get("name")), _text(props.get("industry")), _text(props.get("domain"))
        )

    async def owner_email(self, owner_id: str) -> str | None:
        async def load() -> str | None:
            body = await self.http.get(f"/crm/v3/owners/{owner_id}")
            return _text(body.get("email")) if isinstance(body, dict) else None

        result: str | None = await _cached(self._connection_id, "owner", owner_id, load)
        return result

    async def stage_status(self, pipeline_id: str | None, stage_id: str) -> DealStatus | None:
        """won, lost or open from the stage's metadata (``isClosed`` and ``probability``,
        strings in HubSpot's answer); None when no pipeline has that stage."""

        async def load() -> dict[str, DealStatus]:
            body = await self.http.get("/crm/v3/pipelines/deals")
            stages: dict[str, DealStatus] = {}
            for pipeline in (body or {}).get("results") or []:
                for stage in pipeline.get("stages") or []:
                    metadata = stage.get("metadata") or {}
                    closed = str(metadata.get("isClosed", "false")).lower() == "true"
                    probability = _number(str(metadata.get("probability", "")))
                    status: DealStatus = "open"
                    if closed and probability == 1.0:
                        status = "won"
                    elif closed and probability == 0.0:
                        status = "lost"
                    stages[f"{pipeline.get('id')}/{stage.get('id')}"] = status
                    stages.setdefault(f"*/{stage.get('id')}", status)
            return stages

        stages: dict[str, DealStatus] = await _cached(
            self._connection_id, "pipelines", "deals", load
        )
        return stages.get(f"{pipeline_id}/{stage_id}") or stages.get(f"*/{stage_id}")


class PipedriveApi:
    """Pipedrive's API with an API token (users are only in v1; organizations in v2)."""

    def __init__(self, http: _Http, connection_id: uuid.UUID) -> None:
        self.http = http
        self._connection_id = connection_id

    async def owner_email(self, user_id: str) -> str | None:
        async def load() -> str | None:
            body = await self.http.get(f"/v1/users/{user_id}")
            data = body.get("data") if isinstance(body, dict) else None
            return _text(data.get("email")) if isinstance(data, dict) else None

        result: str | None = await _cached(self._connection_id, "user", user_id, load)
        return result

    async def organization(self, org_id: str) -> Company | None:
        body = await self.http.get(f"/api/v2/organizations/{org_id}")
        data = body.get("data") if isinstance(body, dict) else None
        return Company(_text(data.get("name"))) if isinstance(data, dict) else None


async def reader(
    *,
    provider: str,
    connection_id: uuid.UUID,
    token: str,
    base_url: str | None,
    client: httpx.AsyncClient,
    allow_private: bool,
    https_only: bool,
    dns_timeout: float,
    call_seconds: float,
) -> HubSpotApi | PipedriveApi:
    """The API of the connection's CRM, its address checked like a webhook target's (an
    admin's base URL must not point the token at an internal service)."""
    base = base_url or DEFAULT_BASE_URLS[provider]
    try:
        target = await ssrf.destination(
            base, allow_private=allow_private, https_only=https_only, dns_timeout=dns_timeout
        )
    except ssrf.UnsafeURL as exc:
        raise CrmRefused(f"api_base_url refused: {exc.reason}") from None
    headers = {"accept": "application/json"}
    if target.host_header:
        headers["host"] = target.host_header
    # The address is pinned to the one checked; TLS still verifies the CRM's own name.
    extensions = {"sni_hostname": target.sni_hostname} if target.sni_hostname else {}
    if provider == "hubspot":
        headers["authorization"] = f"Bearer {token}"
    else:
        headers["x-api-token"] = token
    http = _Http(client, target.url, headers, extensions=extensions, timeout=call_seconds)
    if provider == "hubspot":
        return HubSpotApi(http, connection_id)
    return PipedriveApi(http, connection_id)


def _now_ms() -> int:
    return int(time.time() * 1000)


async def enrich(event: DealEvent, api: HubSpotApi | PipedriveApi | None) -> list[str]:
    """Fill in from the CRM's API what the event only points at; returns notes on what
    could not be read (no token), shown as the event's reason."""
    if isinstance(api, HubSpotApi):
        return await _enrich_hubspot(event, api)
    if isinstance(api, PipedriveApi):
        return await _enrich_pipedrive(event, api)
    notes = []
    if event.owner_ref and not event.owner_email:
        notes.append("owner not resolved: the connection has no API token")
    return notes


async def _enrich_hubspot(event: DealEvent, api: HubSpotApi) -> list[str]:
    assert event.deal_id is not None
    if event.action in ("upsert", "restore", "merge"):
        deal = await api.deal(event.deal_id)
        if deal is None:
            if event.action == "upsert":
                event.extra["gone"] = True
            return []
        # What the API answers is the deal as it is now: stamped with the time it was read,
        # so a webhook change from before it that arrives later changes nothing.
        event.read_at = _now_ms()
        read = [name for name in deal.properties if name not in event.properties]
        for name in read:
            hubspot_property(event, name, deal.properties[name])
        event.read_properties = tuple(read)
        if deal.company_id and "company" not in event.properties:
            event.company_id = deal.company_id
            event.read_properties += ("company",)
    if event.stage_id:
        status = await api.stage_status(event.pipeline_id, event.stage_id)
        if status is not None:
            event.status = status
    if event.owner_ref:
        event.owner_email = await api.owner_email(event.owner_ref)
    if event.company_id:
        company = await api.company(event.company_id)
        if company is not None:
            event.company_name = company.name
            event.company_industry = company.industry
            event.company_domain = company.domain
    return []


async def _enrich_pipedrive(event: DealEvent, api: PipedriveApi) -> list[str]:
    if event.owner_ref:
        event.owner_email = await api.owner_email(event.owner_ref)
    if event.company_id and event.action == "upsert":
        company = await api.organization(event.company_id)
        if company is not None:
            event.company_name = company.name
    return []
