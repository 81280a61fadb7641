"""Server CPU per contribution: ``POST /sessions/{id}/contributions`` request by request,
next to the minimal FastAPI + asyncpg endpoint of ``bench/throughput.py``, in the same run.

Seeds a fresh PostgreSQL database as ``bench/throughput.py`` does (200 people, 5,000
projects with their panels, a live open-board session on one of a rep's projects) plus a
mastermind session in its write phase on the same project, then serves the API and the
minimal app with one uvicorn process each (one process, so the process's CPU is the
request's). Requests go one at a time, taking turns between the endpoints, so other load on
the machine falls on all of them alike; around each one the script reads the server's CPU
time from ``/proc/<pid>/task/*/schedstat`` (nanoseconds on the CPU, user and system: the
1/100 s ticks of ``/proc/<pid>/stat`` are too coarse for one request). It prints, per
endpoint, the median and p90 CPU per request, the mean over the whole run (every CPU
second of the process while measuring, whatever request it belongs to), the wall-time
median, and the ratio minimal / endpoint of the medians. CPU time, not wall time, is the
figure to compare on a shared machine: it counts the server's own work, not its waits.

    .venv/bin/python bench/write_path.py [--requests 300] [--keep]
    .venv/bin/python bench/write_path.py --baseline ../checkout-of-main   # before vs after

``--baseline DIR`` serves a second API from another checkout (say, a worktree of the
commit before a change) on the same database and measures its POST rows in the same turns:
before and after in one run, under the same load.
    .venv/bin/python bench/write_path.py --profile [--requests 300]   # pyinstrument of POST

Needs PostgreSQL (DATABASE_URL, default the local server); drops its database afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
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
from bench.throughput import PASSWORD, SECRET, _seed  # noqa: E402

DB_NAME = "mastermind_bench_write_path"
API = "/api/v1"


def cpu_ns(pid: int) -> int:
    """Nanoseconds the process's threads have spent on a CPU (schedstat's first field)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


async def _mastermind_session(url: str, session_id: uuid.UUID) -> uuid.UUID:
    """A second session on the same project: the mastermind format, in its write phase."""
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        new_id = uuid.uuid4()
        now = datetime.now(UTC)
        await connection.execute(
            "INSERT INTO mastermind_session (id, created_at, updated_at, organization_id,"
            " project_id, purpose, title, agenda, scheduled_at, timebox_minutes, status,"
            " started_at, summary, decisions, recommended_approach, event_seq, format,"
            " anonymity, phase, phase_started_at)"
            " SELECT $1, $2, $2, organization_id, project_id, purpose, 'Bench mastermind', '',"
            " $2, 45, 'live', $2, '', '[]', '', 0, 'mastermind', 'until_complete', 'write', $2"
            " FROM mastermind_session WHERE id = $3",
            new_id,
            now,
            session_id,
        )
    finally:
        await connection.close()
    return new_id


class Endpoint:
    def __init__(self, name: str, pid: int, send) -> None:  # type: ignore[no-untyped-def]
        self.name, self.pid, self.send = name, pid, send
        self.cpu_ms: list[float] = []
        self.wall_ms: list[float] = []
        self.total_ns = 0

    def once(self, record: bool) -> None:
        before, started = cpu_ns(self.pid), time.perf_counter()
        self.send()
        wall, spent = time.perf_counter() - started, cpu_ns(self.pid) - before
        if record:
            self.cpu_ms.append(spent / 1e6)
            self.wall_ms.append(wall * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--requests", type=int, default=300, help="measured per endpoint")
    parser.add_argument("--warmup", type=int, default=40, help="unmeasured, per endpoint first")
    parser.add_argument("--profile", action="store_true", help="pyinstrument the POST")
    parser.add_argument(
        "--spy",
        type=Path,
        help="record the API's on-CPU stacks with py-spy (pip install py-spy) into this "
        "file (collapsed stacks) while measuring",
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument(
        "--baseline", type=Path, help="a checkout whose API is measured beside this one"
    )
    args = parser.parse_args()

    url = database_url(args.database_url, DB_NAME)
    processes: list[subprocess.Popen[bytes]] = []
    logs = Path(tempfile.mkdtemp(prefix="mastermind-write-path-"))
    profile = logs / "profile.txt"
    try:
        asyncio.run(recreate_database(url))
        seeded = asyncio.run(_seed(url))
        mastermind_id = asyncio.run(_mastermind_session(url, seeded.session_id))
        api_port, plain_port = free_port(), free_port()
        api_env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "ENVIRONMENT": "production",
            "LOG_LEVEL": "WARNING",
            "RUN_WEBHOOK_WORKER": "false",
        }
        for name in ("DATABASE_POOL_SIZE", "DATABASE_MAX_OVERFLOW", "DATABASE_POOL_TIMEOUT"):
            api_env.pop(name, None)
        serve = ["--host", "127.0.0.1", "--no-access-log", "--log-level", "warning"]
        uvicorn = [sys.executable, "-m", "uvicorn", *serve]
        if args.profile:
            prefix = [sys.executable, "-m", "pyinstrument", "-r", "text", "-o", str(profile)]
            command = [*prefix, "-m", "uvicorn", *serve]
        else:
            command = uvicorn
        processes.append(
            start_process([*command, "api.main:app", "--port", str(api_port)], api_env, logs / "a")
        )
        port = ["--port", str(plain_port)]
        processes.append(
            start_process(
                [*uvicorn, "--factory", "--app-dir", "bench", "throughput:minimal_app", *port],
                {**os.environ, "PLAIN_DSN": url},
                logs / "plain.log",
            )
        )
        api, plain = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{plain_port}"
        wait_ready(f"{api}/readyz", processes[0], logs / "a")
        wait_ready(f"{plain}/plain?limit=1", processes[1], logs / "plain.log")
        baseline = ""
        if args.baseline is not None:
            baseline_port = free_port()
            with (logs / "baseline.log").open("wb") as out:
                processes.append(
                    subprocess.Popen(
                        [*uvicorn, "api.main:app", "--port", str(baseline_port)],
                        cwd=args.baseline.resolve(),
                        env=api_env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
            baseline = f"http://127.0.0.1:{baseline_port}"
            wait_ready(f"{baseline}/readyz", processes[-1], logs / "baseline.log")

        token = httpx.post(
            f"{api}{API}/auth/token",
            data={"username": seeded.rep_email, "password": PASSWORD},
            timeout=30,
        )
        token.raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        http = httpx.Client(headers=headers, timeout=30)
        counter = iter(range(10**9))

        def post(session_id: uuid.UUID, base: str = api) -> None:
            response = http.post(
                f"{base}{API}/sessions/{session_id}/contributions",
                json={"kind": "idea", "body": f"A benchmark idea {next(counter)}"},
            )
            assert response.status_code == 201, response.text

        def post_keyed(base: str = api) -> None:
            number = next(counter)
            response = http.post(
                f"{base}{API}/sessions/{seeded.session_id}/contributions",
                json={"kind": "idea", "body": f"A benchmark idea {number}"},
                headers={"Idempotency-Key": f"bench-{number}"},
            )
            assert response.status_code == 201, response.text

        def minimal() -> None:
            response = http.get(f"{plain}/plain?limit=50")
            assert response.status_code == 200, response.text

        api_pid = processes[0].pid
        endpoints = [
            Endpoint("minimal FastAPI + asyncpg, 50 rows", processes[1].pid, minimal),
            Endpoint("POST contribution (open board)", api_pid, lambda: post(seeded.session_id)),
            Endpoint("POST contribution, Idempotency-Key", api_pid, post_keyed),
            Endpoint("POST contribution (mastermind write)", api_pid, lambda: post(mastermind_id)),
        ]
        if baseline:
            pid = processes[-1].pid
            endpoints += [
                Endpoint(
                    "baseline: POST (open board)", pid, lambda: post(seeded.session_id, baseline)
                ),
                Endpoint("baseline: POST, Idempotency-Key", pid, lambda: post_keyed(baseline)),
                Endpoint(
                    "baseline: POST (mastermind write)", pid, lambda: post(mastermind_id, baseline)
                ),
            ]
        if args.profile:
            endpoints = endpoints[1:2]
        for _ in range(args.warmup):
            for endpoint in endpoints:
                endpoint.once(record=False)
        spy = None
        if args.spy is not None:
            spy = subprocess.Popen(
                [
                    *("py-spy", "record", "--pid", str(api_pid), "--format", "raw", "--rate"),
                    *("400", "--nonblocking", "--output", str(args.spy)),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1)
        started = {endpoint.pid: cpu_ns(endpoint.pid) for endpoint in endpoints}
        counts: dict[int, int] = dict.fromkeys(started, 0)
        for _ in range(args.requests):
            for endpoint in endpoints:
                endpoint.once(record=True)
                counts[endpoint.pid] += 1
        spent = {pid: cpu_ns(pid) - ns for pid, ns in started.items()}
        if spy is not None:
            stop_process(spy, signal.SIGINT)
        for endpoint in endpoints:
            # The process's whole CPU over the measured run per request it served, whatever
            # request the work belonged to: a cross-check of the per-request medians.
            endpoint.total_ns = spent[endpoint.pid] // counts[endpoint.pid]
        http.close()
        if args.profile:
            stop_process(processes[0], signal.SIGINT)
            print(profile.read_text())
            return
    finally:
        for process in processes:
            stop_process(process, signal.SIGINT)
        if not args.keep:
            asyncio.run(drop_database(url))

    load = os.getloadavg()
    print(
        f"\n{args.requests} requests per endpoint, one at a time, in turns; one uvicorn "
        f"process per app; load average {load[0]:.1f} / {load[1]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"{'endpoint':<38} {'CPU p50 ms':>10} {'CPU p90 ms':>10} {'CPU mean':>9} "
        f"{'wall p50':>9} {'ratio':>6}"
    )
    floor = statistics.median(endpoints[0].cpu_ms)
    for endpoint in endpoints:
        median = statistics.median(endpoint.cpu_ms)
        p90 = statistics.quantiles(endpoint.cpu_ms, n=10)[8]
        print(
            f"{endpoint.name:<38} {median:>10.2f} {p90:>10.2f} {endpoint.total_ns / 1e6:>9.2f} "
            f"{statistics.median(endpoint.wall_ms):>9.1f} {floor / median:>6.2f}"
        )
    print(
        "\nratio = the minimal endpoint's median CPU per request / this one's (the issue's "
        "0.07x is the same comparison, from throughput.py). CPU mean: the process's CPU over "
        "the measured run per request it served (the API's three rows share one process)."
    )


if __name__ == "__main__":
    main()
