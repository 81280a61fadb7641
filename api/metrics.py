"""Prometheus metrics: requests per route template, live listeners, the database pool and the
outbox backlog, served at ``GET /metrics`` to a scraper holding ``METRICS_TOKEN``.

Processes: each uvicorn worker process counts its own requests. By default a scrape sees the
process that answered it (run one worker per container, or scrape each replica). With
``PROMETHEUS_MULTIPROC_DIR`` set (an empty directory, wiped before start) prometheus_client's
multiprocess mode adds up every worker's counters and histograms, and the per-process gauges
(listeners, pool) are summed over live processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import secrets
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess
from sqlalchemy import func, select
from sqlmodel import col
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import NotFound, Unauthorized

logger = logging.getLogger("api.metrics")

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
REFRESH_SECONDS = 5.0

# One registry of our own (not the global default), so tests and tools that import the app
# twice do not collide on names.
REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "mastermind_http_requests_total",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "mastermind_http_request_duration_seconds",
    "Time from request to the end of the response (for SSE: the whole stream).",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)
SSE_LISTENERS = Gauge(
    "mastermind_sse_listeners",
    "Open live-session streams (Server-Sent Events).",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
POOL_CHECKED_OUT = Gauge(
    "mastermind_db_pool_checked_out",
    "Database connections in use by requests.",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
POOL_SIZE = Gauge(
    "mastermind_db_pool_size",
    "Database connections the pool keeps (overflow not counted).",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
OUTBOX_BACKLOG = Gauge(
    "mastermind_outbox_backlog",
    "Outbound webhook deliveries still pending (read from the database at scrape time).",
    registry=REGISTRY,
    multiprocess_mode="mostrecent",
)


class MetricsMiddleware:
    """Counts every HTTP request under its route template (``/api/v1/projects/{project_id}``),
    never its raw path, so ids do not explode the number of series."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def capture(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            labels = (route, scope.get("method", ""), str(status))
            REQUESTS.labels(*labels).inc()
            LATENCY.labels(*labels).observe(time.perf_counter() - started)


def refresh_process_gauges(app: FastAPI) -> None:
    """This process's listeners and pool, as they are now."""
    SSE_LISTENERS.set(app.state.live_hub.listener_count)
    pool = app.state.engine.pool
    checked_out = getattr(pool, "checkedout", None)
    size = getattr(pool, "size", None)
    POOL_CHECKED_OUT.set(checked_out() if callable(checked_out) else 0)
    POOL_SIZE.set(size() if callable(size) else 0)


async def read_outbox_backlog(app: FastAPI) -> int | None:
    """Pending webhook deliveries; None when the outbox is not there (or not reachable)."""
    try:
        from api.models.webhooks import DeliveryState, WebhookDelivery
    except ImportError:  # a build without outbound webhooks
        return None
    try:
        async with app.state.sessionmaker() as session:
            return await session.scalar(
                select(func.count())
                .select_from(WebhookDelivery)
                .where(col(WebhookDelivery.state) == DeliveryState.pending)
            )
    except Exception as exc:  # a scrape must not fail because the database is down
        logger.warning("outbox backlog not read: %s", type(exc).__name__)
        return None


async def _refresh_forever(app: FastAPI) -> None:
    while True:
        refresh_process_gauges(app)
        await asyncio.sleep(REFRESH_SECONDS)


@contextlib.asynccontextmanager
async def process_gauges(app: FastAPI) -> AsyncIterator[None]:
    """In multiprocess mode every worker publishes its own gauges now and then (a scrape
    reaches one worker only); per-process mode reads them at scrape time instead."""
    task = asyncio.create_task(_refresh_forever(app)) if MULTIPROCESS else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


_bearer = HTTPBearer(auto_error=False)


def require_metrics_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Without METRICS_TOKEN configured the endpoint does not exist (404); with it, only
    ``Authorization: Bearer <METRICS_TOKEN>`` gets in (401 otherwise)."""
    expected = request.app.state.settings.metrics_token
    if not expected:
        raise NotFound("Not Found")
    given = credentials.credentials if credentials else ""
    if not secrets.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized("A valid metrics token is required")


router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    include_in_schema=False,
    dependencies=[Depends(require_metrics_token)],
)
async def metrics(request: Request) -> Response:
    app = request.app
    refresh_process_gauges(app)
    backlog = await read_outbox_backlog(app)
    # Unknown (no outbox table, database down) is NaN, never a reassuring 0.
    OUTBOX_BACKLOG.set(math.nan if backlog is None else backlog)
    if MULTIPROCESS:
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
