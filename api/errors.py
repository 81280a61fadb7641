"""Domain exceptions that carry their HTTP status, and the handlers that turn every error
into ``application/problem+json`` (RFC 9457)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.observability import safe_exception_text
from api.schemas.problems import Problem, ValidationProblem

logger = logging.getLogger("api.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:sales-mastermind:problem:"
DATABASE_RETRY_AFTER_SECONDS = 5
# character_not_in_repertoire (NUL in text), untranslatable_character (\u0000 in jsonb).
_UNSTORABLE_TEXT_SQLSTATES = frozenset({"22021", "22P05"})
_PROBED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_ROUTING_SCOPE_KEYS = frozenset({"fastapi", "route", "endpoint", "path_params"})


class AppError(Exception):
    """Base of the domain errors; services raise these, never HTTP exceptions."""

    status = 500
    slug = "internal"

    def __init__(
        self,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        keep_changes: bool = False,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.headers = headers or {}
        # True when what the service wrote before failing must be committed anyway
        # (a counted login failure, a revoked token family).
        self.keep_changes = keep_changes

    @property
    def title(self) -> str:
        return HTTPStatus(self.status).phrase


class Unauthorized(AppError):
    status, slug = 401, "unauthorized"

    def __init__(self, detail: str = "Not authenticated", **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.headers.setdefault("WWW-Authenticate", "Bearer")


class Forbidden(AppError):
    status, slug = 403, "forbidden"


class NotFound(AppError):
    status, slug = 404, "not-found"


class Conflict(AppError):
    status, slug = 409, "conflict"


class PreconditionFailed(AppError):
    status, slug = 412, "precondition-failed"


class InvalidInput(AppError):
    """Input that is well-formed JSON but not acceptable, reported like a validation error."""

    status, slug = 422, "validation"

    def __init__(self, detail: str, *, loc: list[str | int]) -> None:
        super().__init__(detail)
        self.errors = [{"loc": loc, "msg": detail, "type": "value_error"}]


class TooManyRequests(AppError):
    status, slug = 429, "too-many-requests"

    def __init__(self, detail: str, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.headers["Retry-After"] = str(max(1, retry_after))


class Unavailable(AppError):
    status, slug = 503, "unavailable"

    def __init__(self, detail: str, *, retry_after: int = DATABASE_RETRY_AFTER_SECONDS) -> None:
        super().__init__(detail)
        self.headers["Retry-After"] = str(retry_after)


def problem_response(
    request: Request,
    *,
    status: int,
    detail: str | None = None,
    slug: str | None = None,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + slug if slug else "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def _is_unstorable_text(exc: BaseException) -> bool:
    """PostgreSQL refusing text it cannot store (U+0000): the client sent it, so not a 500.

    Request models refuse NUL up front; this covers any text that slips past them.
    """
    # By its SQLSTATE, whatever class wraps it: on an autocommit (read) connection asyncpg's
    # error arrives as a plain DBAPIError rather than a DataError.
    return (
        isinstance(exc, sa_exc.DBAPIError)
        and getattr(exc.orig, "sqlstate", None) in _UNSTORABLE_TEXT_SQLSTATES
    )


def _is_database_outage(exc: BaseException) -> bool:
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    # SQLSTATE class 08 (connection exception) and 57P (admin/crash shutdown, "the database
    # system is starting up"): a restarting server, seen by tests/resilience/fault_pg_restart.py.
    # Class 53 (insufficient resources: 53300 "too many clients", out of memory or disk): a
    # server that cannot take the request now, which a retry later may find well again.
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None) or ""
    if isinstance(exc, sa_exc.DBAPIError) and sqlstate.startswith(("08", "53", "57P")):
        return True
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError):
        return True
    # asyncpg raises plain OSError / ConnectionError / TimeoutError when it cannot connect.
    return isinstance(exc, OSError | TimeoutError)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Never echo "input": the rejected value may be a password.
    return [
        {
            "loc": list(error.get("loc", ())),
            "msg": error.get("msg", ""),
            "type": error.get("type", ""),
        }
        for error in exc.errors()
    ]


def _allowed_methods(request: Request) -> list[str]:
    """The methods some route accepts at this path, found by asking the router itself."""
    # Without the routing state of the refused request, so each probe is matched afresh.
    scope = {k: v for k, v in request.scope.items() if k not in _ROUTING_SCOPE_KEYS}
    allowed = [
        method
        for method in _PROBED_METHODS
        if any(
            route.matches({**scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]
    if "GET" in allowed:
        allowed.insert(allowed.index("GET") + 1, "HEAD")  # api/middleware.py: HeadMiddleware
    return allowed


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return problem_response(
            request,
            status=exc.status,
            detail=exc.detail or exc.title,
            slug=exc.slug,
            headers=exc.headers,
            errors=getattr(exc, "errors", None),
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(
            request,
            status=422,
            detail="The request does not validate; see errors.",
            slug="validation",
            errors=_field_errors(exc),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else None
        headers = dict(exc.headers or {})
        if exc.status_code == 405 and (allowed := _allowed_methods(request)):
            # Starlette lists only the methods of the first route matching the path; GET and
            # PATCH of one resource are separate routes, so ask all of them.
            headers["Allow"] = ", ".join(allowed)
        return problem_response(
            request,
            status=exc.status_code,
            detail=detail,
            # Our own HTTP exceptions (api/middleware.py: BodyTooLarge) name their problem.
            slug=getattr(exc, "slug", None),
            headers=headers,
        )

    async def _database_or_crash(request: Request, exc: Exception) -> JSONResponse:
        if _is_unstorable_text(exc):
            return problem_response(
                request,
                status=422,
                detail="Text must not contain NUL (U+0000) characters.",
                slug="validation",
                errors=[],
            )
        if _is_database_outage(exc):
            logger.warning("database unavailable: %s", type(exc).__name__)
            # Every connection busy (the pool timed out) is not the database being down:
            # say which, so an operator knows whether to scale or to page someone.
            busy = isinstance(exc, sa_exc.TimeoutError)
            return problem_response(
                request,
                status=503,
                detail=(
                    "The service is busy: no database connection was free in time; "
                    "try again shortly."
                    if busy
                    else "The database is unreachable; try again shortly."
                ),
                slug="database-unavailable",
                headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
            )
        # The traceback as text with database errors' values left out, not the exception
        # itself: any handler (not only our JSON one) would print its parameters.
        logger.error(
            "unhandled error on %s %s",
            request.method,
            request.url.path,
            extra={"exception": safe_exception_text(exc)},
        )
        return problem_response(
            request, status=500, detail="An unexpected error occurred.", slug="internal"
        )

    for exc_class in (sa_exc.SQLAlchemyError, OSError, TimeoutError, Exception):
        app.add_exception_handler(exc_class, _database_or_crash)
    app.add_middleware(_UnhandledErrorMiddleware, handler=_database_or_crash)


class _UnhandledErrorMiddleware:
    """Answers an unhandled exception with the problem document *inside* the middleware stack.

    Starlette runs the ``Exception`` handler in its outermost middleware, so that 500 would skip
    ours: no X-Request-ID, no security headers, no CORS headers (a browser could not read it).
    Installed before the other middleware, this one is the innermost.
    """

    def __init__(self, app: ASGIApp, *, handler: Any) -> None:
        self.app = app
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:
                raise
            response = await self.handler(Request(scope, receive), exc)
            await response(scope, receive, send)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for the problems a route can answer with."""
    return {
        status: {
            "model": ValidationProblem if status == 422 else Problem,
            "description": HTTPStatus(status).phrase,
        }
        for status in statuses
    }
