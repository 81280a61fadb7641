"""``GET /metrics``: Prometheus text, only for the holder of METRICS_TOKEN, with request
counts per route template, the live listeners, the database pool and the outbox backlog."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import inspect

from api.main import create_app
from tests import cast
from tests.factories import API, assert_problem, register

TOKEN = "metrics-token-for-tests-" + "m" * 16


@pytest.fixture(scope="module")
async def metrics_app(settings, app) -> AsyncIterator:
    application = create_app(settings.model_copy(update={"metrics_token": TOKEN}))
    yield application
    await application.state.live_hub.close()
    await application.state.engine.dispose()


@pytest.fixture
async def http(metrics_app) -> AsyncIterator[httpx.AsyncClient]:
    async with cast.in_process(metrics_app) as client:
        yield client


async def scrape(http: httpx.AsyncClient) -> dict[str, float]:
    response = await http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples = {}
    for line in response.text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def sample(samples: dict[str, float], name: str, **labels: str) -> float:
    """One sample by name and labels (in any order); 0 when the series does not exist yet."""
    for key, value in samples.items():
        metric, _, rest = key.partition("{")
        if metric != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if found == labels:
            return value
    return 0.0


async def test_without_a_configured_token_metrics_do_not_exist(client):
    for headers in ({}, {"Authorization": f"Bearer {TOKEN}"}):
        response = await client.get("/metrics", headers=headers)
        assert_problem(response, 404)


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer "],
)
async def test_a_missing_or_wrong_token_is_401(http, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = await http.get("/metrics", headers=headers)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert "mastermind_" not in response.text


async def test_requests_are_counted_per_route_template_method_and_status(http):
    admin = await register(http)
    missing = uuid.uuid4()
    before = await scrape(http)
    for _ in range(3):
        assert (await http.get(f"{API}/users/me", headers=admin.headers)).status_code == 200
    assert (await http.get(f"{API}/clients/{missing}", headers=admin.headers)).status_code == 404
    assert (await http.get(f"{API}/users/me")).status_code == 401
    after = await scrape(http)

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    me = {"route": "/api/v1/users/me", "method": "GET"}
    assert delta("mastermind_http_requests_total", **me, status="200") == 3
    assert delta("mastermind_http_requests_total", **me, status="401") == 1
    client_route = {"route": "/api/v1/clients/{client_id}", "method": "GET", "status": "404"}
    assert delta("mastermind_http_requests_total", **client_route) == 1
    # The raw id never becomes a label.
    assert not any(str(missing) in key for key in after)
    assert delta("mastermind_http_request_duration_seconds_count", **me, status="200") == 3
    assert (
        delta("mastermind_http_request_duration_seconds_bucket", **me, status="200", le="+Inf") == 3
    )
    assert delta("mastermind_http_request_duration_seconds_sum", **me, status="200") > 0


async def test_live_listeners_and_the_pool_are_reported_at_scrape_time(http, metrics_app):
    hub = metrics_app.state.live_hub
    engine = metrics_app.state.engine
    idle = await scrape(http)
    assert sample(idle, "mastermind_sse_listeners") == 0
    # Two listeners, and one connection held as a slow request would.
    async with hub.subscription(uuid.uuid4()), hub.subscription(uuid.uuid4()), engine.connect():
        busy = await scrape(http)
    assert sample(busy, "mastermind_sse_listeners") == 2
    assert sample(busy, "mastermind_db_pool_checked_out") >= 1
    assert sample(busy, "mastermind_db_pool_size") >= 1
    assert sample(await scrape(http), "mastermind_sse_listeners") == 0


async def test_the_outbox_backlog_counts_pending_deliveries(http, metrics_app):
    engine = metrics_app.state.engine
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    if "webhook_delivery" not in tables:
        # Not migrated yet: the gauge says "unknown", never a reassuring 0.
        assert math.isnan(sample(await scrape(http), "mastermind_outbox_backlog"))
        return
    from api.models.webhooks import (
        DeliveryState,
        WebhookDelivery,
        WebhookEndpoint,
        WebhookEvent,
        WebhookEventType,
    )

    admin = await register(http)
    organization_id = uuid.UUID(admin.organization_id)
    async with metrics_app.state.sessionmaker() as db, db.begin():
        endpoint = WebhookEndpoint(
            organization_id=organization_id, url="https://hooks.example/x", secret_ciphertext="x"
        )
        db.add(endpoint)
        await db.flush()
        for state in (DeliveryState.pending, DeliveryState.pending, DeliveryState.delivered):
            event = WebhookEvent(
                organization_id=organization_id, type=WebhookEventType.project_created
            )
            db.add(event)
            await db.flush()
            db.add(
                WebhookDelivery(
                    organization_id=organization_id,
                    endpoint_id=endpoint.id,
                    event_id=event.id,
                    state=state,
                )
            )
    assert sample(await scrape(http), "mastermind_outbox_backlog") == 2
