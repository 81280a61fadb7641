"""Invitations: the caller's own pending seats on open projects, with what they need to
answer (the project, its client, who asked). Answering is the member PATCH
(api/services/projects.py: update_member)."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from api.kit.principal import Caller
from api.models import Client, MemberState, Project, ProjectMember, ProjectStatus, User
from api.pagination import paginate
from api.schemas.invitations import InvitationRead, InviterRead

_INVITER = aliased(User)


def pending_seats(caller: Caller) -> Select[tuple[ProjectMember]]:
    """The one scoping rule: seats of the caller alone, in their organization, still
    invited, on projects that are open (a closed project's offer has nothing left to join)."""
    return (
        select(ProjectMember)
        .join(Project, Project.id == ProjectMember.project_id)
        .where(
            ProjectMember.user_id == caller.user_id,
            ProjectMember.organization_id == caller.organization_id,
            ProjectMember.state == MemberState.invited,
            Project.status == ProjectStatus.open,
        )
    )


async def list_invitations(
    *, session: AsyncSession, caller: Caller, limit: int, cursor: str | None
) -> tuple[list[InvitationRead], str | None]:
    """A page of pending seats, oldest offer first, in one query (project, client and
    inviter joined in)."""
    statement = (
        pending_seats(caller)
        .with_only_columns(
            ProjectMember.project_id,
            Project.title.label("project_title"),
            Client.name.label("client_name"),
            ProjectMember.role,
            ProjectMember.budget_minutes,
            ProjectMember.invited_by_id,
            _INVITER.full_name.label("invited_by_name"),
            ProjectMember.invited_at,
        )
        .outerjoin(Client, Client.id == Project.client_id)
        .outerjoin(_INVITER, _INVITER.id == ProjectMember.invited_by_id)
    )
    rows, next_cursor = await paginate(
        session,
        statement,
        time_column=ProjectMember.invited_at,
        id_column=ProjectMember.project_id,
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
