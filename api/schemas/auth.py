"""Sign-up, sign-in and token exchange."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.models import Locale
from api.schemas.base import NOT_BLANK, RequestModel, Trimmed
from api.schemas.users import Email, FullName, OrganizationRead, Password, UserRead


class RegisterRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "organization_name": "Nordwind Sales",
                    "full_name": "Ana Berg",
                    "email": "ana.berg@example.com",
                    "password": "correct horse battery staple",
                    "locale": "en",
                }
            ]
        }
    )
    organization_name: Annotated[
        str, Field(min_length=1, max_length=200, pattern=NOT_BLANK), Trimmed
    ]
    full_name: FullName
    email: Email
    password: Password
    locale: Locale = Field(
        default=Locale.en,
        description="The organization's language (the SPA sends the one its page speaks)",
    )


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")


class RegisterResponse(BaseModel):
    user: UserRead
    organization: OrganizationRead
    tokens: TokenPair


class RefreshRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "refresh_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.refresh-token-from-the-sign-in"
                }
            ]
        }
    )
    refresh_token: Annotated[str, Field(min_length=1, max_length=4096)]
