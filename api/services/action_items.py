"""Action items: next steps from sessions, with an assignee and a due date."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.errors import Conflict, Forbidden, NotFound
from api.kit import audit, outbox
from api.kit.patching import apply_changes, requested_changes
from api.kit.principal import Caller
from api.models import (
    ActionItem,
    ActionItemStatus,
    Contribution,
    MastermindSession,
    MemberState,
    Project,
    ProjectMember,
    utcnow,
)
from api.pagination import paginate
from api.schemas.action_items import ActionItemCreate, ActionItemUpdate
from api.services import notifications, webhook_events
from api.services.projects import ProjectAccess, project_access, readable_projects
from api.services.sessions import SessionAccess, touch_outcome


async def _ensure_active_member(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    state = await session.scalar(
        select(col(ProjectMember.state)).where(
            col(ProjectMember.project_id) == project_id, col(ProjectMember.user_id) == user_id
        )
    )
    if state != MemberState.active:
        raise Conflict("The assignee must be an active member of the project")


async def _check_origin(
    session: AsyncSession, project_id: uuid.UUID, data: ActionItemCreate
) -> None:
    if data.session_id is not None:
        found = await session.scalar(
            select(col(MastermindSession.id)).where(
                col(MastermindSession.id) == data.session_id,
                col(MastermindSession.project_id) == project_id,
            )
        )
        if found is None:
            raise NotFound("Session not found in this project")
    if data.contribution_id is not None:
        origin = await session.scalar(
            select(col(Contribution.session_id))
            .join(MastermindSession, col(MastermindSession.id) == Contribution.session_id)
            .where(
                col(Contribution.id) == data.contribution_id,
                col(MastermindSession.project_id) == project_id,
            )
        )
        if origin is None:
            raise NotFound("Contribution not found in this project")
        if data.session_id is not None and origin != data.session_id:
            raise Conflict("The contribution belongs to another session")


async def create_action_item(
    *, session: AsyncSession, caller: Caller, project_id: uuid.UUID, data: ActionItemCreate
) -> ActionItem:
    access = await project_access(session=session, caller=caller, project_id=project_id)
    steers = access.can_manage
    if not steers and data.session_id is not None:
        # The facilitator assigns from their own session: the sessions' rule decides.
        origin = await session.scalar(
            select(MastermindSession).where(
                col(MastermindSession.id) == data.session_id,
                col(MastermindSession.project_id) == access.project.id,
            )
        )
        steers = origin is not None and SessionAccess(project=access, session=origin).can_steer
    if not steers:
        raise Forbidden("Only the owner, the facilitator, managers and admins assign action items")
    await _check_origin(session, access.project.id, data)
    await _ensure_active_member(session, access.project.id, data.assignee_id)
    session_id = data.session_id
    if session_id is None and data.contribution_id is not None:
        session_id = await session.scalar(
            select(col(Contribution.session_id)).where(col(Contribution.id) == data.contribution_id)
        )
    item = ActionItem(
        organization_id=caller.organization_id,
        project_id=access.project.id,
        session_id=session_id,
        contribution_id=data.contribution_id,
        title=data.title,
        assignee_id=data.assignee_id,
        due_date=data.due_date,
    )
    session.add(item)
    await session.flush()
    await touch_outcome(session, item.session_id)
    audit.record(
        session,
        caller=caller,
        action="action_item.created",
        entity_type="action_item",
        entity_id=item.id,
        changes=data.model_dump(exclude_unset=True),
    )
    await outbox.emit(
        session,
        organization_id=item.organization_id,
        event_type="action_item.created",
        payload=lambda: webhook_events.action_item_event(session, item),
    )
    await notifications.action_item_assigned(
        session, item=item, assignee_id=item.assignee_id, actor=caller.user
    )
    return item


async def list_project_action_items(
    *,
    session: AsyncSession,
    caller: Caller,
    project_id: uuid.UUID,
    limit: int,
    cursor: str | None,
    status: ActionItemStatus | None = None,
) -> tuple[Sequence[ActionItem], str | None]:
    access = await project_access(session=session, caller=caller, project_id=project_id)
    statement = select(ActionItem).where(col(ActionItem.project_id) == access.project.id)
    if status is not None:
        statement = statement.where(col(ActionItem.status) == status)
    return await paginate(
        session,
        statement,
        time_column=col(ActionItem.created_at),
        id_column=col(ActionItem.id),
        limit=limit,
        cursor=cursor,
    )


async def list_action_items(
    *,
    session: AsyncSession,
    caller: Caller,
    limit: int,
    cursor: str | None,
    assignee_id: uuid.UUID | None = None,
    status: ActionItemStatus | None = None,
) -> tuple[Sequence[ActionItem], str | None]:
    """Action items across every project the caller can read."""
    statement = select(ActionItem).where(
        col(ActionItem.organization_id) == caller.organization_id,
        col(ActionItem.project_id).in_(
            readable_projects(caller).with_only_columns(col(Project.id))
        ),
    )
    if assignee_id is not None:
        statement = statement.where(col(ActionItem.assignee_id) == assignee_id)
    if status is not None:
        statement = statement.where(col(ActionItem.status) == status)
    return await paginate(
        session,
        statement,
        time_column=col(ActionItem.created_at),
        id_column=col(ActionItem.id),
        limit=limit,
        cursor=cursor,
    )


async def update_action_item(
    *, session: AsyncSession, caller: Caller, action_item_id: uuid.UUID, data: ActionItemUpdate
) -> ActionItem:
    item = await session.scalar(
        select(ActionItem).where(
            col(ActionItem.id) == action_item_id,
            col(ActionItem.organization_id) == caller.organization_id,
        )
    )
    if item is None:
        raise NotFound("Action item not found")
    try:
        access: ProjectAccess = await project_access(
            session=session, caller=caller, project_id=item.project_id
        )
    except NotFound:
        raise NotFound("Action item not found") from None
    changes = requested_changes(data)
    is_assignee = item.assignee_id == caller.user_id
    if not access.can_manage:
        if not is_assignee:
            raise Forbidden(
                "Only the assignee, the owner, managers and admins update this action item"
            )
        if set(changes) - {"status"}:
            raise Forbidden("The assignee updates the status; the owner changes the rest")
    reassigned = "assignee_id" in changes and changes["assignee_id"] != item.assignee_id
    if reassigned:
        await _ensure_active_member(session, item.project_id, changes["assignee_id"])
    completed = (
        changes.get("status") == ActionItemStatus.done and item.status != ActionItemStatus.done
    )
    if "status" in changes and changes["status"] != item.status:
        item.completed_at = utcnow() if changes["status"] == ActionItemStatus.done else None
    apply_changes(item, changes)
    item.updated_at = utcnow()
    await session.flush()
    await touch_outcome(session, item.session_id)
    audit.record(
        session,
        caller=caller,
        action="action_item.updated",
        entity_type="action_item",
        entity_id=item.id,
        changes=changes,
    )
    if reassigned:
        await notifications.action_item_assigned(
            session, item=item, assignee_id=item.assignee_id, actor=caller.user
        )
    if completed:
        await outbox.emit(
            session,
            organization_id=item.organization_id,
            event_type="action_item.completed",
            payload=lambda: webhook_events.action_item_event(session, item),
        )
    return item
