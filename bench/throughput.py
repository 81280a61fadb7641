"""Throughput of the scoped project list and of posting contributions, next to a minimal
FastAPI + asyncpg endpoint returning 50 rows of a plain table, measured in the same run.

Creates a fresh PostgreSQL database, migrates it, bulk-loads one organization (200 people,
5,000 projects with 5-person panels, a live session) with COPY, and copies the projects
into ``bench_plain`` (same rows, same width, no scoping). Then serves, each with 2 uvicorn
workers on loopback ports:

- the API (``api.main:app``, ENVIRONMENT=production);
- the minimal app (``minimal_app`` below: one asyncpg pool, one SELECT ... LIMIT 50).

and drives them with ``wrk`` (apt-get install -y wrk; installed by the script if missing
and it may) or, failing that, an httpx load generator. Prints req/s, p50, p99 and the ratio
to the minimal endpoint; the target is the scoped list at >= 0.5x.

    .venv/bin/python bench/throughput.py [--duration 10] [--connections 64] [--keep]
    .venv/bin/python bench/throughput.py --profile   # pyinstrument of the scoped list

Needs PostgreSQL (DATABASE_URL, default the local server); drops its database afterwards.
Other work on the machine makes numbers noisy: compare figures from the same run only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.support import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    MEMBER_COLUMNS,
    PROJECT_COLUMNS,
    USER_COLUMNS,
    database_url,
    drop_database,
    free_port,
    recreate_database,
    start_process,
    stop_process,
    wait_ready,
)

DB_NAME = "mastermind_bench_throughput"
SECRET = "throughput-benchmark-secret-" + "s" * 32
PASSWORD = "benchmark-password-123"
USERS = 200
PROJECTS = 5_000
PANEL = 4  # helpers per project, besides the owner


# --- the minimal endpoint (served by uvicorn --factory) ---------------------------------------


def minimal_app():  # type: ignore[no-untyped-def]
    """FastAPI + asyncpg, nothing else: the floor the API is compared with."""
    from contextlib import asynccontextmanager

    import asyncpg
    from fastapi import FastAPI

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        app.state.pool = await asyncpg.create_pool(os.environ["PLAIN_DSN"], min_size=5, max_size=10)
        yield
        await app.state.pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/plain")
    async def plain(limit: int = 50) -> list[dict]:
        async with app.state.pool.acquire() as connection:
            rows = await connection.fetch(
                "SELECT * FROM bench_plain ORDER BY created_at DESC, id DESC LIMIT $1", limit
            )
        return [dict(row) for row in rows]

    return app


# --- database ---------------------------------------------------------------------------------


@dataclass
class Seeded:
    rep_email: str
    manager_email: str
    session_id: uuid.UUID
    rep_projects: int


async def _seed(url: str) -> Seeded:
    import asyncpg

    from api.config import Settings
    from api.security import Security

    rng = random.Random(42)
    now = datetime.now(UTC)
    security = Security(Settings(environment="test", secret_key=SECRET, _env_file=None))
    password_hash = await security.hash_password(PASSWORD)
    connection = await asyncpg.connect(url)
    try:
        org = uuid.uuid4()
        await connection.execute(
            "INSERT INTO organization (id, created_at, updated_at, name, time_zone)"
            " VALUES ($1, $2, $2, 'Throughput', 'UTC')",
            org,
            now,
        )
        users = [uuid.uuid4() for _ in range(USERS)]
        roles = ["admin"] + ["manager"] * 9 + ["rep"] * (USERS - 10)
        await connection.copy_records_to_table(
            "user",
            records=[
                (
                    u,
                    now,
                    now,
                    org,
                    f"user{i}@bench.example",
                    f"User {i:03d}",
                    roles[i],
                    "mid",
                    "[]",
                    True,
                    password_hash,
                )
                for i, u in enumerate(users)
            ],
            columns=USER_COLUMNS,
        )
        projects, members = [], []
        for index in range(PROJECTS):
            pid, owner = uuid.uuid4(), rng.choice(users[10:])
            created = now - timedelta(minutes=PROJECTS - index)
            projects.append(
                (
                    pid,
                    created,
                    created,
                    org,
                    "prospecting",
                    None,
                    owner,
                    f"Project {index}",
                    "Win the account",
                    "open",
                    None,
                    None,
                    "EUR",
                    120,
                    None,
                    "",
                    None,
                    None,
                )
            )
            members.append(
                (uuid.uuid4(), created, created, org, pid, owner, "owner", "active", 0, created)
            )
            for helper in rng.sample([u for u in users[10:] if u != owner], PANEL):
                seat = (uuid.uuid4(), created, created, org, pid, helper, "helper", "active", 120)
                members.append((*seat, created))
        await connection.copy_records_to_table("project", records=projects, columns=PROJECT_COLUMNS)
        await connection.copy_records_to_table(
            "project_member",
            records=members,
            columns=MEMBER_COLUMNS,
        )
        # The plain table: the same rows, the same columns, an index for its one query.
        await connection.execute(
            f"CREATE TABLE bench_plain AS SELECT {', '.join(PROJECT_COLUMNS)} FROM project"
        )
        await connection.execute("CREATE INDEX ON bench_plain (created_at DESC, id DESC)")

        rep = users[10]
        rep_projects = sum(1 for m in members if m[5] == rep)
        # A live session on one of the rep's projects, for POST contributions.
        pid = next(m[4] for m in members if m[5] == rep)
        session_id = uuid.uuid4()
        await connection.execute(
            "INSERT INTO mastermind_session (id, created_at, updated_at, organization_id,"
            " project_id, purpose, title, agenda, scheduled_at, timebox_minutes, status,"
            " started_at, summary, decisions, recommended_approach, event_seq)"
            " VALUES ($1, $2, $2, $3, $4, 'approach', 'Bench', '', $2, 45, 'live', $2, '',"
            " '[]', '', 0)",
            session_id,
            now,
            org,
            pid,
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return Seeded("user10@bench.example", "user1@bench.example", session_id, rep_projects)


# --- load -------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms_per_request: float = 0.0


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and all its descendants, from /proc: the
    server's own cost per request, which other load on the machine disturbs far less than
    req/s."""
    total, pending = 0.0, [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk_ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s)", text)
    assert match, text
    return float(match.group(1)) * _UNITS[match.group(2)]


def _wrk(  # type: ignore[no-untyped-def]
    name: str, url: str, headers: dict[str, str], body: str | None, args, duration: int
) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        if body is not None:
            script.write('wrk.method = "POST"\n')
            script.write(f"wrk.body = [[{body}]]\n")
        for key, value in headers.items():
            script.write(f'wrk.headers["{key}"] = "{value}"\n')
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{args.connections}",
                f"-d{duration}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                script.name,
                url,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _wrk_ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _wrk_ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = int(bad.group(1)) if bad else 0
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return Result(name, rps, p50, p99, errors)


async def _httpx_load(  # type: ignore[no-untyped-def]
    name: str, url: str, headers: dict[str, str], body: str | None, args, duration: int
) -> Result:
    import httpx

    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=args.connections)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as http:

        async def worker(stop: float) -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                started = time.perf_counter()
                if body is None:
                    response = await http.get(url)
                else:
                    response = await http.post(url, content=body)
                latencies.append((time.perf_counter() - started) * 1000)
                errors += response.status_code >= 300

        started = time.perf_counter()
        await asyncio.gather(*(worker(started + duration) for _ in range(args.connections)))
        elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return Result(name, len(latencies) / elapsed, cuts[49], cuts[98], errors)


def _load(  # type: ignore[no-untyped-def]
    name: str, url: str, headers: dict[str, str], body: str | None, args, server: int
) -> Result:
    """A 2-second warm-up (pools, caches, prepared statements), then the measured run; the
    server's CPU time is read around the measured run only."""
    run = _wrk if args.generator == "wrk" else (lambda *a: asyncio.run(_httpx_load(*a)))
    run(name, url, headers, body, args, 2)
    before = _cpu_seconds(server)
    result = run(name, url, headers, body, args, args.duration)
    spent = _cpu_seconds(server) - before
    requests = result.requests_per_second * args.duration
    result.cpu_ms_per_request = spent * 1000 / max(requests, 1)
    return result


def _token(base: str, email: str) -> str:
    import httpx

    response = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": email, "password": PASSWORD}, timeout=30
    )
    response.raise_for_status()
    return response.json()["access_token"]


def _check(base: str, token: str, expected: int) -> None:
    """The scoped list is what the bench claims it is: 50 items of the caller's projects."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    seen, cursor = 0, None
    while True:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = httpx.get(f"{base}/api/v1/projects", params=params, headers=headers, timeout=30)
        page.raise_for_status()
        seen += len(page.json()["items"])
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert seen == expected, (seen, expected)


def _ensure_wrk() -> bool:
    if shutil.which("wrk"):
        return True
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "wrk"], capture_output=True, check=False)
    return shutil.which("wrk") is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--generator", choices=["wrk", "httpx"], default=None)
    parser.add_argument("--profile", action="store_true", help="pyinstrument the scoped list")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()
    if args.generator is None:
        args.generator = "wrk" if _ensure_wrk() else "httpx"

    url = database_url(args.database_url, DB_NAME)
    processes: list[subprocess.Popen[bytes]] = []
    logs = Path(tempfile.mkdtemp(prefix="mastermind-throughput-"))
    try:
        asyncio.run(recreate_database(url))
        seeded = asyncio.run(_seed(url))
        print(f"seeded {USERS} users, {PROJECTS} projects; the rep sees {seeded.rep_projects}")

        api_port, plain_port = free_port(), free_port()
        api_env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "ENVIRONMENT": "production",
            "LOG_LEVEL": "WARNING",
            "RUN_WEBHOOK_WORKER": "false",
            # The minimal app's pool: at most 10 connections per worker, and requests beyond
            # them wait. Overflow connections would be opened and closed under this load,
            # a fork on the server and a handshake each (measured: about 0.3 ms of the API's
            # CPU per request, more on PostgreSQL's side).
            "DATABASE_POOL_SIZE": "10",
            "DATABASE_MAX_OVERFLOW": "0",
        }
        uvicorn = [
            sys.executable,
            "-m",
            "uvicorn",
            "--host",
            "127.0.0.1",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        if args.profile:
            profile = logs / "profile.txt"
            command = [
                sys.executable,
                "-m",
                "pyinstrument",
                "-r",
                "text",
                "-o",
                str(profile),
                "-m",
                "uvicorn",
                "api.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(api_port),
                "--no-access-log",
                "--log-level",
                "warning",
            ]
        else:
            command = [
                *uvicorn,
                "api.main:app",
                "--port",
                str(api_port),
                "--workers",
                str(args.workers),
            ]
        processes.append(start_process(command, api_env, logs / "api.log"))
        plain_env = {**os.environ, "PLAIN_DSN": url}
        processes.append(
            start_process(
                [
                    *uvicorn,
                    "--factory",
                    "--app-dir",
                    "bench",
                    "throughput:minimal_app",
                    "--port",
                    str(plain_port),
                    "--workers",
                    str(args.workers),
                ],
                plain_env,
                logs / "plain.log",
            )
        )
        api, plain = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{plain_port}"
        wait_ready(f"{api}/readyz", processes[0], logs / "api.log")
        wait_ready(f"{plain}/plain?limit=1", processes[1], logs / "plain.log")

        rep, manager = _token(api, seeded.rep_email), _token(api, seeded.manager_email)
        _check(api, rep, seeded.rep_projects)
        _check(api, manager, PROJECTS)
        auth = {"Authorization": f"Bearer {rep}"}
        listing = f"{api}/api/v1/projects?limit=50"

        if args.profile:
            _load("scoped list (rep)", listing, auth, None, args, processes[0].pid)
            stop_process(processes[0], signal.SIGINT)
            print(profile.read_text())
            return

        results = [
            _load(
                "minimal FastAPI + asyncpg, 50 rows",
                f"{plain}/plain?limit=50",
                {},
                None,
                args,
                processes[1].pid,
            ),
            _load("GET /projects?limit=50 as a rep", listing, auth, None, args, processes[0].pid),
            _load(
                "GET /projects?limit=50 as a manager",
                listing,
                {"Authorization": f"Bearer {manager}"},
                None,
                args,
                processes[0].pid,
            ),
            _load(
                "POST /sessions/{id}/contributions",
                f"{api}/api/v1/sessions/{seeded.session_id}/contributions",
                {**auth, "Content-Type": "application/json"},
                '{"kind": "idea", "body": "A benchmark idea"}',
                args,
                processes[0].pid,
            ),
        ]
    finally:
        for process in processes:
            stop_process(process, signal.SIGINT)
        if not args.keep:
            asyncio.run(drop_database(url))

    floor = results[0].requests_per_second
    print(
        f"\n{args.workers} workers each, {args.connections} connections, {args.duration} s "
        f"per row, load from {args.generator}, {os.cpu_count()} cores shared with the load"
    )
    print(
        f"{'endpoint':<40} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} "
        f"{'ratio':>6} {'CPU ms/req':>10} {'CPU ratio':>9}"
    )
    cpu_floor = results[0].cpu_ms_per_request
    for result in results:
        print(
            f"{result.name:<40} {result.requests_per_second:>8.0f} {result.p50_ms:>8.1f} "
            f"{result.p99_ms:>8.1f} {result.errors:>6} "
            f"{result.requests_per_second / floor:>6.2f} {result.cpu_ms_per_request:>10.2f} "
            f"{cpu_floor / result.cpu_ms_per_request:>9.2f}"
        )
    scoped = results[1].requests_per_second / floor
    print(f"\nscoped list (rep) / minimal = {scoped:.2f} req/s  (target >= 0.50)")
    print(
        "CPU ratio = the minimal endpoint's server CPU per request / this one's: the same "
        "comparison with the other load on the machine mostly taken out."
    )


if __name__ == "__main__":
    main()
