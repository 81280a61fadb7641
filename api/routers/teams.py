"""Teams and their members."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from api.deps import CurrentCaller, IdempotencyDep, SessionDep
from api.errors import problem_responses
from api.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from api.routers import API_PREFIX
from api.routers.common import Created, created
from api.schemas.teams import TeamCreate, TeamPage, TeamRead, TeamUpdate
from api.services import teams as team_service
from api.services.api_keys import PEOPLE_ONLY

router = APIRouter(
    dependencies=[PEOPLE_ONLY],
    prefix=f"{API_PREFIX}/teams",
    tags=["teams"],
    responses=problem_responses(401, 422),
)


@router.get("", response_model=TeamPage)
async def list_teams(
    caller: CurrentCaller,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    member_id: uuid.UUID | None = None,
    manager_id: uuid.UUID | None = None,
) -> TeamPage:
    """The organization's teams with their managers and members."""
    return await team_service.list_teams(
        session=session,
        caller=caller,
        limit=limit,
        cursor=cursor,
        member_id=member_id,
        manager_id=manager_id,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TeamRead,
    responses=problem_responses(403, 404, 409),
)
async def create_team(
    data: TeamCreate, caller: CurrentCaller, session: SessionDep, idempotency: IdempotencyDep
) -> Created:
    """Create a team (admins), optionally naming its manager and members. Send
    Idempotency-Key to make a retry safe."""

    async def produce() -> TeamRead:
        return await team_service.create_team(session=session, caller=caller, data=data)

    return created(await idempotency.run(produce, status_code=status.HTTP_201_CREATED))


@router.get("/{team_id}", response_model=TeamRead, responses=problem_responses(404))
async def get_team(team_id: uuid.UUID, caller: CurrentCaller, session: SessionDep) -> TeamRead:
    """One team with its members; another organization's id is 404."""
    return await team_service.get_team(session=session, caller=caller, team_id=team_id)


@router.patch("/{team_id}", response_model=TeamRead, responses=problem_responses(403, 404, 409))
async def update_team(
    team_id: uuid.UUID, data: TeamUpdate, caller: CurrentCaller, session: SessionDep
) -> TeamRead:
    """Rename a team or change its manager (admins)."""
    return await team_service.update_team(
        session=session, caller=caller, team_id=team_id, data=data
    )


@router.delete(
    "/{team_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(403, 404)
)
async def delete_team(team_id: uuid.UUID, caller: CurrentCaller, session: SessionDep) -> None:
    """Delete a team (admins); its members stay in the organization."""
    await team_service.delete_team(session=session, caller=caller, team_id=team_id)


@router.put(
    "/{team_id}/members/{user_id}", response_model=TeamRead, responses=problem_responses(403, 404)
)
async def add_team_member(
    team_id: uuid.UUID, user_id: uuid.UUID, caller: CurrentCaller, session: SessionDep
) -> TeamRead:
    """Put a person in a team (admins, or the team's manager). Idempotent: the same PUT again
    changes nothing."""
    return await team_service.add_member(
        session=session, caller=caller, team_id=team_id, user_id=user_id
    )


@router.delete(
    "/{team_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(403, 404),
)
async def remove_team_member(
    team_id: uuid.UUID, user_id: uuid.UUID, caller: CurrentCaller, session: SessionDep
) -> None:
    """Take a person out of a team (admins, or the team's manager); they stay in the
    organization."""
    await team_service.remove_member(
        session=session, caller=caller, team_id=team_id, user_id=user_id
    )
