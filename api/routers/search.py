"""Search across the team's memory: clients, projects, ideas, outcomes and takeaways."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentCaller, SessionDep
from api.errors import InvalidInput, problem_responses
from api.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from api.routers import API_PREFIX
from api.schemas.base import NOT_BLANK
from api.schemas.search import SearchPage, SearchType
from api.services import search as search_service
from api.services.api_keys import key_scope

router = APIRouter(
    # What search finds is mostly project material (ideas, outcomes): a key reads it with
    # projects:read.
    dependencies=[key_scope("projects")],
    prefix=API_PREFIX,
    tags=["search"],
    responses=problem_responses(401, 422),
)

_ALL_TYPES = ",".join(SearchType)
# A comma-separated list of known types, said in the schema so clients (and the fuzzer)
# know exactly what is accepted.
_ONE_TYPE = "(" + "|".join(SearchType) + ")"
_TYPES_PATTERN = rf"^ *{_ONE_TYPE} *(, *{_ONE_TYPE} *)*$"


def _types(value: str) -> list[SearchType]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in SearchType.__members__]
    if unknown or not names:
        raise InvalidInput(
            f"Unknown search type {', '.join(unknown) or '(none)'}; use {_ALL_TYPES}.",
            loc=["query", "types"],
        )
    return [SearchType(name) for name in names]


@router.get("/search", response_model=SearchPage)
async def search(
    caller: CurrentCaller,
    session: SessionDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            pattern=NOT_BLANK,
            description="Text to find, folded (case, width, hiragana as katakana)",
        ),
    ],
    types: Annotated[
        str,
        Query(
            max_length=200,
            pattern=_TYPES_PATTERN,
            description=f"Comma-separated types to search, of {_ALL_TYPES} (default: all)",
        ),
    ] = _ALL_TYPES,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> SearchPage:
    """What the caller may read, plus adopted ideas and outcomes of closed projects when
    the organization shares closed learnings; exact, then prefix, then substring matches,
    newest first within each."""
    return await search_service.search(
        session=session, caller=caller, q=q, types=_types(types), limit=limit, cursor=cursor
    )
