"""A project's progress: sessions, action items, and its time budget."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from api.deps import CurrentCaller, SessionDep
from api.errors import problem_responses
from api.routers import API_PREFIX
from api.schemas.progress import ProjectProgress
from api.services import progress as progress_service
from api.services.api_keys import key_scope

router = APIRouter(
    dependencies=[key_scope("ledger")],
    prefix=API_PREFIX,
    tags=["insight"],
    responses=problem_responses(401, 422),
)


@router.get(
    "/projects/{project_id}/progress",
    response_model=ProjectProgress,
    responses=problem_responses(404),
)
async def read_progress(
    project_id: uuid.UUID, caller: CurrentCaller, session: SessionDep
) -> ProjectProgress:
    """The project's progress: budget burned per helper, sessions held, ideas adopted, open
    action items, and a warning when the budget is about to run out."""
    return await progress_service.project_progress(
        session=session, caller=caller, project_id=project_id
    )
