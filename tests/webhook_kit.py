"""Shared set-up for the outbound webhook tests: a real HTTP receiver on a loopback port that
verifies what it gets with ``standardwebhooks`` and answers as a test tells it to, a worker
that runs in the background of a test, and a wait-until helper."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from standardwebhooks import Webhook

from api.config import Settings
from api.services.webhook_worker import WebhookWorker, stop_worker
from tests.factories import API, Actor

# Back-off compressed from hours to tens of milliseconds, without jitter: deterministic.
FAST_SCHEDULE = (0, 0.05, 0.05, 0.05, 0.05)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    at: float


@dataclass
class Receiver:
    """A plain threaded HTTP server: each request is recorded, then answered with the next
    planned status (``plan``), else ``default``."""

    default: int = 200
    delay: float = 0.0
    plan: deque[int] = field(default_factory=deque)
    requests: list[Received] = field(default_factory=list)
    # Set to hold every answer until released (a post "in flight" as long as a test wants).
    hold: threading.Event | None = None
    on_request: Callable[[Received], None] | None = None
    # Headers on every answer (a 429 with Retry-After, say).
    answer_headers: dict[str, str] = field(default_factory=dict)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        assert self._server is not None
        return f"http://{host}:{self.port}{path}"

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    def respond(self, *statuses: int) -> None:
        with self._lock:
            self.plan.extend(statuses)

    def _next_status(self) -> int:
        with self._lock:
            return self.plan.popleft() if self.plan else self.default

    def hook_requests(self, path: str = "/hook") -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def ids(self, path: str = "/hook") -> Counter[str]:
        return Counter(r.headers["webhook-id"] for r in self.hook_requests(path))

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                status = receiver._next_status()
                received = Received(
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    status=status,
                    at=time.monotonic(),
                )
                with receiver._lock:
                    receiver.requests.append(received)
                if receiver.on_request is not None:
                    receiver.on_request(received)
                if receiver.hold is not None:
                    receiver.hold.wait(timeout=10)
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                for name, value in receiver.answer_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_args: Any) -> None:  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        if self.hold is not None:
            self.hold.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def verify(received: Received, secret: str) -> dict[str, Any]:
    """What a subscriber does: check the Standard Webhooks signature, return the payload."""
    return Webhook(secret).verify(received.body, received.headers)


async def eventually(
    check: Callable[[], Awaitable[bool] | bool], *, within: float = 10.0, what: str = ""
) -> None:
    deadline = time.monotonic() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within} s: {what or check}")
        await asyncio.sleep(0.02)


def make_worker(app: Any, settings: Settings | None = None, **options: Any) -> WebhookWorker:
    options = {"schedule": FAST_SCHEDULE, "jitter": 0.0, "poll_seconds": 0.05, **options}
    return WebhookWorker(
        app.state.engine, app.state.sessionmaker, settings or app.state.settings, **options
    )


@contextlib.asynccontextmanager
async def running_worker(
    app: Any, settings: Settings | None = None, **options: Any
) -> AsyncIterator[WebhookWorker]:
    worker = make_worker(app, settings, **options)
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        await stop_worker(worker, task, grace=5)


async def create_endpoint(
    http: httpx.AsyncClient, admin: Actor, url: str, events: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    response = await http.post(
        f"{API}/webhook-endpoints",
        headers=admin.headers,
        json={
            "url": url,
            "events": events
            or ["project.created", "project.closed", "session.completed", "action_item.completed"],
            **extra,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


async def deliveries(
    http: httpx.AsyncClient, admin: Actor, endpoint_id: str, **params: Any
) -> list[dict[str, Any]]:
    response = await http.get(
        f"{API}/webhook-endpoints/{endpoint_id}/deliveries",
        headers=admin.headers,
        params={"limit": 200, **params},
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def new_project(http: httpx.AsyncClient, actor: Actor, title: str = "Helix") -> dict:
    response = await http.post(
        f"{API}/projects", headers=actor.headers, json={"title": title, "kind": "campaign"}
    )
    assert response.status_code == 201, response.text
    return response.json()
