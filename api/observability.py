"""Structured JSON logs, request ids and the security headers every response carries."""

from __future__ import annotations

import contextvars
import logging
import os
import re
import sys
import time
import traceback
from types import TracebackType
from typing import Any

import orjson
from sqlalchemy import exc as sa_exc
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


_DRIVER_MODULES = ("asyncpg", "sqlite3", "aiosqlite")
# SQLite's messages name columns and constraints, never a value: they are kept.
_MESSAGE_KEPT_MODULES = ("sqlite3",)


def _is_database_error(exc: BaseException) -> bool:
    """A statement's error, from SQLAlchemy (with the driver's message in it), its driver
    adapters or a driver. SQLAlchemy's other errors (a pool timeout) quote no values."""
    module = type(exc).__module__
    return (
        isinstance(exc, sa_exc.StatementError)
        or module.startswith("sqlalchemy.dialects.")
        or module.partition(".")[0] in _DRIVER_MODULES
    )


def _redacted_summary(exc: BaseException) -> str:
    """The last line of a traceback for an exception whose message may quote a statement's
    values: its class, SQLSTATE and constraint, and for a SQLAlchemy statement error the SQL
    with its placeholders, never the parameters."""
    name = f"{type(exc).__module__}.{type(exc).__qualname__}"
    if type(exc).__module__.partition(".")[0] in _MESSAGE_KEPT_MODULES:
        return f"{name}: {exc}"
    details = []
    for attribute in ("sqlstate", "constraint_name"):
        if value := getattr(exc, attribute, None):
            details.append(f"{attribute}={value}")
    statement = getattr(exc, "statement", None) if isinstance(exc, sa_exc.StatementError) else None
    if statement:
        details.append(f"[SQL: {statement}]")
    details.append("(message withheld: it may quote the statement's values)")
    return f"{name}: " + " ".join(details)


def safe_exception_text(exc: BaseException) -> str:
    """The traceback ``logging`` would print, minus what database errors carry of their
    statements' values. SQLAlchemy's ``[parameters: ...]`` is already hidden by the engines
    (``hide_parameters``), but asyncpg quotes a value it could not encode and PostgreSQL an
    input it could not parse (``invalid input syntax for type uuid: "..."``), and the
    exceptions under them say it again: from the outermost database error down its chain,
    messages give way to class, SQLSTATE and SQL text."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, _CONTEXT
        else:
            current = None
    first_database = next(
        (index for index, (item, _link) in enumerate(chain) if _is_database_error(item)),
        len(chain),
    )
    parts: list[str] = []
    for index in range(len(chain) - 1, -1, -1):
        item, link = chain[index]
        if item.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_tb(item.__traceback__))
        if index >= first_database:
            parts.append(_redacted_summary(item) + "\n")
        else:
            parts.extend(traceback.format_exception_only(type(item), item))
        if link:
            parts.append(link)
    return "".join(parts).rstrip("\n")


_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


class JsonFormatter(logging.Formatter):
    """One JSON object per line, times in UTC: easy to ship, easy to grep. Tracebacks go
    through ``safe_exception_text``: no SQL parameters reach a log."""

    # staticmethod only tells the type checker this is no method (a builtin never binds).
    converter = staticmethod(time.gmtime)

    def formatException(  # noqa: N802
        self,
        ei: tuple[type[BaseException], BaseException, TracebackType | None]
        | tuple[None, None, None],
    ) -> str:
        return safe_exception_text(ei[1]) if ei and ei[1] is not None else ""

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
