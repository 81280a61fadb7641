"""Projects (the unit of team selling) and their members."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from api.kit.folding import TOPIC_SOURCES, fold_columns, topic_columns
from api.models.base import (
    IdTable,
    SearchGrams,
    UTCDateTime,
    enum_type,
    postgresql_only,
    search_prefix_index,
)
from api.models.search import derived_on_write, folded_on_write


class ProjectKind(enum.StrEnum):
    account = "account"
    prospecting = "prospecting"
    campaign = "campaign"


class ProjectStatus(enum.StrEnum):
    open = "open"
    won = "won"
    lost = "lost"
    abandoned = "abandoned"


class LostReason(enum.StrEnum):
    """Why a deal was lost (DESIGN 7.5): what the team learns from when the next one starts."""

    competitor = "competitor"
    price = "price"
    no_decision = "no_decision"
    timing = "timing"
    fit = "fit"
    other = "other"


class MemberRole(enum.StrEnum):
    owner = "owner"
    helper = "helper"
    observer = "observer"


class MemberState(enum.StrEnum):
    invited = "invited"
    active = "active"
    declined = "declined"
    left = "left"


class Project(IdTable, table=True):
    __tablename__ = "project"
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "external_source", "external_id"),
        sa.Index("ix_project_organization_id_created_at", "organization_id", "created_at", "id"),
        sa.CheckConstraint("helper_budget_minutes >= 0", name="helper_budget_non_negative"),
        postgresql_only(
            sa.Index("ix_project_search_grams", "search_grams", postgresql_using="gin")
        ),
    )

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    kind: ProjectKind = Field(sa_type=enum_type(ProjectKind, "project_kind"))
    client_id: uuid.UUID | None = Field(
        default=None, foreign_key="client.id", ondelete="RESTRICT", index=True
    )
    owner_id: uuid.UUID = Field(foreign_key="user.id", ondelete="RESTRICT", index=True)
    # 255: the longest title a CRM sends (Pipedrive); the API's own limit is lower.
    title: str = Field(max_length=255)
    objective: str = Field(default="", sa_type=sa.Text)
    status: ProjectStatus = Field(
        default=ProjectStatus.open, sa_type=enum_type(ProjectStatus, "project_status")
    )
    # The contract names it due_date (DESIGN.md section 4); clients depend on the name.
    due_date: date | None = None
    # Four places: the most any ISO 4217 currency has (api/kit/money.py); each amount has at
    # most its own currency's, and goes out with exactly those.
    estimated_value: Decimal | None = Field(default=None, sa_type=sa.Numeric(16, 4))
    currency: str = Field(default="EUR", max_length=3)
    helper_budget_minutes: int = Field(default=120)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    close_note: str = Field(default="", sa_type=sa.Text)
    # Set when the project was closed as lost through the API (a CRM's lost deal has none).
    lost_reason: LostReason | None = Field(
        default=None, sa_type=enum_type(LostReason, "project_lost_reason")
    )
    competitor: str | None = Field(default=None, max_length=200)
    external_source: str | None = Field(default=None, max_length=40)
    external_id: str | None = Field(default=None, max_length=200)
    # The project this one's deal was merged into at the CRM (it is abandoned meanwhile).
    merged_into_id: uuid.UUID | None = Field(
        default=None, foreign_key="project.id", ondelete="SET NULL"
    )
    # The title folded for search, and its grams (api/kit/folding.py); kept by
    # folded_on_write below, never written by hand.
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
    # The words of the title and objective (api/kit/folding.py ``topic_words``), so that
    # related learnings score candidate projects in SQL; kept by derived_on_write below.
    topic_words: list[str] = Field(
        default_factory=list,
        sa_type=SearchGrams,
        sa_column_kwargs={
            "default": lambda c: topic_columns(c.get_current_parameters())["topic_words"]
        },
    )


PROJECT_SEARCH_SOURCES = ("title",)


def _folded(context: Any) -> dict[str, Any]:
    """The search columns of a row inserted through Core, from its other values."""
    return fold_columns(context.get_current_parameters(), PROJECT_SEARCH_SOURCES, with_grams=True)


folded_on_write(Project, PROJECT_SEARCH_SOURCES, with_grams=True)
search_prefix_index(Project)
derived_on_write(Project, TOPIC_SOURCES, topic_columns)


class ProjectMember(IdTable, table=True):
    """A person on a project; rows are never deleted, so removed members keep their history."""

    __tablename__ = "project_member"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "user_id"),
        sa.CheckConstraint("budget_minutes >= 0", name="budget_non_negative"),
        # A person's seats in their projects' order: a rep's project list walks this index
        # and reads only the page it returns (migration 0008).
        sa.Index(
            "ix_project_member_user_id_project_created_at",
            "user_id",
            "project_created_at",
            "project_id",
            "state",
        ),
    )

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    project_id: uuid.UUID = Field(foreign_key="project.id", ondelete="CASCADE")
    user_id: uuid.UUID = Field(foreign_key="user.id", ondelete="RESTRICT")
    role: MemberRole = Field(sa_type=enum_type(MemberRole, "project_member_role"))
    state: MemberState = Field(
        default=MemberState.invited, sa_type=enum_type(MemberState, "project_member_state")
    )
    budget_minutes: int = Field(default=0)
    # Attendance plus time entries on this project, kept in step with the facts in the same
    # transaction (``mastermind rebuild-ledger`` recomputes it): budget burn without a scan.
    minutes_used: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The project's created_at, copied when the seat is made (it never changes): lets a
    # person's projects be listed in project order from their seats alone.
    project_created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    # Who offered the seat and when (the latest offer, for a seat offered again); empty on
    # the owner's own seat. ``GET /invitations`` shows them.
    invited_by_id: uuid.UUID | None = Field(
        default=None, foreign_key="user.id", ondelete="SET NULL"
    )
    invited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
