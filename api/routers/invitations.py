"""Invitations: the seats offered to the caller, to accept or decline."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentCaller, SessionDep
from api.errors import problem_responses
from api.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from api.routers import API_PREFIX
from api.schemas.invitations import InvitationPage
from api.services import invitations as invitation_service
from api.services.api_keys import PEOPLE_ONLY

router = APIRouter(
    dependencies=[PEOPLE_ONLY],
    prefix=f"{API_PREFIX}/invitations",
    tags=["invitations"],
    responses=problem_responses(401, 403, 422),
)


@router.get("", response_model=InvitationPage)
async def list_invitations(
    caller: CurrentCaller,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> InvitationPage:
    """The caller's pending seats on open projects; answer each with
    ``PATCH /projects/{project_id}/members/{user_id}`` and ``{"state": "active"}`` or
    ``{"state": "declined"}``."""
    items, next_cursor = await invitation_service.list_invitations(
        session=session, caller=caller, limit=limit, cursor=cursor
    )
    return InvitationPage(items=items, next_cursor=next_cursor)
