"""Time entries: minutes members log on a project outside sessions."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from api.deps import CurrentCaller, IdempotencyDep, SessionDep
from api.errors import problem_responses
from api.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from api.routers import API_PREFIX
from api.routers.common import Created, created
from api.schemas.time_entries import TimeEntryCreate, TimeEntryPage, TimeEntryRead
from api.services import time_entries as time_entry_service
from api.services.api_keys import key_scope

router = APIRouter(
    dependencies=[key_scope("projects")],
    prefix=API_PREFIX,
    tags=["action-items"],
    responses=problem_responses(401, 422),
)


@router.get(
    "/projects/{project_id}/time-entries",
    response_model=TimeEntryPage,
    responses=problem_responses(404),
)
async def list_time_entries(
    project_id: uuid.UUID,
    caller: CurrentCaller,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    user_id: uuid.UUID | None = None,
) -> TimeEntryPage:
    """Time logged on the project, newest first."""
    entries, next_cursor = await time_entry_service.list_time_entries(
        session=session,
        caller=caller,
        project_id=project_id,
        limit=limit,
        cursor=cursor,
        user_id=user_id,
    )
    return TimeEntryPage(
        items=[TimeEntryRead.model_validate(e) for e in entries], next_cursor=next_cursor
    )


@router.post(
    "/projects/{project_id}/time-entries",
    status_code=status.HTTP_201_CREATED,
    response_model=TimeEntryRead,
    responses=problem_responses(403, 404, 409),
)
async def log_time(
    project_id: uuid.UUID,
    data: TimeEntryCreate,
    caller: CurrentCaller,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Created:
    """Log minutes spent helping on the project outside a session; they count against the
    helper's budget. Send Idempotency-Key to make a retry safe."""

    async def produce() -> TimeEntryRead:
        entry = await time_entry_service.log_time(
            session=session, caller=caller, project_id=project_id, data=data
        )
        return TimeEntryRead.model_validate(entry)

    return created(await idempotency.run(produce, status_code=status.HTTP_201_CREATED))
