"""Live fan-out: 50 SSE listeners spread over two API processes, 20 writers posting at
once to the same session through both, and the time from sending a POST to each listener
receiving its event.

Creates a fresh PostgreSQL database (events cross processes through LISTEN/NOTIFY), starts
two uvicorn processes on loopback ports, puts 50 active members on one project (written
directly, tokens minted with the server's key), opens one stream per member (25 on each
process), then lets ``--writers`` of them post ``--posts`` contributions between them, each
writer through its own process (even writers on one, odd on the other), pausing a random
0-2x ``--interval`` between its posts: concurrent writes on one session, which queue on
its row lock. Prints p50, p95 and max of POST -> event over every (post, listener) pair,
and the POSTs' own p50/p95. Target: p95 < 100 ms.

    .venv/bin/python bench/fanout.py [--listeners 50] [--writers 20] [--posts 200] [--interval 2.0]
    .venv/bin/python bench/fanout.py --writers 1 --posts 40 --interval 0.1   # one at a time

Needs PostgreSQL (DATABASE_URL, default the local server); drops its database afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from api.config import Settings  # noqa: E402
from api.security import Security  # noqa: E402
from bench.support import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    MEMBER_COLUMNS,
    USER_COLUMNS,
    database_url,
    drop_database,
    free_port,
    plain_url,
    recreate_database,
    stop_process,
    wait_ready,
)

DB_NAME = "mastermind_bench_fanout"
SECRET = "fanout-benchmark-secret-" + "f" * 32
API = "/api/v1"


class Listener:
    """One SSE stream; records when each event id arrives."""

    def __init__(self, http: httpx.AsyncClient, session_id: str, token: str) -> None:
        self.http, self.session_id, self.token = http, session_id, token
        self.arrivals: dict[str, float] = {}  # contribution id -> monotonic time
        self.ready = asyncio.Event()

    async def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        url = f"{API}/sessions/{self.session_id}/events"
        timeout = httpx.Timeout(10.0, read=None)
        async with self.http.stream("GET", url, headers=headers, timeout=timeout) as response:
            assert response.status_code == 200, response.status_code
            event, data = "", ""
            async for line in response.aiter_lines():
                if line.startswith("retry:"):
                    self.ready.set()
                elif line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:"):
                    data = line.split(":", 1)[1].strip()
                elif line == "" and data:
                    if event == "contribution.created":
                        self.arrivals[json.loads(data)["id"]] = time.monotonic()
                    event, data = "", ""


async def _setup(url: str, base: str, listeners: int) -> tuple[str, list[str], str]:
    """An admin (through the API), a project with `listeners` active members, a live session."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        r = await http.post(
            f"{API}/auth/register",
            json={
                "organization_name": "Fan-out",
                "full_name": "Fay Fanout",
                "email": "fay@fanout.example",
                "password": "fan-out-password-123",
            },
        )
        r.raise_for_status()
        admin = r.json()
        headers = {"Authorization": f"Bearer {admin['tokens']['access_token']}"}
        r = await http.post(
            f"{API}/projects", headers=headers, json={"title": "Fan-out", "kind": "prospecting"}
        )
        r.raise_for_status()
        project = r.json()
    org, project_id = uuid.UUID(admin["organization"]["id"]), uuid.UUID(project["id"])
    project_created_at = datetime.fromisoformat(project["created_at"])
    security = Security(Settings(environment="test", secret_key=SECRET, _env_file=None))
    now = datetime.now(UTC)
    users = [uuid.uuid4() for _ in range(listeners)]
    connection = await asyncpg.connect(plain_url(url))
    try:
        await connection.copy_records_to_table(
            "user",
            records=[
                (u, now, now, org, f"listener{i}@fanout.example", f"Listener {i}", "rep", "mid",
                 "[]", True, "not-a-login")
                for i, u in enumerate(users)
            ],
            columns=USER_COLUMNS,
        )  # fmt: skip
        await connection.copy_records_to_table(
            "project_member",
            records=[
                (uuid.uuid4(), now, now, org, project_id, u, "helper", "active", 60,
                 project_created_at)
                for u in users
            ],
            columns=MEMBER_COLUMNS,
        )  # fmt: skip
    finally:
        await connection.close()
    tokens = [
        security.issue_token(
            token_type="access",
            subject=u,
            organization_id=org,
            lifetime=timedelta(minutes=30),
            token_version=0,  # the column's default: the users were just written
        ).token
        for u in users
    ]
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        r = await http.post(
            f"{API}/projects/{project_id}/sessions",
            headers=headers,
            json={
                "purpose": "approach",
                "title": "Fan-out",
                "scheduled_at": (now + timedelta(minutes=5)).isoformat(),
                "timebox_minutes": 30,
            },
        )
        r.raise_for_status()
        session_id = r.json()["id"]
        (await http.post(f"{API}/sessions/{session_id}/start", headers=headers)).raise_for_status()
    return session_id, tokens, admin["tokens"]["access_token"]


async def _measure(
    args: argparse.Namespace, bases: list[str], url: str
) -> tuple[list[float], list[float]]:
    session_id, tokens, _admin_token = await _setup(url, bases[0], args.listeners)
    limits = httpx.Limits(max_connections=args.listeners + 10)
    clients = [httpx.AsyncClient(base_url=base, limits=limits) for base in bases]
    listeners = [
        Listener(clients[index % 2], session_id, token) for index, token in enumerate(tokens)
    ]
    tasks = [asyncio.create_task(listener.run()) for listener in listeners]
    try:
        await asyncio.wait_for(asyncio.gather(*(lr.ready.wait() for lr in listeners)), 30)
        await asyncio.sleep(0.5)  # every stream past its replay and subscribed
        sent: dict[str, float] = {}
        post_ms: list[float] = []
        retried = [0]
        rng = random.Random(7)

        async def writer(index: int, count: int) -> None:
            author, http = tokens[index % len(tokens)], clients[index % 2]
            await asyncio.sleep(rng.uniform(0, args.interval))  # not all at the same instant
            for number in range(count):
                started = time.monotonic()
                while True:
                    r = await http.post(
                        f"{API}/sessions/{session_id}/contributions",
                        headers={"Authorization": f"Bearer {author}"},
                        json={"kind": "idea", "body": f"Fan-out idea {index}.{number}"},
                        timeout=30,
                    )
                    if r.status_code != 503:
                        break
                    # No connection was free in time (the writes queue on the session row's
                    # lock), refused before any transaction began: retry as a client would,
                    # timed from the first attempt.
                    retried[0] += 1
                    await asyncio.sleep(float(r.headers.get("Retry-After", "1")))
                r.raise_for_status()
                sent[r.json()["id"]] = started
                post_ms.append((time.monotonic() - started) * 1000)
                await asyncio.sleep(rng.uniform(0, 2 * args.interval))

        shares = [
            args.posts // args.writers + (i < args.posts % args.writers)
            for i in range(args.writers)
        ]
        await asyncio.gather(*(writer(i, n) for i, n in enumerate(shares)))
        deadline = time.monotonic() + 5
        # Stragglers: poll the listeners' counters until all arrived or the deadline.
        while time.monotonic() < deadline and any(  # noqa: ASYNC110
            len(listener.arrivals) < len(sent) for listener in listeners
        ):
            await asyncio.sleep(0.05)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for client in clients:
            await client.aclose()
    if retried[0]:
        print(f"RETRIED: {retried[0]} POSTs answered 503 (pool timeout) and were sent again")
    missing = sum(len(sent) - len(set(lr.arrivals) & set(sent)) for lr in listeners)
    if missing:
        print(f"MISSING: {missing} of {len(sent) * len(listeners)} deliveries never arrived")
    deliveries = [
        (arrived - sent[cid]) * 1000
        for listener in listeners
        for cid, arrived in listener.arrivals.items()
        if cid in sent
    ]
    return deliveries, post_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
    )
    parser.add_argument("--listeners", type=int, default=50)
    parser.add_argument(
        "--api-dir",
        type=Path,
        default=REPO,
        help="the checkout whose API is served (another commit's worktree: before/after)",
    )
    parser.add_argument("--writers", type=int, default=20, help="posting at once (<= listeners)")
    parser.add_argument("--posts", type=int, default=200, help="in all, shared by the writers")
    parser.add_argument(
        "--interval", type=float, default=2.0, help="mean seconds between one writer's posts"
    )
    args = parser.parse_args()

    url = database_url(args.database_url, DB_NAME)
    processes: list[subprocess.Popen[bytes]] = []
    logs = Path(tempfile.mkdtemp(prefix="mastermind-fanout-"))
    try:
        asyncio.run(recreate_database(url))
        env = {**os.environ, "DATABASE_URL": url}
        server_env = {
            **env,
            "SECRET_KEY": SECRET,
            "ENVIRONMENT": "production",
            "LOG_LEVEL": "WARNING",
            "RUN_WEBHOOK_WORKER": "false",
        }
        bases = []
        for name in ("a", "b"):
            port = free_port()
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1",
                     "--port", str(port), "--no-access-log", "--log-level", "warning"],
                    cwd=args.api_dir.resolve(),
                    env=server_env,
                    stdout=(logs / f"api-{name}.log").open("wb"),
                    stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
            bases.append(f"http://127.0.0.1:{port}")
        for base, process, name in zip(bases, processes, ("a", "b"), strict=True):
            wait_ready(f"{base}/readyz", process, logs / f"api-{name}.log")

        samples, post_ms = asyncio.run(_measure(args, bases, url))
        for process in processes:
            assert process.poll() is None, "an API process died during the run"
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # both at once: they stop side by side
        for process in processes:
            stop_process(process)
        asyncio.run(drop_database(url))

    cuts, posts = statistics.quantiles(samples, n=100), statistics.quantiles(post_ms, n=100)
    load = os.getloadavg()
    print(
        f"{args.listeners} listeners on 2 API processes, {args.writers} writers, "
        f"{args.posts} posts, {len(samples)} deliveries, load average {load[0]:.1f}: "
        f"POST -> event p50 {cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms, max {max(samples):.1f} ms"
        f"  (target p95 < 100 ms); the POSTs p50 {posts[49]:.1f} ms, p95 {posts[94]:.1f} ms"
    )


if __name__ == "__main__":
    main()
