"""Who should help on this project? A transparent, deterministic score with its reasons.

Four parts, each explained in ``reasons``:
(a) expertise matching the client's industry and the project's words;
(b) reciprocity: people who received more than they gave are asked first, and people the
    owner helped before are favoured (help is repaid);
(c) load: open helper seats and minutes given in the last 30 days count against;
(d) seniority mix: a junior owner gets seniors, and juniors are proposed beside seniors.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.kit.principal import Caller
from api.models import (
    ActivityRollup,
    Client,
    HelpRollup,
    MemberRole,
    MemberState,
    Project,
    ProjectMember,
    ProjectStatus,
    Seniority,
    User,
)
from api.schemas.suggestions import SuggestedHelper
from api.services.ledger import Period, compute_ledger, in_period
from api.services.projects import project_access

INDUSTRY_MATCH = 4.0
WORD_MATCH = 2.0
OWES_HELP_MAX = 3.0
OWNER_HELPED_THEM = 2.0
SEAT_PENALTY, SEAT_PENALTY_MAX = 1.0, 4.0
RECENT_MINUTES_STEP, RECENT_PENALTY_MAX = 120, 3.0
SENIOR_FOR_JUNIOR = 2.0
JUNIOR_BESIDE_SENIORS = 1.0
RECIPROCITY_DAYS, LOAD_DAYS = 365, 30

_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


@dataclass
class _Candidate:
    user: User
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def add(self, points: float, reason: str) -> None:
        self.score += points
        self.reasons.append(reason)


def _period(days: int) -> Period:
    today = datetime.now(UTC).date()
    since = today - timedelta(days=days)
    return Period(
        since=since,
        until=today,
        starts_at=datetime.combine(since, datetime.min.time(), UTC),
        ends_at=datetime.combine(today + timedelta(days=1), datetime.min.time(), UTC),
    )


async def suggest_helpers(
    *, session: AsyncSession, caller: Caller, project_id: uuid.UUID, limit: int
) -> list[SuggestedHelper]:
    access = await project_access(session=session, caller=caller, project_id=project_id)
    access.ensure_can_manage()
    project = access.project
    owner = await session.get(User, project.owner_id)
    assert owner is not None  # a project's owner is a user (a foreign key)
    seated = select(col(ProjectMember.user_id)).where(
        col(ProjectMember.project_id) == project.id,
        col(ProjectMember.state).in_((MemberState.invited, MemberState.active)),
    )
    users = (
        await session.scalars(
            select(User)
            .where(
                col(User.organization_id) == project.organization_id,
                col(User.is_active).is_(True),
                col(User.id) != project.owner_id,
                col(User.id).not_in(seated),
            )
            .order_by(col(User.full_name), col(User.id))
        )
    ).all()
    if not users:
        return []
    candidates = {user.id: _Candidate(user) for user in users}
    ids = list(candidates)

    # (a) expertise
    industry = ""
    if project.client_id is not None:
        industry = (
            await session.scalar(
                select(col(Client.industry)).where(col(Client.id) == project.client_id)
            )
        ) or ""
    project_words = _words(f"{project.title} {project.objective}")
    for candidate in candidates.values():
        for tag in sorted(candidate.user.expertise, key=str.lower):
            if industry and tag.lower() == industry.lower():
                candidate.add(INDUSTRY_MATCH, f"Expertise in {tag} matches the client's industry")
            elif _words(tag) and _words(tag) <= project_words:
                candidate.add(WORD_MATCH, f"Knows {tag}, which the project is about")

    # (b) reciprocity over the last year
    year = _period(RECIPROCITY_DAYS)
    for row in await compute_ledger(
        session,
        organization_id=project.organization_id,
        users=list(users),
        period=year,
        with_people=False,
    ):
        owed = row.minutes_received - row.minutes_given
        if owed > 0:
            candidates[row.user_id].add(
                min(OWES_HELP_MAX, owed / 60),
                f"Received {owed} more minutes than given in the last year: their turn to help",
            )
    # Minutes per pair are kept by month: "the last year" is the last twelve months here.
    helped = await session.execute(
        select(col(HelpRollup.owner_id), func.sum(HelpRollup.minutes))
        .where(
            col(HelpRollup.organization_id) == project.organization_id,
            col(HelpRollup.helper_id) == project.owner_id,
            col(HelpRollup.owner_id).in_(ids),
            col(HelpRollup.month) >= year.since.replace(day=1),
        )
        .group_by(col(HelpRollup.owner_id))
    )
    for user_id, minutes in helped:
        candidates[user_id].add(
            OWNER_HELPED_THEM,
            f"{owner.full_name} helped them for {int(minutes)} minutes: help is repaid",
        )

    # (c) current load
    seats = await session.execute(
        select(col(ProjectMember.user_id), func.count())
        .join(Project, col(Project.id) == ProjectMember.project_id)
        .where(
            col(ProjectMember.user_id).in_(ids),
            col(ProjectMember.role) == MemberRole.helper,
            col(ProjectMember.state) == MemberState.active,
            col(Project.status) == ProjectStatus.open,
        )
        .group_by(col(ProjectMember.user_id))
    )
    for user_id, count in seats:
        candidates[user_id].add(
            -min(SEAT_PENALTY_MAX, SEAT_PENALTY * count),
            f"Already helps on {count} open project(s)",
        )
    given = await session.execute(
        select(col(ActivityRollup.user_id), func.sum(ActivityRollup.minutes_given))
        .where(
            col(ActivityRollup.organization_id) == project.organization_id,
            col(ActivityRollup.user_id).in_(ids),
            in_period(ActivityRollup, _period(LOAD_DAYS)),
        )
        .group_by(col(ActivityRollup.user_id))
    )
    for user_id, minutes in given:
        penalty = min(RECENT_PENALTY_MAX, int(minutes) // RECENT_MINUTES_STEP)
        if penalty:
            candidates[user_id].add(-penalty, f"Gave {int(minutes)} minutes in the last 30 days")

    # (d) seniority mix
    panel_seniorities = set(
        await session.scalars(
            select(col(User.seniority))
            .join(ProjectMember, col(ProjectMember.user_id) == User.id)
            .where(
                col(ProjectMember.project_id) == project.id,
                col(ProjectMember.state).in_((MemberState.invited, MemberState.active)),
            )
        )
    )
    for candidate in candidates.values():
        seniority = candidate.user.seniority
        if seniority == Seniority.senior and owner.seniority == Seniority.junior:
            candidate.add(SENIOR_FOR_JUNIOR, "Senior: brings experience to a junior owner")
        elif seniority == Seniority.junior and Seniority.senior in panel_seniorities:
            candidate.add(
                JUNIOR_BESIDE_SENIORS,
                "Junior: learns beside the seniors on the panel, and brings fresh eyes",
            )

    ranked = sorted(
        candidates.values(),
        key=lambda c: (-round(c.score, 6), c.user.full_name.lower(), str(c.user.id)),
    )
    return [
        SuggestedHelper(
            user_id=c.user.id,
            full_name=c.user.full_name,
            seniority=c.user.seniority,
            expertise=c.user.expertise,
            score=round(c.score, 2),
            reasons=c.reasons or ["Available: no open helper seats, no recent load"],
        )
        for c in ranked[:limit]
    ]
