"""People: users, their role and seniority (sign-in state is in models/auth.py)."""

from __future__ import annotations

import enum
import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from api.kit.folding import fold_columns
from api.models.base import IdTable, enum_type
from api.models.organizations import Locale
from api.models.search import folded_on_write


class Role(enum.StrEnum):
    admin = "admin"
    manager = "manager"
    rep = "rep"


class Seniority(enum.StrEnum):
    junior = "junior"
    mid = "mid"
    senior = "senior"


class User(IdTable, table=True):
    __tablename__ = "user"
    __table_args__ = (
        sa.Index("ix_user_organization_id_created_at", "organization_id", "created_at", "id"),
    )

    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    # Stored lower-cased; unique across the whole service because it is the login name.
    email: str = Field(max_length=320, unique=True)
    full_name: str = Field(max_length=200)
    # How the name is read (kana for a Japanese name: 山田太郎 → ヤマダタロウ); people are
    # sorted by it and found by it. None: the name reads as written.
    name_reading: str | None = Field(default=None, max_length=200)
    # The language the person chose; None follows the organization's (DESIGN 7.3).
    locale: Locale | None = Field(default=None, sa_type=enum_type(Locale, "user_locale"))
    role: Role = Field(default=Role.rep, sa_type=enum_type(Role, "user_role"))
    seniority: Seniority = Field(
        default=Seniority.mid, sa_type=enum_type(Seniority, "user_seniority")
    )
    expertise: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    is_active: bool = Field(default=True)
    password_hash: str = Field(max_length=255, repr=False)
    # Carried in every access token (claim ``ver``) and compared on each request: raising it
    # ends every access token issued before (sign-out, password change, deactivation).
    token_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Name and email folded for search (api/kit/folding.py); kept by folded_on_write below.
    # People are few per organization: no grams index, the folded text is scanned.
    search_text: str = Field(
        default="",
        sa_type=sa.Text,
        sa_column_kwargs={"default": lambda c: _folded(c)["search_text"]},
    )


USER_SEARCH_SOURCES = ("full_name", "name_reading", "email")


def _folded(context: Any) -> dict[str, Any]:
    """The search column of a row inserted through Core, from its other values."""
    return fold_columns(context.get_current_parameters(), USER_SEARCH_SOURCES, with_grams=False)


folded_on_write(User, USER_SEARCH_SOURCES, with_grams=False)
