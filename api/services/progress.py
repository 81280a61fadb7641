"""Project progress: is this deal getting the help it needs, within budget?"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.kit.principal import Caller
from api.models import (
    ActionItem,
    ActionItemStatus,
    MastermindSession,
    MemberRole,
    ProjectMember,
    SessionStatus,
    User,
)
from api.schemas.progress import (
    ActionItemCounts,
    BurnWarning,
    ProgressMember,
    ProjectProgress,
    SessionCounts,
)
from api.services.projects import project_access
from api.services.rollup import organization_zone

WARN_AT = 0.8


def burn_warning(used: int, budget: int) -> BurnWarning:
    if budget <= 0:
        return "none"
    if used >= budget:
        return "over_100"
    return "over_80" if used >= WARN_AT * budget else "none"


async def project_progress(
    *, session: AsyncSession, caller: Caller, project_id: uuid.UUID
) -> ProjectProgress:
    access = await project_access(session=session, caller=caller, project_id=project_id)
    project = access.project
    zone = await organization_zone(session, project.organization_id)
    today = datetime.now(zone).date()
    members = await session.execute(
        select(ProjectMember, col(User.full_name))
        .join(User, col(User.id) == ProjectMember.user_id)
        .where(col(ProjectMember.project_id) == project.id)
        .order_by(
            case((col(ProjectMember.role) == MemberRole.owner, 0), else_=1),
            col(User.full_name),
            col(User.id),
        )
    )
    member_rows = [
        ProgressMember(
            user_id=member.user_id,
            full_name=full_name,
            role=member.role,
            state=member.state,
            budget_minutes=member.budget_minutes,
            minutes_used=member.minutes_used,
            burn_warning=burn_warning(member.minutes_used, member.budget_minutes),
        )
        for member, full_name in members
    ]
    session_counts: dict[SessionStatus, int] = defaultdict(int)
    for status, count in await session.execute(
        select(col(MastermindSession.status), func.count())
        .where(col(MastermindSession.project_id) == project.id)
        .group_by(col(MastermindSession.status))
    ):
        session_counts[status] = count
    overdue = case(
        (
            (col(ActionItem.status) == ActionItemStatus.open)
            & (col(ActionItem.due_date).is_not(None))
            & (col(ActionItem.due_date) < today),
            1,
        ),
        else_=0,
    )
    items: dict[ActionItemStatus, int] = defaultdict(int)
    overdue_count = 0
    for status, count, late in await session.execute(
        select(col(ActionItem.status), func.count(), func.sum(overdue))
        .where(col(ActionItem.project_id) == project.id)
        .group_by(col(ActionItem.status))
    ):
        items[status] = count
        overdue_count += int(late or 0)
    helpers = [m for m in member_rows if m.role != MemberRole.owner]
    return ProjectProgress(
        project_id=project.id,
        due_date=project.due_date,
        days_to_due=(project.due_date - today).days if project.due_date else None,
        budget_minutes=sum(m.budget_minutes for m in helpers),
        minutes_used=sum(m.minutes_used for m in helpers),
        members=member_rows,
        sessions=SessionCounts(
            held=session_counts[SessionStatus.completed],
            planned=session_counts[SessionStatus.scheduled],
            live=session_counts[SessionStatus.live],
            cancelled=session_counts[SessionStatus.cancelled],
        ),
        action_items=ActionItemCounts(
            open=items[ActionItemStatus.open],
            done=items[ActionItemStatus.done],
            overdue=overdue_count,
            cancelled=items[ActionItemStatus.cancelled],
        ),
    )
