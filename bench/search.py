"""Name search at 100,000 clients on PostgreSQL, next to a plain indexed lookup in the same run.

Creates a fresh PostgreSQL database, migrates it, and COPYs one organization with 100,000
clients (half with Japanese names: 株式会社 and a katakana or kanji name, half Latin), their
folded ``search_text`` and ``search_grams`` computed by the application's own folding
(api/kit/folding.py), then ANALYZE. Then it runs the clients list exactly as the API does
(``services.clients.list_clients`` through the app's engine and session) for a set of
queries: one- and two-character Japanese, hiragana for a katakana name, half-width
katakana, a rare Latin word, a common Latin fragment, a miss; and, as the baseline, the
first page without a query (the organization/created_at index, no search). Prints p50 and
p95 in milliseconds per query and the ratio to the baseline; the target is p95 under 20 ms.

    .venv/bin/python bench/search.py [--clients 100000] [--repeat 60] [--explain] [--keep]

Needs PostgreSQL (DATABASE_URL, default the local server); drops its database afterwards.
Other work on the machine makes numbers noisy: compare figures from the same run only.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rich.progress import Progress  # noqa: E402

from api.kit.folding import fold, grams  # noqa: E402
from bench.support import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    USER_COLUMNS,
    database_url,
    drop_database,
    recreate_database,
)

KATAKANA = (
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
)
KANJI = "山田中村北海道東京大阪物産工業商事電機製作所建設運輸販売研究開発銀行保険食品化学精密"
LATIN = ["Nordic", "Baltic", "Helix", "Quantum", "Vertex", "Summit", "Harbor", "Atlas", "Orion"]
SUFFIX = ["GmbH", "Ltd", "Inc", "AG", "Oy", "SA", "BV"]

QUERIES = [
    ("no query (baseline)", None),
    ("one kanji: 販", "販"),
    ("two kanji: 売上", "売上"),
    ("two kanji, common: 株式", "株式"),
    ("hiragana for katakana: てすと", "てすと"),
    ("half-width katakana: ﾃｽﾄ", "ﾃｽﾄ"),
    ("rare Latin: zephyr", "zephyr"),
    ("common Latin: ic", "ic"),
    ("miss: 存在しない", "存在しない"),
]


def _name(rng: random.Random, index: int) -> str:
    if index % 2 == 0:
        body = "".join(rng.choice(KATAKANA + KANJI) for _ in range(rng.randint(2, 6)))
        name = f"株式会社{body}" if rng.random() < 0.7 else f"{body}株式会社"
    else:
        name = f"{rng.choice(LATIN)} {rng.choice(LATIN)} {rng.choice(SUFFIX)}"
    if index % 997 == 0:
        name += " テスト売上"  # a few rows every query of the set should find
    if index % 4999 == 0:
        name += " Zephyr"
    return name


async def _seed(url: str, clients: int) -> uuid.UUID:
    import asyncpg

    rng = random.Random(7)
    now = datetime.now(UTC)
    connection = await asyncpg.connect(url)
    try:
        org, owner = uuid.uuid4(), uuid.uuid4()
        await connection.execute(
            "INSERT INTO organization (id, created_at, updated_at, name, time_zone)"
            " VALUES ($1, $2, $2, 'Search bench', 'Asia/Tokyo')",
            org,
            now,
        )
        await connection.copy_records_to_table(
            "user",
            records=[
                (
                    owner,
                    now,
                    now,
                    org,
                    "admin@search.example",
                    "Admin",
                    "admin",
                    "senior",
                    "[]",
                    True,
                    "unused",
                )
            ],
            columns=USER_COLUMNS,
        )
        columns = ["id", "created_at", "updated_at", "organization_id", "owner_id", "name"]
        columns += ["industry", "status", "notes", "search_text", "search_grams"]
        batch: list[tuple[object, ...]] = []
        with Progress() as progress:
            task = progress.add_task("clients", total=clients)
            for index in range(clients):
                name = _name(rng, index)
                created = now - timedelta(minutes=clients - index)
                folded = fold(name)
                batch.append(
                    (
                        uuid.uuid4(),
                        created,
                        created,
                        org,
                        owner,
                        name,
                        "",
                        "prospect",
                        "",
                        folded,
                        grams(folded),
                    )
                )
                if len(batch) == 5000:
                    await connection.copy_records_to_table("client", records=batch, columns=columns)
                    progress.advance(task, len(batch))
                    batch = []
            if batch:
                await connection.copy_records_to_table("client", records=batch, columns=columns)
                progress.advance(task, len(batch))
        await connection.execute("ANALYZE")
        return owner
    finally:
        await connection.close()


async def _measure(url: str, owner_id: uuid.UUID, repeat: int, explain: bool) -> None:
    from sqlalchemy import select

    from api.config import Settings
    from api.db import create_engine, create_sessionmaker
    from api.kit.principal import Caller
    from api.models import User
    from api.services.clients import list_clients

    settings = Settings(environment="test", database_url=url, _env_file=None)
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    try:
        async with sessionmaker() as session:
            user = (await session.scalars(select(User).where(User.id == owner_id))).one()
        caller = Caller(user=user)
        rows: list[tuple[str, float, float, int]] = []
        for label, query in QUERIES:
            timings: list[float] = []
            found = 0
            for attempt in range(repeat + 5):  # five warm-up calls
                async with sessionmaker() as session:
                    started = time.perf_counter()
                    page = await list_clients(
                        session=session, caller=caller, limit=50, cursor=None, q=query
                    )
                    elapsed = (time.perf_counter() - started) * 1000
                if attempt >= 5:
                    timings.append(elapsed)
                found = len(page.items)
            timings.sort()
            p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
            rows.append((label, statistics.median(timings), p95, found))
            if explain and query:
                await _explain(sessionmaker, caller, query)
        baseline = rows[0][2]
        print(f"\n{'query':40} {'p50 ms':>8} {'p95 ms':>8} {'rows':>5} {'p95 / baseline':>15}")
        for label, p50, p95, found in rows:
            print(f"{label:40} {p50:8.2f} {p95:8.2f} {found:5d} {p95 / baseline:15.2f}")
        worst = max(p95 for _label, _p50, p95, _found in rows[1:])
        verdict = "met" if worst < 20 else "MISSED"
        print(f"\nworst search p95 {worst:.2f} ms (target < 20 ms: {verdict})")
    finally:
        await engine.dispose()


async def _explain(sessionmaker, caller, query: str) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from api.kit import folding
    from api.models import Client
    from api.services.clients import readable_clients

    statement = readable_clients(caller).where(
        folding.matches(Client.search_text, Client.search_grams, query, dialect="postgresql")
    )
    statement = statement.order_by(Client.created_at.desc(), Client.id.desc()).limit(51)
    compiled = statement.compile(
        dialect=sessionmaker.kw["bind"].dialect, compile_kwargs={"literal_binds": True}
    )
    async with sessionmaker() as session:
        plan = await session.execute(text(f"EXPLAIN ANALYZE {compiled}"))
        print(f"\n-- {query}\n" + "\n".join(row[0] for row in plan))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--explain", action="store_true", help="print each query's plan")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    url = database_url(DEFAULT_DATABASE_URL, f"bench_search_{uuid.uuid4().hex[:8]}")
    await recreate_database(url)
    try:
        owner = await _seed(url, args.clients)
        print(f"seeded {args.clients:,} clients (half Japanese) in one organization")
        await _measure(url, owner, args.repeat, args.explain)
    finally:
        if not args.keep:
            await drop_database(url)


if __name__ == "__main__":
    asyncio.run(main())
