"""The contract as third parties read it: what FastAPI generates, plus what it cannot know.

Integrators generate clients from ``openapi.json`` (tests/test_openapi.py builds one and
calls the running app with it), so the document says everything a client needs without
reading the README:

* **Problems.** Errors are ``application/problem+json``; any operation reading a body may
  answer 400 (undecodable bytes) and 413 (too large); a rate-limited one 429.
* **API keys.** Scripts send ``Authorization: Bearer mm_…``. The ``ApiKey`` scheme is
  declared next to OAuth2, offered as an alternative on exactly the operations a key may
  call, and each such operation names the scope it needs in ``x-api-key-scope``
  (the same ``required_scope`` that authorizes the request, api/services/api_keys.py).
* **Examples.** Every JSON request model carries ``examples`` (``json_schema_extra``), kept
  with their nulls, and tests/test_openapi_clients.py validates each against its model.
* **Webhooks.** Every outbound event is declared in the ``webhooks`` section with its
  body (``declare_webhooks``), from the same models the outbox builds it with.
* **Headers.** ``Retry-After`` on every 429 and 503, ``Idempotent-Replayed`` on the answers
  of creates that take ``Idempotency-Key``, ``ETag`` where a route sets one (declared on the
  route with ``ETAG_RESPONSE``).
"""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

from fastapi import FastAPI, routing
from fastapi.openapi.constants import REF_PREFIX
from fastapi.routing import APIRoute
from pydantic import BaseModel

from api.errors import PROBLEM_MEDIA_TYPE
from api.models import WebhookEventType
from api.schemas.problems import Problem
from api.schemas.webhook_events import EVENT_BODY
from api.services.api_keys import required_scope

API_KEY_SCHEME = "ApiKey"
OAUTH2_SCHEME = "OAuth2PasswordBearer"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
# ``/users/{user_id:uuid}`` is served; the document writes ``/users/{user_id}``.
_CONVERTOR = re.compile(r"{([^}:]+):[^}]+}")

_RETRY_AFTER = {
    "description": "Seconds to wait before trying again",
    "schema": {"type": "integer", "minimum": 0},
}
_REPLAYED = {
    "description": "`true` when this is the stored answer to an earlier request with the "
    "same Idempotency-Key (nothing was created again)",
    "schema": {"type": "string", "enum": ["true"]},
}
_ETAG = {
    "description": "The version read; send it back as If-Match to change this resource only "
    "if nobody changed it since (412 otherwise)",
    "schema": {"type": "string"},
}
# Declared once under components/headers and referenced from each response.
_HEADERS = {"RetryAfter": _RETRY_AFTER, "IdempotentReplayed": _REPLAYED, "ETag": _ETAG}


def _header(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


# ``responses={200: ETAG_RESPONSE}`` on a route that calls ``with_etag`` (routers/common.py).
ETAG_RESPONSE: dict[str, Any] = {"headers": {"ETag": _header("ETag")}}


def _problem_content() -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": REF_PREFIX + "Problem"}}}


def _served_routes(app: FastAPI) -> dict[tuple[str, str], APIRoute]:
    """(method, documented path) → the route as served, router dependencies included."""
    iter_route_contexts = getattr(routing, "iter_route_contexts", None)
    found: dict[tuple[str, str], APIRoute] = {}
    if iter_route_contexts is None:  # older FastAPI: app.routes is already flat
        contexts = [
            (route.path, route.methods, route)
            for route in app.routes
            if isinstance(route, APIRoute)
        ]
    else:
        contexts = [
            (context.path, context.methods, context)
            for context in iter_route_contexts(app.routes)
            if isinstance(context.original_route, APIRoute)
        ]
    for path, methods, route in contexts:
        for method in methods or ():
            found[method.lower(), _CONVERTOR.sub(r"{\1}", path)] = route
    return found


def _problems(operation: dict[str, Any], schema: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    if "requestBody" in operation:
        # FastAPI answers 400 (not 422) to a body it cannot even decode (bytes that are not
        # UTF-8, a broken form); any body over MAX_REQUEST_BODY_BYTES is 413 (middleware).
        responses.setdefault("400", {"description": "Bad Request", "content": _problem_content()})
        responses.setdefault(
            "413", {"description": "Content Too Large", "content": _problem_content()}
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault(
            "Problem", Problem.model_json_schema(ref_template=REF_PREFIX + "{model}")
        )
    if operation.get("security") and "429" not in responses:
        # API keys are rate-limited on every route they may call.
        responses["429"] = {
            "description": "Too many requests: wait for Retry-After seconds",
            "content": _problem_content(),
        }
    for status, response in responses.items():
        content = response.get("content")
        if status[0] in "45" and content and "application/json" in content:
            response["content"] = {PROBLEM_MEDIA_TYPE: content["application/json"]}


def _headers(operation: dict[str, Any]) -> None:
    responses = operation.get("responses", {})
    for status in ("429", "503"):
        if status in responses:
            responses[status].setdefault("headers", {})["Retry-After"] = _header("RetryAfter")
    idempotent = any(
        parameter.get("in") == "header" and parameter.get("name") == "Idempotency-Key"
        for parameter in operation.get("parameters", [])
    )
    if idempotent:
        for status, response in responses.items():
            if status.startswith("2"):
                response.setdefault("headers", {})["Idempotent-Replayed"] = _header(
                    "IdempotentReplayed"
                )


def _api_keys(operation: dict[str, Any], method: str, route: APIRoute | None) -> None:
    """Offer the API-key scheme where a key may call the operation, naming its scope."""
    if route is None or not operation.get("security"):
        return
    scope = required_scope(method, route.dependant)
    if scope is None:
        return
    operation["security"] = [{OAUTH2_SCHEME: []}, {API_KEY_SCHEME: []}]
    operation["x-api-key-scope"] = scope


def _request_examples(schema: dict[str, Any], routes: dict[tuple[str, str], APIRoute]) -> None:
    """Put back the request models' examples as written: FastAPI drops every null from the
    document, and ``{"due_date": null}`` (clear the date) is the example a PATCH needs."""
    components = schema.get("components", {}).get("schemas", {})
    for route in routes.values():
        for field in route.dependant.body_params:
            model = field.field_info.annotation
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                continue
            extra = model.model_config.get("json_schema_extra")
            examples = extra.get("examples") if isinstance(extra, dict) else None
            for name in (model.__name__, f"{model.__name__}-Input"):
                if examples and name in components:
                    components[name]["examples"] = examples


# When each event fires: the description of its entry in the ``webhooks`` section.
_WHEN = {
    WebhookEventType.project_created: "A project is opened (API, SPA or CRM).",
    WebhookEventType.project_updated: "A project's fields change (title, owner, client, "
    "dates, value), by a person or from the CRM.",
    WebhookEventType.project_closed: "A project is won, lost or abandoned.",
    WebhookEventType.session_scheduled: "A session is planned, or moved to another time.",
    WebhookEventType.session_completed: "A session completes: its outcome.",
    WebhookEventType.action_item_created: "An action item is assigned.",
    WebhookEventType.action_item_completed: "An action item's status becomes done.",
}


def declare_webhooks(app: FastAPI) -> None:
    """The ``webhooks`` section: one entry per outbound event with its body's schema, so a
    subscriber generates its receiver's types from the same document."""
    for event_type, body in EVENT_BODY.items():

        async def receive(body: Any) -> None:
            return None

        receive.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [inspect.Parameter("body", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=body)],
            return_annotation=None,
        )
        app.webhooks.add_api_route(
            event_type.value,
            receive,
            methods=["POST"],
            tags=["webhooks"],
            name=event_type.value.replace(".", "_"),
            operation_id=f"webhooks-{event_type.value.replace('.', '_')}",
            summary=event_type.value,
            description=f"{_WHEN[event_type]} Signed with the endpoint's secret (Standard "
            "Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`); answer 2xx "
            "quickly. `webhook-id` is the same on every retry: use it to deduplicate.",
            response_description="Any 2xx acknowledges; 410 disables the endpoint; 429 or "
            "503 with Retry-After sets the next attempt (at most a day later)",
            status_code=200,
        )


def _plain_webhooks(schema: dict[str, Any]) -> None:
    """A webhook's answer is the subscriber's: no body, and no 422 of ours."""
    for item in schema.get("webhooks", {}).values():
        for operation in item.values():
            ok = operation["responses"]["200"]
            operation["responses"] = {"200": {"description": ok["description"]}}
    # FastAPI's own 422 models, which only those answers referred to.
    components = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        text = json.dumps(schema)
        if name in components and f'"{REF_PREFIX}{name}"' not in text:
            del components[name]


def document(app: FastAPI) -> dict[str, Any]:
    """The whole ``openapi.json`` of ``app``."""
    # FastAPI's own generation (it also caches it on ``app.openapi_schema``), then ours.
    schema = FastAPI.openapi(app)
    routes = _served_routes(app)
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            _api_keys(operation, method, routes.get((method, path)))
            _problems(operation, schema)
            _headers(operation)
    _request_examples(schema, routes)
    _plain_webhooks(schema)
    schema.setdefault("components", {}).setdefault("headers", {}).update(_HEADERS)
    schemes = schema["components"].setdefault("securitySchemes", {})
    schemes[API_KEY_SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "mm_ API key",
        "description": "An API key made by an admin (POST /api/v1/api-keys), sent as "
        "`Authorization: Bearer mm_…`. Each operation a key may call names the scope it "
        "needs in `x-api-key-scope`; every other operation is 403 for keys.",
    }
    return schema
