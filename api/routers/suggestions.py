"""Suggested helpers for a project."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentCaller, SessionDep
from api.errors import problem_responses
from api.routers import API_PREFIX
from api.schemas.suggestions import SuggestedHelperList
from api.services import suggestions as suggestion_service
from api.services.api_keys import key_scope

router = APIRouter(
    dependencies=[key_scope("projects")],
    prefix=API_PREFIX,
    tags=["insight"],
    responses=problem_responses(401, 422),
)


@router.get(
    "/projects/{project_id}/suggested-helpers",
    response_model=SuggestedHelperList,
    responses=problem_responses(403, 404),
)
async def suggested_helpers(
    project_id: uuid.UUID,
    caller: CurrentCaller,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=50, description="How many to propose")] = 10,
) -> SuggestedHelperList:
    """Colleagues to invite, best first, each with the reasons for the score."""
    items = await suggestion_service.suggest_helpers(
        session=session, caller=caller, project_id=project_id, limit=limit
    )
    return SuggestedHelperList(items=items)
