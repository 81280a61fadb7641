"""The reciprocity ledger: the organization's and one person's."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentCaller, SessionDep
from api.errors import problem_responses
from api.routers import API_PREFIX
from api.schemas.base import PeriodDay
from api.schemas.ledger import LedgerPage, LedgerRow
from api.services import ledger as ledger_service
from api.services.api_keys import key_scope

router = APIRouter(
    dependencies=[key_scope("ledger")],
    prefix=API_PREFIX,
    tags=["insight"],
    responses=problem_responses(401, 422),
)

Since = Annotated[
    PeriodDay | None,
    Query(description="First day (organization's time zone); default: start of this quarter"),
]
Until = Annotated[PeriodDay | None, Query(description="Last day, inclusive; default: today")]


@router.get("/ledger", response_model=LedgerPage, responses=problem_responses(403, 404, 409))
async def read_ledger(
    caller: CurrentCaller,
    session: SessionDep,
    team_id: uuid.UUID | None = None,
    since: Since = None,
    until: Until = None,
) -> LedgerPage:
    """Per person: minutes given to others' projects, received on their own, and the balance."""
    period, rows = await ledger_service.ledger(
        session=session, caller=caller, team_id=team_id, since=since, until=until
    )
    return LedgerPage(items=rows, since=period.since, until=period.until)


@router.get(
    "/users/{user_id:uuid}/ledger",
    response_model=LedgerRow,
    responses=problem_responses(403, 404, 409),
)
async def read_user_ledger(
    user_id: uuid.UUID,
    caller: CurrentCaller,
    session: SessionDep,
    since: Since = None,
    until: Until = None,
) -> LedgerRow:
    _period, row = await ledger_service.user_ledger(
        session=session, caller=caller, user_id=user_id, since=since, until=until
    )
    return row
