"""API keys: created with scopes and an optional expiry, shown once, listed without secrets."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, ConfigDict, Field

from api.pagination import Page
from api.schemas.base import NOT_BLANK, RequestModel, ResponseModel, Timestamp, Trimmed

Scope = Literal[
    "clients:read",
    "clients:write",
    "projects:read",
    "projects:write",
    "sessions:read",
    "sessions:write",
    "ledger:read",
    "ledger:write",
    # Reading people (GET /users, GET /users/{id}) to resolve ids; nothing writes them.
    "people:read",
]


def _distinct_sorted(scopes: list[str]) -> list[str]:
    return sorted(set(scopes))


class ApiKeyCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "BI nightly export",
                    "scopes": ["sessions:read", "people:read"],
                    "expires_at": "2027-12-31T23:59:59Z",
                }
            ]
        }
    )
    name: Annotated[str, Field(min_length=1, max_length=120, pattern=NOT_BLANK), Trimmed]
    scopes: Annotated[
        list[Scope],
        Field(
            min_length=1,
            max_length=len(get_args(Scope)),
            description="`<resource>:read` or `<resource>:write`; people are read only",
        ),
        AfterValidator(_distinct_sorted),
    ]
    expires_at: Timestamp | None = Field(
        default=None, description="When the key stops working; must be in the future"
    )


class ApiKeyRead(ResponseModel):
    id: uuid.UUID
    name: str
    prefix: str = Field(description="The key's first characters, to tell keys apart")
    scopes: list[str]
    created_by_id: uuid.UUID
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None = Field(
        description="Refreshed at most once a minute, so it may lag by up to a minute"
    )


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The key itself: shown this once, only its hash is kept")


class ApiKeyPage(Page[ApiKeyRead]):
    pass
