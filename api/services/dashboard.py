"""The role-aware dashboard: a rep's day, and for managers the team's health."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.kit.periods import PeriodKind
from api.kit.principal import Caller
from api.models import (
    ActionItem,
    ActionItemStatus,
    Client,
    Contribution,
    ContributionStatus,
    MastermindSession,
    MemberRole,
    MemberState,
    Project,
    ProjectMember,
    ProjectStatus,
    Seniority,
    SessionRollup,
    SessionStatus,
    TimeEntry,
    User,
)
from api.schemas.dashboard import (
    ActionItemSummary,
    AdoptedBySeniority,
    Dashboard,
    HelperBurn,
    HelperSeat,
    LearningMix,
    ProjectBurn,
    ProjectSummary,
    SessionSummary,
    StalledProject,
    StallReason,
    TeamOverview,
    WeekCount,
)
from api.schemas.ledger import LedgerRow
from api.services.ledger import compute_ledger, people_counts, resolve_period
from api.services.progress import burn_warning
from api.services.projects import VISIBLE_STATES
from api.services.rollup import organization_zone
from api.services.users import by_name

LIST_LIMIT = 10
WEEKS = 12
TOP = 5
# An open project with no session (held or planned), time logged or action item change for
# this many days stalls.
STALL_DAYS = 14


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


def _item_summary(item: ActionItem, project_title: str) -> ActionItemSummary:
    return ActionItemSummary(
        id=item.id,
        project_id=item.project_id,
        project_title=project_title,
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
                col(Project.organization_id) == caller.organization_id,
                col(Project.owner_id) == caller.user_id,
                col(Project.status) == ProjectStatus.open,
            )
            .order_by(
                col(Project.due_date).is_(None), col(Project.due_date), col(Project.created_at)
            )
            .limit(LIST_LIMIT)
        )
    ).all()
    helping = (
        await session.scalars(
            select(Project)
            .join(ProjectMember, col(ProjectMember.project_id) == Project.id)
            .where(
                col(ProjectMember.user_id) == caller.user_id,
                col(ProjectMember.role) != MemberRole.owner,
                # Helping means an accepted seat; an invitation not yet answered is in
                # GET /invitations (My day's own list), not here.
                col(ProjectMember.state) == MemberState.active,
                col(Project.status) == ProjectStatus.open,
            )
            .order_by(
                col(Project.due_date).is_(None), col(Project.due_date), col(Project.created_at)
            )
            .limit(LIST_LIMIT)
        )
    ).all()
    upcoming = await session.execute(
        select(MastermindSession, col(Project.title))
        .join(Project, col(Project.id) == MastermindSession.project_id)
        .join(
            ProjectMember,
            (col(ProjectMember.project_id) == Project.id)
            & (col(ProjectMember.user_id) == caller.user_id),
        )
        .where(
            # Only sessions the caller can take part in: an accepted seat. An invitation not
            # yet answered, a declined or left seat, or a manager's reading rights are not.
            col(ProjectMember.state) == MemberState.active,
            col(MastermindSession.status).in_((SessionStatus.scheduled, SessionStatus.live)),
        )
        .order_by(
            case((col(MastermindSession.status) == SessionStatus.live, 0), else_=1),
            col(MastermindSession.scheduled_at),
        )
        .limit(LIST_LIMIT)
    )
    items = await session.execute(
        select(ActionItem, col(Project.title))
        .join(Project, col(Project.id) == ActionItem.project_id)
        .where(
            col(ActionItem.organization_id) == caller.organization_id,
            col(ActionItem.assignee_id) == caller.user_id,
            col(ActionItem.status) == ActionItemStatus.open,
        )
        .order_by(
            col(ActionItem.due_date).is_(None), col(ActionItem.due_date), col(ActionItem.created_at)
        )
        .limit(2 * LIST_LIMIT)
    )
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
        "my_action_items": [_item_summary(i, title) for i, title in items],
    }


async def _helper_burn(session: AsyncSession, org: uuid.UUID) -> list[HelperBurn]:
    """Each helper's seats on open projects summed: who burns out across projects. The
    owner's own seat is not help, and declined or left seats are no longer a commitment."""
    over = case(
        (
            (col(ProjectMember.budget_minutes) > 0)
            & (col(ProjectMember.minutes_used) >= ProjectMember.budget_minutes),
            1,
        ),
        else_=0,
    )
    helper_seats = (
        col(Project.organization_id) == org,
        col(Project.status) == ProjectStatus.open,
        col(ProjectMember.role) != MemberRole.owner,
        col(ProjectMember.user_id) != Project.owner_id,
        col(ProjectMember.state).in_(VISIBLE_STATES),
    )
    rows = await session.execute(
        select(
            col(ProjectMember.user_id),
            col(User.full_name),
            func.count(),
            func.sum(ProjectMember.budget_minutes),
            func.sum(ProjectMember.minutes_used),
            func.sum(over),
        )
        .join(Project, col(Project.id) == ProjectMember.project_id)
        .join(User, col(User.id) == ProjectMember.user_id)
        .where(*helper_seats)
        .group_by(col(ProjectMember.user_id), col(User.full_name))
    )
    helpers = [
        HelperBurn(
            user_id=user_id,
            full_name=full_name,
            projects=projects,
            budget_minutes=int(budget or 0),
            minutes_used=int(used or 0),
            projects_over_budget=int(over_count or 0),
            burn_warning=burn_warning(int(used or 0), int(budget or 0)),
            seats=[],
        )
        for user_id, full_name, projects, budget, used, over_count in rows
    ]
    helpers.sort(
        key=lambda h: (-_share(h.minutes_used, h.budget_minutes), h.full_name, str(h.user_id))
    )
    helpers = helpers[: 2 * LIST_LIMIT]
    # The seats of the helpers shown, in one query, so each row opens the projects it sums.
    by_user = {h.user_id: h for h in helpers}
    if by_user:
        for user_id, project_id, title, budget, used in await session.execute(
            select(
                col(ProjectMember.user_id),
                col(Project.id),
                col(Project.title),
                col(ProjectMember.budget_minutes),
                col(ProjectMember.minutes_used),
            )
            .join(Project, col(Project.id) == ProjectMember.project_id)
            .where(*helper_seats, col(ProjectMember.user_id).in_(by_user))
        ):
            by_user[user_id].seats.append(
                HelperSeat(
                    project_id=project_id,
                    title=title,
                    budget_minutes=budget,
                    minutes_used=used,
                    burn_warning=burn_warning(used, budget),
                )
            )
        for helper in helpers:
            helper.seats.sort(key=lambda s: (-_share(s.minutes_used, s.budget_minutes), s.title))
    return helpers


def _share(used: int, budget: int) -> float:
    """How much of a budget is spent; minutes against no budget count as fully over."""
    if budget:
        return used / budget
    return float("inf") if used else 0.0


async def _stalled_projects(
    session: AsyncSession, org: uuid.UUID, today: date
) -> list[StalledProject]:
    """Open projects whose latest sign of life (a session held, time logged, an action item
    written or changed) is older than ``STALL_DAYS`` and with no session planned, or with
    overdue actions. Each kind of activity is one grouped subquery; the filter runs in SQL."""
    now = datetime.now(UTC)
    cutoff = now - timedelta(days=STALL_DAYS)
    # When a session happened: its end, its start, else the time it was planned for.
    happened = func.coalesce(
        MastermindSession.completed_at, MastermindSession.started_at, MastermindSession.scheduled_at
    )
    planned = col(MastermindSession.status).in_((SessionStatus.scheduled, SessionStatus.live))
    sessions = (
        select(
            col(MastermindSession.project_id),
            func.max(case((happened <= now, happened))).label("last"),
            func.min(case((planned & (col(MastermindSession.scheduled_at) > now), happened))).label(
                "next"
            ),
        )
        .where(
            col(MastermindSession.organization_id) == org,
            col(MastermindSession.status) != SessionStatus.cancelled,
        )
        .group_by(col(MastermindSession.project_id))
        .subquery()
    )
    time_logged = (
        select(col(TimeEntry.project_id), func.max(TimeEntry.created_at).label("last"))
        .where(col(TimeEntry.organization_id) == org)
        .group_by(col(TimeEntry.project_id))
        .subquery()
    )
    overdue = case(
        ((col(ActionItem.status) == ActionItemStatus.open) & (col(ActionItem.due_date) < today), 1),
        else_=0,
    )
    actions = (
        select(
            col(ActionItem.project_id),
            func.max(ActionItem.updated_at).label("last"),
            func.sum(overdue).label("overdue"),
        )
        .where(col(ActionItem.organization_id) == org)
        .group_by(col(ActionItem.project_id))
        .subquery()
    )
    overdue_count = func.coalesce(actions.c.overdue, 0)
    lasts = [
        func.coalesce(sub.c.last, Project.created_at) for sub in (sessions, time_logged, actions)
    ]
    idle = and_(
        col(Project.created_at) < cutoff,
        sessions.c.next.is_(None),
        *(last < cutoff for last in lasts),
    )
    rows = await session.execute(
        select(
            col(Project.id),
            col(Project.title),
            col(Client.name),
            col(Project.owner_id),
            sessions.c.next,
            overdue_count,
            col(Project.created_at),
            sessions.c.last,
            time_logged.c.last,
            actions.c.last,
        )
        .outerjoin(Client, col(Client.id) == Project.client_id)
        .outerjoin(sessions, sessions.c.project_id == Project.id)
        .outerjoin(time_logged, time_logged.c.project_id == Project.id)
        .outerjoin(actions, actions.c.project_id == Project.id)
        .where(
            col(Project.organization_id) == org,
            col(Project.status) == ProjectStatus.open,
            or_(idle, overdue_count > 0),
        )
    )
    stalled = []
    for project_id, title, client_name, owner_id, next_session, overdue_n, *moments in rows:
        last_activity = max(moment for moment in moments if moment is not None)
        reasons: list[StallReason] = []
        if last_activity < cutoff and next_session is None:
            reasons.append("idle")
        if overdue_n:
            reasons.append("overdue_actions")
        stalled.append(
            StalledProject(
                project_id=project_id,
                title=title,
                client_name=client_name,
                owner_id=owner_id,
                last_activity_at=last_activity,
                next_session_at=next_session,
                overdue_action_items=int(overdue_n),
                reasons=reasons,
            )
        )
    stalled.sort(key=lambda p: (-p.overdue_action_items, p.last_activity_at, str(p.project_id)))
    return stalled[: 2 * LIST_LIMIT]


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


async def _adopted_by_seniority(
    session: AsyncSession, org: uuid.UUID, zone: ZoneInfo, since: datetime
) -> list[AdoptedBySeniority]:
    """Counted in SQL per completed session and author seniority (one query, a row per
    session and seniority); only the months are bucketed here, in the organization's zone,
    which SQLite cannot convert to."""
    adopted = func.sum(case((col(Contribution.status) == ContributionStatus.adopted, 1), else_=0))
    rows = await session.execute(
        select(col(MastermindSession.completed_at), col(User.seniority), func.count(), adopted)
        .join(MastermindSession, col(MastermindSession.id) == Contribution.session_id)
        .join(User, col(User.id) == Contribution.author_id)
        .where(
            col(Contribution.organization_id) == org,
            col(MastermindSession.status) == SessionStatus.completed,
            col(MastermindSession.completed_at) >= since,
        )
        .group_by(
            col(MastermindSession.id), col(MastermindSession.completed_at), col(User.seniority)
        )
    )
    months: dict[tuple[str, Seniority], list[int]] = {}
    for completed_at, seniority, count, adopted_count in rows:
        key = (completed_at.astimezone(zone).strftime("%Y-%m"), seniority)
        totals = months.setdefault(key, [0, 0])
        totals[0] += int(count)
        totals[1] += int(adopted_count or 0)
    return [
        AdoptedBySeniority(
            month=month,
            seniority=seniority,
            contributions=total,
            adopted=taken,
            share_adopted=round(taken / total, 3) if total else 0.0,
        )
        for (month, seniority), (total, taken) in sorted(months.items())
    ]


async def _team_part(session: AsyncSession, caller: Caller, ledger_rows: list) -> TeamOverview:
    org = caller.organization_id
    # "Overdue" is past the due date where the team works, as the overdue notices count it
    # (api/services/notifications.py), not in UTC: the two must not differ by a day.
    zone = await organization_zone(session, org)
    today = datetime.now(zone).date()
    by_status = {status.value: 0 for status in ProjectStatus}
    for status, count in await session.execute(
        select(col(Project.status), func.count())
        .where(col(Project.organization_id) == org)
        .group_by(col(Project.status))
    ):
        by_status[status.value] = count

    # Budget and burn of every open project from the member rows, whose minutes_used is kept
    # in step with the facts: no scan of attendance or time entries.
    budget = func.sum(
        case(
            (col(ProjectMember.role) != MemberRole.owner, col(ProjectMember.budget_minutes)),
            else_=0,
        )
    )
    used = func.sum(
        case(
            (col(ProjectMember.user_id) != Project.owner_id, col(ProjectMember.minutes_used)),
            else_=0,
        )
    )
    burn_rows = await session.execute(
        select(col(Project.id), col(Project.title), budget, used)
        .join(ProjectMember, col(ProjectMember.project_id) == Project.id)
        .where(col(Project.organization_id) == org, col(Project.status) == ProjectStatus.open)
        .group_by(col(Project.id), col(Project.title))
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
        col(ActionItem.organization_id) == org,
        col(ActionItem.status) == ActionItemStatus.open,
        col(ActionItem.due_date) < today,
    )
    overdue_count = await session.scalar(
        select(func.count()).select_from(ActionItem).where(*overdue_filter)
    )
    overdue = await session.execute(
        select(ActionItem, col(Project.title))
        .join(Project, col(Project.id) == ActionItem.project_id)
        .where(*overdue_filter)
        .order_by(col(ActionItem.due_date), col(ActionItem.id))
        .limit(2 * LIST_LIMIT)
    )

    # Weeks start on Monday in the organization's zone; the session rollup has a row per day.
    this_week = _week_start(today)
    first_week = this_week - timedelta(weeks=WEEKS - 1)
    weeks = {first_week + timedelta(weeks=i): 0 for i in range(WEEKS)}
    total = mixed = 0
    for day, completed, mixed_sessions in await session.execute(
        select(
            col(SessionRollup.day),
            col(SessionRollup.sessions_completed),
            col(SessionRollup.mixed_sessions),
        ).where(col(SessionRollup.organization_id) == org, col(SessionRollup.day) >= first_week)
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
        helper_burn=await _helper_burn(session, org),
        stalled_projects=await _stalled_projects(session, org, today),
        stall_days=STALL_DAYS,
        overdue_action_items=[_item_summary(i, title) for i, title in overdue],
        overdue_count=overdue_count or 0,
        sessions_per_week=[WeekCount(week_start=w, sessions=c) for w, c in sorted(weeks.items())],
        top_givers=givers,
        top_takers=takers,
        learning_mix=LearningMix(
            completed_sessions=total,
            mixed_sessions=mixed,
            share_mixed=round(mixed / total, 3) if total else 0.0,
            adopted_by_seniority=await _adopted_by_seniority(
                session, org, zone, datetime.now(UTC) - timedelta(days=366)
            ),
        ),
    )


async def dashboard(
    *,
    session: AsyncSession,
    caller: Caller,
    since: date | None = None,
    until: date | None = None,
    period_kind: PeriodKind | None = None,
) -> Dashboard:
    period = await resolve_period(session, caller.organization_id, since, until, period_kind)
    if caller.is_staff:
        users = list(
            (
                await session.scalars(
                    select(User)
                    .where(
                        col(User.organization_id) == caller.organization_id,
                        col(User.is_active).is_(True),
                    )
                    .order_by(*by_name())
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
        period=period.kind,
        fiscal_year=period.fiscal_year,
        quarter=period.quarter,
        my_balance=mine,
        team=team,
        **await _my_part(session, caller),
    )
