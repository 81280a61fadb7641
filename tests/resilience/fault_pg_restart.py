"""PostgreSQL stopped and started under steady write load (run on demand, NOT in the suite).

WARNING: this stops the machine's PostgreSQL cluster for a few seconds. Every other
connection to it (other people's test runs, their servers) is cut. Run it at a quiet moment:

    .venv/bin/python tests/resilience/fault_pg_restart.py [--down 3] [--workers 2]

What it does, on loopback only, then stops by itself:
1. a fresh database, migrated; the API served by uvicorn (2 workers by default);
2. 8 clients posting contributions (each with an Idempotency-Key) and reading the session
   without pause; after a few seconds of baseline the cluster is stopped
   (``pg_ctlcluster --skip-systemctl-redirect <version> main stop``), kept down ``--down``
   seconds, and started again;
3. checks, printing PASS/FAIL for each:
   - while the database is down, the API answers only 503, each with Retry-After (no 500,
     no refused or reset connection);
   - the first 2xx after PostgreSQL is back comes within 5 s, and from then on only 2xx;
   - no API process died (the same worker pids before and after);
   - every write answered 2xx is in the database afterwards.
Exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.support import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    database_url,
    drop_database,
    free_port,
    recreate_database,
    start_process,
    stop_process,
    wait_ready,
)

DB_NAME = "mastermind_fault_restart"
SECRET = "fault-injection-secret-" + "r" * 32
API = "/api/v1"
CLIENTS = 8
RECOVERY_SECONDS = 5.0


@dataclass
class Outcome:
    at: float  # monotonic time the answer (or failure) came back
    sent: float
    kind: str  # "write" or "read"
    status: int | None  # None: no HTTP answer at all
    retry_after: str | None = None
    error: str | None = None
    contribution_id: str | None = None


@dataclass
class Timeline:
    stop_started: float = 0.0
    down_from: float = 0.0  # stop command returned: the cluster is down
    start_started: float = 0.0
    up_from: float = 0.0  # start command returned: accepting connections again
    outcomes: list[Outcome] = field(default_factory=list)


def _cluster(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(  # noqa: S603 - a fixed command line
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],  # noqa: S607
        check=True,
        capture_output=True,
    )


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(child) for child in (task / "children").read_text().split()}
    return found


async def _client(
    http: httpx.AsyncClient,
    number: int,
    session_id: str,
    headers: dict[str, str],
    stop: asyncio.Event,
    timeline: Timeline,
) -> None:
    sequence = 0
    while not stop.is_set():
        sequence += 1
        write = sequence % 2 == 1
        sent = time.monotonic()
        try:
            if write:
                key = f"fault-{number}-{sequence}"
                response = await http.post(
                    f"{API}/sessions/{session_id}/contributions",
                    headers={**headers, "Idempotency-Key": key},
                    json={"kind": "idea", "body": f"Idea {key}"},
                )
            else:
                response = await http.get(f"{API}/sessions/{session_id}", headers=headers)
        except httpx.HTTPError as exc:
            timeline.outcomes.append(
                Outcome(time.monotonic(), sent, "write" if write else "read", None,
                        error=type(exc).__name__)
            )  # fmt: skip
            await asyncio.sleep(0.05)
            continue
        outcome = Outcome(
            time.monotonic(),
            sent,
            "write" if write else "read",
            response.status_code,
            retry_after=response.headers.get("retry-after"),
        )
        if write and response.status_code == 201:
            outcome.contribution_id = response.json()["id"]
        timeline.outcomes.append(outcome)
        # A well-behaved client backs off on 503; a short pause keeps the load steady.
        await asyncio.sleep(0.2 if response.status_code == 503 else 0.01)


async def _run(args: argparse.Namespace, base: str) -> tuple[Timeline, str]:
    async with httpx.AsyncClient(base_url=base, timeout=15) as http:
        r = await http.post(
            f"{API}/auth/register",
            json={
                "organization_name": "Fault Ltd",
                "full_name": "Faye Fault",
                "email": "faye@fault.example",
                "password": "fault-password-1234",
            },
        )
        r.raise_for_status()
        headers = {"Authorization": f"Bearer {r.json()['tokens']['access_token']}"}
        r = await http.post(
            f"{API}/projects", headers=headers, json={"title": "Fault", "kind": "prospecting"}
        )
        r.raise_for_status()
        project_id = r.json()["id"]
        r = await http.post(
            f"{API}/projects/{project_id}/sessions",
            headers=headers,
            json={
                "purpose": "approach",
                "title": "Under fire",
                "scheduled_at": "2030-01-01T09:00:00Z",
                "timebox_minutes": 30,
            },
        )
        r.raise_for_status()
        session_id = r.json()["id"]

        timeline = Timeline()
        stop = asyncio.Event()
        clients = [
            asyncio.create_task(_client(http, n, session_id, headers, stop, timeline))
            for n in range(CLIENTS)
        ]
        await asyncio.sleep(args.baseline)
        timeline.stop_started = time.monotonic()
        await asyncio.to_thread(_cluster, "stop")
        timeline.down_from = time.monotonic()
        print(f"PostgreSQL stopped ({timeline.down_from - timeline.stop_started:.1f} s)")
        await asyncio.sleep(args.down)
        timeline.start_started = time.monotonic()
        await asyncio.to_thread(_cluster, "start")
        timeline.up_from = time.monotonic()
        print(f"PostgreSQL started ({timeline.up_from - timeline.start_started:.1f} s)")
        await asyncio.sleep(args.after)
        stop.set()
        await asyncio.gather(*clients)
    return timeline, session_id


def _check(timeline: Timeline) -> list[tuple[bool, str]]:
    results = []
    outcomes = timeline.outcomes
    statuses: dict[object, int] = {}
    for outcome in outcomes:
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    print(f"answers: {dict(sorted(statuses.items(), key=str))}")

    # While down: requests sent after the cluster was down and answered before it was up.
    down = [o for o in outcomes if o.sent >= timeline.down_from and o.at <= timeline.start_started]
    bad = [o for o in down if o.status != 503 or not (o.retry_after or "").isdigit()]
    results.append(
        (
            bool(down) and not bad,
            f"while down: {len(down)} answers, all 503 with Retry-After"
            + (f" -- NOT: {[(o.status, o.error) for o in bad[:5]]}" if bad else ""),
        )
    )
    # Anything other than 2xx/503 at any time (a 500, a reset connection) is a failure.
    odd = [o for o in outcomes if o.status is None or not (o.status < 300 or o.status == 503)]
    results.append(
        (not odd, f"no 500s or dropped connections at any time ({len(odd)} seen)"
         + (f": {[(o.status, o.error) for o in odd[:5]]}" if odd else ""))
    )  # fmt: skip
    after = sorted((o for o in outcomes if o.sent >= timeline.up_from), key=lambda o: o.sent)
    first_ok = next((o for o in after if o.status is not None and o.status < 300), None)
    if first_ok is None:
        results.append((False, "no 2xx after PostgreSQL came back"))
    else:
        recovery = first_ok.at - timeline.up_from
        results.append((recovery <= RECOVERY_SECONDS, f"first 2xx {recovery:.2f} s after start"))
        later = [o for o in after if o.sent >= first_ok.at]
        failing = [o for o in later if o.status is None or o.status >= 300]
        results.append(
            (not failing, f"after recovery: {len(later)} answers, {len(failing)} not 2xx")
        )
    return results


async def _verify_writes(url: str, timeline: Timeline) -> tuple[bool, str]:
    acknowledged = {o.contribution_id for o in timeline.outcomes if o.contribution_id}
    connection = await asyncpg.connect(url)
    try:
        stored = {
            str(row["id"])
            for row in await connection.fetch(
                "SELECT id FROM contribution WHERE id = ANY($1::uuid[])",
                [uuid.UUID(i) for i in acknowledged],
            )
        }
    finally:
        await connection.close()
    lost = acknowledged - stored
    return (not lost and bool(acknowledged),
            f"every acknowledged write stored: {len(stored)}/{len(acknowledged)}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline", type=float, default=3.0, help="seconds of load before")
    parser.add_argument("--down", type=float, default=3.0, help="seconds PostgreSQL stays down")
    parser.add_argument("--after", type=float, default=8.0, help="seconds of load after")
    args = parser.parse_args()
    url = database_url(args.database_url, DB_NAME)
    log = Path(tempfile.mkdtemp(prefix="mastermind-fault-")) / "api.log"
    process = None
    try:
        asyncio.run(recreate_database(url))
        port = free_port()
        process = start_process(
            [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1",
             "--port", str(port), "--workers", str(args.workers), "--no-access-log"],
            {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET,
             "ENVIRONMENT": "production", "LOG_LEVEL": "WARNING", "RUN_WEBHOOK_WORKER": "false"},
            log,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        wait_ready(f"{base}/readyz", process, log)
        workers_before = _children(process.pid)
        timeline, _session_id = asyncio.run(_run(args, base))
        results = _check(timeline)
        alive = process.poll() is None and _children(process.pid) == workers_before
        results.append((alive, f"API processes alive and unchanged: {sorted(workers_before)}"))
        results.append(asyncio.run(_verify_writes(url, timeline)))
    finally:
        if process is not None:
            stop_process(process)
        asyncio.run(drop_database(url))
    for passed, text in results:
        print(("PASS " if passed else "FAIL ") + text)
    return 0 if all(passed for passed, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
