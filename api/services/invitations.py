"""Invitations: the caller's own pending seats on open projects, with what they need to
answer (the project, its client, who asked). Answering is the member PATCH
(api/services/projects.py: update_member)."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from api.kit.principal import Caller
from api.models import Client, MemberState, Project, ProjectMember, ProjectStatus, User
from api.pagination import AnySelect, paginate
from api.schemas.invitations import InvitationRead, InviterRead

_INVITER = aliased(User)


def pending_seats(caller: Caller) -> Select[ProjectMember]:
    """The one scoping rule: seats of the caller alone, in their organization, still
    invited, on projects that are open (a closed project's offer has nothing left to join)."""
    return (
        select(ProjectMember)
        .join(Project, col(Project.id) == ProjectMember.project_id)
        .where(
            col(ProjectMember.user_id) == caller.user_id,
            col(ProjectMember.organization_id) == caller.organization_id,
            col(ProjectMember.state) == MemberState.invited,
            col(Project.status) == ProjectStatus.open,
        )
    )


async def list_invitations(
    *, session: AsyncSession, caller: Caller, limit: int, cursor: str | None
) -> tuple[list[InvitationRead], str | None]:
    """A page of pending seats, oldest offer first, in one query (project, client and
    inviter joined in)."""
    statement: AnySelect = (
        pending_seats(caller)
        .with_only_columns(
            col(ProjectMember.project_id),
            col(Project.title).label("project_title"),
            col(Client.name).label("client_name"),
            col(ProjectMember.role),
            col(ProjectMember.budget_minutes),
            col(ProjectMember.invited_by_id),
            col(_INVITER.full_name).label("invited_by_name"),
            col(ProjectMember.invited_at),
        )
        .outerjoin(Client, col(Client.id) == Project.client_id)
        .outerjoin(_INVITER, col(_INVITER.id) == ProjectMember.invited_by_id)
    )
    rows, next_cursor = await paginate(
        session,
        statement,
        time_column=col(ProjectMember.invited_at),
        id_column=col(ProjectMember.project_id),
        limit=limit,
        cursor=cursor,
        plain_rows=True,
    )
    return [
        InvitationRead(
            project_id=row.project_id,
            project_title=row.project_title,
            client_name=row.client_name,
            role=row.role,
            budget_minutes=row.budget_minutes,
            invited_by=(
                InviterRead(id=row.invited_by_id, full_name=row.invited_by_name)
                if row.invited_by_id is not None
                else None
            ),
            invited_at=row.invited_at,
        )
        for row in rows
    ], next_cursor
