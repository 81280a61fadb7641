"""A person's contribution record for a period, as JSON or CSV (an appraisal interview)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response

from api.deps import CurrentCaller, SessionDep
from api.errors import problem_responses
from api.routers import API_PREFIX
from api.routers.common import PeriodQuery, Since, Until
from api.schemas.contribution_records import ContributionRecord
from api.services import contribution_records as record_service
from api.services.api_keys import key_scope

router = APIRouter(
    dependencies=[key_scope("ledger")],
    prefix=API_PREFIX,
    tags=["insight"],
    responses=problem_responses(401, 422),
)


@router.get(
    "/users/{user_id:uuid}/contribution-record",
    response_model=ContributionRecord,
    responses={
        **problem_responses(403, 404, 409),
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
    },
)
async def read_contribution_record(
    user_id: uuid.UUID,
    caller: CurrentCaller,
    session: SessionDep,
    accept: Annotated[str | None, Header(max_length=1000)] = None,
    period: PeriodQuery = None,
    since: Since = None,
    until: Until = None,
) -> ContributionRecord | Response:
    """Minutes given and received, sessions, adopted ideas and what they did, colleagues'
    projects helped and their results, takeaways. The person, managers and admins; CSV
    with ``Accept: text/csv``."""
    record = await record_service.contribution_record(
        session=session,
        caller=caller,
        user_id=user_id,
        since=since,
        until=until,
        period_kind=period,
    )
    if accept and "text/csv" in accept:
        return Response(
            record_service.record_csv(record),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="contribution-record.csv"'},
        )
    return record
