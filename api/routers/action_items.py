"""Action items, per project and across projects."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from api.deps import CurrentCaller, IdempotencyDep, SessionDep
from api.errors import problem_responses
from api.models import ActionItemStatus
from api.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from api.routers import API_PREFIX
from api.routers.common import Created, created
from api.schemas.action_items import (
    ActionItemCreate,
    ActionItemPage,
    ActionItemRead,
    ActionItemUpdate,
)
from api.services import action_items as action_item_service
from api.services.api_keys import key_scope

router = APIRouter(
    dependencies=[key_scope("projects")],
    prefix=API_PREFIX,
    tags=["action-items"],
    responses=problem_responses(401, 422),
)


@router.get(
    "/projects/{project_id}/action-items",
    response_model=ActionItemPage,
    responses=problem_responses(404),
)
async def list_project_action_items(
    project_id: uuid.UUID,
    caller: CurrentCaller,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    status: ActionItemStatus | None = None,
) -> ActionItemPage:
    """The project's action items, open first, with their assignees and due dates."""
    items, next_cursor = await action_item_service.list_project_action_items(
        session=session,
        caller=caller,
        project_id=project_id,
        limit=limit,
        cursor=cursor,
        status=status,
    )
    return ActionItemPage(
        items=[ActionItemRead.model_validate(i) for i in items], next_cursor=next_cursor
    )


@router.post(
    "/projects/{project_id}/action-items",
    status_code=status.HTTP_201_CREATED,
    response_model=ActionItemRead,
    responses=problem_responses(403, 404, 409),
)
async def create_action_item(
    project_id: uuid.UUID,
    data: ActionItemCreate,
    caller: CurrentCaller,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Created:
    """Add an action item, optionally from a session and for an assignee with a seat. Send
    Idempotency-Key to make a retry safe."""

    async def produce() -> ActionItemRead:
        item = await action_item_service.create_action_item(
            session=session, caller=caller, project_id=project_id, data=data
        )
        return ActionItemRead.model_validate(item)

    return created(await idempotency.run(produce, status_code=status.HTTP_201_CREATED))


@router.get("/action-items", response_model=ActionItemPage)
async def list_action_items(
    caller: CurrentCaller,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    assignee_id: uuid.UUID | None = None,
    status: ActionItemStatus | None = None,
) -> ActionItemPage:
    """Action items across the projects the caller may read, with their project; `assignee_id`
    and `status` filter."""
    items, next_cursor = await action_item_service.list_action_items(
        session=session,
        caller=caller,
        limit=limit,
        cursor=cursor,
        assignee_id=assignee_id,
        status=status,
    )
    return ActionItemPage(
        items=[ActionItemRead.model_validate(i) for i in items], next_cursor=next_cursor
    )


@router.patch(
    "/action-items/{action_item_id}",
    response_model=ActionItemRead,
    responses=problem_responses(403, 404, 409),
)
async def update_action_item(
    action_item_id: uuid.UUID, data: ActionItemUpdate, caller: CurrentCaller, session: SessionDep
) -> ActionItemRead:
    """Change an action item or mark it done (its assignee, the project's owner, managers,
    admins)."""
    item = await action_item_service.update_action_item(
        session=session, caller=caller, action_item_id=action_item_id, data=data
    )
    return ActionItemRead.model_validate(item)
