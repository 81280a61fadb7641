"""The delivery worker as a queue consumer: restarts lose nothing and repeat nothing that was
acknowledged, a crashed worker's rows come back after its lease, two workers share the queue
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL) without sending anything twice, it wakes at once
for new rows, and it runs inside the app's lifespan and as ``mastermind worker``."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from api.kit import outbox
from api.main import create_app
from api.models import DeliveryState, WebhookDelivery, utcnow
from api.services.webhook_worker import SCHEDULE
from tests.conftest import REPO_ROOT
from tests.factories import register
from tests.webhook_kit import (
    create_endpoint,
    eventually,
    make_worker,
    new_project,
    running_worker,
    verify,
)


async def _queue(hook_app, organization_id: str, count: int) -> list[uuid.UUID]:
    """``count`` events in one transaction, straight through the outbox."""
    async with hook_app.state.sessionmaker() as session, session.begin():
        return [
            await outbox.emit(
                session,
                organization_id=uuid.UUID(organization_id),
                event_type="project.created",
                payload={"n": n},
            )
            for n in range(count)
        ]


async def _rows(hook_app) -> list[WebhookDelivery]:
    async with hook_app.state.sessionmaker() as session:
        return list(await session.scalars(select(WebhookDelivery)))


async def _all_delivered(hook_app, count: int) -> bool:
    rows = await _rows(hook_app)
    return len(rows) == count and all(r.state == DeliveryState.delivered for r in rows)


@pytest.fixture
async def subscribed(http, receiver):
    admin = await register(http)
    endpoint = await create_endpoint(http, admin, receiver.url(), ["project.created"])
    return admin, endpoint


async def test_a_worker_stopped_between_deliveries_loses_nothing_and_repeats_nothing(
    hook_app, receiver, subscribed
):
    admin, endpoint = subscribed
    events = await _queue(hook_app, admin.organization_id, 6)

    first = make_worker(hook_app, batch_size=1)
    loop = asyncio.get_running_loop()

    def stop_after_two(received) -> None:
        if len(receiver.hook_requests()) == 2:
            loop.call_soon_threadsafe(first.stop)  # while the second post is in flight

    receiver.on_request = stop_after_two
    await asyncio.wait_for(first.run(), timeout=10)
    assert len(receiver.hook_requests()) == 2
    rows = await _rows(hook_app)
    assert sorted(r.state for r in rows).count(DeliveryState.delivered) == 2
    assert all(r.claim_token is None for r in rows)  # nothing left leased

    receiver.on_request = None
    async with running_worker(hook_app):  # "the restarted process"
        await eventually(lambda: _all_delivered(hook_app, 6))
    assert receiver.ids() == {str(event_id): 1 for event_id in events}
    assert all(r.attempts == 1 for r in await _rows(hook_app))
    for received in receiver.hook_requests():
        verify(received, endpoint["secret"])


async def test_a_worker_killed_mid_post_gives_its_row_back(hook_app, receiver, subscribed):
    admin, _endpoint = subscribed
    (event_id,) = await _queue(hook_app, admin.organization_id, 1)
    receiver.hold = threading.Event()  # the receiver does not answer: the post hangs

    worker = make_worker(hook_app)
    task = asyncio.create_task(worker.run())
    await eventually(lambda: len(receiver.hook_requests()) == 1)
    task.cancel()  # no grace: what `kill` or a second Ctrl-C does
    with pytest.raises(asyncio.CancelledError):
        await task
    (row,) = await _rows(hook_app)
    assert row.state == DeliveryState.pending and row.attempts == 0
    assert row.claimed_until is None and row.claim_token is None  # released, not leaked

    receiver.hold.set()
    receiver.hold = None
    async with running_worker(hook_app):
        await eventually(lambda: _all_delivered(hook_app, 1))
    # Sent twice, acknowledged once: the first answer never reached the worker.
    assert receiver.ids() == {str(event_id): 2}
    (row,) = await _rows(hook_app)
    assert row.attempts == 1


async def test_a_crashed_workers_lease_runs_out_and_the_row_is_delivered(
    hook_app, receiver, subscribed
):
    admin, _endpoint = subscribed
    (event_id,) = await _queue(hook_app, admin.organization_id, 1)
    crashed = make_worker(hook_app, lease_seconds=60)
    claims = await crashed.claim()  # ... and the process died before posting
    assert [c.event.id for c in claims] == [event_id]

    # Within the lease nobody else may take it.
    assert await make_worker(hook_app).run_once() == 0
    assert receiver.requests == []

    later = make_worker(hook_app, clock=lambda: utcnow() + timedelta(seconds=61))
    assert await later.run_once() == 1
    assert receiver.ids() == {str(event_id): 1}
    (row,) = await _rows(hook_app)
    assert row.state == DeliveryState.delivered and row.claim_token is None


async def test_two_workers_share_the_queue_and_send_each_event_once(hook_app, receiver, subscribed):
    admin, _endpoint = subscribed
    receiver.delay = 0.01  # long enough for both workers to be busy at once
    events = await _queue(hook_app, admin.organization_id, 30)
    async with (
        running_worker(hook_app, batch_size=3, name="a") as a,
        running_worker(hook_app, batch_size=3, name="b") as b,
    ):
        await eventually(lambda: _all_delivered(hook_app, 30), within=15)
    assert receiver.ids() == {str(event_id): 1 for event_id in events}
    # Both took part, and between them made exactly one attempt per event.
    assert a.attempts_made > 0 and b.attempts_made > 0
    assert a.attempts_made + b.attempts_made == 30
    assert all(r.attempts == 1 for r in await _rows(hook_app))


async def test_a_graceful_stop_finishes_the_post_in_flight(hook_app, receiver, subscribed):
    admin, _endpoint = subscribed
    await _queue(hook_app, admin.organization_id, 1)
    receiver.delay = 0.3
    async with running_worker(hook_app) as worker:
        await eventually(lambda: len(receiver.hook_requests()) == 1)
        worker.stop()
    (row,) = await _rows(hook_app)
    assert row.state == DeliveryState.delivered and row.attempts == 1


async def test_new_rows_wake_an_idle_worker_at_once(http, hook_app, receiver, subscribed):
    admin, _endpoint = subscribed
    # A poll every minute: only the wake-up (NOTIFY on PostgreSQL, the in-process commit
    # hook on SQLite) can explain a delivery within seconds.
    async with running_worker(hook_app, poll_seconds=60):
        await asyncio.sleep(0.2)  # idle, waiting
        await new_project(http, admin)
        await eventually(lambda: len(receiver.hook_requests()) == 1, within=5)


async def test_the_app_runs_a_worker_only_when_the_settings_say_so(
    hook_app, receiver, subscribed, settings
):
    assert settings.webhook_worker_in_process is False  # tests: off unless asked
    serving = settings.model_copy(
        update={"run_webhook_worker": True, "webhook_allow_private_targets": True}
    )
    assert serving.model_copy(update={"environment": "production"}).webhook_worker_in_process
    admin, _endpoint = subscribed
    await _queue(hook_app, admin.organization_id, 1)

    application = create_app(serving)
    try:
        async with application.router.lifespan_context(application):
            assert application.state.webhook_worker is not None
            await eventually(lambda: _all_delivered(hook_app, 1))
        assert application.state.webhook_worker.stopping
    finally:
        await application.state.engine.dispose()
    plain = create_app(settings)
    try:
        async with plain.router.lifespan_context(plain):
            assert not hasattr(plain.state, "webhook_worker")
    finally:
        await plain.state.engine.dispose()


async def test_mastermind_worker_delivers_and_stops_on_sigterm(
    hook_app, receiver, subscribed, settings
):
    admin, _endpoint = subscribed
    events = await _queue(hook_app, admin.organization_id, 2)
    environment = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key,
        "ENVIRONMENT": "development",
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        "WEBHOOK_POLL_SECONDS": "0.2",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "api.cli",
        "worker",
        cwd=REPO_ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await eventually(lambda: _all_delivered(hook_app, 2), within=20)
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), timeout=15)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, output.decode()
    assert b"Webhook worker stopped." in output
    assert receiver.ids() == {str(event_id): 1 for event_id in events}


def test_the_schedule_is_the_documented_one_with_jitter(hook_app):
    hours = 3600
    documented = (0, 5, 5 * 60, 30 * 60, 2 * hours, 5 * hours, 10 * hours, 10 * hours)
    assert documented == SCHEDULE
    worker = make_worker(hook_app, schedule=SCHEDULE, jitter=0.1)
    for attempt, base in enumerate(SCHEDULE[1:], start=1):
        delays = {worker.queue.delay(attempt).total_seconds() for _ in range(20)}
        assert all(0.9 * base <= d <= 1.1 * base for d in delays), (attempt, delays)
        assert len(delays) > 1  # jittered, so retries of many deliveries spread out
