"""Sessions: scheduling, the state machine, the outcome and its feed, and the live room's
Server-Sent Events. Presence, contributions and takeaways have their own routers."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from api.deps import (
    ClockDep,
    CurrentCaller,
    IdempotencyDep,
    IfMatch,
    SessionDep,
    SettingsDep,
    StreamCredentialsDep,
)
from api.errors import problem_responses
from api.events import StreamWatch
from api.models import SessionStatus
from api.openapi import ETAG_RESPONSE
from api.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from api.routers import API_PREFIX
from api.routers.common import Created, created, with_etag
from api.schemas.base import Timestamp
from api.schemas.sessions import (
    SessionComplete,
    SessionCreate,
    SessionOutcome,
    SessionPage,
    SessionPhaseChange,
    SessionRead,
    SessionSort,
    SessionUpdate,
)
from api.services import contributions as contribution_service
from api.services import sessions as session_service
from api.services.api_keys import key_scope
from api.services.presence import PresenceTracker

router = APIRouter(
    dependencies=[key_scope("sessions")],
    prefix=API_PREFIX,
    tags=["sessions"],
    responses=problem_responses(401, 422),
)


@router.get(
    "/projects/{project_id}/sessions", response_model=SessionPage, responses=problem_responses(404)
)
async def list_project_sessions(
    project_id: uuid.UUID,
    caller: CurrentCaller,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    status: SessionStatus | None = None,
) -> SessionPage:
    """The project's sessions, newest planned first; `status` filters."""
    return await session_service.list_project_sessions(
        session=session,
        caller=caller,
        project_id=project_id,
        limit=limit,
        cursor=cursor,
        status=status,
    )


@router.post(
    "/projects/{project_id}/sessions",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionRead,
    responses=problem_responses(403, 404, 409),
)
async def create_session(
    project_id: uuid.UUID,
    data: SessionCreate,
    caller: CurrentCaller,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Created:
    """Plan a time-boxed session on the project (its owner, facilitator, managers, admins). Send
    Idempotency-Key to make a retry safe."""

    async def produce() -> SessionRead:
        return await session_service.create_session(
            session=session, caller=caller, project_id=project_id, data=data
        )

    return created(await idempotency.run(produce, status_code=status.HTTP_201_CREATED))


@router.get("/sessions", response_model=SessionPage)
async def list_sessions(
    caller: CurrentCaller,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    project_id: uuid.UUID | None = None,
    status: SessionStatus | None = None,
    updated_since: Annotated[Timestamp | None, Query(description="RFC 3339 with offset")] = None,
    sort: SessionSort = SessionSort.updated_at,
    include: Annotated[
        Literal["outcome"] | None,
        Query(description="outcome: inline each session's outcome (one request per page)"),
    ] = None,
) -> SessionPage:
    """The outcomes feed: ordered by (updated_at, id); follow next_cursor to the end. With
    ``sort=scheduled_at`` (soonest first) or ``-scheduled_at`` (newest first) a list for
    people, in the order the sessions are planned."""
    return await session_service.list_sessions(
        session=session,
        caller=caller,
        limit=limit,
        cursor=cursor,
        project_id=project_id,
        status=status,
        updated_since=updated_since,
        sort=sort,
        with_outcome=include == "outcome",
    )


@router.get(
    "/sessions/{session_id}",
    response_model=SessionRead,
    responses={**problem_responses(404), 200: ETAG_RESPONSE},
)
async def get_session(
    session_id: uuid.UUID, caller: CurrentCaller, session: SessionDep, response: Response
) -> SessionRead:
    """One session with its participants and, once completed, its outcome fields; the ETag header
    is its version for If-Match."""
    read = await session_service.get_session(session=session, caller=caller, session_id=session_id)
    with_etag(response, read)
    return read


@router.patch(
    "/sessions/{session_id}",
    response_model=SessionRead,
    responses={**problem_responses(403, 404, 409, 412), 200: ETAG_RESPONSE},
)
async def update_session(
    session_id: uuid.UUID,
    data: SessionUpdate,
    caller: CurrentCaller,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> SessionRead:
    """Change a session: title, agenda, time, time box, facilitator (its owner, facilitator,
    managers, admins). While live the agenda and schedule are read-only; a completed session
    takes only outcome corrections; a cancelled one is 409. If-Match guards against lost
    updates (412)."""
    read = await session_service.update_session(
        session=session, caller=caller, session_id=session_id, data=data, if_match=if_match
    )
    with_etag(response, read)
    return read


@router.post(
    "/sessions/{session_id}/start",
    response_model=SessionRead,
    responses=problem_responses(403, 404, 409),
)
async def start_session(
    session_id: uuid.UUID, caller: CurrentCaller, session: SessionDep, clock: ClockDep
) -> SessionRead:
    """Start a scheduled session: the held duration counts from now. Starting twice is 409."""
    return await session_service.start_session(
        session=session, caller=caller, session_id=session_id, now=clock()
    )


@router.post(
    "/sessions/{session_id}/phase",
    response_model=SessionRead,
    responses=problem_responses(403, 404, 409),
)
async def change_phase(
    session_id: uuid.UUID,
    data: SessionPhaseChange,
    caller: CurrentCaller,
    session: SessionDep,
    clock: ClockDep,
) -> SessionRead:
    """Start the next phase of a live mastermind session (brief, write, reveal, vote, discuss,
    decide) with its own time box, for the owner, the facilitator, managers and admins. Phases
    may be skipped forward, never moved back (409); the room hears `phase.changed`."""
    return await session_service.change_phase(
        session=session, caller=caller, session_id=session_id, data=data, now=clock()
    )


@router.post(
    "/sessions/{session_id}/complete",
    response_model=SessionRead,
    responses=problem_responses(403, 404, 409),
)
async def complete_session(
    session_id: uuid.UUID,
    data: SessionComplete,
    caller: CurrentCaller,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> SessionRead:
    """Without ``attendance``, each active member is credited their measured presence."""
    return await session_service.complete_session(
        session=session,
        caller=caller,
        session_id=session_id,
        data=data,
        now=clock(),
        stale_after=settings.presence_stale_after,
    )


@router.post(
    "/sessions/{session_id}/cancel",
    response_model=SessionRead,
    responses=problem_responses(403, 404, 409),
)
async def cancel_session(
    session_id: uuid.UUID, caller: CurrentCaller, session: SessionDep, clock: ClockDep
) -> SessionRead:
    """Cancel a session that has not completed (its owner, facilitator, managers, admins); nobody
    is credited for it."""
    return await session_service.cancel_session(
        session=session, caller=caller, session_id=session_id, now=clock()
    )


@router.get(
    "/sessions/{session_id}/outcome",
    response_model=SessionOutcome,
    responses=problem_responses(404),
)
async def get_outcome(
    session_id: uuid.UUID, caller: CurrentCaller, session: SessionDep
) -> SessionOutcome:
    """What the session produced: adopted ideas with their verdicts, decisions, the recommended
    approach, action items and attendance (minutes credited and measured)."""
    return await session_service.get_outcome(session=session, caller=caller, session_id=session_id)


@router.get(
    "/sessions/{session_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "Server-Sent Events: contribution.created, contribution.updated, "
            "vote.changed, session.status_changed, presence.changed, phase.changed (and, "
            "in a mastermind session, contribution.hidden and vote.hidden: what this reader "
            "may not see yet); ids resume with "
            "Last-Event-ID. Holding the stream open is being present; it ends when the "
            "reader loses access or the access token expires",
        },
        **problem_responses(404),
    },
)
async def session_events(
    session_id: uuid.UUID,
    request: Request,
    caller: CurrentCaller,
    credentials: StreamCredentialsDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
) -> StreamingResponse:
    """The live room as Server-Sent Events: contributions, votes, status, presence and phase
    changes. Holding the stream is being present. Resume with Last-Event-ID."""
    mm_session = await session_service.session_row(
        session=session, caller=caller, session_id=session_id
    )
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses (a 500).
    after = (
        int(last_event_id)
        if last_event_id and last_event_id.isascii() and last_event_id.isdigit()
        else 0
    )
    # Never past what the room has: a bigger id would hide the next events (and one beyond
    # 64 bits breaks the replay query).
    after = min(after, mm_session.event_seq)
    state = request.app.state
    # A person holding the stream is present; a script with an API key is not.
    tracker = (
        None
        if caller.is_api_key
        or mm_session.status in (SessionStatus.completed, SessionStatus.cancelled)
        else PresenceTracker(
            sessionmaker=state.sessionmaker,
            read_sessionmaker=state.read_sessionmaker,
            clock=clock,
            stale_after=settings.presence_stale_after,
            mm_session=mm_session,
            user=caller.user,
        )
    )
    watch = StreamWatch(
        still_allowed=partial(
            session_service.reader_still_allowed,
            sessionmaker=state.read_sessionmaker,
            authenticate=credentials.reauthenticate,
            session_id=mm_session.id,
        ),
        check_seconds=settings.live_access_check_seconds,
        expires_at=credentials.expires_at,
        presence=tracker,
        heartbeat_seconds=settings.presence_heartbeat_seconds,
    )
    return StreamingResponse(
        state.live_hub.stream(
            mm_session.id,
            last_event_id=after,
            is_disconnected=request.is_disconnected,
            watch=watch,
            # Each reader's own view: hidden cards, authors and secret votes are cut here.
            view=await contribution_service.stream_view(session, mm_session, caller.user_id),
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
