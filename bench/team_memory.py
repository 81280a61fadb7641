"""Team memory at 100,000 contributions on PostgreSQL: search and related learnings next to a
plain indexed lookup measured in the same run.

Creates a fresh PostgreSQL database, migrates it, and writes one organization through the
models' own Core inserts (so every folded ``search_text`` and ``search_grams`` is what the
application writes): 40 people, 2,000 clients in eight industries, 5,000 projects (a third
won, a fifth lost, the rest open), two completed sessions per project with a summary and a
recommended approach, and ten contributions per session (100,000; half Japanese), 15%
adopted, some with verdicts; then VACUUM ANALYZE (what autovacuum does after such a load). A rep holds seats on 200 projects, so the rep's
searches exercise the scoping and the shared closed learnings.

Then it runs, through the app's engine and the services the API calls
(``services.search.search``, ``services.learnings.related_learnings``), a set of searches
(one and two kanji, hiragana for katakana, Latin words common and rare, a miss) and the
related learnings of several projects, as the admin and as the rep; and, as the baseline,
one contribution read by its primary key. Prints p50 and p95 in milliseconds and the p95
ratio to the baseline, and how many statements each call sent (fixed whatever the size:
no N+1); the target is p95 under 50 ms for every search and related list.

    .venv/bin/python bench/team_memory.py [--contributions 100000] [--repeat 40] [--keep]
    .venv/bin/python bench/team_memory.py --reuse bench_memory_xxxxxxxx   # kept earlier

Needs PostgreSQL (DATABASE_URL, default the local server); drops its database afterwards
unless ``--keep`` (then it prints its name for ``--reuse``).
Other work on the machine makes numbers noisy: compare figures from the same run only.
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
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rich.progress import Progress  # noqa: E402

from bench.support import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    database_url,
    drop_database,
    recreate_database,
)

INDUSTRIES = ["Logistics", "Banking", "Retail", "製造業", "物流", "Insurance", "Energy", "医療"]
JA_IDEAS = [
    "売上の伸びを示す事例を最初に見せる",
    "物流センターの見学を提案する",
    "てすと導入を一拠点から始める",
    "決裁者の課題をヒアリングで確認する",
    "価格ではなく総保有コストで話す",
    "競合との違いを一枚にまとめる",
]
EN_IDEAS = [
    "Offer a one-depot pilot before the tender",
    "Lead with the total cost of ownership",
    "Bring a reference customer to the meeting",
    "Map the buying committee before pricing",
    "Send the ROI sheet ahead of the call",
    "Ask about the renewal date of the incumbent",
]
TITLES_JA = ["物流センター刷新", "売上管理システム", "営業支援の導入", "工場の省エネ"]
TITLES_EN = ["Fleet renewal", "Depot automation", "Card platform", "Store analytics"]

SEARCHES = [
    ("one kanji: 販", "販"),
    ("two kanji: 売上", "売上"),
    ("hiragana for katakana: てすと", "てすと"),
    ("Latin word: pilot", "pilot"),
    ("Latin phrase: cost of ownership", "cost of ownership"),
    ("rare Latin: zephyr", "zephyr"),
    ("miss: 存在しない言葉", "存在しない言葉"),
]


async def _insert(session: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    from sqlalchemy import insert

    for start in range(0, len(rows), 2000):
        await session.execute(insert(model), rows[start : start + 2000])


async def _seed(sessionmaker: Any, contributions: int) -> dict[str, Any]:
    from api.models import (
        Client,
        Contribution,
        MastermindSession,
        Organization,
        Project,
        ProjectMember,
        User,
    )

    rng = random.Random(11)
    now = datetime.now(UTC)
    sessions_count = max(1, contributions // 10)
    projects_count = max(1, sessions_count // 2)
    org = uuid.uuid4()
    people = [uuid.uuid4() for _ in range(40)]
    admin, rep = people[0], people[1]
    with Progress() as progress:
        async with sessionmaker() as session:
            await _insert(
                session,
                Organization,
                [{"id": org, "name": "Memory bench", "time_zone": "Asia/Tokyo"}],
            )
            await _insert(
                session,
                User,
                [
                    {
                        "id": person,
                        "organization_id": org,
                        "email": f"p{index}@memory.example",
                        "full_name": f"Person {index}",
                        "role": "admin" if person == admin else "rep",
                        "seniority": ("junior", "mid", "senior")[index % 3],
                        "password_hash": "unused",
                    }
                    for index, person in enumerate(people)
                ],
            )
            clients = [uuid.uuid4() for _ in range(2000)]
            await _insert(
                session,
                Client,
                [
                    {
                        "id": client,
                        "organization_id": org,
                        "owner_id": rng.choice(people),
                        "name": f"株式会社{index}" if index % 2 else f"Client {index} Ltd",
                        "industry": INDUSTRIES[index % len(INDUSTRIES)],
                    }
                    for index, client in enumerate(clients)
                ],
            )
            await session.commit()

        projects: list[dict[str, Any]] = []
        task = progress.add_task("projects", total=projects_count)
        for index in range(projects_count):
            status = ("won", "lost", "open", "open", "won")[index % 5]
            title = rng.choice(TITLES_JA if index % 2 else TITLES_EN) + f" {index}"
            projects.append(
                {
                    "id": uuid.uuid4(),
                    "organization_id": org,
                    "kind": "account",
                    "client_id": clients[index % len(clients)],
                    "owner_id": people[2 + index % (len(people) - 2)],
                    "title": title,
                    "objective": rng.choice(EN_IDEAS + JA_IDEAS),
                    "status": status,
                    "lost_reason": "price" if status == "lost" else None,
                    "closed_at": now if status != "open" else None,
                    "created_at": now - timedelta(days=400 - index % 400),
                }
            )
        async with sessionmaker() as session:
            await _insert(session, Project, projects)
            seats = [
                {
                    "organization_id": org,
                    "project_id": p["id"],
                    "user_id": p["owner_id"],
                    "role": "owner",
                    "state": "active",
                    "budget_minutes": 0,
                    "project_created_at": p["created_at"],
                }
                for p in projects
            ]
            seats += [
                {
                    "organization_id": org,
                    "project_id": p["id"],
                    "user_id": rep,
                    "role": "helper",
                    "state": "active",
                    "budget_minutes": 60,
                    "project_created_at": p["created_at"],
                }
                for p in projects[:200]
            ]
            await _insert(session, ProjectMember, seats)
            await session.commit()
        progress.advance(task, projects_count)

        task = progress.add_task("sessions and contributions", total=contributions)
        written = 0
        for start in range(0, sessions_count, 500):
            sessions: list[dict[str, Any]] = []
            cards: list[dict[str, Any]] = []
            for index in range(start, min(start + 500, sessions_count)):
                project = projects[index % len(projects)]
                held = project["created_at"] + timedelta(days=1 + index % 30)
                session_id = uuid.uuid4()
                sessions.append(
                    {
                        "id": session_id,
                        "organization_id": org,
                        "project_id": project["id"],
                        "purpose": ("targeting", "campaign", "approach", "solution")[index % 4],
                        "title": f"Panel {index}",
                        "scheduled_at": held,
                        "timebox_minutes": 45,
                        "status": "completed",
                        "started_at": held,
                        "completed_at": held + timedelta(minutes=45),
                        "summary": rng.choice(EN_IDEAS + JA_IDEAS),
                        "decisions": [rng.choice(EN_IDEAS)],
                        "recommended_approach": rng.choice(EN_IDEAS + JA_IDEAS),
                        "event_seq": 0,
                    }
                )
                for card in range(10):
                    japanese = (index + card) % 2 == 0
                    body = rng.choice(JA_IDEAS if japanese else EN_IDEAS)
                    if (index * 10 + card) % 4999 == 0:
                        body += " Zephyr"
                    adopted = rng.random() < 0.15
                    cards.append(
                        {
                            "organization_id": org,
                            "session_id": session_id,
                            "author_id": rng.choice(people),
                            "kind": "idea",
                            "body": f"{body} ({index}-{card})",
                            "status": "adopted" if adopted else "open",
                            "votes": 0,
                            "verdict": rng.choice([None, "worked", "did_not_work"])
                            if adopted
                            else None,
                            "verdict_note": "",
                            "created_at": held + timedelta(minutes=card),
                        }
                    )
            async with sessionmaker() as session:
                await _insert(session, MastermindSession, sessions)
                await _insert(session, Contribution, cards)
                await session.commit()
            written += len(cards)
            progress.update(task, completed=min(written, contributions))
    return {"admin": admin, "rep": rep, "projects": [p["id"] for p in projects[:400:40]]}


async def _vacuum(url: str) -> None:
    """VACUUM ANALYZE, as autovacuum would have done after a load this size: statistics for
    the planner, and the visibility map that lets index-only scans skip the table."""
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


async def _reused(sessionmaker: Any) -> dict[str, Any]:
    """What ``_seed`` returns, read back from a database it seeded earlier (``--reuse``)."""
    from sqlalchemy import text

    async with sessionmaker() as session:
        people = dict(
            (
                await session.execute(
                    text("SELECT email, id FROM \"user\" WHERE email LIKE 'p_@%'")
                )
            ).all()
        )
        rep = people["p1@memory.example"]
        projects = (
            await session.scalars(
                text(
                    "SELECT m.project_id FROM project_member m JOIN project p ON p.id = m.project_id"
                    " WHERE m.user_id = :rep AND m.role = 'helper' ORDER BY p.created_at"
                ),
                {"rep": rep},
            )
        ).all()
    return {"admin": people["p0@memory.example"], "rep": rep, "projects": list(projects[:400:40])}


# Statements sent by the call being timed (the engine's listener counts them): a fixed
# number whatever the history's size is what "no N+1" means here.
_STATEMENTS = [0]


async def _timed(call: Callable[[], Awaitable[int]], repeat: int) -> tuple[float, float, int, int]:
    timings: list[float] = []
    found = statements = 0
    for attempt in range(repeat + 3):  # three warm-up calls
        _STATEMENTS[0] = 0
        started = time.perf_counter()
        found = await call()
        elapsed = (time.perf_counter() - started) * 1000
        statements = max(statements, _STATEMENTS[0])
        if attempt >= 3:
            timings.append(elapsed)
    timings.sort()
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    return statistics.median(timings), p95, found, statements


async def _measure(sessionmaker: Any, seeded: dict[str, Any], repeat: int) -> bool:
    from sqlalchemy import select

    from api.kit.principal import Caller
    from api.models import Contribution, User
    from api.schemas.search import SearchType
    from api.services.learnings import related_learnings
    from api.services.search import search

    async with sessionmaker() as session:
        users = {
            u.id: u
            for u in await session.scalars(
                select(User).where(User.id.in_([seeded["admin"], seeded["rep"]]))
            )
        }
        some_id = await session.scalar(select(Contribution.id).order_by(Contribution.id).limit(1))
    callers = {
        "admin": Caller(user=users[seeded["admin"]]),
        "rep": Caller(user=users[seeded["rep"]]),
    }

    async def lookup() -> int:
        async with sessionmaker() as session:
            return 1 if await session.get(Contribution, some_id) is not None else 0

    rows: list[tuple[str, float, float, int, int]] = [
        ("baseline: one contribution by id", *await _timed(lookup, repeat))
    ]
    for who, caller in callers.items():
        for label, query in SEARCHES:

            async def run(caller: Caller = caller, query: str = query) -> int:
                async with sessionmaker() as session:
                    page = await search(
                        session=session,
                        caller=caller,
                        q=query,
                        types=list(SearchType),
                        limit=20,
                        cursor=None,
                    )
                    return len(page.items)

            rows.append((f"search as {who}: {label}", *await _timed(run, repeat)))
        for index, project_id in enumerate(seeded["projects"][:4]):

            async def related(caller: Caller = caller, project_id: uuid.UUID = project_id) -> int:
                async with sessionmaker() as session:
                    return len(
                        await related_learnings(
                            session=session, caller=caller, project_id=project_id
                        )
                    )

            rows.append(
                (f"related learnings as {who}: project {index + 1}", *await _timed(related, repeat))
            )
    baseline = rows[0][2]
    header = f"{'measured':58} {'p50 ms':>8} {'p95 ms':>8} {'rows':>5} {'queries':>7}"
    print(f"\n{header} {'p95/base':>9}")
    for label, p50, p95, found, statements in rows:
        print(f"{label:58} {p50:8.2f} {p95:8.2f} {found:5d} {statements:7d} {p95 / baseline:9.1f}")
    worst = max(p95 for _label, _p50, p95, _found, _statements in rows[1:])
    met = worst < 50
    print(f"\nworst p95 {worst:.2f} ms (target < 50 ms: {'met' if met else 'MISSED'})")
    return met


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contributions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse",
        metavar="DATABASE",
        help="measure a database an earlier --keep run seeded (migrated to head first)",
    )
    args = parser.parse_args()
    name = args.reuse or f"bench_memory_{uuid.uuid4().hex[:8]}"
    url = database_url(DEFAULT_DATABASE_URL, name)
    if not args.reuse:
        await recreate_database(url)
    from sqlalchemy import event

    from api.config import Settings
    from api.db import create_engine, create_sessionmaker

    environment = os.environ | {"DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=REPO,
        env=environment,
        check=True,
        capture_output=True,
    )
    settings = Settings(environment="test", database_url=url, _env_file=None)
    engine = create_engine(settings)

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _count(*_args: Any) -> None:
        _STATEMENTS[0] += 1

    try:
        sessionmaker = create_sessionmaker(engine)
        if args.reuse:
            seeded = await _reused(sessionmaker)
        else:
            seeded = await _seed(sessionmaker, args.contributions)
            print(f"seeded {args.contributions:,} contributions (half Japanese), database {name}")
        await _vacuum(url)
        await _measure(sessionmaker, seeded, args.repeat)
    finally:
        await engine.dispose()
        if not args.keep and not args.reuse:
            await drop_database(url)


if __name__ == "__main__":
    asyncio.run(main())
