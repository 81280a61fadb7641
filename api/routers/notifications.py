"""Notifications: your inbox (newest first, or only the unread), marking read, and the live
stream of new ones the SPA keeps open (the bell)."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from api.deps import CurrentCaller, SessionDep, SettingsDep, StreamCredentialsDep
from api.errors import problem_responses
from api.events import StreamWatch
from api.models import utcnow
from api.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from api.routers import API_PREFIX
from api.schemas.notifications import NotificationPage, NotificationRead, ReadAllResult
from api.services import notifications as notification_service
from api.services.api_keys import PEOPLE_ONLY

router = APIRouter(
    dependencies=[PEOPLE_ONLY],
    prefix=f"{API_PREFIX}/notifications",
    tags=["notifications"],
    responses=problem_responses(401, 403, 422),
)


@router.get("", response_model=NotificationPage)
async def list_notifications(
    caller: CurrentCaller,
    session: SessionDep,
    unread: Annotated[bool, Query(description="Only the unread ones")] = False,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> NotificationPage:
    """Your notifications, newest first, with how many are unread in all."""
    items, next_cursor, unread_count = await notification_service.list_notifications(
        session=session, caller=caller, unread=unread, limit=limit, cursor=cursor
    )
    return NotificationPage(items=items, next_cursor=next_cursor, unread_count=unread_count)


@router.post("/read-all", response_model=ReadAllResult)
async def read_all_notifications(caller: CurrentCaller, session: SessionDep) -> ReadAllResult:
    """Mark every notification of yours read."""
    marked = await notification_service.mark_all_read(session=session, caller=caller)
    return ReadAllResult(marked=marked)


@router.post(
    "/{notification_id}/read", response_model=NotificationRead, responses=problem_responses(404)
)
async def read_notification(
    notification_id: uuid.UUID, caller: CurrentCaller, session: SessionDep
) -> NotificationRead:
    """Mark one of your notifications read (again: no change). Someone else's is not found."""
    return await notification_service.mark_read(
        session=session, caller=caller, notification_id=notification_id
    )


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "Server-Sent Events: notification.created (the notification, its id "
            "the event id) and notification.read (ids, or all); resume with Last-Event-ID. "
            "It ends when the access token expires or the reader is signed out",
        },
    },
)
async def notification_events(
    request: Request,
    caller: CurrentCaller,
    credentials: StreamCredentialsDep,
    settings: SettingsDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=40)] = None,
) -> StreamingResponse:
    """Your new notifications as they happen, for the bell. Resume with Last-Event-ID (the
    last notification's id) to get what came meanwhile."""
    state = request.app.state
    watch = StreamWatch(
        still_allowed=partial(
            notification_service.reader_still_signed_in,
            sessionmaker=state.read_sessionmaker,
            authenticate=credentials.reauthenticate,
        ),
        check_seconds=settings.live_access_check_seconds,
        expires_at=credentials.expires_at,
    )
    return StreamingResponse(
        state.live_hub.person_stream(
            caller.user_id,
            replay=notification_service.replayer(state.read_sessionmaker, caller.user_id, utcnow()),
            last_event_id=last_event_id,
            is_disconnected=request.is_disconnected,
            watch=watch,
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
