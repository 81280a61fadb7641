"""What participants bring to a session (ideas, questions, risks, ...) and the votes on them."""

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


class ContributionKind(enum.StrEnum):
    idea = "idea"
    question = "question"
    insight = "insight"
    experience = "experience"
    risk = "risk"
    resource = "resource"


class ContributionStatus(enum.StrEnum):
    open = "open"
    adopted = "adopted"
    parked = "parked"
    rejected = "rejected"


class Verdict(enum.StrEnum):
    """What an adopted idea did once tried with the client (DESIGN 7.5)."""

    worked = "worked"
    did_not_work = "did_not_work"
    not_tried = "not_tried"


class Contribution(IdTable, table=True):
    __tablename__ = "contribution"
    __table_args__ = (
        sa.Index("ix_contribution_session_id_created_at", "session_id", "created_at", "id"),
        # Search walks an organization's contributions newest first (services/search.py).
        sa.Index(
            "ix_contribution_organization_id_created_at", "organization_id", "created_at", "id"
        ),
        postgresql_only(
            sa.Index("ix_contribution_search_grams", "search_grams", postgresql_using="gin")
        ),
    )

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    session_id: uuid.UUID = Field(foreign_key="mastermind_session.id", ondelete="CASCADE")
    author_id: uuid.UUID = Field(foreign_key="user.id", ondelete="RESTRICT", index=True)
    kind: ContributionKind = Field(sa_type=enum_type(ContributionKind, "contribution_kind"))
    body: str = Field(sa_type=sa.Text)
    status: ContributionStatus = Field(
        default=ContributionStatus.open,
        sa_type=enum_type(ContributionStatus, "contribution_status"),
    )
    # Kept in step with contribution_vote by atomic UPDATE ... SET votes = votes +/- 1.
    votes: int = Field(default=0)
    # After the client meeting: what the adopted idea did, said by the project's owner (or a
    # manager or admin); team memory ranks what worked first.
    verdict: Verdict | None = Field(
        default=None, sa_type=enum_type(Verdict, "contribution_verdict")
    )
    verdict_note: str = Field(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})
    verdict_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    verdict_by_id: uuid.UUID | None = Field(
        default=None, foreign_key="user.id", ondelete="SET NULL"
    )
    # The body and the verdict's note folded for search, and their grams
    # (api/kit/folding.py); kept by folded_on_write below, never written by hand.
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


CONTRIBUTION_SEARCH_SOURCES = ("body", "verdict_note")


def _folded(context: Any) -> dict[str, Any]:
    """The search columns of a row inserted through Core, from its other values."""
    return fold_columns(
        context.get_current_parameters(), CONTRIBUTION_SEARCH_SOURCES, with_grams=True
    )


folded_on_write(Contribution, CONTRIBUTION_SEARCH_SOURCES, with_grams=True)
search_prefix_index(Contribution)


class ContributionVote(SQLModel, table=True):
    __tablename__ = "contribution_vote"

    contribution_id: uuid.UUID = Field(
        foreign_key="contribution.id", ondelete="CASCADE", primary_key=True
    )
    user_id: uuid.UUID = Field(foreign_key="user.id", ondelete="CASCADE", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
