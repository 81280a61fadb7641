"""The dashboard: what a rep or a manager reads first."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentCaller, SessionDep
from api.errors import problem_responses
from api.routers import API_PREFIX
from api.routers.common import PeriodQuery, Since, Until
from api.schemas.dashboard import Dashboard
from api.services import dashboard as dashboard_service
from api.services.api_keys import key_scope

router = APIRouter(
    dependencies=[key_scope("ledger")],
    prefix=API_PREFIX,
    tags=["insight"],
    responses=problem_responses(401, 422),
)


@router.get("/dashboard", response_model=Dashboard, responses=problem_responses(409))
async def read_dashboard(
    caller: CurrentCaller,
    session: SessionDep,
    period: PeriodQuery = None,
    since: Since = None,
    until: Until = None,
) -> Dashboard:
    """A rep's plate for today; for managers and admins also the team's health. The balances
    and the top givers and takers are for the period (default: this fiscal quarter)."""
    return await dashboard_service.dashboard(
        session=session, caller=caller, since=since, until=until, period_kind=period
    )
