"""Outbound deliveries that a receiver asks to come back later (``Retry-After``, at most a
day), and an endpoint enabled again getting back what its disabling stopped; every
delivery checked the way a subscriber checks it, with ``standardwebhooks``."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks import Webhook

from api.services.webhook_worker import retry_after_seconds
from tests.factories import API, register
from tests.webhook_kit import create_endpoint, deliveries, make_worker, new_project


class RetryLater:
    """A receiver on loopback answering ``status`` with ``Retry-After: retry_after`` until
    told to accept; it keeps every body and header it got."""

    def __init__(self, status: int, retry_after: str) -> None:
        self.status, self.retry_after = status, retry_after
        self.accept = False
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204 if receiver.accept else receiver.status)
                if not receiver.accept:
                    self.send_header("Retry-After", receiver.retry_after)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    later = datetime.now(UTC) + timedelta(hours=3)
    assert abs(retry_after_seconds(format_datetime(later, usegmt=True)) - 3 * 3600) < 5
    assert retry_after_seconds("9" * 40) == 24 * 3600  # absurdly far: capped, not an error


@pytest.mark.parametrize(
    ("status", "header", "expected"),
    [
        (429, "120", timedelta(seconds=120)),
        (503, "7200", timedelta(hours=2)),
        # A date two days off is honoured only up to a day.
        (503, "two days", timedelta(hours=24)),
    ],
)
async def test_a_failed_delivery_waits_as_long_as_the_receiver_asks_at_most_a_day(
    http, hook_app, status, header, expected
):
    if header == "two days":
        header = format_datetime(datetime.now(UTC) + timedelta(days=2), usegmt=True)
    receiver = RetryLater(status, header)
    try:
        admin = await register(http)
        endpoint = await create_endpoint(http, admin, receiver.url, ["project.created"])
        await new_project(http, admin, "Helix")
        before = datetime.now(UTC)
        assert await make_worker(hook_app).run_once() == 1
        [row] = await deliveries(http, admin, endpoint["id"])
        assert row["state"] == "pending" and row["last_status_code"] == status
        wait = datetime.fromisoformat(row["next_attempt_at"]) - before
        assert expected - timedelta(seconds=5) <= wait <= expected + timedelta(seconds=5), wait
        # What was sent verifies as Standard Webhooks with the endpoint's secret.
        headers, body = receiver.received[0]
        payload = Webhook(endpoint["secret"]).verify(body, headers)
        assert payload["type"] == "project.created" and payload["data"]["title"] == "Helix"
    finally:
        receiver.close()


async def test_enabling_an_endpoint_again_queues_what_its_disabling_stopped(http, hook_app):
    receiver = RetryLater(500, "0")
    receiver.accept = True
    try:
        admin = await register(http)
        endpoint = await create_endpoint(http, admin, receiver.url, ["project.created"])
        path = f"{API}/webhook-endpoints/{endpoint['id']}"
        await new_project(http, admin, "Queued before the pause")
        r = await http.patch(path, headers=admin.headers, json={"enabled": False})
        assert r.status_code == 200, r.text
        [stopped] = await deliveries(http, admin, endpoint["id"])
        assert stopped["state"] == "failed" and stopped["last_error"].startswith("Not sent")
        assert await make_worker(hook_app).run_once() == 0

        r = await http.patch(path, headers=admin.headers, json={"enabled": True})
        assert r.status_code == 200, r.text
        [queued] = await deliveries(http, admin, endpoint["id"])
        assert queued["id"] == stopped["id"] and queued["state"] == "pending"
        assert queued["last_error"] is None
        assert await make_worker(hook_app).run_once() == 1
        [sent] = await deliveries(http, admin, endpoint["id"])
        assert sent["state"] == "delivered"
        headers, body = receiver.received[0]
        payload = Webhook(endpoint["secret"]).verify(body, headers)
        assert payload["data"]["title"] == "Queued before the pause"
        assert headers["webhook-id"] == sent["event_id"]
    finally:
        receiver.close()
