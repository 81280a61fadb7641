"""Calendar feeds: make (a new secret each time) or revoke your own; read one by its secret
URL with no other credential (calendar apps poll it unattended)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from api.deps import CurrentCaller, IdempotencyDep, SessionDep, SettingsDep
from api.errors import problem_responses
from api.routers import API_PREFIX
from api.routers.common import Created, created
from api.schemas.calendar import CalendarFeedRead
from api.services import calendar as calendar_service
from api.services.api_keys import PEOPLE_ONLY

router = APIRouter(prefix=f"{API_PREFIX}/calendar", tags=["calendar"])

ICS_MEDIA_TYPE = "text/calendar"
FeedToken = Annotated[str, Path(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


def _base_url(request: Request, public_base_url: str | None) -> str:
    return public_base_url or str(request.base_url).rstrip("/")


@router.post(
    "/feed",
    dependencies=[PEOPLE_ONLY],
    response_model=CalendarFeedRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 422, 429),
)
async def create_calendar_feed(
    request: Request,
    caller: CurrentCaller,
    session: SessionDep,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
) -> Created:
    """Your secret calendar feed URL (iCalendar) of the sessions you take part in. A new
    secret each time: the previous URL stops working. A retry with the same Idempotency-Key
    answers the same URL (kept sealed meanwhile)."""

    async def produce() -> CalendarFeedRead:
        token = await calendar_service.create_feed(session=session, caller=caller)
        path = calendar_service.FEED_PATH.format(token=token)
        return CalendarFeedRead(url=_base_url(request, settings.public_base_url) + path)

    return created(
        await idempotency.run(produce, status_code=status.HTTP_201_CREATED, sealed=("url",))
    )


@router.delete(
    "/feed",
    dependencies=[PEOPLE_ONLY],
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 429),
)
async def revoke_calendar_feed(caller: CurrentCaller, session: SessionDep) -> None:
    """Revoke your calendar feed: its URL answers 404 from now on."""
    await calendar_service.revoke_feed(session=session, caller=caller)


@router.get(
    "/feed/{token}.ics",
    response_class=Response,
    responses={
        200: {"content": {ICS_MEDIA_TYPE: {"schema": {"type": "string"}}}},
        **problem_responses(404, 422),
    },
)
async def read_calendar_feed(
    token: FeedToken, session: SessionDep, settings: SettingsDep
) -> Response:
    """The feed itself (text/calendar), for calendar apps: the secret in the URL is the only
    credential. Cancelled sessions appear as STATUS:CANCELLED, with the mails' UIDs."""
    body = await calendar_service.render_feed(
        session=session, token=token, base_url=calendar_service.spa_base_url(settings)
    )
    return Response(
        content=body,
        media_type=ICS_MEDIA_TYPE,
        headers={"cache-control": "private, no-store"},
    )
