"""Projects, closing them, and their members (the panel)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import CurrentCaller, IdempotencyDep, IfMatch, SessionDep
from api.errors import problem_responses
from api.models import ProjectKind, ProjectStatus
from api.openapi import ETAG_RESPONSE
from api.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from api.routers import API_PREFIX
from api.routers.common import Created, created, page_response, with_etag
from api.schemas.base import NO_NUL, Timestamp
from api.schemas.projects import (
    MemberCreate,
    MemberPage,
    MemberRead,
    MemberUpdate,
    ProjectClose,
    ProjectCreate,
    ProjectPage,
    ProjectRead,
    ProjectUpdate,
)
from api.services import projects as project_service
from api.services.api_keys import key_scope

router = APIRouter(
    dependencies=[key_scope("projects")],
    prefix=f"{API_PREFIX}/projects",
    tags=["projects"],
    responses=problem_responses(401, 422),
)


@router.get("", response_model=ProjectPage)
async def list_projects(
    caller: CurrentCaller,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    status: ProjectStatus | None = None,
    kind: ProjectKind | None = None,
    owner_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
    member_id: Annotated[uuid.UUID | None, Query(description="Projects this user helps on")] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=NO_NUL,
            description="Title contains, folded (case, width, hiragana as katakana)",
        ),
    ] = None,
    updated_since: Annotated[
        Timestamp | None, Query(description="RFC 3339; pages then run by (updated_at, id)")
    ] = None,
) -> Response:
    """Projects the caller may read (owned, a seat on, their team's as a manager, all as an
    admin); filter by `status`, `kind`, `client_id`, `owner_id`; `q` searches the folded
    title."""
    projects, next_cursor = await project_service.list_projects(
        session=session,
        caller=caller,
        limit=limit,
        cursor=cursor,
        status=status,
        kind=kind,
        owner_id=owner_id,
        client_id=client_id,
        member_id=member_id,
        q=q,
        updated_since=updated_since,
    )
    return page_response(projects, next_cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ProjectRead,
    responses=problem_responses(403, 404, 409),
)
async def create_project(
    data: ProjectCreate, caller: CurrentCaller, session: SessionDep, idempotency: IdempotencyDep
) -> Created:
    """Start a project for a client, a target list or a campaign, with the helpers' time budget.
    Send Idempotency-Key to make a retry safe."""

    async def produce() -> ProjectRead:
        project = await project_service.create_project(session=session, caller=caller, data=data)
        return ProjectRead.model_validate(project)

    return created(await idempotency.run(produce, status_code=status.HTTP_201_CREATED))


@router.get(
    "/{project_id}",
    response_model=ProjectRead,
    responses={**problem_responses(404), 200: ETAG_RESPONSE},
)
async def get_project(
    project_id: uuid.UUID, caller: CurrentCaller, session: SessionDep, response: Response
) -> ProjectRead:
    """One project with its client, owner and budget; the ETag header is its version for If-
    Match."""
    project = await project_service.get_project(
        session=session, caller=caller, project_id=project_id
    )
    with_etag(response, project)
    return ProjectRead.model_validate(project)


@router.patch(
    "/{project_id}",
    response_model=ProjectRead,
    responses={**problem_responses(403, 404, 409, 412), 200: ETAG_RESPONSE},
)
async def update_project(
    project_id: uuid.UUID,
    data: ProjectUpdate,
    caller: CurrentCaller,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ProjectRead:
    """Change a project (its owner, managers, admins). Fields the schema marks nullable are
    cleared with null; If-Match guards against lost updates (412)."""
    project = await project_service.update_project(
        session=session, caller=caller, project_id=project_id, data=data, if_match=if_match
    )
    with_etag(response, project)
    return ProjectRead.model_validate(project)


@router.post(
    "/{project_id}/close", response_model=ProjectRead, responses=problem_responses(403, 404, 409)
)
async def close_project(
    project_id: uuid.UUID, data: ProjectClose, caller: CurrentCaller, session: SessionDep
) -> ProjectRead:
    """Close an open project with its `result`: won, lost (with a required `lost_reason`) or
    abandoned. A project that is not open is 409."""
    project = await project_service.close_project(
        session=session, caller=caller, project_id=project_id, data=data
    )
    return ProjectRead.model_validate(project)


@router.get("/{project_id}/members", response_model=MemberPage, responses=problem_responses(404))
async def list_members(
    project_id: uuid.UUID,
    caller: CurrentCaller,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> MemberPage:
    """The project's seats: owner, helpers and observers with their state and time budget."""
    members, next_cursor = await project_service.list_members(
        session=session, caller=caller, project_id=project_id, limit=limit, cursor=cursor
    )
    return MemberPage(items=members, next_cursor=next_cursor)


@router.post(
    "/{project_id}/members",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberRead,
    responses=problem_responses(403, 404, 409),
)
async def add_member(
    project_id: uuid.UUID,
    data: MemberCreate,
    caller: CurrentCaller,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Created:
    """Invite a colleague as a helper or an observer with a time budget (the owner, managers,
    admins); they accept or decline with PATCH. Send Idempotency-Key to make a retry safe."""

    async def produce() -> MemberRead:
        return await project_service.add_member(
            session=session, caller=caller, project_id=project_id, data=data
        )

    return created(await idempotency.run(produce, status_code=status.HTTP_201_CREATED))


@router.patch(
    "/{project_id}/members/{user_id}",
    response_model=MemberRead,
    responses={**problem_responses(403, 404, 409, 412), 200: ETAG_RESPONSE},
)
async def update_member(
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    data: MemberUpdate,
    caller: CurrentCaller,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> MemberRead:
    """Accept or decline an invitation (the invitee), or change a seat's role and budget (the
    owner, managers, admins)."""
    member = await project_service.update_member(
        session=session,
        caller=caller,
        project_id=project_id,
        user_id=user_id,
        data=data,
        if_match=if_match,
    )
    with_etag(response, member)
    return member


@router.delete(
    "/{project_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(403, 404, 409),
)
async def remove_member(
    project_id: uuid.UUID, user_id: uuid.UUID, caller: CurrentCaller, session: SessionDep
) -> None:
    """Take a seat away (the owner, managers, admins); the owner's seat is 409 until the project
    is handed over."""
    await project_service.remove_member(
        session=session, caller=caller, project_id=project_id, user_id=user_id
    )
