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

from api.schemas.problems import Problem, ValidationProblem

logger = logging.getLogger("api.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:sales-mastermind:problem:"
DATABASE_RETRY_AFTER_SECONDS = 5


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


class BadRequest(AppError):
    status, slug = 400, "bad-request"


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


class PayloadTooLarge(AppError):
    status, slug = 413, "payload-too-large"


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


def _is_database_outage(exc: BaseException) -> bool:
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
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
        return problem_response(
            request, status=exc.status_code, detail=detail, headers=dict(exc.headers or {})
        )

    async def _database_or_crash(request: Request, exc: Exception) -> JSONResponse:
        if _is_database_outage(exc):
            logger.warning("database unavailable: %s", type(exc).__name__)
            return problem_response(
                request,
                status=503,
                detail="The database is unreachable; try again shortly.",
                slug="database-unavailable",
                headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
            )
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            request, status=500, detail="An unexpected error occurred.", slug="internal"
        )

    for exc_class in (sa_exc.SQLAlchemyError, OSError, TimeoutError, Exception):
        app.add_exception_handler(exc_class, _database_or_crash)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for the problems a route can answer with."""
    return {
        status: {
            "model": ValidationProblem if status == 422 else Problem,
            "description": HTTPStatus(status).phrase,
        }
        for status in statuses
    }
