"""Who should help on this project? A transparent, deterministic score with its reasons:
``load_helper_facts`` loads what the score reads (a fixed number of grouped queries),
``score_helpers`` ranks over those facts alone (pure, tested without a database).

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
from api.services.users import by_name

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


@dataclass(frozen=True, slots=True)
class Person:
    id: uuid.UUID
    full_name: str
    seniority: Seniority
    expertise: list[str]


@dataclass(frozen=True, slots=True)
class HelperFacts:
    """Everything the score reads, loaded in one step: the owner, the people who could
    help (active, not on the panel yet), and per candidate id the figures below."""

    owner: Person
    candidates: list[Person]
    industry: str  # the client's, "" without a client
    project_text: str  # title and objective, searched for expertise words
    # minutes received minus minutes given, over the last year
    owed_minutes: dict[uuid.UUID, int] = field(default_factory=dict)
    # minutes the owner gave each of them (their projects), over the last twelve months
    owner_helped_minutes: dict[uuid.UUID, int] = field(default_factory=dict)
    # active helper seats on open projects
    open_helper_seats: dict[uuid.UUID, int] = field(default_factory=dict)
    # minutes given over the last 30 days
    recent_minutes_given: dict[uuid.UUID, int] = field(default_factory=dict)
    panel_has_senior: bool = False


@dataclass(slots=True)
class RankedHelper:
    person: Person
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def add(self, points: float, reason: str) -> None:
        self.score += points
        self.reasons.append(reason)


def score_helpers(facts: HelperFacts) -> list[RankedHelper]:
    """Every candidate, best first (ties by name, then id), each with the reasons for its
    score. Pure: the same facts always give the same ranking."""
    ranked = {person.id: RankedHelper(person) for person in facts.candidates}
    industry = facts.industry.lower()
    project_words = _words(facts.project_text)
    for helper in ranked.values():
        person = helper.person
        # (a) expertise
        for tag in sorted(person.expertise, key=str.lower):
            if industry and tag.lower() == industry:
                helper.add(INDUSTRY_MATCH, f"Expertise in {tag} matches the client's industry")
            elif _words(tag) and _words(tag) <= project_words:
                helper.add(WORD_MATCH, f"Knows {tag}, which the project is about")
        # (b) reciprocity
        owed = facts.owed_minutes.get(person.id, 0)
        if owed > 0:
            helper.add(
                min(OWES_HELP_MAX, owed / 60),
                f"Received {owed} more minutes than given in the last year: their turn to help",
            )
        if person.id in facts.owner_helped_minutes:
            helper.add(
                OWNER_HELPED_THEM,
                f"{facts.owner.full_name} helped them for "
                f"{facts.owner_helped_minutes[person.id]} minutes: help is repaid",
            )
        # (c) current load
        seats = facts.open_helper_seats.get(person.id, 0)
        if seats:
            helper.add(
                -min(SEAT_PENALTY_MAX, SEAT_PENALTY * seats),
                f"Already helps on {seats} open project(s)",
            )
        recent = facts.recent_minutes_given.get(person.id, 0)
        penalty = min(RECENT_PENALTY_MAX, recent // RECENT_MINUTES_STEP)
        if penalty:
            helper.add(-penalty, f"Gave {recent} minutes in the last 30 days")
        # (d) seniority mix
        if person.seniority == Seniority.senior and facts.owner.seniority == Seniority.junior:
            helper.add(SENIOR_FOR_JUNIOR, "Senior: brings experience to a junior owner")
        elif person.seniority == Seniority.junior and facts.panel_has_senior:
            helper.add(
                JUNIOR_BESIDE_SENIORS,
                "Junior: learns beside the seniors on the panel, and brings fresh eyes",
            )
    return sorted(
        ranked.values(),
        key=lambda h: (-round(h.score, 6), h.person.full_name.lower(), str(h.person.id)),
    )


def _person(user: User) -> Person:
    return Person(
        id=user.id, full_name=user.full_name, seniority=user.seniority, expertise=user.expertise
    )


def _period(days: int) -> Period:
    today = datetime.now(UTC).date()
    since = today - timedelta(days=days)
    return Period(
        since=since,
        until=today,
        starts_at=datetime.combine(since, datetime.min.time(), UTC),
        ends_at=datetime.combine(today + timedelta(days=1), datetime.min.time(), UTC),
    )


async def load_helper_facts(session: AsyncSession, project: Project) -> HelperFacts | None:
    """The facts for ``score_helpers``: a fixed number of grouped queries, however many
    people the organization has. None when nobody could be proposed."""
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
            .order_by(*by_name())
        )
    ).all()
    if not users:
        return None
    ids = [user.id for user in users]
    industry = ""
    if project.client_id is not None:
        industry = (
            await session.scalar(
                select(col(Client.industry)).where(col(Client.id) == project.client_id)
            )
        ) or ""

    year = _period(RECIPROCITY_DAYS)
    ledger = await compute_ledger(
        session,
        organization_id=project.organization_id,
        users=list(users),
        period=year,
        with_people=False,
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
    given = await session.execute(
        select(col(ActivityRollup.user_id), func.sum(ActivityRollup.minutes_given))
        .where(
            col(ActivityRollup.organization_id) == project.organization_id,
            col(ActivityRollup.user_id).in_(ids),
            in_period(ActivityRollup, _period(LOAD_DAYS)),
        )
        .group_by(col(ActivityRollup.user_id))
    )
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
    return HelperFacts(
        owner=_person(owner),
        candidates=[_person(user) for user in users],
        industry=industry,
        project_text=f"{project.title} {project.objective}",
        owed_minutes={row.user_id: row.minutes_received - row.minutes_given for row in ledger},
        owner_helped_minutes={user_id: int(minutes) for user_id, minutes in helped},
        open_helper_seats={user_id: int(count) for user_id, count in seats},
        recent_minutes_given={user_id: int(minutes) for user_id, minutes in given},
        panel_has_senior=Seniority.senior in panel_seniorities,
    )


async def suggest_helpers(
    *, session: AsyncSession, caller: Caller, project_id: uuid.UUID, limit: int
) -> list[SuggestedHelper]:
    access = await project_access(session=session, caller=caller, project_id=project_id)
    access.ensure_can_manage()
    facts = await load_helper_facts(session, access.project)
    if facts is None:
        return []
    return [
        SuggestedHelper(
            user_id=h.person.id,
            full_name=h.person.full_name,
            seniority=h.person.seniority,
            expertise=h.person.expertise,
            score=round(h.score, 2),
            reasons=h.reasons or ["Available: no open helper seats, no recent load"],
        )
        for h in score_helpers(facts)[:limit]
    ]
