"""Help requests: ask a colleague to help on a project, with a message; they accept (and are
seated as a helper) or decline."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from api.deps import CurrentCaller, IdempotencyDep, SessionDep
from api.errors import problem_responses
from api.routers import API_PREFIX
from api.routers.common import Created, created
from api.schemas.help_requests import HelpRequestCreate, HelpRequestRead
from api.services import help_requests as help_request_service
from api.services.api_keys import PEOPLE_ONLY

router = APIRouter(
    dependencies=[PEOPLE_ONLY],
    prefix=f"{API_PREFIX}/help-requests",
    tags=["help-requests"],
    responses=problem_responses(401, 403, 422),
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=HelpRequestRead,
    responses=problem_responses(404, 409),
)
async def create_help_request(
    data: HelpRequestCreate,
    caller: CurrentCaller,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Created:
    """Ask a colleague to help on a project (the owner, managers and admins, who may invite
    to it); they are notified in the app and by mail, as they chose. Send Idempotency-Key
    to make a retry safe."""

    async def produce() -> HelpRequestRead:
        return await help_request_service.create_help_request(
            session=session, caller=caller, data=data
        )

    return created(await idempotency.run(produce, status_code=status.HTTP_201_CREATED))


@router.post(
    "/{help_request_id}/accept",
    response_model=HelpRequestRead,
    responses=problem_responses(404, 409),
)
async def accept_help_request(
    help_request_id: uuid.UUID, caller: CurrentCaller, session: SessionDep
) -> HelpRequestRead:
    """Yes: you become a helper of the project (the asker's invitation, accepted by you). Only
    the person asked answers; anyone else gets 404."""
    return await help_request_service.accept_help_request(
        session=session, caller=caller, request_id=help_request_id
    )


@router.post(
    "/{help_request_id}/decline",
    response_model=HelpRequestRead,
    responses=problem_responses(404, 409),
)
async def decline_help_request(
    help_request_id: uuid.UUID, caller: CurrentCaller, session: SessionDep
) -> HelpRequestRead:
    """No, thank you: the asker is told. Only the person asked answers."""
    return await help_request_service.decline_help_request(
        session=session, caller=caller, request_id=help_request_id
    )
