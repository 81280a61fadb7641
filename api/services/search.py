"""Search across the team's memory (DESIGN 7.5): clients, projects, ideas (contributions),
outcomes (completed sessions) and takeaways, folded as in 7.3 (api/kit/folding.py).

What the caller finds is what they may read: each type goes through its resource's scoping
rule (``readable_clients``, ``project_visibility``, ``contribution_visibility``,
``outcome_visibility``, ``readable_sessions``). With the organization's
``share_closed_learnings`` on, adopted ideas and outcomes of every closed project are found
too, with the project's title and client name but no link to the project itself.

Ranking: a hit whose folded text *is* the query comes first, then one that starts with it,
then one that contains it (``tier`` 0, 1, 2); within a tier, newest first. The cursor is the
last hit's ``(tier, created_at, id)``; each type's statement returns its next ``limit + 1``
hits after it, in that order, and the page is the first ``limit`` of their merge.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, case, literal, or_, select
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


@dataclass(frozen=True, slots=True)
class _Query:
    """The folded query and the pieces every type's statement is built from."""

    folded: str
    dialect: str
    after: _Position | None
    limit: int

    def tier(self, text_column: Any) -> ColumnElement[int]:
        prefix = folding.like_pattern(self.folded)[1:]  # "query%": starts with it
        return case(
            (text_column == folding.search_value("exact", self.folded), 0),
            (text_column.like(folding.search_value("prefix", prefix), escape="/"), 1),
            else_=2,
        )

    def page(
        self, statement: AnySelect, text_column: Any, grams_column: Any, created: Any, id_: Any
    ) -> AnySelect:
        """``statement`` narrowed to the matching rows after the cursor, ranked, limited;
        its first three columns become the rank key (tier, created_at, id)."""
        tier = self.tier(text_column)
        statement = statement.add_columns(
            tier.label("rank_tier"), created.label("rank_created_at"), id_.label("rank_id")
        ).where(folding.matches(text_column, grams_column, self.folded, dialect=self.dialect))
        if self.after is not None:
            moment, row_id = self.after.created_at, self.after.id
            statement = statement.where(
                or_(
                    tier > self.after.tier,
                    and_(
                        tier == self.after.tier,
                        or_(created < moment, and_(created == moment, id_ < row_id)),
                    ),
                )
            )
        return statement.order_by(tier, created.desc(), id_.desc()).limit(self.limit + 1)


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
    query = _Query(
        folded=folded,
        dialect=dialect_name(session),
        after=_decode_cursor(cursor) if cursor else None,
        limit=limit,
    )
    wanted = set(types)
    closed_learnings = bool(wanted & {SearchType.ideas, SearchType.outcomes}) and (
        await shares_closed_learnings(session, caller)
    )
    hits: list[tuple[_Position, SearchHit]] = []
    for kind in SearchType:  # a fixed order: one statement per type asked for
        if kind in wanted:
            hits.extend(await _SEARCHES[kind](session, caller, query, closed_learnings))
    # Newest first within a tier, tiers in order: two stable sorts.
    hits.sort(key=lambda hit: (hit[0].created_at, hit[0].id.int), reverse=True)
    hits.sort(key=lambda hit: hit[0].tier)
    page = hits[:limit]
    next_cursor = _encode_cursor(page[-1][0]) if len(hits) > limit else None
    return SearchPage(items=[hit for _position, hit in page], next_cursor=next_cursor)


_Hits = list[tuple[_Position, SearchHit]]


def _position(row: Any) -> _Position:
    return _Position(tier=row.rank_tier, created_at=row.rank_created_at, id=row.rank_id)


async def _clients(
    session: AsyncSession, caller: Caller, query: _Query, _closed_learnings: bool
) -> _Hits:
    statement = readable_clients(caller).with_only_columns(
        col(Client.id), col(Client.name), col(Client.industry)
    )
    rows = await session.execute(
        query.page(
            statement,
            col(Client.search_text),
            col(Client.search_grams),
            col(Client.created_at),
            col(Client.id),
        )
    )
    return [
        (
            _position(row),
            SearchHit(
                type=SearchType.clients,
                id=row.id,
                title=row.name,
                snippet=row.industry,
                project_id=None,
                project_title=None,
                client_name=row.name,
                result=None,
                created_at=row.rank_created_at,
            ),
        )
        for row in rows
    ]


async def _projects(
    session: AsyncSession, caller: Caller, query: _Query, _closed_learnings: bool
) -> _Hits:
    statement: AnySelect = (
        select(
            col(Project.id),
            col(Project.title),
            col(Project.objective),
            col(Project.status),
            col(Client.name).label("client_name"),
        )
        .outerjoin(Client, col(Client.id) == col(Project.client_id))
        .where(project_visibility(caller))
    )
    rows = await session.execute(
        query.page(
            statement,
            col(Project.search_text),
            col(Project.search_grams),
            col(Project.created_at),
            col(Project.id),
        )
    )
    return [
        (
            _position(row),
            SearchHit(
                type=SearchType.projects,
                id=row.id,
                title=row.title,
                snippet=snippet(row.objective, query.folded),
                project_id=row.id,
                project_title=row.title,
                client_name=row.client_name,
                result=_result(row.status),
                created_at=row.rank_created_at,
            ),
        )
        for row in rows
    ]


def _project_context(statement: AnySelect, caller: Caller) -> AnySelect:
    """A session-bound statement joined to its project and client, with whether the
    caller may open the project (shared learnings do not link to it)."""
    return (
        statement.add_columns(
            col(Project.id).label("project_id"),
            col(Project.title).label("project_title"),
            col(Project.status).label("project_status"),
            col(Client.name).label("client_name"),
            case((project_visibility(caller), literal(True)), else_=literal(False)).label(
                "readable"
            ),
        )
        .join(Project, col(Project.id) == col(MastermindSession.project_id))
        .outerjoin(Client, col(Client.id) == col(Project.client_id))
    )


def _context_fields(row: Any) -> dict[str, Any]:
    return {
        "project_id": row.project_id if row.readable else None,
        "project_title": row.project_title,
        "client_name": row.client_name,
        "result": _result(row.project_status),
    }


async def _ideas(
    session: AsyncSession, caller: Caller, query: _Query, closed_learnings: bool
) -> _Hits:
    statement = _project_context(
        select(
            col(Contribution.id),
            col(Contribution.body),
            col(Contribution.verdict_note),
            col(Contribution.verdict),
        ).join(MastermindSession, col(MastermindSession.id) == col(Contribution.session_id)),
        caller,
    ).where(
        col(Contribution.organization_id) == caller.organization_id,
        contribution_visibility(caller, closed_learnings=closed_learnings),
    )
    rows = await session.execute(
        query.page(
            statement,
            col(Contribution.search_text),
            col(Contribution.search_grams),
            col(Contribution.created_at),
            col(Contribution.id),
        )
    )
    return [
        (
            _position(row),
            SearchHit(
                type=SearchType.ideas,
                id=row.id,
                title=_title(row.body),
                snippet=snippet(" ".join(filter(None, (row.body, row.verdict_note))), query.folded),
                verdict=row.verdict,
                created_at=row.rank_created_at,
                **_context_fields(row),
            ),
        )
        for row in rows
    ]


async def _outcomes(
    session: AsyncSession, caller: Caller, query: _Query, closed_learnings: bool
) -> _Hits:
    statement = _project_context(
        select(
            col(MastermindSession.id),
            col(MastermindSession.title),
            col(MastermindSession.summary),
            col(MastermindSession.decisions),
            col(MastermindSession.recommended_approach),
        ),
        caller,
    ).where(
        col(MastermindSession.organization_id) == caller.organization_id,
        col(MastermindSession.status) == SessionStatus.completed,
        outcome_visibility(caller, closed_learnings=closed_learnings),
    )
    rows = await session.execute(
        query.page(
            statement,
            col(MastermindSession.search_text),
            col(MastermindSession.search_grams),
            col(MastermindSession.created_at),
            col(MastermindSession.id),
        )
    )
    return [
        (
            _position(row),
            SearchHit(
                type=SearchType.outcomes,
                id=row.id,
                title=row.title,
                snippet=snippet(
                    " ".join(
                        filter(
                            None, (row.summary, *(row.decisions or ()), row.recommended_approach)
                        )
                    ),
                    query.folded,
                ),
                created_at=row.rank_created_at,
                **_context_fields(row),
            ),
        )
        for row in rows
    ]


async def _takeaways(
    session: AsyncSession, caller: Caller, query: _Query, _closed_learnings: bool
) -> _Hits:
    # Takeaways are personal notes: found by those who may read their session, not shared.
    statement = _project_context(
        select(col(Takeaway.id), col(Takeaway.body)).join(
            MastermindSession, col(MastermindSession.id) == col(Takeaway.session_id)
        ),
        caller,
    ).where(
        col(Takeaway.organization_id) == caller.organization_id,
        project_visibility(caller),
    )
    rows = await session.execute(
        query.page(
            statement,
            col(Takeaway.search_text),
            col(Takeaway.search_grams),
            col(Takeaway.created_at),
            col(Takeaway.id),
        )
    )
    return [
        (
            _position(row),
            SearchHit(
                type=SearchType.takeaways,
                id=row.id,
                title=_title(row.body),
                snippet=snippet(row.body, query.folded),
                created_at=row.rank_created_at,
                **_context_fields(row),
            ),
        )
        for row in rows
    ]


_SEARCHES = {
    SearchType.clients: _clients,
    SearchType.projects: _projects,
    SearchType.ideas: _ideas,
    SearchType.outcomes: _outcomes,
    SearchType.takeaways: _takeaways,
}
