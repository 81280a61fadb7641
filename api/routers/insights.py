"""Insights for managers: whether team selling pays."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from api.deps import CurrentCaller, SessionDep
from api.errors import problem_responses
from api.routers import API_PREFIX
from api.routers.common import PeriodQuery, Since, Until
from api.schemas.insights import ImpactReport
from api.services import insights as insight_service
from api.services.api_keys import key_scope

router = APIRouter(
    dependencies=[key_scope("ledger")],
    prefix=API_PREFIX,
    tags=["insight"],
    responses=problem_responses(401, 422),
)


@router.get(
    "/insights/impact", response_model=ImpactReport, responses=problem_responses(403, 404, 409)
)
async def read_impact(
    caller: CurrentCaller,
    session: SessionDep,
    team_id: uuid.UUID | None = None,
    period: PeriodQuery = None,
    since: Since = None,
    until: Until = None,
) -> ImpactReport:
    """Helped versus solo projects closed in the period: counts, wins, win rates with 95%
    Wilson intervals (none below min_group projects), median days to close and value; by
    session purpose and by team; what the adopted ideas did. Managers and admins."""
    return await insight_service.impact(
        session=session,
        caller=caller,
        team_id=team_id,
        since=since,
        until=until,
        period_kind=period,
    )
