"""The ASGI application: ``create_app()`` wires settings, database, middleware, errors, routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Scope

from api import metrics, openapi
from api.config import Settings, get_settings
from api.db import create_engine, create_read_sessionmaker, create_sessionmaker
from api.errors import install_error_handlers
from api.events import HUB_KEY, LiveHub, close_streams_on_shutdown_signal
from api.kit.links import BASE_URL_KEY
from api.middleware import BodySizeLimitMiddleware, HeadMiddleware, ProblemCORSMiddleware
from api.models import utcnow
from api.observability import RequestContextMiddleware, configure_logging
from api.routers import (
    action_items,
    api_keys,
    auth,
    calendar,
    chat_channels,
    clients,
    contribution_records,
    contributions,
    crm_connections,
    crm_hooks,
    dashboard,
    health,
    help_requests,
    insights,
    invitations,
    learnings,
    ledger,
    notifications,
    organizations,
    presence,
    progress,
    projects,
    search,
    sessions,
    suggestions,
    takeaways,
    teams,
    time_entries,
    users,
    webhooks,
)
from api.security import Security
from api.services import mail_worker, webhook_worker
from api.services.mail import MAIL_KEY, mail_config
from api.spa import mount_spa
from api.user_cache import USER_CACHE_KEY, ActiveUserCache


def operation_id(route: APIRoute) -> str:
    """Stable operation ids (``<tag>-<function>``) so generated clients keep their names."""
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


class PrefixGate(APIRouter):
    """One resource router, passed over at once by a request outside its paths.

    Route matching tries every route of every included router in turn, each a regular
    expression and some bookkeeping: a request to the fifth router paid for the twenty
    routes before it. Every path of ``router`` starts with the literal text its route
    templates share before their first parameter, so a request path that does not start
    with it can match none of them. Include the gate without a prefix of its own.
    """

    def __init__(self, router: APIRouter) -> None:
        super().__init__()
        self.include_router(router)
        # A route without a path template (none today) would open the gate to every path.
        literal_starts = [getattr(route, "path", "").split("{", 1)[0] for route in router.routes]
        self.path_start = _shared_start(literal_starts)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not get_route_path(scope).startswith(self.path_start):
            return Match.NONE, {}
        return super().matches(scope)


def _shared_start(texts: list[str]) -> str:
    shortest = min(texts, key=len, default="")
    for index, character in enumerate(shortest):
        if any(text[index] != character for text in texts):
            return shortest[:index]
    return shortest


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        close_streams_on_shutdown_signal(app.state.live_hub)
        async with (
            metrics.process_gauges(app),
            webhook_worker.running_in(app),
            mail_worker.running_in(app),
        ):
            yield
        # Ends the live streams first, so a rolling restart closes them cleanly.
        await app.state.live_hub.close()
        await app.state.engine.dispose()

    app = FastAPI(
        title="Sales Mastermind API",
        version="1.0.0",
        description=(
            "Team selling: projects with helper panels, time-boxed sessions, outcomes and "
            "a reciprocity ledger. Errors are RFC 9457 problem documents."
        ),
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    engine = create_engine(settings)
    app.state.settings = settings
    app.state.engine = engine
    sessionmaker = create_sessionmaker(engine)
    user_cache = ActiveUserCache()
    live_hub = LiveHub(engine, sessionmaker, user_cache)
    # Every session made here knows the hub (on SQLite it delivers events after commit) and
    # the user cache (a committed change to a user row is forgotten at once).
    # Links into the SPA in what leaves the service (api/kit/links.py) and, with SMTP
    # configured, what mail needs (api/services/mail.py).
    sessionmaker.configure(
        info={
            HUB_KEY: live_hub,
            USER_CACHE_KEY: user_cache,
            BASE_URL_KEY: settings.public_base_url,
            MAIL_KEY: mail_config(settings),
        }
    )
    app.state.sessionmaker = sessionmaker
    app.state.read_sessionmaker = create_read_sessionmaker(engine, sessionmaker)
    app.state.live_hub = live_hub
    app.state.user_cache = user_cache
    app.state.security = Security(settings)
    # "Now" for the rules that measure time (presence, a session's held duration); tests pin it.
    app.state.clock = utcnow

    install_error_handlers(app)
    app.add_middleware(HeadMiddleware)
    # Inside CORS and the request context: a 413 carries their headers like any answer.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_body_bytes)
    app.add_middleware(
        ProblemCORSMiddleware,
        allow_origins=settings.cors_origins,
        # Bearer tokens, not cookies: credentials mode is never needed, so "*" stays safe.
        allow_credentials=False,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=[
            "Authorization",
            "Content-Type",
            "Idempotency-Key",
            "If-Match",
            "Last-Event-ID",
            "X-Request-ID",
        ],
        expose_headers=["ETag", "Location", "Retry-After", "X-Request-ID"],
        max_age=600,
    )
    app.add_middleware(RequestContextMiddleware, hsts=settings.environment == "production")
    app.add_middleware(metrics.MetricsMiddleware)

    for module in (
        health,
        auth,
        users,
        teams,
        clients,
        organizations,
        projects,
        invitations,
        sessions,
        presence,
        contributions,
        takeaways,
        action_items,
        time_entries,
        ledger,
        progress,
        suggestions,
        learnings,
        dashboard,
        insights,
        contribution_records,
        search,
        crm_connections,
        crm_hooks,
        api_keys,
        webhooks,
        chat_channels,
        calendar,
        notifications,
        help_requests,
    ):
        app.include_router(PrefixGate(module.router))
    app.include_router(PrefixGate(webhooks.deliveries_router))
    # Outside /api/v1 and the contract: for Prometheus, guarded by METRICS_TOKEN.
    app.include_router(metrics.router)
    mount_spa(app)  # the built SPA answers what no route matches (never /api/...)

    openapi.declare_webhooks(app)

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = openapi.document(app)
        return app.openapi_schema

    # FastAPI's documented way to customise the schema: replace the method on the instance.
    app.openapi = custom_openapi  # type: ignore[method-assign]
    return app


def _build_default_app() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings)


app = _build_default_app()
