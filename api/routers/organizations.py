"""The caller's organization and its settings: GET for everyone in it, PATCH for admins."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import CurrentCaller, IfMatch, SessionDep
from api.errors import problem_responses
from api.openapi import ETAG_RESPONSE
from api.routers import API_PREFIX
from api.routers.common import with_etag
from api.schemas.organizations import OrganizationSettingsRead, OrganizationUpdate
from api.services import organizations as organization_service
from api.services.api_keys import PEOPLE_ONLY

router = APIRouter(
    dependencies=[PEOPLE_ONLY],
    prefix=f"{API_PREFIX}/organization",
    tags=["organization"],
    responses=problem_responses(401, 422),
)


@router.get("", response_model=OrganizationSettingsRead, responses={200: ETAG_RESPONSE})
async def get_organization(
    caller: CurrentCaller, session: SessionDep, response: Response
) -> OrganizationSettingsRead:
    """The organization's settings: time zone, fiscal year, default currency, language."""
    read = await organization_service.get_organization(session=session, caller=caller)
    with_etag(response, read)
    return read


@router.patch(
    "",
    response_model=OrganizationSettingsRead,
    responses={**problem_responses(403, 412), 200: ETAG_RESPONSE},
)
async def update_organization(
    data: OrganizationUpdate,
    caller: CurrentCaller,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> OrganizationSettingsRead:
    """Change settings (admins). A new time zone rebuilds the ledger before the answer."""
    read = await organization_service.update_organization(
        session=session, caller=caller, data=data, if_match=if_match
    )
    with_etag(response, read)
    return read
