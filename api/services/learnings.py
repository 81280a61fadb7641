"""Related learnings for a project (DESIGN 7.5): adopted ideas and recommended approaches of
other projects with similar clients, what worked first.

``load_learning_facts`` loads what the ranking reads in a fixed number of queries (the
project, its session purposes, the candidate projects with their purposes, then the ideas
and approaches of the best candidates with their people); ``rank_learnings`` ranks over
those facts alone (pure, tested without a database).

A candidate project is another project the caller may read, or, with the organization's
closed learnings shared, any closed project of the organization (the same rule as search:
``contribution_visibility`` and ``outcome_visibility``). It matches on
- ``same_industry``: its client's industry is the project's client's (case-insensitive),
- ``shared_words``: words of its title and objective the project's title and objective
  have too (ASCII words of three letters or more; runs of two or more kanji or katakana),
- ``same_purpose``: the learning's session had a purpose one of the project's sessions has.
A learning with none of these is not related. Order: won projects' learnings and ideas
that worked first, ideas that did not work and lost projects' last; then the match score;
then the newest.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, and_, case, exists, func, literal, literal_column, or_, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.db import dialect_name
from api.kit.folding import fold, topic_words
from api.kit.principal import Caller
from api.models import (
    Client,
    Contribution,
    ContributionStatus,
    MastermindSession,
    Project,
    ProjectStatus,
    SessionParticipant,
    SessionPurpose,
    SessionStatus,
    User,
    Verdict,
)
from api.schemas.learnings import (
    LearningKind,
    LearningPerson,
    LearningReason,
    ReasonCode,
    RelatedLearning,
)
from api.services.contributions import contribution_visibility
from api.services.projects import project_access
from api.services.search import shares_closed_learnings
from api.services.sessions import outcome_visibility

INDUSTRY_MATCH = 3.0
WORD_MATCH, WORDS_MAX = 1.0, 3
PURPOSE_MATCH = 2.0
# How many of the best-matching projects the learnings are loaded from.
CANDIDATE_PROJECTS = 25
DEFAULT_LIMIT = 20


def words(text: str) -> set[str]:
    """The words of ``text`` that say what a project is about, folded (api/kit/folding.py,
    where the stored ``project.topic_words`` are made the same way)."""
    return topic_words(text)


@dataclass(frozen=True, slots=True)
class ProjectFacts:
    id: uuid.UUID
    title: str
    client_name: str | None
    industry: str  # folded; "" without a client or industry
    words: frozenset[str]
    status: ProjectStatus
    purposes: frozenset[SessionPurpose] = frozenset()


@dataclass(frozen=True, slots=True)
class Learning:
    kind: LearningKind
    id: uuid.UUID
    text: str
    session_id: uuid.UUID
    purpose: SessionPurpose
    project_id: uuid.UUID
    verdict: Verdict | None
    created_at: datetime
    people: tuple[LearningPerson, ...] = ()


@dataclass(frozen=True, slots=True)
class LearningFacts:
    target: ProjectFacts
    projects: dict[uuid.UUID, ProjectFacts]
    learnings: list[Learning] = field(default_factory=list)


def project_match(target: ProjectFacts, other: ProjectFacts) -> tuple[float, list[LearningReason]]:
    """How alike two projects are, before the purpose of any one learning."""
    score, reasons = 0.0, []
    if target.industry and target.industry == other.industry:
        score += INDUSTRY_MATCH
        reasons.append(LearningReason(code=ReasonCode.same_industry))
    shared = sorted(target.words & other.words)
    if shared:
        score += WORD_MATCH * min(len(shared), WORDS_MAX)
        reasons.append(LearningReason(code=ReasonCode.shared_words, words=shared))
    return score, reasons


def _outcome_rank(result: ProjectStatus, verdict: Verdict | None) -> int:
    """Won and "worked" first (2), what did not work or was lost last (0)."""
    if verdict == Verdict.worked or (result == ProjectStatus.won and verdict is None):
        return 2
    if verdict == Verdict.did_not_work or result == ProjectStatus.lost:
        return 0
    return 1


def rank_learnings(facts: LearningFacts, *, limit: int) -> list[RelatedLearning]:
    """The related learnings, best first (the order in the module's docstring)."""
    ranked: list[tuple[int, float, RelatedLearning]] = []
    for learning in facts.learnings:
        project = facts.projects.get(learning.project_id)
        if project is None or project.id == facts.target.id:
            continue
        score, reasons = project_match(facts.target, project)
        if learning.purpose in facts.target.purposes:
            score += PURPOSE_MATCH
            reasons = [*reasons, LearningReason(code=ReasonCode.same_purpose)]
        if not reasons:
            continue
        ranked.append(
            (
                _outcome_rank(project.status, learning.verdict),
                score,
                RelatedLearning(
                    kind=learning.kind,
                    id=learning.id,
                    text=learning.text,
                    session_id=learning.session_id,
                    purpose=learning.purpose,
                    project_id=project.id,
                    project_title=project.title,
                    client_name=project.client_name,
                    result=project.status,
                    verdict=learning.verdict,
                    people=list(learning.people),
                    score=score,
                    reasons=reasons,
                    created_at=learning.created_at,
                ),
            )
        )
    ranked.sort(key=lambda entry: (entry[0], entry[1], entry[2].created_at), reverse=True)
    return [entry[2] for entry in ranked[:limit]]


def _project_facts(row: Any, purposes: frozenset[SessionPurpose]) -> ProjectFacts:
    return ProjectFacts(
        id=row.id,
        title=row.title,
        client_name=row.client_name,
        industry=fold(row.industry or ""),
        words=frozenset(words(f"{row.title} {row.objective}")),
        status=row.status,
        purposes=purposes,
    )


# Hiragana and the katakana they fold to (api/kit/folding.py), for the SQL below.
_HIRAGANA = "".join(chr(code) for code in range(0x3041, 0x3097))
_KATAKANA = "".join(chr(code + 0x60) for code in range(0x3041, 0x3097))


def _folded_sql(text: Any) -> ColumnElement[str]:
    """``fold`` in SQL (PostgreSQL): NFKC, hiragana as katakana, lower case, spaces
    squeezed. ``lower`` is not quite ``casefold`` (ß), so it only chooses candidates; the
    reasons shown come from ``project_match`` on the folded values."""
    normalized = func.normalize(func.coalesce(text, ""), literal_column("NFKC"))
    kana = func.translate(normalized, _HIRAGANA, _KATAKANA)
    return func.btrim(func.regexp_replace(func.lower(kana), r"\s+", " ", "g"))


async def _best_in_sql(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    target: ProjectFacts,
    project_columns: tuple[Any, ...],
    learning_sessions: ColumnElement[bool],
    visible: ColumnElement[bool],
) -> dict[uuid.UUID, ProjectFacts]:
    """The ``CANDIDATE_PROJECTS`` best-matching projects, scored and ranked by PostgreSQL
    as ``project_match`` (plus ``PURPOSE_MATCH`` if a learning's session shares a purpose
    with the project's) would: one statement, whose answer is the size of the list."""
    per_project = (
        select(
            col(MastermindSession.project_id).label("project_id"),
            func.bool_or(col(MastermindSession.purpose).in_(sorted(target.purposes))).label(
                "purpose_match"
            ),
        )
        .where(learning_sessions)
        .group_by(col(MastermindSession.project_id))
        .subquery("learning_project")
    )
    matches: list[ColumnElement[bool]] = [per_project.c.purpose_match]
    score: ColumnElement[Any] = case(
        (per_project.c.purpose_match, literal(PURPOSE_MATCH)), else_=literal(0.0)
    )
    if target.industry:
        # The organization's few industry spellings folded once, not every client's.
        spelled = (
            select(col(Client.industry).label("industry"))
            .where(col(Client.organization_id) == organization_id)
            .distinct()
            # A fence: without it PostgreSQL moves the folding below DISTINCT, onto every
            # client row (NFKC normalization is the costly part).
            .offset(0)
            .subquery("spelled")
        )
        spellings = (
            select(spelled.c.industry)
            .where(_folded_sql(spelled.c.industry) == target.industry)
            .cte("same_industry")
        )
        same = col(Client.industry).in_(select(spellings.c.industry))
        matches.append(same)
        score = score + case((same, literal(INDUSTRY_MATCH)), else_=literal(0.0))
    if target.words:
        topic = sa.type_coerce(col(Project.topic_words), postgresql.ARRAY(sa.Text))
        wanted = sorted(target.words)
        matches.append(
            topic.overlap(sa.bindparam("topic", wanted, type_=postgresql.ARRAY(sa.Text)))
        )
        shared = sum(
            (case((topic.contains([word]), 1), else_=0) for word in wanted), start=literal(0)
        )
        score = score + WORD_MATCH * func.least(shared, WORDS_MAX)
    rows = (
        await session.execute(
            select(*project_columns, score.label("score"))
            .select_from(per_project)
            .join(Project, col(Project.id) == per_project.c.project_id)
            .outerjoin(Client, col(Client.id) == col(Project.client_id))
            .where(visible, or_(*matches))
            .order_by(
                literal_column("score").desc(),
                (col(Project.status) == ProjectStatus.won).desc(),
                col(Project.created_at).desc(),
                col(Project.id).desc(),
            )
            .limit(CANDIDATE_PROJECTS)
        )
    ).all()
    # The candidates' purposes are not needed past this point: each learning carries its own.
    return {row.id: _project_facts(row, frozenset()) for row in rows}


async def _best_in_python(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    target: ProjectFacts,
    project_columns: tuple[Any, ...],
    learning_sessions: ColumnElement[bool],
    visible: ColumnElement[bool],
) -> dict[uuid.UUID, ProjectFacts]:
    """``_best_in_sql`` for SQLite (no arrays): every candidate project with the purposes
    of its learning sessions, scored here by the pure ``project_match``."""
    candidate_rows = (
        await session.execute(
            select(*project_columns, col(MastermindSession.purpose))
            .select_from(MastermindSession)
            .join(Project, col(Project.id) == col(MastermindSession.project_id))
            .outerjoin(Client, col(Client.id) == col(Project.client_id))
            .where(learning_sessions, visible)
            .distinct()
        )
    ).all()
    purposes: dict[uuid.UUID, set[SessionPurpose]] = defaultdict(set)
    rows_by_project: dict[uuid.UUID, Any] = {}
    for row in candidate_rows:
        purposes[row.id].add(row.purpose)
        rows_by_project[row.id] = row
    projects = [
        _project_facts(row, frozenset(purposes[pid])) for pid, row in rows_by_project.items()
    ]
    best = sorted(
        projects,
        key=lambda p: (
            project_match(target, p)[0] + (PURPOSE_MATCH if p.purposes & target.purposes else 0),
            p.status == ProjectStatus.won,
        ),
        reverse=True,
    )
    return {
        p.id: p
        for p in best[:CANDIDATE_PROJECTS]
        if project_match(target, p)[1] or p.purposes & target.purposes
    }


async def load_learning_facts(
    *, session: AsyncSession, caller: Caller, project_id: uuid.UUID
) -> LearningFacts:
    """What ``rank_learnings`` reads, in six queries whatever the history's size."""
    access = await project_access(session=session, caller=caller, project_id=project_id)
    closed_learnings = await shares_closed_learnings(session, caller)
    project_columns: tuple[Any, ...] = (
        col(Project.id),
        col(Project.title),
        col(Project.objective),
        col(Project.status),
        col(Client.name).label("client_name"),
        col(Client.industry).label("industry"),
    )
    target_row = (
        await session.execute(
            select(*project_columns)
            .outerjoin(Client, col(Client.id) == col(Project.client_id))
            .where(col(Project.id) == access.project.id)
        )
    ).one()
    target_purposes = frozenset(
        (
            await session.scalars(
                select(col(MastermindSession.purpose))
                .where(
                    col(MastermindSession.project_id) == access.project.id,
                    col(MastermindSession.status) != SessionStatus.cancelled,
                )
                .distinct()
            )
        ).all()
    )
    target = _project_facts(target_row, target_purposes)

    # Candidates: other projects with a session that has an adopted idea or a recommended
    # approach, that the caller may read or that are shared closed learnings. This only
    # narrows: each learning loaded below passes its own rule (contribution_visibility,
    # outcome_visibility).
    has_learning = or_(
        and_(
            col(MastermindSession.status) == SessionStatus.completed,
            col(MastermindSession.recommended_approach) != "",
        ),
        exists().where(
            col(Contribution.session_id) == col(MastermindSession.id),
            col(Contribution.status) == ContributionStatus.adopted,
        ),
    )
    choose = _best_in_sql if dialect_name(session) == "postgresql" else _best_in_python
    projects = await choose(
        session,
        organization_id=caller.organization_id,
        target=target,
        project_columns=project_columns,
        learning_sessions=and_(
            col(MastermindSession.organization_id) == caller.organization_id,
            col(MastermindSession.project_id) != access.project.id,
            has_learning,
        ),
        visible=outcome_visibility(caller, closed_learnings=closed_learnings),
    )
    chosen = list(projects)
    if not chosen:
        return LearningFacts(target=target, projects=projects)
    idea = and_(
        col(Contribution.status) == ContributionStatus.adopted,
        # Learnings name the people who had the idea.
        contribution_visibility(caller, closed_learnings=closed_learnings, with_author=True),
    )
    approach = and_(
        col(MastermindSession.status) == SessionStatus.completed,
        col(MastermindSession.recommended_approach) != "",
        outcome_visibility(caller, closed_learnings=closed_learnings),
    )

    learnings: list[Learning] = []
    idea_rows: Sequence[Any] = (
        await session.execute(
            select(
                col(Contribution.id),
                col(Contribution.body),
                col(Contribution.session_id),
                col(Contribution.verdict),
                col(Contribution.created_at),
                col(MastermindSession.purpose),
                col(MastermindSession.project_id),
                col(User.id).label("author_id"),
                col(User.full_name).label("author_name"),
            )
            .join(MastermindSession, col(MastermindSession.id) == col(Contribution.session_id))
            .join(Project, col(Project.id) == col(MastermindSession.project_id))
            .join(User, col(User.id) == col(Contribution.author_id))
            .where(col(Project.id).in_(chosen), idea)
        )
    ).all()
    for row in idea_rows:
        learnings.append(
            Learning(
                kind=LearningKind.idea,
                id=row.id,
                text=row.body,
                session_id=row.session_id,
                purpose=row.purpose,
                project_id=row.project_id,
                verdict=row.verdict,
                created_at=row.created_at,
                people=(LearningPerson(id=row.author_id, full_name=row.author_name),),
            )
        )
    approach_rows: Sequence[Any] = (
        await session.execute(
            select(
                col(MastermindSession.id),
                col(MastermindSession.recommended_approach),
                col(MastermindSession.purpose),
                col(MastermindSession.project_id),
                func.coalesce(
                    col(MastermindSession.completed_at), col(MastermindSession.created_at)
                ).label("held_at"),
                col(User.id).label("person_id"),
                col(User.full_name).label("person_name"),
            )
            .join(Project, col(Project.id) == col(MastermindSession.project_id))
            .outerjoin(
                SessionParticipant,
                and_(
                    col(SessionParticipant.session_id) == col(MastermindSession.id),
                    col(SessionParticipant.attended_minutes) > 0,
                ),
            )
            .outerjoin(User, col(User.id) == col(SessionParticipant.user_id))
            .where(col(Project.id).in_(chosen), approach)
            .order_by(col(MastermindSession.id), col(User.full_name))
        )
    ).all()
    attendees: dict[uuid.UUID, list[LearningPerson]] = defaultdict(list)
    sessions: dict[uuid.UUID, Any] = {}
    for row in approach_rows:
        sessions[row.id] = row
        if row.person_id is not None:
            attendees[row.id].append(LearningPerson(id=row.person_id, full_name=row.person_name))
    for session_id, row in sessions.items():
        learnings.append(
            Learning(
                kind=LearningKind.approach,
                id=session_id,
                text=row.recommended_approach,
                session_id=session_id,
                purpose=row.purpose,
                project_id=row.project_id,
                verdict=None,
                created_at=row.held_at,
                people=tuple(attendees[session_id]),
            )
        )
    return LearningFacts(target=target, projects=projects, learnings=learnings)


async def related_learnings(
    *, session: AsyncSession, caller: Caller, project_id: uuid.UUID, limit: int = DEFAULT_LIMIT
) -> list[RelatedLearning]:
    facts = await load_learning_facts(session=session, caller=caller, project_id=project_id)
    return rank_learnings(facts, limit=limit)
