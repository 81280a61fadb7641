"""Does team selling pay? Helped versus solo projects closed in a period (DESIGN 7.5).

A project is *helped* when at least one of its completed sessions was attended by someone
other than its owner (credited minutes above zero); otherwise it is *solo*. For each group:
how many closed, how many were won, the win rate (won of those closed) with its 95% Wilson
score interval, the median days from creation to close and the median estimated value (in
the organization's default currency, over the projects valued in it). The same by session
purpose (projects with a completed session of that purpose) and by the owner's team, and
what the adopted ideas of those projects did (their verdicts). A group of fewer than
``MIN_GROUP`` projects gives no rate: it says so (``enough_data`` false) rather than
presenting noise as a finding.

Loading is one query for the closed projects (with their helped flag computed in SQL), one
for their purposes, one for their owners' teams and one for the verdicts; the figures are
computed from those rows by pure functions (tested without a database).
"""

from __future__ import annotations

import math
import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.errors import Forbidden, NotFound
from api.kit.money import format_amount
from api.kit.periods import PeriodKind
from api.kit.principal import Caller
from api.models import (
    Contribution,
    ContributionStatus,
    MastermindSession,
    Project,
    ProjectStatus,
    SessionParticipant,
    SessionPurpose,
    SessionStatus,
    Team,
    TeamMember,
)
from api.schemas.insights import ImpactGroup, ImpactReport, PurposeImpact, TeamImpact
from api.services.ledger import resolve_period
from api.services.organizations import organization_currency

__all__ = ["MIN_GROUP", "ClosedProject", "impact", "impact_group", "wilson_interval"]

MIN_GROUP = 10
Z_95 = 1.959963984540054  # the standard normal's 97.5th percentile
CLOSED = (ProjectStatus.won, ProjectStatus.lost, ProjectStatus.abandoned)


@dataclass(frozen=True, slots=True)
class ClosedProject:
    id: uuid.UUID
    owner_id: uuid.UUID
    status: ProjectStatus
    helped: bool
    days_to_close: int
    value: Decimal | None  # in the organization's default currency, else None


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion: honest at small counts and at 0 or 1,
    where the normal approximation claims certainty it does not have."""
    if trials <= 0:
        raise ValueError("an interval needs at least one trial")
    p = successes / trials
    z2 = z * z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def impact_group(projects: list[ClosedProject], currency: str) -> ImpactGroup:
    count = len(projects)
    won = sum(1 for p in projects if p.status == ProjectStatus.won)
    lost = sum(1 for p in projects if p.status == ProjectStatus.lost)
    enough = count >= MIN_GROUP
    low = high = rate = None
    if enough:
        rate = round(won / count, 4)
        low, high = (round(bound, 4) for bound in wilson_interval(won, count))
    values = [p.value for p in projects if p.value is not None]
    return ImpactGroup(
        count=count,
        won=won,
        lost=lost,
        abandoned=count - won - lost,
        enough_data=enough,
        win_rate=rate,
        win_rate_low=low,
        win_rate_high=high,
        median_days_to_close=(
            statistics.median(p.days_to_close for p in projects) if projects else None
        ),
        median_value=format_amount(statistics.median(values), currency) if values else None,
    )


def _split(projects: list[ClosedProject], currency: str) -> tuple[ImpactGroup, ImpactGroup]:
    return (
        impact_group([p for p in projects if p.helped], currency),
        impact_group([p for p in projects if not p.helped], currency),
    )


def _purpose_impact(purpose: str, projects: list[ClosedProject], currency: str) -> PurposeImpact:
    helped, solo = _split(projects, currency)
    return PurposeImpact(purpose=SessionPurpose(purpose), helped=helped, solo=solo)


def _team_impact(
    team_id: uuid.UUID, name: str, projects: list[ClosedProject], currency: str
) -> TeamImpact:
    helped, solo = _split(projects, currency)
    return TeamImpact(team_id=team_id, team_name=name, helped=helped, solo=solo)


async def impact(
    *,
    session: AsyncSession,
    caller: Caller,
    team_id: uuid.UUID | None,
    since: date | None,
    until: date | None,
    period_kind: PeriodKind | None,
) -> ImpactReport:
    if not caller.is_staff:
        raise Forbidden("Managers and admins read whether team selling pays")
    org = caller.organization_id
    period = await resolve_period(session, org, since, until, period_kind)
    currency = await organization_currency(session, org)

    team_members: set[uuid.UUID] | None = None
    if team_id is not None:
        team = await session.scalar(
            select(Team).where(col(Team.id) == team_id, col(Team.organization_id) == org)
        )
        if team is None:
            raise NotFound("Team not found")
        if caller.is_manager and team.manager_id != caller.user_id:
            raise Forbidden("Managers read the teams they manage")
        team_members = set(
            await session.scalars(
                select(col(TeamMember.user_id)).where(col(TeamMember.team_id) == team.id)
            )
        )

    helped = exists().where(
        col(MastermindSession.project_id) == col(Project.id),
        col(MastermindSession.status) == SessionStatus.completed,
        col(SessionParticipant.session_id) == col(MastermindSession.id),
        col(SessionParticipant.user_id) != col(Project.owner_id),
        col(SessionParticipant.attended_minutes) > 0,
    )
    rows = await session.execute(
        select(
            col(Project.id),
            col(Project.owner_id),
            col(Project.status),
            col(Project.created_at),
            col(Project.closed_at),
            col(Project.estimated_value),
            col(Project.currency),
            helped.label("helped"),
        ).where(
            col(Project.organization_id) == org,
            col(Project.status).in_(CLOSED),
            col(Project.closed_at) >= period.starts_at,
            col(Project.closed_at) < period.ends_at,
        )
    )
    projects = [
        ClosedProject(
            id=project_id,
            owner_id=owner_id,
            status=ProjectStatus(status),
            helped=bool(was_helped),
            days_to_close=max(0, (closed_at - created_at).days) if closed_at else 0,
            value=value if value is not None and project_currency == currency else None,
        )
        for project_id, owner_id, status, created_at, closed_at, value, project_currency, was_helped in rows
    ]
    if team_members is not None:
        projects = [p for p in projects if p.owner_id in team_members]
    ids = [p.id for p in projects]
    by_id = {p.id: p for p in projects}

    purposes: dict[str, list[ClosedProject]] = defaultdict(list)
    verdicts: dict[str, int] = {"worked": 0, "did_not_work": 0, "not_tried": 0, "not_said": 0}
    teams: dict[uuid.UUID, tuple[str, list[ClosedProject]]] = {}
    if ids:
        purpose_rows = await session.execute(
            select(col(MastermindSession.project_id), col(MastermindSession.purpose))
            .where(
                col(MastermindSession.project_id).in_(ids),
                col(MastermindSession.status) == SessionStatus.completed,
            )
            .distinct()
        )
        for project_id, purpose in purpose_rows:
            purposes[str(getattr(purpose, "value", purpose))].append(by_id[project_id])
        verdict_rows = await session.execute(
            select(col(Contribution.verdict), func.count())
            .join(MastermindSession, col(MastermindSession.id) == col(Contribution.session_id))
            .where(
                col(MastermindSession.project_id).in_(ids),
                col(Contribution.status) == ContributionStatus.adopted,
            )
            .group_by(col(Contribution.verdict))
        )
        for verdict, count in verdict_rows:
            verdicts[str(getattr(verdict, "value", verdict)) if verdict else "not_said"] += count
        team_rows = await session.execute(
            select(col(Team.id), col(Team.name), col(TeamMember.user_id))
            .join(TeamMember, col(TeamMember.team_id) == col(Team.id))
            .where(
                col(Team.organization_id) == org,
                col(TeamMember.user_id).in_({p.owner_id for p in projects}),
            )
        )
        owners_teams: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = defaultdict(list)
        for team_key, team_name, user_id in team_rows:
            owners_teams[user_id].append((team_key, team_name))
        for project in projects:
            for team_key, team_name in owners_teams.get(project.owner_id, []):
                teams.setdefault(team_key, (team_name, []))[1].append(project)

    helped_group, solo_group = _split(projects, currency)
    return ImpactReport(
        since=period.since,
        until=period.until,
        period=period.kind,
        fiscal_year=period.fiscal_year,
        quarter=period.quarter,
        currency=currency,
        min_group=MIN_GROUP,
        helped=helped_group,
        solo=solo_group,
        by_purpose=[
            _purpose_impact(purpose, group, currency) for purpose, group in sorted(purposes.items())
        ],
        by_team=[
            _team_impact(team_key, name, group, currency)
            for team_key, (name, group) in sorted(teams.items(), key=lambda item: item[1][0])
        ],
        verdicts=verdicts,
    )
