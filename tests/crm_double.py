"""A test double of HubSpot's and Pipedrive's REST APIs, served over real HTTP on a loopback
port by uvicorn in a thread: the answers have the documented shapes (HubSpot CRM v3 objects,
owners and pipelines; Pipedrive v1 users and v2 organizations, each wrapped in
``{"success": true, "data": ...}``), including their errors, rate-limit answers (HubSpot's
429 with its ``X-HubSpot-RateLimit-*`` headers, Pipedrive's ``x-ratelimit-*``) and, when a
test asks, slow answers. Every request is recorded, so a test sees what the service asked.

Nothing in the service is patched: connections are pointed at this server with their
``api_base_url``.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

HUBSPOT_TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
PIPEDRIVE_TOKEN = "0123456789abcdef0123456789abcdef01234567"
STAMP = "2026-11-30T09:00:00.000Z"


@dataclass
class Call:
    method: str
    path: str
    query: str
    headers: dict[str, str]


def hubspot_stage(stage_id: str, label: str, order: int, closed: bool, probability: str) -> dict:
    # HubSpot answers the metadata as strings ("true", "1.0"), not JSON booleans or numbers.
    return {
        "label": label,
        "displayOrder": order,
        "metadata": {"isClosed": "true" if closed else "false", "probability": probability},
        "id": stage_id,
        "createdAt": STAMP,
        "updatedAt": STAMP,
        "archived": False,
    }


def default_pipelines() -> list[dict]:
    return [
        {
            "label": "Sales Pipeline",
            "displayOrder": 0,
            "id": "default",
            "stages": [
                hubspot_stage("appointmentscheduled", "Appointment Scheduled", 0, False, "0.2"),
                hubspot_stage("closedwon", "Closed Won", 5, True, "1.0"),
                hubspot_stage("closedlost", "Closed Lost", 6, True, "0.0"),
            ],
            "createdAt": STAMP,
            "updatedAt": STAMP,
            "archived": False,
        },
        {
            # A custom pipeline: its closed stages have ids of its own.
            "label": "Enterprise",
            "displayOrder": 1,
            "id": "7812345",
            "stages": [
                hubspot_stage("1021001", "Discovery", 0, False, "0.1"),
                hubspot_stage("1021002", "Signed", 1, True, "1.0"),
                hubspot_stage("1021003", "Walked away", 2, True, "0.0"),
            ],
            "createdAt": STAMP,
            "updatedAt": STAMP,
            "archived": False,
        },
    ]


@dataclass
class CrmDouble:
    """The state both APIs answer from, and what a test plans (``plan``: per path prefix, a
    queue of special answers: ``("429", seconds)``, ``("500", 0)``, ``("slow", seconds)``)."""

    deals: dict[str, dict[str, Any]] = field(default_factory=dict)
    companies: dict[str, dict[str, Any]] = field(default_factory=dict)
    owners: dict[str, dict[str, Any]] = field(default_factory=dict)
    pipelines: list[dict] = field(default_factory=default_pipelines)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    organizations: dict[int, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    plan: dict[str, deque[tuple[str, float]]] = field(default_factory=dict)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- what a test sets up ---------------------------------------------------------------

    def add_deal(
        self, deal_id: str, *, company_id: str | None = None, **properties: str
    ) -> dict[str, Any]:
        props = {
            "amount": None,
            "closedate": None,
            "createdate": STAMP,
            "dealname": None,
            "dealstage": "appointmentscheduled",
            "hs_lastmodifieddate": STAMP,
            "hs_object_id": deal_id,
            "pipeline": "default",
            "hubspot_owner_id": None,
            "deal_currency_code": None,
            **properties,
        }
        associations = (
            {
                "companies": {
                    "results": [
                        {"id": company_id, "type": "deal_to_company"},
                        {"id": company_id, "type": "deal_to_company_unlabeled"},
                    ]
                }
            }
            if company_id
            else {}
        )
        self.deals[deal_id] = {"properties": props, "associations": associations}
        return self.deals[deal_id]

    def add_company(self, company_id: str, name: str, industry: str, domain: str) -> None:
        self.companies[company_id] = {"name": name, "industry": industry, "domain": domain}

    def add_owner(self, owner_id: str, email: str) -> None:
        self.owners[owner_id] = {"email": email}

    def answer(self, prefix: str, *answers: tuple[str, float]) -> None:
        self.plan.setdefault(prefix, deque()).extend(answers)

    def calls_to(self, prefix: str) -> list[Call]:
        return [c for c in self.calls if c.path.startswith(prefix)]

    # --- the server ------------------------------------------------------------------------

    async def _planned(self, path: str, hubspot: bool) -> JSONResponse | None:
        for prefix, queue in self.plan.items():
            if path.startswith(prefix) and queue:
                kind, seconds = queue.popleft()
                if kind == "slow":
                    await asyncio.sleep(seconds)
                    return None
                if kind == "500":
                    return JSONResponse({"status": "error", "message": "internal"}, 500)
                if hubspot:
                    return JSONResponse(
                        {
                            "status": "error",
                            "message": "You have reached your secondly limit.",
                            "errorType": "RATE_LIMIT",
                            "correlationId": str(uuid.uuid4()),
                            "policyName": "SECONDLY",
                            "groupName": "publicapi",
                        },
                        429,
                        headers={
                            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(seconds * 1000)),
                            "X-HubSpot-RateLimit-Max": "100",
                            "X-HubSpot-RateLimit-Remaining": "0",
                            "X-HubSpot-RateLimit-Secondly": "10",
                            "X-HubSpot-RateLimit-Secondly-Remaining": "0",
                            **({"Retry-After": str(int(seconds))} if seconds >= 60 else {}),
                        },
                    )
                return JSONResponse(
                    {"success": False, "error": "Rate limit exceeded", "errorCode": 429},
                    429,
                    headers={
                        "x-ratelimit-limit": "80",
                        "x-ratelimit-remaining": "0",
                        "x-ratelimit-reset": str(seconds),
                    },
                )
        return None

    def _record(self, request: Request) -> None:
        self.calls.append(
            Call(
                request.method,
                request.url.path,
                request.url.query,
                {k.lower(): v for k, v in request.headers.items()},
            )
        )

    @staticmethod
    def _hubspot_error(status: int, message: str, category: str) -> JSONResponse:
        return JSONResponse(
            {
                "status": "error",
                "message": message,
                "correlationId": str(uuid.uuid4()),
                "category": category,
            },
            status,
        )

    async def _hubspot(self, request: Request) -> JSONResponse:
        self._record(request)
        if request.headers.get("authorization") != f"Bearer {HUBSPOT_TOKEN}":
            return self._hubspot_error(
                401,
                "Authentication credentials not found. This API supports OAuth 2.0 "
                "authentication and you can find more details at "
                "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                "INVALID_AUTHENTICATION",
            )
        planned = await self._planned(request.url.path, hubspot=True)
        if planned is not None:
            return planned
        kind = request.path_params["kind"]
        object_id = request.path_params.get("object_id", "")
        if kind == "pipelines":
            return JSONResponse({"results": self.pipelines})
        if kind == "owners":
            owner = self.owners.get(object_id)
            if owner is None:
                return self._hubspot_error(404, "Owner not found", "OBJECT_NOT_FOUND")
            return JSONResponse(
                {
                    "id": object_id,
                    "email": owner["email"],
                    "type": "PERSON",
                    "firstName": owner["email"].split("@")[0].title(),
                    "lastName": "",
                    "userId": int(object_id) + 1000,
                    "userIdIncludingInactive": int(object_id) + 1000,
                    "createdAt": STAMP,
                    "updatedAt": STAMP,
                    "archived": False,
                }
            )
        table = self.deals if kind == "deals" else self.companies
        found = table.get(object_id)
        if found is None:
            return self._hubspot_error(
                404, "Object not found.  objectId are usually numeric.", "OBJECT_NOT_FOUND"
            )
        wanted = request.query_params.get("properties", "").split(",")
        source = found["properties"] if kind == "deals" else found
        properties = {
            name: source.get(name)
            for name in wanted
            if name and (name in source or kind == "companies")
        }
        properties |= {"hs_object_id": object_id, "createdate": STAMP}
        body: dict[str, Any] = {
            "id": object_id,
            "properties": properties,
            "createdAt": STAMP,
            "updatedAt": STAMP,
            "archived": False,
        }
        wants_companies = "companies" in request.query_params.get("associations", "")
        if kind == "deals" and wants_companies and found["associations"]:
            body["associations"] = found["associations"]
        return JSONResponse(body)

    async def _pipedrive(self, request: Request) -> JSONResponse:
        self._record(request)
        token = request.headers.get("x-api-token") or request.query_params.get("api_token")
        if token != PIPEDRIVE_TOKEN:
            return JSONResponse(
                {
                    "success": False,
                    "error": "unauthorized access",
                    "errorCode": 401,
                    "error_info": "Please check developers.pipedrive.com",
                },
                401,
            )
        planned = await self._planned(request.url.path, hubspot=False)
        if planned is not None:
            return planned
        object_id = int(request.path_params["object_id"])
        if request.path_params["kind"] == "users":
            user = self.users.get(object_id)
            if user is None:
                return JSONResponse(
                    {"success": False, "error": "User not found", "errorCode": 404}, 404
                )
            return JSONResponse(
                {
                    "success": True,
                    "data": {
                        "id": object_id,
                        "name": user["email"].split("@")[0].title(),
                        "default_currency": "EUR",
                        "locale": "en_US",
                        "lang": 1,
                        "email": user["email"],
                        "phone": None,
                        "activated": True,
                        "last_login": "2026-11-30 08:00:00",
                        "created": "2025-01-01 08:00:00",
                        "modified": "2026-11-30 08:00:00",
                        "has_created_company": False,
                        "access": [],
                        "active_flag": True,
                        "timezone_name": "Europe/Berlin",
                        "timezone_offset": "+01:00",
                        "role_id": 1,
                        "icon_url": None,
                        "is_you": False,
                        "is_deleted": False,
                    },
                }
            )
        organization = self.organizations.get(object_id)
        if organization is None:
            return JSONResponse(
                {"success": False, "error": "Organization not found", "errorCode": 404}, 404
            )
        return JSONResponse(
            {
                "success": True,
                "data": {
                    "id": object_id,
                    "name": organization["name"],
                    "owner_id": 42,
                    "add_time": STAMP,
                    "update_time": STAMP,
                    "visible_to": 3,
                    "label_ids": [],
                    "address": None,
                    "is_deleted": False,
                },
            }
        )

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/crm/v3/objects/{kind:str}/{object_id:str}", self._hubspot),
                Route("/crm/v3/{kind:str}/{object_id:str}", self._hubspot),
                Route("/v1/{kind:str}/{object_id:int}", self._pipedrive),
                Route("/api/v2/{kind:str}/{object_id:int}", self._pipedrive),
            ]
        )

    def start(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(
            self.app(), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the CRM double did not start")
            time.sleep(0.01)

    def close(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
