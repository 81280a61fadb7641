"""Demo data: one organization with a manager, reps of mixed seniority, clients, projects,
and sessions in every state, so that every screen has something to show."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.models import (
    ActionItem,
    ActionItemStatus,
    BuyingRole,
    Client,
    ClientStatus,
    Contact,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionVote,
    MastermindSession,
    MemberRole,
    MemberState,
    Organization,
    Project,
    ProjectKind,
    ProjectMember,
    ProjectStatus,
    Role,
    Seniority,
    SessionParticipant,
    SessionPurpose,
    SessionStatus,
    Takeaway,
    Team,
    TeamMember,
    TimeEntry,
    User,
)
from api.security import Security
from api.services import rollup
from api.services.projects import owner_seat

DEMO_ORGANIZATION = "Northwind Industrial Sales"
DEMO_DOMAIN = "northwind.example"

PEOPLE = [
    # full name, role, seniority, expertise
    ("Alex Admin", Role.admin, Seniority.senior, ["operations"]),
    (
        "Morgan Reyes",
        Role.manager,
        Seniority.senior,
        ["manufacturing", "negotiation", "enterprise"],
    ),
    ("Priya Natarajan", Role.rep, Seniority.senior, ["healthcare", "procurement", "enterprise"]),
    ("Tom Becker", Role.rep, Seniority.mid, ["logistics", "manufacturing", "pricing"]),
    ("Lena Vogel", Role.rep, Seniority.junior, ["retail", "social selling"]),
    ("Samuel Okafor", Role.rep, Seniority.senior, ["energy", "public sector", "negotiation"]),
    ("Chloe Martin", Role.rep, Seniority.junior, ["healthcare", "saas"]),
    ("Diego Alvarez", Role.rep, Seniority.mid, ["retail", "logistics", "campaigns"]),
]

CLIENTS = [
    # name, industry, status, owner index
    ("Helix Medical Devices", "healthcare", ClientStatus.active, 2),
    ("Baltic Freight Lines", "logistics", ClientStatus.prospect, 3),
    ("Sunrise Grocers", "retail", ClientStatus.active, 4),
    ("Nordwind Energie", "energy", ClientStatus.prospect, 5),
    ("CareFirst Clinics", "healthcare", ClientStatus.dormant, 6),
    ("Pacific Components", "manufacturing", ClientStatus.active, 7),
]

IDEAS = {
    ContributionKind.idea: [
        "Open with the cost of downtime they had last quarter, not with our product",
        "Offer a 60-day pilot on one line before the framework agreement",
        "Bundle training hours so procurement sees total cost, not unit price",
    ],
    ContributionKind.question: [
        "Who signs off above the plant manager?",
        "Is their current supplier contract up for renewal this year?",
    ],
    ContributionKind.insight: [
        "Their new COO came from a company we already serve: ask for a reference call",
        "Budget season starts in September: the proposal must land before",
    ],
    ContributionKind.experience: [
        "At a similar account the champion lost interest when legal took six weeks: prepare the DPA early",
        "Procurement teams like this respond better to a written ROI case than to a demo",
    ],
    ContributionKind.risk: [
        "The incumbent may undercut on price to keep them",
        "Our delivery slots in Q4 are tight",
    ],
    ContributionKind.resource: [
        "Case study: Pacific Components pilot, 18% scrap reduction",
        "Pricing calculator v3 in the shared drive",
    ],
}


@dataclass
class DemoResult:
    organization_id: uuid.UUID
    logins: list[tuple[str, str, str]]  # email, role, seniority
    created: bool


Step = Callable[[str], None]


def _email(full_name: str) -> str:
    first, last = full_name.lower().split(" ", 1)
    return f"{first}.{last.replace(' ', '')}@{DEMO_DOMAIN}"


async def seed_demo(
    sessionmaker: async_sessionmaker[AsyncSession],
    security: Security,
    *,
    password: str,
    on_step: Step = lambda _label: None,
    today: date | None = None,
    scale: int = 1,
    on_copy: Callable[[int], None] = lambda _done: None,
) -> DemoResult:
    """Create the demo organization once; a second run finds it and changes nothing.

    ``scale`` N > 1 adds N - 1 more teams' worth of people, clients, projects, sessions and
    time (bulk inserts), for benchmarks; ``on_copy`` hears how many are written."""
    rng = random.Random(7)  # the same demo every time
    now = datetime.now(UTC).replace(microsecond=0)
    today = today or now.date()
    async with sessionmaker() as session, session.begin():
        existing = await session.scalar(select(User).where(col(User.email) == _email(PEOPLE[0][0])))
        if existing is not None:
            users = (
                await session.scalars(
                    select(User)
                    .where(col(User.organization_id) == existing.organization_id)
                    .order_by(col(User.created_at))
                )
            ).all()
            return DemoResult(
                existing.organization_id,
                [(u.email, u.role.value, u.seniority.value) for u in users],
                created=False,
            )

        on_step("organization and people")
        organization = Organization(name=DEMO_ORGANIZATION, time_zone="Europe/Berlin")
        session.add(organization)
        await session.flush()
        org_id = organization.id
        password_hash = await security.hash_password(password)
        people: list[User] = []
        for offset, (full_name, role, seniority, expertise) in enumerate(PEOPLE):
            user = User(
                organization_id=org_id,
                email=_email(full_name),
                full_name=full_name,
                role=role,
                seniority=seniority,
                expertise=expertise,
                password_hash=password_hash,
                created_at=now - timedelta(days=120, minutes=-offset),
            )
            people.append(user)
        session.add_all(people)
        await session.flush()
        manager, reps = people[1], people[2:]
        team = Team(
            organization_id=org_id,
            name="Enterprise Europe",
            manager_id=manager.id,
            description="Key accounts across DACH, Benelux and the Nordics",
        )
        session.add(team)
        await session.flush()
        session.add_all(TeamMember(team_id=team.id, user_id=rep.id) for rep in reps)

        on_step("clients and contacts")
        clients: list[Client] = []
        for name, industry, status, owner_index in CLIENTS:
            client = Client(
                organization_id=org_id,
                owner_id=people[owner_index].id,
                name=name,
                industry=industry,
                status=status,
                notes=f"{name}: key account in {industry}. Owner knows the operations team well.",
            )
            clients.append(client)
        session.add_all(clients)
        await session.flush()
        for client in clients:
            session.add_all(
                [
                    Contact(
                        organization_id=org_id,
                        client_id=client.id,
                        name="Jordan Weiss",
                        title="Head of Procurement",
                        buying_role=BuyingRole.gatekeeper,
                    ),
                    Contact(
                        organization_id=org_id,
                        client_id=client.id,
                        name="Sam Lindqvist",
                        title="Chief Operating Officer",
                        buying_role=BuyingRole.decision_maker,
                    ),
                ]
            )

        on_step("projects and panels")
        projects: list[tuple[Project, list[ProjectMember]]] = []
        plans = [
            (
                clients[0],
                ProjectKind.account,
                "Helix: line automation framework deal",
                ProjectStatus.open,
                48000,
            ),
            (
                clients[1],
                ProjectKind.account,
                "Baltic Freight: first order",
                ProjectStatus.open,
                22000,
            ),
            (
                clients[2],
                ProjectKind.account,
                "Sunrise Grocers: store refit programme",
                ProjectStatus.won,
                61000,
            ),
            (
                clients[3],
                ProjectKind.account,
                "Nordwind: tender response",
                ProjectStatus.open,
                95000,
            ),
            (None, ProjectKind.prospecting, "Healthcare targets for Q1", ProjectStatus.open, None),
            (None, ProjectKind.campaign, "Spring retail campaign", ProjectStatus.open, None),
        ]
        for index, (account, kind, title, project_status, value) in enumerate(plans):
            owner = (
                people[CLIENTS[clients.index(account)][3]] if account else reps[index % len(reps)]
            )
            project = Project(
                organization_id=org_id,
                kind=kind,
                client_id=account.id if account else None,
                owner_id=owner.id,
                title=title,
                status=project_status,
                objective="Win the framework agreement by showing lower total cost of ownership.",
                due_date=today + timedelta(days=20 + 9 * index),
                estimated_value=Decimal(value) if value else None,
                helper_budget_minutes=180,
                closed_at=now - timedelta(days=3) if project_status != ProjectStatus.open else None,
                close_note="Signed after the pilot." if project_status == ProjectStatus.won else "",
                created_at=now - timedelta(days=60 - index),
            )
            session.add(project)
            await session.flush()
            helpers = rng.sample([p for p in [*reps, manager] if p.id != owner.id], 3)
            members = [owner_seat(project)]
            for position, helper in enumerate(helpers):
                members.append(
                    ProjectMember(
                        organization_id=org_id,
                        project_id=project.id,
                        user_id=helper.id,
                        role=MemberRole.helper if position < 2 else MemberRole.observer,
                        state=MemberState.active if position < 2 else MemberState.invited,
                        budget_minutes=180,
                        project_created_at=project.created_at,
                        invited_by_id=owner.id,
                        invited_at=project.created_at,
                    )
                )
            session.add_all(members)
            projects.append((project, members))
        await session.flush()

        on_step("sessions, ideas and votes")
        purposes = [SessionPurpose.targeting, SessionPurpose.approach, SessionPurpose.solution]
        for index, (project, members) in enumerate(projects):
            active = [m for m in members if m.state == MemberState.active]
            owner_id = members[0].user_id
            for number, purpose in enumerate(purposes):
                completed = number < 2 or project.status != ProjectStatus.open
                live = not completed and index == 0
                scheduled_at = (
                    now - timedelta(days=28 - 10 * number)
                    if completed
                    else (
                        now - timedelta(minutes=10)
                        if live
                        else now + timedelta(days=2 + index, hours=number)
                    )
                )
                session_status = (
                    SessionStatus.completed
                    if completed
                    else (SessionStatus.live if live else SessionStatus.scheduled)
                )
                timebox = 45
                mm_session = MastermindSession(
                    organization_id=org_id,
                    project_id=project.id,
                    purpose=purpose,
                    title=f"{purpose.value.title()} for {project.title.split(':')[0]}",
                    agenda="Brief: what we know about the buyer, what we need from you, time box strict.",
                    scheduled_at=scheduled_at,
                    timebox_minutes=timebox,
                    facilitator_id=owner_id,
                    status=session_status,
                    started_at=scheduled_at if session_status != SessionStatus.scheduled else None,
                    completed_at=scheduled_at + timedelta(minutes=timebox) if completed else None,
                    summary="Agreed to lead with downtime cost and propose a pilot."
                    if completed
                    else "",
                    decisions=["Lead with the downtime numbers", "Offer a 60-day pilot"]
                    if completed
                    else [],
                    recommended_approach="Meet the COO with the ROI case; procurement second."
                    if completed
                    else "",
                    created_at=scheduled_at - timedelta(days=5),
                    updated_at=scheduled_at + timedelta(minutes=timebox) if completed else now,
                )
                session.add(mm_session)
                await session.flush()
                for member in active:
                    session.add(
                        SessionParticipant(
                            session_id=mm_session.id,
                            user_id=member.user_id,
                            organization_id=org_id,
                            attended_minutes=(timebox - rng.choice([0, 0, 5, 10]))
                            if completed
                            else None,
                        )
                    )
                if session_status == SessionStatus.scheduled:
                    continue
                contributions = []
                for idea_kind, bodies in IDEAS.items():
                    for body in rng.sample(bodies, 1 if idea_kind != ContributionKind.idea else 2):
                        author = rng.choice(active)
                        contributions.append(
                            Contribution(
                                organization_id=org_id,
                                session_id=mm_session.id,
                                author_id=author.user_id,
                                kind=idea_kind,
                                body=body,
                                status=(
                                    ContributionStatus.adopted
                                    if completed and idea_kind == ContributionKind.idea
                                    else ContributionStatus.open
                                ),
                                created_at=scheduled_at + timedelta(minutes=rng.randint(1, 40)),
                            )
                        )
                session.add_all(contributions)
                await session.flush()
                for contribution in contributions:
                    voters = [m for m in active if m.user_id != contribution.author_id]
                    chosen = rng.sample(voters, rng.randint(0, len(voters)))
                    session.add_all(
                        ContributionVote(contribution_id=contribution.id, user_id=v.user_id)
                        for v in chosen
                    )
                    contribution.votes = len(chosen)
                if completed:
                    adopted = next(
                        c for c in contributions if c.status == ContributionStatus.adopted
                    )
                    for offset, member in enumerate(active[:2]):
                        done = offset == 0 and number == 0
                        session.add(
                            ActionItem(
                                organization_id=org_id,
                                project_id=project.id,
                                session_id=mm_session.id,
                                contribution_id=adopted.id if offset == 0 else None,
                                title="Draft the ROI one-pager"
                                if offset == 0
                                else "Ask for a reference call",
                                assignee_id=member.user_id,
                                due_date=today + timedelta(days=-3 if number == 1 else 5),
                                status=ActionItemStatus.done if done else ActionItemStatus.open,
                                completed_at=scheduled_at + timedelta(days=2) if done else None,
                            )
                        )
                    for member in active:
                        if member.user_id != owner_id:
                            session.add(
                                Takeaway(
                                    organization_id=org_id,
                                    session_id=mm_session.id,
                                    user_id=member.user_id,
                                    body="Asking about downtime cost first changes the whole conversation.",
                                )
                            )

        on_step("time entries")
        for project, members in projects:
            for member in members[1:]:
                if member.state != MemberState.active:
                    continue
                for days_ago in rng.sample(range(1, 40), 3):
                    session.add(
                        TimeEntry(
                            organization_id=org_id,
                            project_id=project.id,
                            user_id=member.user_id,
                            minutes=rng.choice([15, 20, 30, 45]),
                            spent_on=today - timedelta(days=days_ago),
                            note=rng.choice(
                                [
                                    "Prepared the competitor comparison",
                                    "Call with the owner",
                                    "Reviewed the proposal draft",
                                ]
                            ),
                        )
                    )
        await session.flush()
        if scale > 1:
            on_step("scaled copies")
            await _scale_out(
                session,
                organization_id=org_id,
                copies=scale - 1,
                password_hash=password_hash,
                now=now,
                today=today,
                on_copy=on_copy,
            )
        # The facts above were written directly, not through the services: fill in what the
        # services record and build the ledger's rollups from them.
        await rollup.refresh_organization(session, org_id)
        return DemoResult(
            org_id, [(u.email, u.role.value, u.seniority.value) for u in people], created=True
        )


async def _scale_out(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    copies: int,
    password_hash: str,
    now: datetime,
    today: date,
    on_copy: Callable[[int], None],
) -> None:
    """``copies`` more teams like the demo's, written with multi-row INSERTs (no ORM objects):
    six reps each, with clients, contacts, projects and panels, sessions (two completed, one
    scheduled per project) with ideas, votes and attendance, action items and time entries."""
    rng = random.Random(11)
    ideas = [body for bodies in IDEAS.values() for body in bodies]
    batch_copies = 20  # rows of 20 teams per round of INSERTs
    for first in range(0, copies, batch_copies):
        rows: dict[type, list[dict[str, object]]] = {model: [] for model in _SCALE_ORDER}
        for copy in range(first, min(copies, first + batch_copies)):
            _scale_one_copy(rows, rng, copy + 2, organization_id, password_hash, now, today, ideas)
        for model in _SCALE_ORDER:
            if rows[model]:
                await session.execute(insert(model), rows[model])
        on_copy(min(copies, first + batch_copies))


_SCALE_ORDER = (
    User,
    Client,
    Contact,
    Project,
    ProjectMember,
    MastermindSession,
    SessionParticipant,
    Contribution,
    ContributionVote,
    ActionItem,
    TimeEntry,
)


def _scale_one_copy(
    rows: dict[type, list[dict[str, object]]],
    rng: random.Random,
    number: int,
    org_id: uuid.UUID,
    password_hash: str,
    now: datetime,
    today: date,
    ideas: list[str],
) -> None:
    def new_id() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    stamp = {"created_at": now, "updated_at": now}
    reps = []
    for full_name, role, seniority, expertise in PEOPLE[2:]:
        user_id = new_id()
        local, domain = _email(full_name).split("@")
        rows[User].append(
            {"id": user_id, **stamp, "organization_id": org_id, "email": f"{local}.{number}@{domain}",
             "full_name": f"{full_name} {number}", "role": role, "seniority": seniority,
             "expertise": expertise, "is_active": True, "password_hash": password_hash}
        )  # fmt: skip
        reps.append(user_id)
    for index, (name, industry, status, _owner) in enumerate(CLIENTS):
        owner = reps[index]
        client_id, project_id = new_id(), new_id()
        rows[Client].append(
            {"id": client_id, **stamp, "organization_id": org_id, "owner_id": owner,
             "name": f"{name} {number}", "industry": industry, "status": status, "notes": ""}
        )  # fmt: skip
        for contact, title, buying_role in (
            ("Jordan Weiss", "Head of Procurement", BuyingRole.gatekeeper),
            ("Sam Lindqvist", "Chief Operating Officer", BuyingRole.decision_maker),
        ):
            rows[Contact].append(
                {"id": new_id(), **stamp, "organization_id": org_id, "client_id": client_id,
                 "name": contact, "title": title, "buying_role": buying_role, "notes": ""}
            )  # fmt: skip
        rows[Project].append(
            {"id": project_id, **stamp, "organization_id": org_id, "kind": ProjectKind.account,
             "client_id": client_id, "owner_id": owner, "title": f"{name} {number}: first order",
             "objective": "Win the first order.", "status": ProjectStatus.open,
             "due_date": today + timedelta(days=30), "helper_budget_minutes": 180}
        )  # fmt: skip
        helpers = rng.sample([r for r in reps if r != owner], 3)
        panel = [owner, *helpers]
        for position, user_id in enumerate(panel):
            rows[ProjectMember].append(
                {"id": new_id(), **stamp, "organization_id": org_id, "project_id": project_id,
                 "user_id": user_id,
                 "role": MemberRole.owner if position == 0 else MemberRole.helper,
                 "state": MemberState.active, "budget_minutes": 0 if position == 0 else 180,
                 "project_created_at": stamp["created_at"],
                 "invited_by_id": None if position == 0 else owner,
                 "invited_at": None if position == 0 else now}
            )  # fmt: skip
        for week, purpose in enumerate(
            (SessionPurpose.targeting, SessionPurpose.approach, SessionPurpose.solution)
        ):
            completed = week < 2
            session_id = new_id()
            at = now - timedelta(days=21 - 7 * week) if completed else now + timedelta(days=3)
            rows[MastermindSession].append(
                {"id": session_id, "created_at": at - timedelta(days=2),
                 "updated_at": at + timedelta(minutes=45) if completed else now,
                 "organization_id": org_id, "project_id": project_id, "purpose": purpose,
                 "title": f"{purpose.value.title()} {number}", "agenda": "", "scheduled_at": at,
                 "timebox_minutes": 45, "facilitator_id": owner,
                 "status": SessionStatus.completed if completed else SessionStatus.scheduled,
                 "started_at": at if completed else None,
                 "completed_at": at + timedelta(minutes=45) if completed else None,
                 "summary": "Agreed on the approach." if completed else "",
                 "decisions": ["Offer a pilot"] if completed else [],
                 "recommended_approach": "COO first." if completed else ""}
            )  # fmt: skip
            for user_id in panel:
                rows[SessionParticipant].append(
                    {"session_id": session_id, "user_id": user_id, "organization_id": org_id,
                     "attended_minutes": 45 if completed else None, "created_at": at}
                )  # fmt: skip
            if not completed:
                continue
            for position, body in enumerate(rng.sample(ideas, 4)):
                contribution_id, author = new_id(), rng.choice(panel)
                voters = [u for u in panel if u != author][: rng.randint(0, 3)]
                rows[Contribution].append(
                    {"id": contribution_id, "created_at": at, "updated_at": at,
                     "organization_id": org_id, "session_id": session_id, "author_id": author,
                     "kind": ContributionKind.idea, "body": body,
                     "status": ContributionStatus.adopted if position == 0 else ContributionStatus.open,
                     "votes": len(voters)}
                )  # fmt: skip
                rows[ContributionVote] += [
                    {"contribution_id": contribution_id, "user_id": voter, "created_at": at}
                    for voter in voters
                ]
            rows[ActionItem].append(
                {"id": new_id(), **stamp, "organization_id": org_id, "project_id": project_id,
                 "session_id": session_id, "title": "Draft the ROI one-pager",
                 "assignee_id": helpers[0], "due_date": today + timedelta(days=5),
                 "status": ActionItemStatus.open}
            )  # fmt: skip
        for helper in helpers:
            rows[TimeEntry].append(
                {"id": new_id(), **stamp, "organization_id": org_id, "project_id": project_id,
                 "user_id": helper, "minutes": rng.choice([15, 30, 45]),
                 "spent_on": today - timedelta(days=rng.randint(1, 30)), "note": "Preparation"}
            )  # fmt: skip
