"""Related learnings for a project: what worked before on similar clients."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentCaller, SessionDep
from api.errors import problem_responses
from api.routers import API_PREFIX
from api.schemas.learnings import RelatedLearningList
from api.services import learnings as learning_service
from api.services.api_keys import key_scope

router = APIRouter(
    dependencies=[key_scope("projects")],
    prefix=API_PREFIX,
    tags=["insight"],
    responses=problem_responses(401, 422),
)


@router.get(
    "/projects/{project_id}/related-learnings",
    response_model=RelatedLearningList,
    responses=problem_responses(404),
)
async def related_learnings(
    project_id: uuid.UUID,
    caller: CurrentCaller,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=50, description="How many to return")] = 20,
) -> RelatedLearningList:
    """Adopted ideas and recommended approaches of other projects with similar clients
    (industry, words of the title and objective, session purpose), won and "worked"
    first, each with the reasons it matched."""
    items = await learning_service.related_learnings(
        session=session, caller=caller, project_id=project_id, limit=limit
    )
    return RelatedLearningList(items=items)
