"""Ledger and dashboard at two sizes of history, through the real HTTP stack.

Seeds one organization (200 users) twice, in two fresh PostgreSQL databases: about 1,000
and about 1,000,000 help facts (session attendance + time entries) over the same two
years, so the large one is 1,000x denser: the hard case for "the ledger of a quarter".
The facts go in with COPY, around the API, so the rollups are then built with
``mastermind rebuild-ledger`` (which also verifies them). Then serves each with uvicorn
and times GET /api/v1/ledger (last full quarter, and the default quarter to date) and
GET /api/v1/dashboard, printing p50/p95 and the ratio large/small.

    .venv/bin/python bench/ledger_benchmark.py [--small 1000] [--large 1000000] [--requests 200]
        [--keep] [--reuse]   # keep the seeded databases / measure again without reseeding

Needs PostgreSQL (DATABASE_URL, default the local server); drops its databases afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from api.config import Settings  # noqa: E402
from api.security import Security  # noqa: E402
from bench.support import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    MEMBER_COLUMNS,
    PROJECT_COLUMNS,
    USER_COLUMNS,
    database_url,
    drop_database,
    free_port,
    plain_url,
    recreate_database,
)

console = Console(width=130)  # the results table stays readable when piped to a file
PASSWORD = "benchmark-password-123"
SECRET = "benchmark-secret-key-" + "x" * 32
USERS = 200
PROJECTS = 400
HISTORY_DAYS = 730


async def _seeded(url: str) -> bool:
    try:
        connection = await asyncpg.connect(plain_url(url))
    except asyncpg.InvalidCatalogNameError:
        return False
    try:
        return bool(await connection.fetchval("SELECT count(*) FROM help_rollup"))
    except asyncpg.UndefinedTableError:
        return False
    finally:
        await connection.close()


async def _seed(url: str, facts: int, progress: Progress) -> None:
    """Bulk-load with COPY: users, projects with panels, completed sessions, attendance,
    time entries and contributions, spread evenly over HISTORY_DAYS."""
    rng = random.Random(facts)
    connection = await asyncpg.connect(plain_url(url))
    now = datetime.now(UTC)
    org = uuid.uuid4()
    security = Security(Settings(environment="test", secret_key=SECRET, _env_file=None))
    password_hash = await security.hash_password(PASSWORD)
    try:
        await connection.execute(
            "INSERT INTO organization (id, created_at, updated_at, name, time_zone) VALUES ($1, $2, $2, 'Bench', 'UTC')",
            org,
            now,
        )
        users = [uuid.uuid4() for _ in range(USERS)]
        roles = ["admin"] + ["manager"] * 9 + ["rep"] * (USERS - 10)
        seniority = ["junior", "mid", "senior"]
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
                    seniority[i % 3],
                    '["retail"]',
                    True,
                    password_hash,
                )
                for i, u in enumerate(users)
            ],
            columns=USER_COLUMNS,
        )
        projects, members = [], []
        for _ in range(PROJECTS):
            pid, owner = uuid.uuid4(), rng.choice(users[10:])
            helpers = rng.sample([u for u in users if u != owner], 4)
            projects.append(
                (
                    pid,
                    now,
                    now,
                    org,
                    "prospecting",
                    None,
                    owner,
                    "Bench project",
                    "",
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
            members.append((uuid.uuid4(), now, now, org, pid, owner, "owner", "active", 0, now))
            members += [
                (uuid.uuid4(), now, now, org, pid, h, "helper", "active", 120, now) for h in helpers
            ]
        await connection.copy_records_to_table(
            "project",
            records=projects,
            columns=PROJECT_COLUMNS,
        )
        await connection.copy_records_to_table(
            "project_member",
            records=members,
            columns=MEMBER_COLUMNS,
        )
        panel = {}
        for m in members:
            panel.setdefault(m[4], []).append(m[5])
        task = progress.add_task(f"seeding {facts:,} facts", total=facts)
        made, batch = 0, 20_000
        while made < facts:
            sessions, participants, entries, contributions = [], [], [], []
            target = min(batch, facts - made)
            count = 0
            while count < target:
                pid = rng.choice(projects)[0]
                people = panel[pid]
                completed = now - timedelta(days=rng.uniform(0, HISTORY_DAYS))
                if rng.random() < 0.5:  # a completed session with its attendance
                    sid = uuid.uuid4()
                    sessions.append(
                        (
                            sid,
                            completed - timedelta(days=3),
                            completed,
                            org,
                            pid,
                            "approach",
                            "Bench",
                            "",
                            completed - timedelta(minutes=45),
                            45,
                            people[0],
                            "completed",
                            completed - timedelta(minutes=45),
                            completed,
                            None,
                            "",
                            "[]",
                            "",
                            0,
                        )
                    )
                    for person in people:
                        participants.append((sid, person, org, 45, completed))
                    contributions.append(
                        (
                            uuid.uuid4(),
                            completed,
                            completed,
                            org,
                            sid,
                            rng.choice(people),
                            "idea",
                            "An idea",
                            rng.choice(["open", "adopted"]),
                            0,
                        )
                    )
                    count += len(people)
                else:
                    entries.append(
                        (
                            uuid.uuid4(),
                            completed,
                            completed,
                            org,
                            pid,
                            rng.choice(people[1:]),
                            rng.choice([15, 30, 45]),
                            completed.date(),
                            "",
                        )
                    )
                    count += 1
            await connection.copy_records_to_table(
                "mastermind_session",
                records=sessions,
                columns=[
                    "id",
                    "created_at",
                    "updated_at",
                    "organization_id",
                    "project_id",
                    "purpose",
                    "title",
                    "agenda",
                    "scheduled_at",
                    "timebox_minutes",
                    "facilitator_id",
                    "status",
                    "started_at",
                    "completed_at",
                    "cancelled_at",
                    "summary",
                    "decisions",
                    "recommended_approach",
                    "event_seq",
                ],
            )
            await connection.copy_records_to_table(
                "session_participant",
                records=participants,
                columns=[
                    "session_id",
                    "user_id",
                    "organization_id",
                    "attended_minutes",
                    "created_at",
                ],
            )
            await connection.copy_records_to_table(
                "time_entry",
                records=entries,
                columns=[
                    "id",
                    "created_at",
                    "updated_at",
                    "organization_id",
                    "project_id",
                    "user_id",
                    "minutes",
                    "spent_on",
                    "note",
                ],
            )
            await connection.copy_records_to_table(
                "contribution",
                records=contributions,
                columns=[
                    "id",
                    "created_at",
                    "updated_at",
                    "organization_id",
                    "session_id",
                    "author_id",
                    "kind",
                    "body",
                    "status",
                    "votes",
                ],
            )
            made += count
            progress.update(task, completed=min(made, facts))
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


def _rebuild_rollups(url: str) -> None:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "api.cli", "rebuild-ledger"],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "ENVIRONMENT": "test"},
        check=True,
    )
    console.print(f"rebuild-ledger (with its verification): {time.perf_counter() - started:.1f} s")


def _start_server(url: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "ENVIRONMENT": "production",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.main:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
    )
    return server, f"http://127.0.0.1:{port}"


def _signed_in(base: str) -> httpx.Client:
    http = httpx.Client(base_url=base, timeout=30)
    for _ in range(150):
        try:
            if http.get("/readyz").status_code == 200:
                break
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    token = http.post(
        "/api/v1/auth/token", data={"username": "user0@bench.example", "password": PASSWORD}
    ).json()["access_token"]
    http.headers["Authorization"] = f"Bearer {token}"
    return http


def _targets() -> dict[str, tuple[str, dict[str, str]]]:
    today = date.today()
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last_end = quarter_start - timedelta(days=1)
    last_start = date(last_end.year, 3 * ((last_end.month - 1) // 3) + 1, 1)
    return {
        "ledger (last quarter)": (
            "/api/v1/ledger",
            {"since": last_start.isoformat(), "until": last_end.isoformat()},
        ),
        "ledger (quarter to date)": ("/api/v1/ledger", {}),
        "dashboard (manager)": ("/api/v1/dashboard", {}),
    }


def _measure(urls: dict[int, str], requests: int) -> dict[int, dict[str, list[float]]]:
    """Both sizes served at once and measured in alternation, request by request, so the
    machine's noise falls on the baseline and the large size alike."""
    servers = {size: _start_server(url) for size, url in urls.items()}
    clients: dict[int, httpx.Client] = {}
    try:
        clients = {size: _signed_in(base) for size, (_, base) in servers.items()}
        timings: dict[int, dict[str, list[float]]] = {size: {} for size in urls}
        for name, (path, params) in _targets().items():
            for http in clients.values():
                for _ in range(5):  # warm caches and the pool
                    assert http.get(path, params=params).status_code == 200
            for size in urls:
                timings[size][name] = []
            for _ in range(requests):
                for size, http in clients.items():
                    started = time.perf_counter()
                    response = http.get(path, params=params)
                    timings[size][name].append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.text
        return timings
    finally:
        for http in clients.values():
            http.close()
        for server, _ in servers.values():
            server.terminate()
            server.wait(timeout=20)


def _pct(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[int(q) - 1]


async def _main(args: argparse.Namespace) -> None:
    urls = {
        size: database_url(args.database_url, f"mastermind_bench_{size}")
        for size in (args.small, args.large)
    }
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as progress:
            for size, url in urls.items():
                name = url.rsplit("/", 1)[1]
                if args.reuse and await _seeded(url):
                    console.print(f"reusing {name}")
                    continue
                await recreate_database(url)
                await _seed(url, size, progress)
                # COPY went around the API: build the rollups the way an operator would.
                progress.stop()
                _rebuild_rollups(url)
                progress.start()
        results = await asyncio.to_thread(_measure, urls, args.requests)
    finally:
        if not args.keep:
            for url in urls.values():
                await drop_database(url)
    table = Table(
        title=f"{args.requests} requests per endpoint and size, alternating between sizes (ms)"
    )
    for column in (
        "endpoint",
        f"p50 @{args.small:,}",
        f"p95 @{args.small:,}",
        f"p50 @{args.large:,}",
        f"p95 @{args.large:,}",
        "ratio p50",
        "ratio p95",
    ):
        table.add_column(column, justify="right")
    for endpoint in results[args.small]:
        small, large = results[args.small][endpoint], results[args.large][endpoint]
        s50, s95, l50, l95 = _pct(small, 50), _pct(small, 95), _pct(large, 50), _pct(large, 95)
        table.add_row(
            endpoint,
            f"{s50:.1f}",
            f"{s95:.1f}",
            f"{l50:.1f}",
            f"{l95:.1f}",
            f"{l50 / s50:.2f}",
            f"{l95 / s95:.2f}",
        )
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
    )
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse databases kept by an earlier --keep run"
    )
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
