"""Users and organizations as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import MISSING, AfterValidator, ConfigDict, EmailStr, Field, StrictBool

from api.models import Locale, Role, Seniority
from api.pagination import Page
from api.schemas.base import NOT_BLANK, RequestModel, ResponseModel, Trimmed, UpdateModel
from api.schemas.organizations import OrganizationRead

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


def _lower(value: str) -> str:
    return value.lower()


Email = Annotated[EmailStr, Field(max_length=320), AfterValidator(_lower)]
Password = Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)]
FullName = Annotated[str, Field(min_length=1, max_length=200, pattern=NOT_BLANK), Trimmed]
NameReading = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        pattern=NOT_BLANK,
        description="How the name reads (kana for a Japanese name); sorts and finds the person",
    ),
    Trimmed,
]
Tag = Annotated[str, Field(min_length=1, max_length=60, pattern=NOT_BLANK), Trimmed]
Expertise = Annotated[list[Tag], Field(max_length=50)]


class UserCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "ben.ito@example.com",
                    "full_name": "Ben Ito",
                    "password": "a long first passphrase",
                    "role": "rep",
                    "seniority": "junior",
                    "expertise": ["logistics", "pricing"],
                }
            ]
        }
    )
    email: Email
    full_name: FullName
    password: Password
    role: Role = Role.rep
    seniority: Seniority = Seniority.mid
    expertise: Expertise = Field(default_factory=list)


class UserUpdate(UpdateModel):
    """Admins may change everything; people may change their own name, its reading, their
    language, expertise and password."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"role": "manager", "seniority": "senior"}, {"is_active": False}]
        }
    )

    email: Email | MISSING = MISSING
    full_name: FullName | MISSING = MISSING
    name_reading: NameReading | MISSING | None = MISSING
    locale: Locale | MISSING | None = Field(
        default=MISSING, description="The person's language; null follows the organization's"
    )
    role: Role | MISSING = MISSING
    seniority: Seniority | MISSING = MISSING
    expertise: Expertise | MISSING = MISSING
    is_active: StrictBool | MISSING = MISSING
    password: Password | MISSING = MISSING
    current_password: str | MISSING = Field(
        default=MISSING,
        min_length=1,
        max_length=MAX_PASSWORD_LENGTH,
        description="Required to change your own password",
    )


class ProfileUpdate(UpdateModel):
    """``PATCH /users/me``: what a person changes on their own account."""

    # A new password comes with the current one; said in the schema so clients (and the
    # fuzzer) know, and checked by the service (422 naming ``current_password``).
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "dependentRequired": {"password": ["current_password"]},
            "examples": [
                {"full_name": "山田 花子", "name_reading": "ヤマダ ハナコ", "locale": "ja"},
                {"password": "a new long passphrase", "current_password": "an old passphrase"},
            ],
        },
    )

    full_name: FullName | MISSING = MISSING
    name_reading: NameReading | MISSING | None = MISSING
    locale: Locale | MISSING | None = Field(
        default=MISSING, description="Your language; null follows the organization's"
    )
    expertise: Expertise | MISSING = MISSING
    password: Password | MISSING = Field(
        default=MISSING, description="A new password; signs out every other device"
    )
    current_password: str | MISSING = Field(
        default=MISSING,
        min_length=1,
        max_length=MAX_PASSWORD_LENGTH,
        description="Required with a new password",
    )


class UserRead(ResponseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    email: str
    full_name: str
    name_reading: str | None
    locale: Locale | None
    role: Role
    seniority: Seniority
    expertise: list[str]
    is_active: bool
    created_at: datetime
    updated_at: datetime


class CurrentUserRead(UserRead):
    organization: OrganizationRead


class UserPage(Page[UserRead]):
    pass
