"""Takeaways: each participant's one note of what they learned in a session."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse

from api.deps import CurrentCaller, SessionDep
from api.errors import problem_responses
from api.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from api.routers import API_PREFIX
from api.schemas.takeaways import TakeawayPage, TakeawayRead, TakeawayWrite
from api.services import takeaways as takeaway_service
from api.services.api_keys import key_scope

router = APIRouter(
    dependencies=[key_scope("sessions")],
    prefix=API_PREFIX,
    tags=["sessions"],
    responses=problem_responses(401, 422),
)


@router.get(
    "/sessions/{session_id}/takeaways",
    response_model=TakeawayPage,
    responses=problem_responses(404),
)
async def list_takeaways(
    session_id: uuid.UUID,
    caller: CurrentCaller,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> TakeawayPage:
    """What the participants took away from the session, one takeaway per person."""
    takeaways, next_cursor = await takeaway_service.list_takeaways(
        session=session, caller=caller, session_id=session_id, limit=limit, cursor=cursor
    )
    return TakeawayPage(
        items=[TakeawayRead.model_validate(t) for t in takeaways], next_cursor=next_cursor
    )


@router.post(
    "/sessions/{session_id}/takeaways",
    status_code=status.HTTP_201_CREATED,
    response_model=TakeawayRead,
    responses={
        200: {"model": TakeawayRead, "description": "Your takeaway, edited"},
        **problem_responses(403, 404, 409),
    },
)
async def write_takeaway(
    session_id: uuid.UUID, data: TakeawayWrite, caller: CurrentCaller, session: SessionDep
) -> TakeawayRead | JSONResponse:
    """Write or replace your takeaway for the session: 201 the first time, 200 when it replaces
    yours."""
    takeaway, was_created = await takeaway_service.write_takeaway(
        session=session, caller=caller, session_id=session_id, data=data
    )
    body = TakeawayRead.model_validate(takeaway)
    if was_created:
        return body
    return JSONResponse(body.model_dump(mode="json"), status_code=status.HTTP_200_OK)
