"""Takeaways: what one participant learned in one session."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from api.kit.folding import fold_columns
from api.models.base import IdTable, SearchGrams, postgresql_only, search_prefix_index
from api.models.search import folded_on_write


class Takeaway(IdTable, table=True):
    """What one participant learned in one session."""

    __tablename__ = "takeaway"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "user_id"),
        sa.Index("ix_takeaway_organization_id_created_at", "organization_id", "created_at", "id"),
        postgresql_only(
            sa.Index("ix_takeaway_search_grams", "search_grams", postgresql_using="gin")
        ),
    )

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    session_id: uuid.UUID = Field(foreign_key="mastermind_session.id", ondelete="CASCADE")
    user_id: uuid.UUID = Field(foreign_key="user.id", ondelete="RESTRICT", index=True)
    body: str = Field(sa_type=sa.Text)
    # The body folded for search, and its grams (api/kit/folding.py); kept by
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


TAKEAWAY_SEARCH_SOURCES = ("body",)


def _folded(context: Any) -> dict[str, Any]:
    """The search columns of a row inserted through Core, from its other values."""
    return fold_columns(context.get_current_parameters(), TAKEAWAY_SEARCH_SOURCES, with_grams=True)


folded_on_write(Takeaway, TAKEAWAY_SEARCH_SOURCES, with_grams=True)
search_prefix_index(Takeaway)
