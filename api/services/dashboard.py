"""The role-aware dashboard: a rep's day, and for managers the team's health."""

from __future__ import annotations

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
    SessionRollup,
    SessionStatus,
    User,
)
from api.schemas.insight import (
    ActionItemSummary,
    Dashboard,
    LearningMix,
    LedgerRow,
    ProjectBurn,
    ProjectSummary,
    SessionSummary,
    TeamOverview,
    WeekCount,
)
from api.services.ledger import compute_ledger, people_counts, resolve_period
from api.services.principal import Caller
from api.services.progress import burn_warning
from api.services.projects import VISIBLE_STATES
from api.services.rollup import organization_zone

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


def _week_start(day: date) -> date:
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

    # Budget and burn of every open project from the member rows, whose minutes_used is kept
    # in step with the facts: no scan of attendance or time entries.
    budget = func.sum(
        case((ProjectMember.role != MemberRole.owner, ProjectMember.budget_minutes), else_=0)
    )
    used = func.sum(
        case((ProjectMember.user_id != Project.owner_id, ProjectMember.minutes_used), else_=0)
    )
    burn_rows = await session.execute(
        select(Project.id, Project.title, budget, used)
        .join(ProjectMember, ProjectMember.project_id == Project.id)
        .where(Project.organization_id == org, Project.status == ProjectStatus.open)
        .group_by(Project.id, Project.title)
    )
    burn = sorted(
        (
            ProjectBurn(
                project_id=project_id,
                title=title,
                budget_minutes=int(budget_minutes or 0),
                minutes_used=int(minutes_used or 0),
                burn_warning=burn_warning(int(minutes_used or 0), int(budget_minutes or 0)),
            )
            for project_id, title, budget_minutes, minutes_used in burn_rows
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

    # Weeks start on Monday in the organization's zone; the session rollup has a row per day.
    zone = await organization_zone(session, org)
    this_week = _week_start(datetime.now(zone).date())
    first_week = this_week - timedelta(weeks=WEEKS - 1)
    weeks = {first_week + timedelta(weeks=i): 0 for i in range(WEEKS)}
    total = mixed = 0
    for day, completed, mixed_sessions in await session.execute(
        select(
            SessionRollup.day, SessionRollup.sessions_completed, SessionRollup.mixed_sessions
        ).where(SessionRollup.organization_id == org, SessionRollup.day >= first_week)
    ):
        week = _week_start(day)
        if week in weeks:
            weeks[week] += completed
            total += completed
            mixed += mixed_sessions

    givers = [
        r
        for r in sorted(ledger_rows, key=lambda r: (-r.minutes_given, r.full_name))[:TOP]
        if r.minutes_given > 0
    ]
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
        top_givers=givers,
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
    # Everyone's sums come from one grouped query; the distinct-people counts (a second pass
    # over the per-pair rollup) only for the rows the dashboard shows.
    rows = await compute_ledger(
        session,
        organization_id=caller.organization_id,
        users=users,
        period=period,
        with_people=False,
    )
    team = await _team_part(session, caller, rows) if caller.is_staff else None
    shown = [r for r in rows if r.user_id == caller.user_id]
    if team is not None:
        shown += team.top_givers + team.top_takers
    people = await people_counts(
        session,
        organization_id=caller.organization_id,
        user_ids=list({r.user_id for r in shown}),
        period=period,
    )

    def with_people(row: LedgerRow) -> LedgerRow:
        helped, helped_by = people.get(row.user_id, (0, 0))
        return row.model_copy(update={"helped_people": helped, "helped_by_people": helped_by})

    if team is not None:
        team.top_givers = [with_people(r) for r in team.top_givers]
        team.top_takers = [with_people(r) for r in team.top_takers]
    mine = with_people(shown[0])
    return Dashboard(
        role=caller.role.value,
        since=period.since,
        until=period.until,
        my_balance=mine,
        team=team,
        **await _my_part(session, caller),
    )
