"""The reciprocity ledger: the organization's and one person's."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from api.deps import CurrentCaller, SessionDep
from api.errors import problem_responses
from api.routers import API_PREFIX
from api.routers.common import PeriodQuery, Since, Until
from api.schemas.ledger import LedgerPage, LedgerRow
from api.services import ledger as ledger_service
from api.services.api_keys import key_scope

router = APIRouter(
    dependencies=[key_scope("ledger")],
    prefix=API_PREFIX,
    tags=["insight"],
    responses=problem_responses(401, 422),
)


@router.get("/ledger", response_model=LedgerPage, responses=problem_responses(403, 404, 409))
async def read_ledger(
    caller: CurrentCaller,
    session: SessionDep,
    team_id: uuid.UUID | None = None,
    period: PeriodQuery = None,
    since: Since = None,
    until: Until = None,
) -> LedgerPage:
    """Per person: minutes given to others' projects, received on their own, and the balance."""
    resolved, rows = await ledger_service.ledger(
        session=session,
        caller=caller,
        team_id=team_id,
        since=since,
        until=until,
        period_kind=period,
    )
    return LedgerPage(
        items=rows,
        since=resolved.since,
        until=resolved.until,
        period=resolved.kind,
        fiscal_year=resolved.fiscal_year,
        quarter=resolved.quarter,
    )


@router.get(
    "/users/{user_id:uuid}/ledger",
    response_model=LedgerRow,
    responses=problem_responses(403, 404, 409),
)
async def read_user_ledger(
    user_id: uuid.UUID,
    caller: CurrentCaller,
    session: SessionDep,
    period: PeriodQuery = None,
    since: Since = None,
    until: Until = None,
) -> LedgerRow:
    """One person's reciprocity in the period: minutes given and received, ideas adopted, per
    project and over time."""
    _period, row = await ledger_service.user_ledger(
        session=session,
        caller=caller,
        user_id=user_id,
        since=since,
        until=until,
        period_kind=period,
    )
    return row
