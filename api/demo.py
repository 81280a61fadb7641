"""Demo data: one organization with a manager, reps of mixed seniority, clients, projects,
and sessions in every state, so that every screen has something to show.

The demo comes in two languages (``mastermind seed-demo --locale en|ja``). Both are seeded
by the same code below; a locale only supplies a ``DemoTexts`` table: the organization's
name and settings, the people, clients and projects, and every sentence written on their
behalf. Keeping the shape (counts, states, dates, random choices) in one place means the
Japanese company shows exactly what the English one does, screen for screen, and a change
to the demo's shape cannot drift between them. The English table is here; the Japanese one
is in api/demo_ja.py, which imports the table types from this module.

Each locale's people have their own email domain, and a demo is found by its first
person's email: the two demos are independent, each seeded once, and may share a database.
"""

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
    Locale,
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

# --- the text tables -----------------------------------------------------------------------


@dataclass(frozen=True)
class DemoPerson:
    full_name: str
    # The part of the email before the domain: ASCII even for a Japanese name (romanized),
    # because it is the sign-in name people type.
    email_local: str
    role: Role
    seniority: Seniority
    expertise: list[str]
    # How the name reads (kana for a Japanese name); None: as written.
    reading: str | None = None


@dataclass(frozen=True)
class DemoClient:
    name: str
    industry: str
    status: ClientStatus
    owner: int  # index into DemoTexts.people


@dataclass(frozen=True)
class DemoContact:
    name: str
    title: str
    buying_role: BuyingRole


@dataclass(frozen=True)
class DemoProject:
    client: int | None  # index into DemoTexts.clients; None for prospecting and campaigns
    kind: ProjectKind
    title: str
    short_title: str  # what the project's session titles call it
    status: ProjectStatus
    value: int | None  # whole units of DemoTexts.currency


@dataclass(frozen=True)
class DemoTexts:
    """Everything one locale's demo says. The seeding code reads these and nothing else
    that is language- or country-specific, so a new locale is a new table. The list lengths
    are part of the demo's shape (people's roles by position, the owners of clients, how many
    ideas of each kind a session samples): a table keeps the English one's lengths."""

    organization: str
    domain: str
    time_zone: str
    currency: str
    fiscal_year_start_month: int
    locale: Locale
    # Position 0 is the admin, 1 the manager, the rest the team's reps.
    people: list[DemoPerson]
    team_name: str
    team_description: str
    clients: list[DemoClient]
    client_notes: str  # format: {name}, {industry}
    contacts: list[DemoContact]  # each client gets these two
    projects: list[DemoProject]
    objective: str
    won_note: str
    purposes: dict[SessionPurpose, str]  # the purpose as session titles name it
    session_title: str  # format: {purpose}, {project}
    agenda: str
    summary: str
    decisions: list[str]
    recommended_approach: str
    ideas: dict[ContributionKind, list[str]]
    action_items: tuple[str, str]  # the adopted idea's, and a second one
    takeaway: str
    time_notes: list[str]
    # The bulk copies of ``--scale`` (shorter texts: they are for benchmarks).
    copy_project_title: str  # format: {client}, {number}
    copy_objective: str
    copy_session_title: str  # format: {purpose}, {number}
    copy_summary: str
    copy_decisions: list[str]
    copy_recommended_approach: str
    copy_time_note: str

    def email(self, person: DemoPerson) -> str:
        return f"{person.email_local}@{self.domain}"


def _people(
    *rows: tuple[str, Role, Seniority, list[str]],
) -> list[DemoPerson]:
    """English people: the email's local part is the name, first.last, lower-cased."""
    people = []
    for full_name, role, seniority, expertise in rows:
        first, last = full_name.lower().split(" ", 1)
        local = f"{first}.{last.replace(' ', '')}"
        people.append(DemoPerson(full_name, local, role, seniority, expertise))
    return people


_ENGLISH_PROJECTS = [
    DemoProject(0, ProjectKind.account, "Helix: line automation framework deal", "Helix",
                ProjectStatus.open, 48000),
    DemoProject(1, ProjectKind.account, "Baltic Freight: first order", "Baltic Freight",
                ProjectStatus.open, 22000),
    DemoProject(2, ProjectKind.account, "Sunrise Grocers: store refit programme",
                "Sunrise Grocers", ProjectStatus.won, 61000),
    DemoProject(3, ProjectKind.account, "Nordwind: tender response", "Nordwind",
                ProjectStatus.open, 95000),
    DemoProject(None, ProjectKind.prospecting, "Healthcare targets for Q1",
                "Healthcare targets for Q1", ProjectStatus.open, None),
    DemoProject(None, ProjectKind.campaign, "Spring retail campaign", "Spring retail campaign",
                ProjectStatus.open, None),
]  # fmt: skip

ENGLISH = DemoTexts(
    organization="Northwind Industrial Sales",
    domain="northwind.example",
    time_zone="Europe/Berlin",
    currency="EUR",
    fiscal_year_start_month=1,
    locale=Locale.en,
    people=_people(
        ("Alex Admin", Role.admin, Seniority.senior, ["operations"]),
        (
            "Morgan Reyes",
            Role.manager,
            Seniority.senior,
            ["manufacturing", "negotiation", "enterprise"],
        ),
        (
            "Priya Natarajan",
            Role.rep,
            Seniority.senior,
            ["healthcare", "procurement", "enterprise"],
        ),
        ("Tom Becker", Role.rep, Seniority.mid, ["logistics", "manufacturing", "pricing"]),
        ("Lena Vogel", Role.rep, Seniority.junior, ["retail", "social selling"]),
        ("Samuel Okafor", Role.rep, Seniority.senior, ["energy", "public sector", "negotiation"]),
        ("Chloe Martin", Role.rep, Seniority.junior, ["healthcare", "saas"]),
        ("Diego Alvarez", Role.rep, Seniority.mid, ["retail", "logistics", "campaigns"]),
    ),
    team_name="Enterprise Europe",
    team_description="Key accounts across DACH, Benelux and the Nordics",
    clients=[
        DemoClient("Helix Medical Devices", "healthcare", ClientStatus.active, 2),
        DemoClient("Baltic Freight Lines", "logistics", ClientStatus.prospect, 3),
        DemoClient("Sunrise Grocers", "retail", ClientStatus.active, 4),
        DemoClient("Nordwind Energie", "energy", ClientStatus.prospect, 5),
        DemoClient("CareFirst Clinics", "healthcare", ClientStatus.dormant, 6),
        DemoClient("Pacific Components", "manufacturing", ClientStatus.active, 7),
    ],
    client_notes="{name}: key account in {industry}. Owner knows the operations team well.",
    contacts=[
        DemoContact("Jordan Weiss", "Head of Procurement", BuyingRole.gatekeeper),
        DemoContact("Sam Lindqvist", "Chief Operating Officer", BuyingRole.decision_maker),
    ],
    projects=_ENGLISH_PROJECTS,
    objective="Win the framework agreement by showing lower total cost of ownership.",
    won_note="Signed after the pilot.",
    purposes={
        SessionPurpose.targeting: "Targeting",
        SessionPurpose.approach: "Approach",
        SessionPurpose.solution: "Solution",
    },
    session_title="{purpose} for {project}",
    agenda="Brief: what we know about the buyer, what we need from you, time box strict.",
    summary="Agreed to lead with downtime cost and propose a pilot.",
    decisions=["Lead with the downtime numbers", "Offer a 60-day pilot"],
    recommended_approach="Meet the COO with the ROI case; procurement second.",
    ideas={
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
    },
    action_items=("Draft the ROI one-pager", "Ask for a reference call"),
    takeaway="Asking about downtime cost first changes the whole conversation.",
    time_notes=[
        "Prepared the competitor comparison",
        "Call with the owner",
        "Reviewed the proposal draft",
    ],
    copy_project_title="{client} {number}: first order",
    copy_objective="Win the first order.",
    copy_session_title="{purpose} {number}",
    copy_summary="Agreed on the approach.",
    copy_decisions=["Offer a pilot"],
    copy_recommended_approach="COO first.",
    copy_time_note="Preparation",
)


def demo_texts(locale: Locale) -> DemoTexts:
    """The text table of ``locale``. The Japanese table is imported here rather than at the
    top because api/demo_ja.py imports this module's types."""
    if locale == Locale.ja:
        from api.demo_ja import JAPANESE

        return JAPANESE
    return ENGLISH


# --- seeding -------------------------------------------------------------------------------


@dataclass
class DemoResult:
    organization_id: uuid.UUID
    logins: list[tuple[str, str, str]]  # email, role, seniority
    created: bool


Step = Callable[[str], None]


async def seed_demo(
    sessionmaker: async_sessionmaker[AsyncSession],
    security: Security,
    *,
    password: str,
    on_step: Step = lambda _label: None,
    today: date | None = None,
    scale: int = 1,
    on_copy: Callable[[int], None] = lambda _done: None,
    locale: Locale = Locale.en,
) -> DemoResult:
    """Create the demo organization of ``locale`` once; a second run finds it (by its first
    person's email) and changes nothing. The other locale's demo is neither looked at nor
    touched: both can live in one database.

    ``scale`` N > 1 adds N - 1 more teams' worth of people, clients, projects, sessions and
    time (bulk inserts), for benchmarks, in either locale; ``on_copy`` hears how many are
    written."""
    texts = demo_texts(locale)
    rng = random.Random(7)  # the same demo every time
    now = datetime.now(UTC).replace(microsecond=0)
    today = today or now.date()
    async with sessionmaker() as session, session.begin():
        existing = await session.scalar(
            select(User).where(col(User.email) == texts.email(texts.people[0]))
        )
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
        organization = Organization(
            name=texts.organization,
            time_zone=texts.time_zone,
            default_currency=texts.currency,
            fiscal_year_start_month=texts.fiscal_year_start_month,
            locale=texts.locale,
        )
        session.add(organization)
        await session.flush()
        org_id = organization.id
        password_hash = await security.hash_password(password)
        people: list[User] = []
        for offset, person in enumerate(texts.people):
            user = User(
                organization_id=org_id,
                email=texts.email(person),
                full_name=person.full_name,
                # The person's own locale stays None: they follow the organization's.
                name_reading=person.reading,
                role=person.role,
                seniority=person.seniority,
                expertise=person.expertise,
                password_hash=password_hash,
                created_at=now - timedelta(days=120, minutes=-offset),
            )
            people.append(user)
        session.add_all(people)
        await session.flush()
        manager, reps = people[1], people[2:]
        team = Team(
            organization_id=org_id,
            name=texts.team_name,
            manager_id=manager.id,
            description=texts.team_description,
        )
        session.add(team)
        await session.flush()
        session.add_all(TeamMember(team_id=team.id, user_id=rep.id) for rep in reps)

        on_step("clients and contacts")
        clients: list[Client] = []
        for spec in texts.clients:
            client = Client(
                organization_id=org_id,
                owner_id=people[spec.owner].id,
                name=spec.name,
                industry=spec.industry,
                status=spec.status,
                notes=texts.client_notes.format(name=spec.name, industry=spec.industry),
            )
            clients.append(client)
        session.add_all(clients)
        await session.flush()
        for client in clients:
            session.add_all(
                Contact(
                    organization_id=org_id,
                    client_id=client.id,
                    name=contact.name,
                    title=contact.title,
                    buying_role=contact.buying_role,
                )
                for contact in texts.contacts
            )

        on_step("projects and panels")
        projects: list[tuple[Project, list[ProjectMember]]] = []
        for index, plan in enumerate(texts.projects):
            account = clients[plan.client] if plan.client is not None else None
            owner = (
                people[texts.clients[plan.client].owner]
                if plan.client is not None
                else reps[index % len(reps)]
            )
            project = Project(
                organization_id=org_id,
                kind=plan.kind,
                client_id=account.id if account else None,
                owner_id=owner.id,
                title=plan.title,
                status=plan.status,
                objective=texts.objective,
                due_date=today + timedelta(days=20 + 9 * index),
                currency=texts.currency,
                estimated_value=Decimal(plan.value) if plan.value else None,
                helper_budget_minutes=180,
                closed_at=now - timedelta(days=3) if plan.status != ProjectStatus.open else None,
                close_note=texts.won_note if plan.status == ProjectStatus.won else "",
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
                    title=texts.session_title.format(
                        purpose=texts.purposes[purpose],
                        project=texts.projects[index].short_title,
                    ),
                    agenda=texts.agenda,
                    scheduled_at=scheduled_at,
                    timebox_minutes=timebox,
                    facilitator_id=owner_id,
                    status=session_status,
                    started_at=scheduled_at if session_status != SessionStatus.scheduled else None,
                    completed_at=scheduled_at + timedelta(minutes=timebox) if completed else None,
                    summary=texts.summary if completed else "",
                    decisions=list(texts.decisions) if completed else [],
                    recommended_approach=texts.recommended_approach if completed else "",
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
                for idea_kind, bodies in texts.ideas.items():
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
                                title=texts.action_items[offset],
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
                                    body=texts.takeaway,
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
                            note=rng.choice(texts.time_notes),
                        )
                    )
        await session.flush()
        if scale > 1:
            on_step("scaled copies")
            await _scale_out(
                session,
                texts,
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
    texts: DemoTexts,
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
    ideas = [body for bodies in texts.ideas.values() for body in bodies]
    batch_copies = 20  # rows of 20 teams per round of INSERTs
    for first in range(0, copies, batch_copies):
        rows: dict[type, list[dict[str, object]]] = {model: [] for model in _SCALE_ORDER}
        for copy in range(first, min(copies, first + batch_copies)):
            _scale_one_copy(
                rows, rng, texts, copy + 2, organization_id, password_hash, now, today, ideas
            )
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
    texts: DemoTexts,
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
    for person in texts.people[2:]:
        user_id = new_id()
        # Every row carries the same keys (one multi-row INSERT): name_reading even when None.
        reading = f"{person.reading} {number}" if person.reading else None
        rows[User].append(
            {"id": user_id, **stamp, "organization_id": org_id,
             "email": f"{person.email_local}.{number}@{texts.domain}",
             "full_name": f"{person.full_name} {number}", "name_reading": reading,
             "role": person.role, "seniority": person.seniority,
             "expertise": person.expertise, "is_active": True, "password_hash": password_hash}
        )  # fmt: skip
        reps.append(user_id)
    for index, spec in enumerate(texts.clients):
        owner = reps[index]
        client_id, project_id = new_id(), new_id()
        name = f"{spec.name} {number}"
        rows[Client].append(
            {"id": client_id, **stamp, "organization_id": org_id, "owner_id": owner,
             "name": name, "industry": spec.industry, "status": spec.status, "notes": ""}
        )  # fmt: skip
        for contact in texts.contacts:
            rows[Contact].append(
                {"id": new_id(), **stamp, "organization_id": org_id, "client_id": client_id,
                 "name": contact.name, "title": contact.title,
                 "buying_role": contact.buying_role, "notes": ""}
            )  # fmt: skip
        rows[Project].append(
            {"id": project_id, **stamp, "organization_id": org_id, "kind": ProjectKind.account,
             "client_id": client_id, "owner_id": owner,
             "title": texts.copy_project_title.format(client=spec.name, number=number),
             "objective": texts.copy_objective, "status": ProjectStatus.open,
             "currency": texts.currency,
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
            title = texts.copy_session_title.format(purpose=texts.purposes[purpose], number=number)
            rows[MastermindSession].append(
                {"id": session_id, "created_at": at - timedelta(days=2),
                 "updated_at": at + timedelta(minutes=45) if completed else now,
                 "organization_id": org_id, "project_id": project_id, "purpose": purpose,
                 "title": title, "agenda": "", "scheduled_at": at,
                 "timebox_minutes": 45, "facilitator_id": owner,
                 "status": SessionStatus.completed if completed else SessionStatus.scheduled,
                 "started_at": at if completed else None,
                 "completed_at": at + timedelta(minutes=45) if completed else None,
                 "summary": texts.copy_summary if completed else "",
                 "decisions": list(texts.copy_decisions) if completed else [],
                 "recommended_approach": texts.copy_recommended_approach if completed else ""}
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
                 "session_id": session_id, "title": texts.action_items[0],
                 "assignee_id": helpers[0], "due_date": today + timedelta(days=5),
                 "status": ActionItemStatus.open}
            )  # fmt: skip
        for helper in helpers:
            rows[TimeEntry].append(
                {"id": new_id(), **stamp, "organization_id": org_id, "project_id": project_id,
                 "user_id": helper, "minutes": rng.choice([15, 30, 45]),
                 "spent_on": today - timedelta(days=rng.randint(1, 30)),
                 "note": texts.copy_time_note}
            )  # fmt: skip
