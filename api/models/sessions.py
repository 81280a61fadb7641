"""Time-boxed Mastermind sessions: the session itself, its participants and attendance, and
the live-room events kept for replay. What happens in them has its own modules: presence,
contributions, action_items, takeaways."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.kit.folding import fold_columns
from api.models.base import (
    IdTable,
    SearchGrams,
    UTCDateTime,
    enum_type,
    postgresql_only,
    search_prefix_index,
    utcnow,
)
from api.models.search import folded_on_write


class SessionPurpose(enum.StrEnum):
    targeting = "targeting"
    campaign = "campaign"
    approach = "approach"
    solution = "solution"
    debrief = "debrief"


class SessionStatus(enum.StrEnum):
    scheduled = "scheduled"
    live = "live"
    completed = "completed"
    cancelled = "cancelled"


class SessionFormat(enum.StrEnum):
    """DESIGN 7.2: the open board as it always was, or the phased Mastermind protocol."""

    open = "open"
    mastermind = "mastermind"


class Anonymity(enum.StrEnum):
    none = "none"
    until_complete = "until_complete"


class SessionPhase(enum.StrEnum):
    """The Mastermind protocol's phases, in the only order they may be entered."""

    brief = "brief"
    write = "write"
    reveal = "reveal"
    vote = "vote"
    discuss = "discuss"
    decide = "decide"


# Forward only: a phase's position, so "may this move happen" is one comparison.
PHASE_ORDER = {phase: position for position, phase in enumerate(SessionPhase)}


class MastermindSession(IdTable, table=True):
    """Named apart from SQLAlchemy's Session; the API calls it a session."""

    __tablename__ = "mastermind_session"
    __table_args__ = (
        # The outcomes feed pages by (updated_at, id) within an organization.
        sa.Index(
            "ix_mastermind_session_organization_id_updated_at",
            "organization_id",
            "updated_at",
            "id",
        ),
        sa.CheckConstraint("timebox_minutes > 0", name="timebox_positive"),
        sa.Index(
            "ix_mastermind_session_organization_id_created_at",
            "organization_id",
            "created_at",
            "id",
        ),
        postgresql_only(
            sa.Index("ix_mastermind_session_search_grams", "search_grams", postgresql_using="gin")
        ),
        sa.CheckConstraint("vote_budget > 0", name="vote_budget_positive"),
    )

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    project_id: uuid.UUID = Field(foreign_key="project.id", ondelete="CASCADE", index=True)
    purpose: SessionPurpose = Field(sa_type=enum_type(SessionPurpose, "session_purpose"))
    title: str = Field(max_length=200)
    agenda: str = Field(default="", sa_type=sa.Text)
    scheduled_at: datetime = Field(sa_type=UTCDateTime)
    timebox_minutes: int = Field(default=45)
    facilitator_id: uuid.UUID | None = Field(
        default=None, foreign_key="user.id", ondelete="SET NULL"
    )
    status: SessionStatus = Field(
        default=SessionStatus.scheduled, sa_type=enum_type(SessionStatus, "session_status")
    )
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    summary: str = Field(default="", sa_type=sa.Text)
    decisions: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    recommended_approach: str = Field(default="", sa_type=sa.Text)
    # Last live-event number issued for this session; bumped under the row lock, so event
    # numbers are gap-free and committed in order (what Last-Event-ID resumes from).
    event_seq: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Set on completion: did juniors and seniors sit together (the learning mix)? Recorded
    # as a fact then, so a later change of someone's seniority does not rewrite it.
    mixed_seniority: bool | None = None
    # DESIGN 7.2. Existing rows are "open" sessions, which never have a phase.
    format: SessionFormat = Field(
        default=SessionFormat.open,
        sa_type=enum_type(SessionFormat, "session_format"),
        sa_column_kwargs={"server_default": "open"},
    )
    anonymity: Anonymity = Field(
        default=Anonymity.none,
        sa_type=enum_type(Anonymity, "session_anonymity"),
        sa_column_kwargs={"server_default": "none"},
    )
    # Dots per person; null is unlimited (the open board's one vote per card).
    vote_budget: int | None = None
    phase: SessionPhase | None = Field(
        default=None, sa_type=enum_type(SessionPhase, "session_phase")
    )
    phase_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    phase_ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The title and the outcome (summary, decisions, recommended approach) folded for
    # search, and their grams (api/kit/folding.py); kept by folded_on_write below.
    search_text: str = Field(
        default="",
        sa_type=sa.Text,
        sa_column_kwargs={"default": lambda c: _folded(c)["search_text"]},
    )
    search_grams: list[str] = Field(
        default_factory=list,
        sa_type=SearchGrams,
        sa_column_kwargs={"default": lambda c: _folded(c)["search_grams"]},
    )


SESSION_SEARCH_SOURCES = ("title", "summary", "decisions", "recommended_approach")


def _folded(context: Any) -> dict[str, Any]:
    """The search columns of a row inserted through Core, from its other values."""
    return fold_columns(context.get_current_parameters(), SESSION_SEARCH_SOURCES, with_grams=True)


folded_on_write(MastermindSession, SESSION_SEARCH_SOURCES, with_grams=True)
search_prefix_index(MastermindSession)


class SessionEvent(SQLModel, table=True):
    """A live-room event kept for replay to browsers that reconnect with Last-Event-ID."""

    __tablename__ = "session_event"

    session_id: uuid.UUID = Field(
        foreign_key="mastermind_session.id", ondelete="CASCADE", primary_key=True
    )
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    type: str = Field(max_length=40)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SessionParticipant(SQLModel, table=True):
    """Who was invited to a session and, once it completed, for how many minutes they attended."""

    __tablename__ = "session_participant"
    __table_args__ = (
        sa.CheckConstraint("attended_minutes >= 0", name="attended_non_negative"),
        sa.CheckConstraint("present_minutes >= 0", name="present_non_negative"),
    )

    session_id: uuid.UUID = Field(
        foreign_key="mastermind_session.id", ondelete="CASCADE", primary_key=True
    )
    user_id: uuid.UUID = Field(
        foreign_key="user.id", ondelete="RESTRICT", primary_key=True, index=True
    )
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    attended_minutes: int | None = None
    # Measured presence (api/services/presence.py) when the session completed, beside the
    # credited attended_minutes; empty for sessions completed before presence was measured.
    present_minutes: int | None = None
    # The project's owner when the session completed: help is credited to whoever owned the
    # project at the time, so a later hand-over does not rewrite the ledger's history.
    project_owner_id: uuid.UUID | None = Field(
        default=None, foreign_key="user.id", ondelete="RESTRICT"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
