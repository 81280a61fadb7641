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
to the minimal endpoint; the target is the scoped list at >= 0.6x. The reads take turns
in rounds, so that other load on the machine falls on all of them alike. The API runs with
the shipped pool settings unless ``--pool-size`` / ``--max-overflow`` say otherwise, and the
script counts the connections opened to PostgreSQL while measuring (a churning pool).

    .venv/bin/python bench/throughput.py [--duration 12] [--rounds 4] [--connections 64] [--keep]
    .venv/bin/python bench/throughput.py --pool-size 20 --max-overflow 10   # another pool
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
    connections_opened: int = 0


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


def _sessions_opened(url: str) -> int:
    """Connections ever opened to the benchmark database (pg_stat_database.sessions), read
    from the server's ``postgres`` database so that the reading opens none of its own.

    A backend reports its stats when it goes idle, at most once a second: read after a
    pause."""
    import asyncpg

    async def read() -> int:
        connection = await asyncpg.connect(database_url(url, "postgres"))
        try:
            name = url.rsplit("/", 1)[1]
            return await connection.fetchval(
                "SELECT sessions FROM pg_stat_database WHERE datname = $1", name
            )
        finally:
            await connection.close()

    time.sleep(1.2)
    return asyncio.run(read())


@dataclass
class Target:
    name: str
    url: str
    headers: dict[str, str]
    body: str | None
    server: int  # the pid whose CPU time (with its workers') is this endpoint's cost


def _measure(targets: list[Target], args, rounds: int) -> list[Result]:  # type: ignore[no-untyped-def]
    """A 2-second warm-up of each target (pools, caches, prepared statements), then
    ``rounds`` rounds in which every target runs ``duration / rounds`` seconds in turn, so
    that load from elsewhere on the machine falls on all of them alike. Per target: req/s
    over all its rounds, the median of the rounds' p50, the worst p99; the server's CPU
    time and the connections opened to PostgreSQL are read around each measured slice."""
    run = _wrk if args.generator == "wrk" else (lambda *a: asyncio.run(_httpx_load(*a)))
    for target in targets:
        run(target.name, target.url, target.headers, target.body, args, 2)
    slice_seconds = max(1, round(args.duration / rounds))
    slices: dict[str, list[Result]] = {target.name: [] for target in targets}
    opened = _sessions_opened(args.bench_url)
    for _ in range(rounds):
        for target in targets:
            before = _cpu_seconds(target.server)
            result = run(target.name, target.url, target.headers, target.body, args, slice_seconds)
            spent = _cpu_seconds(target.server) - before
            now = _sessions_opened(args.bench_url)
            result.connections_opened, opened = now - opened, now
            requests = result.requests_per_second * slice_seconds
            result.cpu_ms_per_request = spent * 1000 / max(requests, 1)
            slices[target.name].append(result)
    results = []
    for target in targets:
        parts = slices[target.name]
        requests = [part.requests_per_second * slice_seconds for part in parts]
        cpu = sum(part.cpu_ms_per_request * n for part, n in zip(parts, requests, strict=True))
        results.append(
            Result(
                target.name,
                sum(requests) / (slice_seconds * len(parts)),
                statistics.median(part.p50_ms for part in parts),
                max(part.p99_ms for part in parts),
                sum(part.errors for part in parts),
                cpu / max(sum(requests), 1),
                sum(part.connections_opened for part in parts),
            )
        )
    return results


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


def _pool_description(args) -> str:  # type: ignore[no-untyped-def]
    from api.config import Settings

    fields = Settings.model_fields
    size = args.pool_size if args.pool_size is not None else fields["database_pool_size"].default
    overflow = (
        args.max_overflow
        if args.max_overflow is not None
        else fields["database_max_overflow"].default
    )
    shipped = args.pool_size is None and args.max_overflow is None
    return f"size {size}, overflow {overflow}" + (" (the shipped defaults)" if shipped else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--duration", type=int, default=12, help="seconds measured per endpoint, in all rounds"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="the reads take turns this many times, duration / rounds seconds each",
    )
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--generator", choices=["wrk", "httpx"], default=None)
    parser.add_argument("--profile", action="store_true", help="pyinstrument the scoped list")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument(
        "--pool-size", type=int, help="DATABASE_POOL_SIZE for the API (default: the shipped one)"
    )
    parser.add_argument(
        "--max-overflow",
        type=int,
        help="DATABASE_MAX_OVERFLOW for the API (default: the shipped one)",
    )
    args = parser.parse_args()
    if args.generator is None:
        args.generator = "wrk" if _ensure_wrk() else "httpx"

    url = args.bench_url = database_url(args.database_url, DB_NAME)
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
        }
        # The shipped pool defaults unless asked otherwise (and never a DATABASE_POOL_* of
        # the caller's shell): the figures are those of an API deployed as is.
        for name in ("DATABASE_POOL_SIZE", "DATABASE_MAX_OVERFLOW", "DATABASE_POOL_TIMEOUT"):
            api_env.pop(name, None)
        if args.pool_size is not None:
            api_env["DATABASE_POOL_SIZE"] = str(args.pool_size)
        if args.max_overflow is not None:
            api_env["DATABASE_MAX_OVERFLOW"] = str(args.max_overflow)
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
            _measure([Target("scoped list (rep)", listing, auth, None, processes[0].pid)], args, 1)
            stop_process(processes[0], signal.SIGINT)
            print(profile.read_text())
            return

        api_pid, plain_pid = processes[0].pid, processes[1].pid
        results = _measure(
            [
                Target(
                    "minimal FastAPI + asyncpg, 50 rows",
                    f"{plain}/plain?limit=50",
                    {},
                    None,
                    plain_pid,
                ),
                Target("GET /projects?limit=50 as a rep", listing, auth, None, api_pid),
                Target(
                    "GET /projects?limit=50 as a manager",
                    listing,
                    {"Authorization": f"Bearer {manager}"},
                    None,
                    api_pid,
                ),
            ],
            args,
            args.rounds,
        )
        # Writes on one session grow its data as they go: one slice, after the reads.
        results += _measure(
            [
                Target(
                    "POST /sessions/{id}/contributions",
                    f"{api}/api/v1/sessions/{seeded.session_id}/contributions",
                    {**auth, "Content-Type": "application/json"},
                    '{"kind": "idea", "body": "A benchmark idea"}',
                    api_pid,
                )
            ],
            args,
            1,
        )
    finally:
        for process in processes:
            stop_process(process, signal.SIGINT)
        if not args.keep:
            asyncio.run(drop_database(url))

    floor = results[0].requests_per_second
    print(
        f"\n{args.workers} workers each, {args.connections} connections, {args.duration} s "
        f"per row (reads in {args.rounds} alternating rounds), load from {args.generator}, "
        f"{os.cpu_count()} cores shared with the load"
    )
    print(f"API pool per worker: {_pool_description(args)}")
    print(
        f"{'endpoint':<40} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} "
        f"{'ratio':>6} {'CPU ms/req':>10} {'CPU ratio':>9} {'opened':>6}"
    )
    cpu_floor = results[0].cpu_ms_per_request
    for result in results:
        print(
            f"{result.name:<40} {result.requests_per_second:>8.0f} {result.p50_ms:>8.1f} "
            f"{result.p99_ms:>8.1f} {result.errors:>6} "
            f"{result.requests_per_second / floor:>6.2f} {result.cpu_ms_per_request:>10.2f} "
            f"{cpu_floor / result.cpu_ms_per_request:>9.2f} {result.connections_opened:>6}"
        )
    scoped = results[1].requests_per_second / floor
    print(f"\nscoped list (rep) / minimal = {scoped:.2f} req/s  (target >= 0.60)")
    print(
        "CPU ratio = the minimal endpoint's server CPU per request / this one's: the same "
        "comparison with the other load on the machine mostly taken out. opened = "
        "connections opened to PostgreSQL during the measured run (a pool that churns opens "
        "many; a steady one none)."
    )


if __name__ == "__main__":
    main()
