"""Calendar feeds: make (a new secret each time) or revoke your own; read one by its secret
URL with no other credential (calendar apps poll it unattended)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from api.deps import CurrentCaller, SessionDep, SettingsDep
from api.errors import problem_responses
from api.routers import API_PREFIX
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
    responses=problem_responses(401, 403, 429),
)
async def create_calendar_feed(
    request: Request, caller: CurrentCaller, session: SessionDep, settings: SettingsDep
) -> CalendarFeedRead:
    token = await calendar_service.create_feed(session=session, caller=caller)
    path = calendar_service.FEED_PATH.format(token=token)
    return CalendarFeedRead(url=_base_url(request, settings.public_base_url) + path)


@router.delete(
    "/feed",
    dependencies=[PEOPLE_ONLY],
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 429),
)
async def revoke_calendar_feed(caller: CurrentCaller, session: SessionDep) -> None:
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
    body = await calendar_service.render_feed(
        session=session, token=token, base_url=calendar_service.spa_base_url(settings)
    )
    return Response(
        content=body,
        media_type=ICS_MEDIA_TYPE,
        headers={"cache-control": "private, no-store"},
    )
