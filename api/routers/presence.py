"""Presence: who is in a session's live room now, and for how long they have been."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from api.deps import ClockDep, CurrentCaller, SessionDep, SettingsDep
from api.errors import problem_responses
from api.routers import API_PREFIX
from api.schemas.presence import PresenceList
from api.services import sessions as session_service
from api.services.api_keys import key_scope

router = APIRouter(
    dependencies=[key_scope("sessions")],
    prefix=API_PREFIX,
    tags=["sessions"],
    responses=problem_responses(401, 422),
)


@router.get(
    "/sessions/{session_id}/presence",
    response_model=PresenceList,
    responses=problem_responses(404),
)
async def get_presence(
    session_id: uuid.UUID,
    caller: CurrentCaller,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> PresenceList:
    """Who is in the room now (holds its live stream open) and for how many minutes they
    have been, merged over tabs and API processes: the invited and everyone who joined."""
    items = await session_service.get_presence(
        session=session,
        caller=caller,
        session_id=session_id,
        now=clock(),
        stale_after=settings.presence_stale_after,
    )
    return PresenceList(items=items)
