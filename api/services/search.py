"""Search across the team's memory (DESIGN 7.5): clients, projects, ideas (contributions),
outcomes (completed sessions) and takeaways, folded as in 7.3 (api/kit/folding.py).

What the caller finds is what they may read: each type goes through its resource's scoping
rule (``readable_clients``, ``project_visibility``, ``contribution_visibility``,
``outcome_visibility``, ``readable_sessions``). With the organization's
``share_closed_learnings`` on, adopted ideas and outcomes of every closed project are found
too, with the project's title and client name but no link to the project itself.

Ranking: a hit whose folded text *is* the query comes first, then one that starts with it,
then one that contains it (``tier`` 0, 1, 2); within a tier, newest first. The cursor is the
last hit's ``(tier, created_at, id)``. Every type asked for is one part of a single
``UNION ALL`` statement that returns each type's next ``limit + 1`` hits after the cursor;
the page is the first ``limit`` of their merge.

How PostgreSQL answers within milliseconds at 100,000 rows (docs/performance.md): sorting
every match by tier is what cost, because a common word matches tens of thousands of rows.
So each tier is a part of its own, newest first, and each starts where it is cheapest:
- exact: the btree index on the first 64 folded characters (equality), a handful of rows;
- starts with / contains: first a *walk* down the ``created_at`` index over the newest
  ``WALK_ROWS`` rows of the type, which stops at ``limit + 1`` hits. If the walk found that
  many, they are the newest hits there are (everything newer than where it stopped was
  read). Only if it did not, and the table has older rows, the part runs again over the
  whole table through the index that fits (the prefix btree, the grams GIN index), which is
  then cheap because the query is rare. A ``contains`` part that cannot be needed (the exact
  and prefix parts already fill the page) does not run at all.
  Where the walk stops is read first, in the query that also reads the organization's
  sharing setting, and written into the statement as a value, so that PostgreSQL plans each
  part with it.
SQLite has none of these indexes and smaller tables: each type is one part that ranks its
matches (``tier`` by ``CASE``) and takes its first ``limit + 1``, in the same one statement.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import (
    CTE,
    ColumnElement,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    not_,
    null,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.db import dialect_name
from api.errors import InvalidInput
from api.kit import folding
from api.kit.principal import Caller
from api.models import (
    Client,
    Contribution,
    MastermindSession,
    Organization,
    Project,
    ProjectStatus,
    SessionStatus,
    Takeaway,
)
from api.pagination import AnySelect
from api.schemas.search import SearchHit, SearchPage, SearchType
from api.services.clients import readable_clients
from api.services.contributions import contribution_visibility
from api.services.projects import project_visibility
from api.services.sessions import outcome_visibility

TITLE_CHARS = 120
SNIPPET_CHARS = 200
# How many of a type's newest rows a walk reads before the whole-table index path takes
# over (PostgreSQL). Larger walks find more of a moderately common word in the caller's
# reach; each row read costs about a microsecond.
WALK_ROWS = 2000
# How far, in walks' lengths, the rest of a walk that found some hits may go on before
# the grams index is the cheaper way to the rest.
REST_WALKS = 4
# A type with fewer rows in the organization than this many walks read is ranked in one
# scan instead.
RANKED_WALKS = 3
# The folded characters the prefix btree index holds (migration 0022); a longer query is
# narrowed by its first 64 characters and confirmed on the whole text.
PREFIX_CHARS = 64


async def shares_closed_learnings(session: AsyncSession, caller: Caller) -> bool:
    """The organization's ``share_closed_learnings`` setting (DESIGN 7.3)."""
    shared = await session.scalar(
        select(col(Organization.share_closed_learnings)).where(
            col(Organization.id) == caller.organization_id
        )
    )
    return bool(shared)


@dataclass(frozen=True, slots=True)
class _Position:
    """Where a page starts: after the hit with this rank and key."""

    tier: int
    created_at: datetime
    id: uuid.UUID


def _encode_cursor(position: _Position) -> str:
    raw = orjson.dumps([position.tier, position.created_at.isoformat(), str(position.id)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> _Position:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        tier, moment_text, id_text = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        moment = datetime.fromisoformat(moment_text)
        if not isinstance(tier, int) or tier not in (0, 1, 2) or moment.tzinfo is None:
            raise ValueError("not a search cursor")
        return _Position(tier=tier, created_at=moment.astimezone(UTC), id=uuid.UUID(id_text))
    except (
        ValueError,
        TypeError,
        AttributeError,
        OverflowError,
        binascii.Error,
        orjson.JSONDecodeError,
        UnicodeError,
    ) as exc:
        raise InvalidInput(
            "The cursor is not one this API issued.", loc=["query", "cursor"]
        ) from exc


def _typed_null(type_: Any) -> ColumnElement[Any]:
    # A typed NULL: the parts of a UNION are CTEs, and PostgreSQL types a bare NULL in a
    # CTE as text, which then does not unite with a uuid or json column.
    return cast(null(), type_)


@dataclass(frozen=True, slots=True)
class _Source:
    """One searchable type: its scoped statement with the shared result columns (see
    ``_COLUMNS``) and the columns its ranking reads."""

    kind: SearchType
    statement: Callable[[Caller, bool], AnySelect]
    organization: Any
    text: Any
    grams: Any
    created: Any
    id: Any


# The columns every type's part returns, in this order, then rank_tier and rank_created_at.
_COLUMNS = (
    "kind",
    "id",
    "title",
    "text_a",
    "text_b",
    "items",
    "verdict",
    "project_id",
    "project_title",
    "project_status",
    "client_name",
    "readable",
)


def _shaped(kind: SearchType, **values: Any) -> list[ColumnElement[Any]]:
    defaults: dict[str, Any] = {
        "title": _typed_null(sa.Text()),
        "text_a": _typed_null(sa.Text()),
        "text_b": _typed_null(sa.Text()),
        "items": _typed_null(MastermindSession.__table__.c.decisions.type),  # type: ignore[attr-defined]
        "verdict": _typed_null(sa.String()),
        "project_id": _typed_null(sa.Uuid()),
        "project_title": _typed_null(sa.Text()),
        "project_status": _typed_null(sa.String()),
        "client_name": _typed_null(sa.Text()),
        "readable": literal(False),
    }
    shaped = defaults | values
    return [literal(kind.value).label("kind")] + [shaped[name].label(name) for name in _COLUMNS[1:]]


def _project_context(caller: Caller) -> dict[str, Any]:
    """The project columns of a session-bound type, and whether the caller may open the
    project (shared learnings do not link to it)."""
    return {
        "project_id": col(Project.id),
        "project_title": col(Project.title),
        "project_status": col(Project.status),
        "client_name": col(Client.name),
        "readable": case((project_visibility(caller), literal(True)), else_=literal(False)),
    }


def _joined_to_project(statement: AnySelect) -> AnySelect:
    return statement.join(Project, col(Project.id) == col(MastermindSession.project_id)).outerjoin(
        Client, col(Client.id) == col(Project.client_id)
    )


def _clients(caller: Caller, _closed_learnings: bool) -> AnySelect:
    return readable_clients(caller).with_only_columns(
        *_shaped(
            SearchType.clients,
            id=col(Client.id),
            title=col(Client.name),
            text_a=col(Client.industry),
            client_name=col(Client.name),
        )
    )


def _projects(caller: Caller, _closed_learnings: bool) -> AnySelect:
    return (
        select(
            *_shaped(
                SearchType.projects,
                id=col(Project.id),
                title=col(Project.title),
                text_a=col(Project.objective),
                project_id=col(Project.id),
                project_title=col(Project.title),
                project_status=col(Project.status),
                client_name=col(Client.name),
                readable=literal(True),
            )
        )
        .select_from(Project)
        .outerjoin(Client, col(Client.id) == col(Project.client_id))
        .where(project_visibility(caller))
    )


def _ideas(caller: Caller, closed_learnings: bool) -> AnySelect:
    statement = select(
        *_shaped(
            SearchType.ideas,
            id=col(Contribution.id),
            title=col(Contribution.body),
            text_a=col(Contribution.body),
            text_b=col(Contribution.verdict_note),
            verdict=col(Contribution.verdict),
            **_project_context(caller),
        )
    ).select_from(Contribution)
    statement = statement.join(
        MastermindSession, col(MastermindSession.id) == col(Contribution.session_id)
    )
    return _joined_to_project(statement).where(
        col(Contribution.organization_id) == caller.organization_id,
        contribution_visibility(caller, closed_learnings=closed_learnings),
    )


def _outcomes(caller: Caller, closed_learnings: bool) -> AnySelect:
    statement = select(
        *_shaped(
            SearchType.outcomes,
            id=col(MastermindSession.id),
            title=col(MastermindSession.title),
            text_a=col(MastermindSession.summary),
            text_b=col(MastermindSession.recommended_approach),
            items=col(MastermindSession.decisions),
            **_project_context(caller),
        )
    ).select_from(MastermindSession)
    return _joined_to_project(statement).where(
        col(MastermindSession.organization_id) == caller.organization_id,
        col(MastermindSession.status) == SessionStatus.completed,
        outcome_visibility(caller, closed_learnings=closed_learnings),
    )


def _takeaways(caller: Caller, _closed_learnings: bool) -> AnySelect:
    # Takeaways are personal notes: found by those who may read their session, not shared.
    statement = select(
        *_shaped(
            SearchType.takeaways,
            id=col(Takeaway.id),
            title=col(Takeaway.body),
            text_a=col(Takeaway.body),
            **_project_context(caller),
        )
    ).select_from(Takeaway)
    statement = statement.join(
        MastermindSession, col(MastermindSession.id) == col(Takeaway.session_id)
    )
    return _joined_to_project(statement).where(
        col(Takeaway.organization_id) == caller.organization_id,
        project_visibility(caller),
    )


def _source(
    kind: SearchType, model: Any, statement: Callable[[Caller, bool], AnySelect]
) -> _Source:
    return _Source(
        kind=kind,
        statement=statement,
        organization=col(model.organization_id),
        text=col(model.search_text),
        grams=col(model.search_grams),
        created=col(model.created_at),
        id=col(model.id),
    )


# A fixed order: the statement's parts, and the order of hits that tie on every rank key.
_SOURCES = (
    _source(SearchType.clients, Client, _clients),
    _source(SearchType.projects, Project, _projects),
    _source(SearchType.ideas, Contribution, _ideas),
    _source(SearchType.outcomes, MastermindSession, _outcomes),
    _source(SearchType.takeaways, Takeaway, _takeaways),
)


def _moment(name: str, moment: datetime) -> ColumnElement[Any]:
    """A timestamp written into the SQL (see ``folding.search_value``), so the plan knows
    how far a walk goes."""
    return cast(folding.search_value(name, moment.isoformat()), sa.DateTime(timezone=True))


@dataclass(frozen=True, slots=True)
class _Query:
    """The folded query and the pieces every type's part is built from."""

    folded: str
    after: _Position | None
    limit: int

    def exact(self, text: Any) -> ColumnElement[bool]:
        return text == folding.search_value("exact", self.folded)

    def prefix(self, text: Any) -> ColumnElement[bool]:
        starts = folding.like_pattern(self.folded)[1:]  # "query%": starts with it
        return text.like(folding.search_value("prefix", starts), escape="/")

    def contains(self, text: Any) -> ColumnElement[bool]:
        return text.like(
            folding.search_value("pattern", folding.like_pattern(self.folded)), escape="/"
        )

    def after_cursor(self, source: _Source, tier: int) -> list[ColumnElement[bool]]:
        """Within the tier of the cursor, the hits after it; none before its tier."""
        if self.after is None or self.after.tier != tier:
            return []
        moment, row_id = self.after.created_at, self.after.id
        return [
            or_(
                source.created < moment,
                and_(source.created == moment, source.id < row_id),
            )
        ]

    @property
    def first_tier(self) -> int:
        """The first tier this page can hold (the cursor's)."""
        return self.after.tier if self.after is not None else 0

    def prefix_only(self, text: Any) -> list[ColumnElement[bool]]:
        return [self.prefix(text), text != folding.search_value("exact", self.folded)]

    def contains_only(self, text: Any) -> list[ColumnElement[bool]]:
        return [self.contains(text), not_(self.prefix(text))]

    def ranked(self, source: _Source, statement: AnySelect, tier: Any, part: str) -> AnySelect:
        return statement.add_columns(
            tier.label("rank_tier"),
            source.created.label("rank_created_at"),
            literal(part).label("part"),
        )


def _newest(statement: AnySelect, source: _Source, limit: int) -> AnySelect:
    return statement.order_by(source.created.desc(), source.id.desc()).limit(limit + 1)


def _count(part: CTE) -> ColumnElement[int]:
    return select(func.count()).select_from(part).scalar_subquery()


def _prefix_key(text: Any) -> ColumnElement[str]:
    # The expression of the prefix index (migration 0022), written as the index has it.
    return func.left(text, literal_column(str(PREFIX_CHARS)))


def _part(
    source: _Source,
    statement: AnySelect,
    query: _Query,
    name: str,
    tier: int,
    *conditions: ColumnElement[bool],
) -> CTE:
    """One tier's next ``limit + 1`` hits of one type, newest first, under ``conditions``."""
    ranked = query.ranked(source, statement, literal(tier), name)
    narrowed = ranked.where(*conditions, *query.after_cursor(source, tier))
    return _newest(narrowed, source, query.limit).cte(f"{source.kind.value}_{name}")


def _walk_parts(
    source: _Source, statement: AnySelect, query: _Query, bounds: dict[int, datetime | None]
) -> list[CTE]:
    """The first statement's parts of one type on PostgreSQL: exact and "starts with" hits
    through the prefix index (or, for a common prefix, down ``created_at``), and the walk for
    "contains" (module docstring). ``bounds`` holds, per tier, the oldest ``created_at`` a
    walk reads; a type without bounds (a small one) is one ranked part, as on SQLite."""
    if all(bounds.get(tier) is None for tier in (1, 2)):
        return [_ranked_part(source, statement, query)]
    text, first = source.text, query.first_tier
    parts: list[CTE] = []
    if first <= 0:
        key = folding.search_value("exact_key", query.folded[:PREFIX_CHARS])
        parts.append(
            _part(source, statement, query, "exact", 0, _prefix_key(text) == key, query.exact(text))
        )

    def walk(tier: int) -> list[ColumnElement[bool]]:
        bound = bounds.get(tier)
        return [] if bound is None else [source.created >= _moment(f"walk_{tier}", bound)]

    if first <= 1:
        # No walk: the prefix index's own statistics tell PostgreSQL whether the prefix is
        # rare (read it through the index) or common (walk created_at and stop early).
        starts = folding.like_pattern(query.folded[:PREFIX_CHARS])[1:]
        narrowed = _prefix_key(text).like(folding.search_value("prefix_key", starts), escape="/")
        parts.append(
            _part(source, statement, query, "prefix", 1, narrowed, *query.prefix_only(text))
        )
    parts.append(
        _part(source, statement, query, "contains", 2, *query.contains_only(text), *walk(2))
    )
    return parts


def _index_parts(
    source: _Source,
    statement: AnySelect,
    query: _Query,
    bounds: dict[int, datetime | None],
    found: dict[str, int],
) -> list[CTE]:
    """The "contains" part of one type whose walk fell short (``found``: how many hits each
    part of the first statement returned), over the rows older than the walk read; none
    when the first statement settled the type's page. It walks on if the walk found some
    hits, so that the rest are likely near (expected within ``WALK_ROWS * REST_WALKS`` more
    rows); with none found the word is rare, and the grams GIN index finds it."""
    if "ranked" in found:
        return []
    limit, text = query.limit, source.text
    exact, prefix, contains = (found.get(name, 0) for name in ("exact", "prefix", "contains"))
    parts: list[CTE] = []
    bound = bounds.get(2)
    if bound is not None and exact + prefix + contains <= limit:
        # Only if the tiers before it and the walk leave room on the page.
        needed: list[ColumnElement[bool]] = [source.created < _moment("rest_2", bound)]
        missing = limit + 1 - exact - prefix - contains
        grams = folding.query_grams(query.folded)
        # A walk of WALK_ROWS rows found ``contains`` hits: the missing ones are expected
        # within WALK_ROWS * missing / contains more rows.
        if grams and (contains == 0 or missing > contains * REST_WALKS):
            needed.append(source.grams.contains(folding.search_value("grams", grams)))
        parts.append(
            _part(source, statement, query, "contains_rest", 2, *query.contains_only(text), *needed)
        )
    return parts


def _ranked_part(source: _Source, statement: AnySelect, query: _Query) -> CTE:
    """All tiers of one type in one part, ranked by ``CASE`` (SQLite, and small tables)."""
    text = source.text
    tier = case((query.exact(text), 0), (query.prefix(text), 1), else_=2)
    ranked = query.ranked(source, statement, tier, "ranked").where(query.contains(text))
    if query.after is not None:
        moment, row_id = query.after.created_at, query.after.id
        created = source.created
        ranked = ranked.where(
            or_(
                tier > query.after.tier,
                and_(
                    tier == query.after.tier,
                    or_(created < moment, and_(created == moment, source.id < row_id)),
                ),
            )
        )
    return (
        ranked.order_by(tier, source.created.desc(), source.id.desc())
        .limit(query.limit + 1)
        .cte(f"{source.kind.value}_ranked")
    )


def _bound(
    source: _Source, caller: Caller, after: _Position | None, rows: int = 0
) -> ColumnElement[Any]:
    """The oldest ``created_at`` a walk over this type's newest ``rows`` (``WALK_ROWS``)
    rows after ``after`` reads; NULL when there are no more rows than that."""
    statement = select(source.created).where(source.organization == caller.organization_id)
    if after is not None:
        statement = statement.where(
            tuple_(source.created, source.id) < tuple_(after.created_at, after.id)
        )
    return (
        statement.order_by(source.created.desc(), source.id.desc())
        .offset((rows or WALK_ROWS) - 1)
        .limit(1)
        .scalar_subquery()
    )


async def _settings_and_bounds(
    session: AsyncSession,
    caller: Caller,
    sources: Sequence[_Source],
    after: _Position | None,
    *,
    postgresql: bool,
) -> tuple[bool, dict[SearchType, dict[int, datetime | None]]]:
    """The organization's sharing setting and, on PostgreSQL, where each type's walks stop:
    one statement. A walk in the cursor's tier starts at the cursor; later tiers start at
    the newest row. A type with fewer rows than ``RANKED_WALKS`` walks read has no walks
    (no bounds): one scan ranks it faster than three parts would."""
    columns: list[Any] = [col(Organization.share_closed_learnings)]
    if postgresql:
        for source in sources:
            columns.append(_bound(source, caller, None, RANKED_WALKS * WALK_ROWS))
            columns.append(_bound(source, caller, None))
            if after is not None:
                columns.append(_bound(source, caller, after))
    row = (
        await session.execute(
            select(*columns).where(col(Organization.id) == caller.organization_id)
        )
    ).one()
    bounds: dict[SearchType, dict[int, datetime | None]] = {}
    values = iter(row[1:])
    for source in sources if postgresql else ():
        large, top = next(values), next(values)
        at_cursor = next(values) if after is not None else top
        bounds[source.kind] = {
            tier: None if large is None else at_cursor if after and after.tier == tier else top
            for tier in (1, 2)
        }
    return bool(row[0]), bounds


async def _rows(session: AsyncSession, parts: Sequence[CTE]) -> list[Any]:
    if not parts:
        return []
    return list((await session.execute(union_all(*[select(part) for part in parts]))).all())


async def search(
    *,
    session: AsyncSession,
    caller: Caller,
    q: str,
    types: Sequence[SearchType],
    limit: int,
    cursor: str | None,
) -> SearchPage:
    folded = folding.fold(q)
    if not folded:
        raise InvalidInput("Type something to search for.", loc=["query", "q"])
    query = _Query(folded=folded, after=_decode_cursor(cursor) if cursor else None, limit=limit)
    wanted = set(types)
    sources = [source for source in _SOURCES if source.kind in wanted]
    postgresql = dialect_name(session) == "postgresql"
    closed_learnings, bounds = await _settings_and_bounds(
        session, caller, sources, query.after, postgresql=postgresql
    )
    statements = {source.kind: source.statement(caller, closed_learnings) for source in sources}
    if not postgresql:
        rows = await _rows(session, [_ranked_part(s, statements[s.kind], query) for s in sources])
    else:
        parts: list[CTE] = []
        for source in sources:
            parts.extend(_walk_parts(source, statements[source.kind], query, bounds[source.kind]))
        rows = await _rows(session, parts)
        found: dict[SearchType, dict[str, int]] = {source.kind: {} for source in sources}
        for row in rows:
            counts = found[SearchType(row.kind)]
            counts[row.part] = counts.get(row.part, 0) + 1
        more: list[CTE] = []
        for source in sources:
            more.extend(
                _index_parts(
                    source, statements[source.kind], query, bounds[source.kind], found[source.kind]
                )
            )
        rows += await _rows(session, more)

    hits: dict[tuple[str, uuid.UUID], tuple[_Position, SearchHit]] = {}
    for row in rows:
        key = (row.kind, row.id)
        if key not in hits:  # a walk and its whole-table part may both find a row
            position = _Position(tier=row.rank_tier, created_at=row.rank_created_at, id=row.id)
            hits[key] = (position, _hit(row, folded))
    ordered = sorted(
        hits.values(),
        key=lambda hit: (hit[0].tier, -hit[0].created_at.timestamp(), -hit[0].id.int),
    )
    page = ordered[:limit]
    next_cursor = _encode_cursor(page[-1][0]) if len(ordered) > limit else None
    return SearchPage(items=[hit for _position, hit in page], next_cursor=next_cursor)


def _hit(row: Any, folded_query: str) -> SearchHit:
    kind = SearchType(row.kind)
    context: dict[str, Any] = {
        "project_id": row.project_id if row.readable else None,
        "project_title": row.project_title,
        "client_name": row.client_name,
        "result": _result(row.project_status),
    }
    if kind is SearchType.clients:
        title, snippet_text = row.title, row.text_a
    elif kind is SearchType.projects:
        title, snippet_text = row.title, snippet(row.text_a, folded_query)
    elif kind is SearchType.ideas:
        title = _title(row.title)
        snippet_text = snippet(" ".join(filter(None, (row.text_a, row.text_b))), folded_query)
        context["verdict"] = row.verdict
    elif kind is SearchType.outcomes:
        title = row.title
        pieces = (row.text_a, *(row.items or ()), row.text_b)
        snippet_text = snippet(" ".join(filter(None, pieces)), folded_query)
    else:
        title, snippet_text = _title(row.title), snippet(row.text_a, folded_query)
    return SearchHit(
        type=kind,
        id=row.id,
        title=title,
        snippet=snippet_text,
        created_at=row.rank_created_at,
        **context,
    )


def _title(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1] + "…"


def snippet(text: str, folded_query: str) -> str:
    """Up to ``SNIPPET_CHARS`` of ``text`` around the first place it matches the query.
    Folding keeps most characters where they were, so the folded position points near the
    match in the original; a few characters off is fine for a snippet."""
    flat = " ".join(text.split())
    if len(flat) <= SNIPPET_CHARS:
        return flat
    at = max(folding.fold(flat).find(folded_query), 0)
    start = max(min(at - SNIPPET_CHARS // 4, len(flat) - SNIPPET_CHARS), 0)
    piece = flat[start : start + SNIPPET_CHARS]
    return ("…" if start > 0 else "") + piece + ("…" if start + SNIPPET_CHARS < len(flat) else "")


def _result(status: ProjectStatus | None) -> ProjectStatus | None:
    return status if status is not None and status != ProjectStatus.open else None
