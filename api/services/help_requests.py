"""Help requests (DESIGN 7.6): "Ask to help" on the ledger or among a project's suggested
helpers is a request to one colleague, with a message.

Only someone who may invite to the project asks (its owner, managers, admins: the same rule
as inviting); another organization's person or project is not found. The asked person is
told by their channels (api/services/notifications.py) and answers: accepting seats them as
a helper through the project's own seat service (``projects.add_member``, with the asker as
the inviter, then their own acceptance of it), never by a second path; declining tells the
asker. Only the asked person sees and answers a request.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.errors import Conflict, Forbidden, NotFound
from api.kit import audit
from api.kit.principal import Caller
from api.models import (
    HelpRequest,
    HelpRequestState,
    MemberState,
    Project,
    ProjectMember,
    User,
    utcnow,
)
from api.schemas.help_requests import HelpRequestCreate, HelpRequestRead
from api.schemas.projects import MemberCreate, MemberUpdate
from api.services import notifications, projects
from api.services.clients import active_user_in_organization


def _read(request: HelpRequest, project: Project, asker: User) -> HelpRequestRead:
    return HelpRequestRead(
        id=request.id,
        project_id=project.id,
        project_title=project.title,
        requester_id=asker.id,
        requester_name=asker.full_name,
        user_id=request.user_id,
        message=request.message,
        state=request.state,
        created_at=request.created_at,
        answered_at=request.answered_at,
    )


async def _seat(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID
) -> ProjectMember | None:
    return await session.scalar(
        select(ProjectMember).where(
            col(ProjectMember.project_id) == project_id, col(ProjectMember.user_id) == user_id
        )
    )


async def create_help_request(
    *, session: AsyncSession, caller: Caller, data: HelpRequestCreate
) -> HelpRequestRead:
    access = await projects.project_access(
        session=session, caller=caller, project_id=data.project_id
    )
    access.ensure_can_manage()
    access.ensure_open()
    project = access.project
    person = await active_user_in_organization(session, caller, data.user_id)
    if person.id == caller.user_id:
        raise Conflict("You cannot ask yourself for help")
    seat = await _seat(session, project.id, person.id)
    if seat is not None and seat.state == MemberState.active:
        raise Conflict("This person is already on the project")
    waiting = await session.scalar(
        select(col(HelpRequest.id)).where(
            col(HelpRequest.project_id) == project.id,
            col(HelpRequest.user_id) == person.id,
            col(HelpRequest.state) == HelpRequestState.pending,
        )
    )
    if waiting is not None:
        raise Conflict("This person has been asked already and has not answered yet")
    request = HelpRequest(
        organization_id=caller.organization_id,
        project_id=project.id,
        requester_id=caller.user_id,
        user_id=person.id,
        message=data.message,
    )
    session.add(request)
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="help_request.created",
        entity_type="project",
        entity_id=project.id,
        changes={"help_request_id": request.id, "user_id": person.id},
    )
    await notifications.help_requested(
        session, request=request, project=project, person=person, asker=caller.user
    )
    return _read(request, project, caller.user)


async def _asked_of(
    session: AsyncSession, caller: Caller, request_id: uuid.UUID
) -> tuple[HelpRequest, Project, User]:
    """The one scoping rule: a request is seen only by the person asked (404 for anyone
    else, the asker included: they follow it in their notifications)."""
    row = (
        await session.execute(
            select(HelpRequest, Project, User)
            .join(Project, col(Project.id) == col(HelpRequest.project_id))
            .join(User, col(User.id) == col(HelpRequest.requester_id))
            .where(
                col(HelpRequest.id) == request_id,
                col(HelpRequest.user_id) == caller.user_id,
                col(HelpRequest.organization_id) == caller.organization_id,
            )
            .with_for_update(of=HelpRequest)
        )
    ).first()
    if row is None:
        raise NotFound("Help request not found")
    request, project, asker = row
    if request.state != HelpRequestState.pending:
        raise Conflict(f"This request is {request.state.value} already")
    return request, project, asker


async def accept_help_request(
    *, session: AsyncSession, caller: Caller, request_id: uuid.UUID
) -> HelpRequestRead:
    request, project, asker = await _asked_of(session, caller, request_id)
    if not asker.is_active:
        raise Conflict("The person who asked is no longer here; ask them again")
    seat = await _seat(session, project.id, caller.user_id)
    if seat is None or seat.state not in (MemberState.invited, MemberState.active):
        # The asker offers the seat, by the same rule as any invitation (they may have lost
        # the right since they asked: then nobody can offer it in their name).
        try:
            await projects.add_member(
                session=session,
                caller=Caller(user=asker),
                project_id=project.id,
                data=MemberCreate(user_id=caller.user_id, role="helper"),
                announce=False,
            )
        except (Forbidden, NotFound):
            raise Conflict("The person who asked can no longer invite to this project") from None
        seat = await _seat(session, project.id, caller.user_id)
    assert seat is not None  # there is one now
    if seat.state == MemberState.invited:
        await projects.update_member(
            session=session,
            caller=caller,
            project_id=project.id,
            user_id=caller.user_id,
            data=MemberUpdate(state="active"),
        )
    return await _answer(session, caller, request, project, asker, HelpRequestState.accepted)


async def decline_help_request(
    *, session: AsyncSession, caller: Caller, request_id: uuid.UUID
) -> HelpRequestRead:
    request, project, asker = await _asked_of(session, caller, request_id)
    return await _answer(session, caller, request, project, asker, HelpRequestState.declined)


async def _answer(
    session: AsyncSession,
    caller: Caller,
    request: HelpRequest,
    project: Project,
    asker: User,
    state: HelpRequestState,
) -> HelpRequestRead:
    request.state = state
    request.answered_at = request.updated_at = utcnow()
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action=f"help_request.{state.value}",
        entity_type="project",
        entity_id=project.id,
        changes={"help_request_id": request.id},
    )
    await notifications.help_answered(session, request=request, project=project, helper=caller.user)
    return _read(request, project, asker)
