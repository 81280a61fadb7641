"""Contributions to a session and the votes on them."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from api.deps import CurrentCaller, IdempotencyDep, SessionDep
from api.errors import problem_responses
from api.models import ContributionKind, ContributionStatus
from api.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from api.routers import API_PREFIX
from api.routers.common import Created, created
from api.schemas.contributions import (
    ContributionCreate,
    ContributionMerge,
    ContributionPage,
    ContributionRead,
    ContributionUpdate,
    ContributionVerdict,
    IdeasAwaitingVerdictPage,
)
from api.services import contributions as contribution_service
from api.services.api_keys import key_scope

router = APIRouter(
    dependencies=[key_scope("sessions")],
    prefix=API_PREFIX,
    tags=["sessions"],
    responses=problem_responses(401, 422),
)


@router.get(
    "/sessions/{session_id}/contributions",
    response_model=ContributionPage,
    responses=problem_responses(404),
)
async def list_contributions(
    session_id: uuid.UUID,
    caller: CurrentCaller,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    kind: ContributionKind | None = None,
    status: ContributionStatus | None = None,
) -> ContributionPage:
    """The session's contributions (ideas, questions, risks, insights) with their votes, your own
    vote and their status; `kind` and `status` filter."""
    return await contribution_service.list_contributions(
        session=session,
        caller=caller,
        session_id=session_id,
        limit=limit,
        cursor=cursor,
        kind=kind,
        status=status,
    )


@router.post(
    "/sessions/{session_id}/contributions",
    status_code=status.HTTP_201_CREATED,
    response_model=ContributionRead,
    responses=problem_responses(403, 404, 409),
)
async def create_contribution(
    session_id: uuid.UUID,
    data: ContributionCreate,
    caller: CurrentCaller,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Created:
    """Add a contribution to a live session (participants). Send Idempotency-Key to make a retry
    safe."""

    async def produce() -> ContributionRead:
        return await contribution_service.create_contribution(
            session=session, caller=caller, session_id=session_id, data=data
        )

    return created(await idempotency.run(produce, status_code=status.HTTP_201_CREATED))


@router.get(
    "/contributions/{contribution_id}",
    response_model=ContributionRead,
    responses=problem_responses(404),
)
async def get_contribution(
    contribution_id: uuid.UUID, caller: CurrentCaller, session: SessionDep
) -> ContributionRead:
    """One contribution, as you may see it now: in a mastermind session's write phase
    another's card is 404, and its author stays hidden until completion when anonymous."""
    return await contribution_service.get_contribution(
        session=session, caller=caller, contribution_id=contribution_id
    )


@router.patch(
    "/contributions/{contribution_id}",
    response_model=ContributionRead,
    responses=problem_responses(403, 404, 409),
)
async def update_contribution(
    contribution_id: uuid.UUID, data: ContributionUpdate, caller: CurrentCaller, session: SessionDep
) -> ContributionRead:
    """Edit your own contribution, or adopt, park or reject one (the owner, facilitator,
    managers, admins)."""
    return await contribution_service.update_contribution(
        session=session, caller=caller, contribution_id=contribution_id, data=data
    )


@router.post(
    "/contributions/{contribution_id}/merge",
    response_model=ContributionRead,
    responses=problem_responses(403, 404, 409),
)
async def merge_contribution(
    contribution_id: uuid.UUID, data: ContributionMerge, caller: CurrentCaller, session: SessionDep
) -> ContributionRead:
    """Merge a duplicate into another card of the session (the owner, facilitator, managers,
    admins): the votes move to the survivor, a voter who voted for both counts once, and the
    duplicate is gone. Answers the survivor."""
    return await contribution_service.merge_contribution(
        session=session, caller=caller, contribution_id=contribution_id, data=data
    )


@router.post(
    "/contributions/{contribution_id}/verdict",
    response_model=ContributionRead,
    responses=problem_responses(403, 404, 409),
)
async def record_verdict(
    contribution_id: uuid.UUID,
    data: ContributionVerdict,
    caller: CurrentCaller,
    session: SessionDep,
) -> ContributionRead:
    """After the client meeting: did the adopted idea work, not work, or was it not tried?"""
    return await contribution_service.set_verdict(
        session=session, caller=caller, contribution_id=contribution_id, data=data
    )


@router.post(
    "/contributions/{contribution_id}/vote",
    response_model=ContributionRead,
    responses=problem_responses(403, 404, 409),
)
async def vote(
    contribution_id: uuid.UUID, caller: CurrentCaller, session: SessionDep
) -> ContributionRead:
    """Give a contribution your vote (participants; your own is 409). One vote per person: voting
    again changes nothing."""
    return await contribution_service.set_vote(
        session=session, caller=caller, contribution_id=contribution_id, voted=True
    )


@router.delete(
    "/contributions/{contribution_id}/vote",
    response_model=ContributionRead,
    responses=problem_responses(403, 404, 409),
)
async def unvote(
    contribution_id: uuid.UUID, caller: CurrentCaller, session: SessionDep
) -> ContributionRead:
    """Take your vote back; taking back a vote you did not give changes nothing."""
    return await contribution_service.set_vote(
        session=session, caller=caller, contribution_id=contribution_id, voted=False
    )


@router.get(
    "/projects/{project_id}/ideas-awaiting-verdict",
    response_model=IdeasAwaitingVerdictPage,
    responses=problem_responses(404),
)
async def ideas_awaiting_verdict(
    project_id: uuid.UUID,
    caller: CurrentCaller,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> IdeasAwaitingVerdictPage:
    """The project's adopted ideas from its completed sessions that have no verdict yet,
    newest first, each with the session it came from; the debrief session shows them.
    `can_record_verdict` says whether you may record what they did (the owner, managers,
    admins); anyone who reads the project reads the list."""
    return await contribution_service.list_awaiting_verdict(
        session=session, caller=caller, project_id=project_id, limit=limit, cursor=cursor
    )
