"""Structured JSON logs, request ids and the security headers every response carries."""

from __future__ import annotations

import contextvars
import logging
import os
import re
import sys
import time
from typing import Any

import orjson
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
access_logger = logging.getLogger("api.access")

_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_STANDARD_RECORD_KEYS = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}

API_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# JSON answers never need to run or embed anything.
JSON_CSP = "default-src 'none'; frame-ancestors 'none'"


class JsonFormatter(logging.Formatter):
    """One JSON object per line, times in UTC: easy to ship, easy to grep."""

    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD_RECORD_KEYS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Our access log replaces uvicorn's (which would log raw query strings).
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    # Driver loggers print SQL parameters (password hashes, token hashes) at DEBUG.
    for name in ("aiosqlite", "asyncpg", "sqlalchemy.engine", "sqlalchemy.pool"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


def _new_request_id() -> str:
    # 32 random hex digits, the shape of uuid4().hex without building a UUID (measurable
    # on every request).
    return os.urandom(16).hex()


class RequestContextMiddleware:
    """Gives each request an id (kept from a well-formed ``X-Request-ID``), adds security
    headers, and writes one access-log line: method, route template, status, latency,
    organization. Query strings are left out of the log: they can carry tokens."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID_PATTERN.match(incoming) else _new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_code = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                for name, value in API_SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                content_type = headers.get("content-type", "")
                if "json" in content_type:
                    headers.setdefault("Content-Security-Policy", JSON_CSP)
                    headers.setdefault("Cache-Control", "no-store")
                if self.hsts:
                    headers.setdefault(
                        "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
                    )
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            route = scope.get("route")
            state = scope.get("state") or {}
            organization_id = state.get("organization_id")
            access_logger.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    "route": getattr(route, "path", None) or "unmatched",
                    "status": status_code,
                    "latency_ms": round((time.perf_counter() - started) * 1000, 2),
                    "organization_id": str(organization_id) if organization_id else None,
                },
            )
            request_id_var.reset(token)
