"""The role-aware dashboard: a rep's day, and for managers the team's health."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import (
    ActionItem,
    ActionItemStatus,
    MastermindSession,
    MemberRole,
    Project,
    ProjectMember,
    ProjectStatus,
    Seniority,
    SessionParticipant,
    SessionStatus,
    User,
)
from api.schemas.insight import (
    ActionItemSummary,
    Dashboard,
    LearningMix,
    ProjectBurn,
    ProjectSummary,
    SessionSummary,
    TeamOverview,
    WeekCount,
)
from api.services.ledger import compute_ledger, resolve_period
from api.services.principal import Caller
from api.services.progress import burn_warning, minutes_used_by_member
from api.services.projects import VISIBLE_STATES

LIST_LIMIT = 10
WEEKS = 12
TOP = 5


def _project_summary(project: Project) -> ProjectSummary:
    return ProjectSummary(
        id=project.id,
        title=project.title,
        kind=project.kind.value,
        status=project.status.value,
        client_id=project.client_id,
        owner_id=project.owner_id,
        due_date=project.due_date,
    )


def _item_summary(item: ActionItem) -> ActionItemSummary:
    return ActionItemSummary(
        id=item.id,
        project_id=item.project_id,
        title=item.title,
        assignee_id=item.assignee_id,
        due_date=item.due_date,
        status=item.status.value,
    )


async def _my_part(session: AsyncSession, caller: Caller) -> dict:
    mine = (
        await session.scalars(
            select(Project)
            .where(
                Project.organization_id == caller.organization_id,
                Project.owner_id == caller.user_id,
                Project.status == ProjectStatus.open,
            )
            .order_by(Project.due_date.is_(None), Project.due_date, Project.created_at)
            .limit(LIST_LIMIT)
        )
    ).all()
    helping = (
        await session.scalars(
            select(Project)
            .join(ProjectMember, ProjectMember.project_id == Project.id)
            .where(
                ProjectMember.user_id == caller.user_id,
                ProjectMember.role != MemberRole.owner,
                ProjectMember.state.in_(VISIBLE_STATES),
                Project.status == ProjectStatus.open,
            )
            .order_by(Project.due_date.is_(None), Project.due_date, Project.created_at)
            .limit(LIST_LIMIT)
        )
    ).all()
    upcoming = await session.execute(
        select(MastermindSession, Project.title)
        .join(Project, Project.id == MastermindSession.project_id)
        .join(
            ProjectMember,
            (ProjectMember.project_id == Project.id) & (ProjectMember.user_id == caller.user_id),
        )
        .where(
            ProjectMember.state.in_(VISIBLE_STATES),
            MastermindSession.status.in_((SessionStatus.scheduled, SessionStatus.live)),
        )
        .order_by(
            case((MastermindSession.status == SessionStatus.live, 0), else_=1),
            MastermindSession.scheduled_at,
        )
        .limit(LIST_LIMIT)
    )
    items = (
        await session.scalars(
            select(ActionItem)
            .where(
                ActionItem.organization_id == caller.organization_id,
                ActionItem.assignee_id == caller.user_id,
                ActionItem.status == ActionItemStatus.open,
            )
            .order_by(ActionItem.due_date.is_(None), ActionItem.due_date, ActionItem.created_at)
            .limit(2 * LIST_LIMIT)
        )
    ).all()
    return {
        "my_projects": [_project_summary(p) for p in mine],
        "helping_on": [_project_summary(p) for p in helping],
        "next_sessions": [
            SessionSummary(
                id=s.id,
                project_id=s.project_id,
                project_title=title,
                title=s.title,
                purpose=s.purpose.value,
                status=s.status.value,
                scheduled_at=s.scheduled_at,
                timebox_minutes=s.timebox_minutes,
            )
            for s, title in upcoming
        ],
        "my_action_items": [_item_summary(i) for i in items],
    }


def _week_start(moment: datetime) -> date:
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


async def _team_part(session: AsyncSession, caller: Caller, ledger_rows: list) -> TeamOverview:
    org = caller.organization_id
    today = datetime.now(UTC).date()
    by_status = {status.value: 0 for status in ProjectStatus}
    for status, count in await session.execute(
        select(Project.status, func.count())
        .where(Project.organization_id == org)
        .group_by(Project.status)
    ):
        by_status[status.value] = count

    open_projects = (
        await session.execute(
            select(Project.id, Project.title).where(
                Project.organization_id == org, Project.status == ProjectStatus.open
            )
        )
    ).all()
    budgets = defaultdict(int)
    for project_id, budget in await session.execute(
        select(ProjectMember.project_id, func.sum(ProjectMember.budget_minutes))
        .join(Project, Project.id == ProjectMember.project_id)
        .where(
            Project.organization_id == org,
            Project.status == ProjectStatus.open,
            ProjectMember.role != MemberRole.owner,
        )
        .group_by(ProjectMember.project_id)
    ):
        budgets[project_id] = int(budget or 0)
    used_by_member = await minutes_used_by_member(session, [p for p, _ in open_projects])
    owners = dict(
        (
            await session.execute(
                select(Project.id, Project.owner_id).where(
                    Project.organization_id == org, Project.status == ProjectStatus.open
                )
            )
        ).all()
    )
    used = defaultdict(int)
    for (project_id, user_id), minutes in used_by_member.items():
        if owners.get(project_id) != user_id:
            used[project_id] += minutes
    burn = sorted(
        (
            ProjectBurn(
                project_id=p,
                title=t,
                budget_minutes=budgets[p],
                minutes_used=used[p],
                burn_warning=burn_warning(used[p], budgets[p]),
            )
            for p, t in open_projects
        ),
        key=lambda b: (
            -(b.minutes_used / b.budget_minutes if b.budget_minutes else 0),
            b.title,
            str(b.project_id),
        ),
    )[: 2 * LIST_LIMIT]

    overdue_filter = (
        ActionItem.organization_id == org,
        ActionItem.status == ActionItemStatus.open,
        ActionItem.due_date < today,
    )
    overdue_count = await session.scalar(
        select(func.count()).select_from(ActionItem).where(*overdue_filter)
    )
    overdue = (
        await session.scalars(
            select(ActionItem)
            .where(*overdue_filter)
            .order_by(ActionItem.due_date, ActionItem.id)
            .limit(2 * LIST_LIMIT)
        )
    ).all()

    first_week = _week_start(datetime.now(UTC)) - timedelta(weeks=WEEKS - 1)
    window_start = datetime.combine(first_week, datetime.min.time(), UTC)
    weeks = {first_week + timedelta(weeks=i): 0 for i in range(WEEKS)}
    completed_times = await session.scalars(
        select(MastermindSession.completed_at).where(
            MastermindSession.organization_id == org,
            MastermindSession.status == SessionStatus.completed,
            MastermindSession.completed_at >= window_start,
        )
    )
    # At most a few hundred sessions in 12 weeks: bucketing them here keeps the SQL portable.
    for completed_at in completed_times:
        weeks[_week_start(completed_at)] = weeks.get(_week_start(completed_at), 0) + 1

    juniors = func.sum(case((User.seniority == Seniority.junior, 1), else_=0))
    seniors = func.sum(case((User.seniority == Seniority.senior, 1), else_=0))
    per_session = (
        select(SessionParticipant.session_id, juniors.label("juniors"), seniors.label("seniors"))
        .join(User, User.id == SessionParticipant.user_id)
        .join(MastermindSession, MastermindSession.id == SessionParticipant.session_id)
        .where(
            MastermindSession.organization_id == org,
            MastermindSession.status == SessionStatus.completed,
            MastermindSession.completed_at >= window_start,
            SessionParticipant.attended_minutes > 0,
        )
        .group_by(SessionParticipant.session_id)
        .subquery()
    )
    total, mixed = (
        await session.execute(
            select(
                func.count(),
                func.sum(
                    case(((per_session.c.juniors > 0) & (per_session.c.seniors > 0), 1), else_=0)
                ),
            )
        )
    ).one()
    total, mixed = int(total or 0), int(mixed or 0)

    givers = sorted(ledger_rows, key=lambda r: (-r.minutes_given, r.full_name))[:TOP]
    takers = sorted(
        (r for r in ledger_rows if r.balance_minutes < 0),
        key=lambda r: (r.balance_minutes, r.full_name),
    )[:TOP]
    return TeamOverview(
        projects_by_status=by_status,
        budget_burn=burn,
        overdue_action_items=[_item_summary(i) for i in overdue],
        overdue_count=overdue_count or 0,
        sessions_per_week=[WeekCount(week_start=w, sessions=c) for w, c in sorted(weeks.items())],
        top_givers=[r for r in givers if r.minutes_given > 0],
        top_takers=takers,
        learning_mix=LearningMix(
            completed_sessions=total,
            mixed_sessions=mixed,
            share_mixed=round(mixed / total, 3) if total else 0.0,
        ),
    )


async def dashboard(*, session: AsyncSession, caller: Caller) -> Dashboard:
    period = await resolve_period(session, caller.organization_id, None, None)
    if caller.is_staff:
        users = list(
            (
                await session.scalars(
                    select(User)
                    .where(User.organization_id == caller.organization_id, User.is_active.is_(True))
                    .order_by(User.full_name, User.id)
                )
            ).all()
        )
    else:
        users = [caller.user]
    rows = await compute_ledger(
        session, organization_id=caller.organization_id, users=users, period=period
    )
    mine = next(r for r in rows if r.user_id == caller.user_id)
    team = await _team_part(session, caller, rows) if caller.is_staff else None
    return Dashboard(
        role=caller.role.value,
        since=period.since,
        until=period.until,
        my_balance=mine,
        team=team,
        **await _my_part(session, caller),
    )
