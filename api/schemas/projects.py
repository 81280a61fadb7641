"""Projects, their members, and closing them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import MISSING, ConfigDict, Field, field_serializer

from api.kit.money import format_amount
from api.models import LostReason, MemberRole, MemberState, ProjectKind, ProjectStatus
from api.pagination import Page
from api.schemas.base import (
    NO_NUL,
    NOT_BLANK,
    Amount,
    AmountText,
    CalendarDate,
    IsoCurrency,
    RequestModel,
    ResponseModel,
    Trimmed,
    UpdateModel,
    WholeNumber,
)

Title = Annotated[str, Field(min_length=1, max_length=200, pattern=NOT_BLANK), Trimmed]
Objective = Annotated[str, Field(max_length=20_000, pattern=NO_NUL)]
Minutes = Annotated[int, Field(ge=0, le=100_000), WholeNumber]


class ProjectCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Northwind: fleet renewal",
                    "kind": "account",
                    "client_id": "4e8a2c6d-1b3f-4d5a-9e7c-0a2b4c6d8e0f",
                    "objective": "Win the 2027 fleet tender",
                    "due_date": "2027-03-31",
                    "helper_budget_minutes": 240,
                    "estimated_value": "1250000",
                    "currency": "JPY",
                }
            ]
        }
    )
    title: Title
    kind: ProjectKind = ProjectKind.account
    client_id: uuid.UUID | None = None
    objective: Objective = ""
    owner_id: uuid.UUID | None = Field(default=None, description="Default: the caller")
    due_date: CalendarDate | None = None
    helper_budget_minutes: Minutes = 120
    estimated_value: Amount | None = None
    currency: IsoCurrency | None = Field(
        default=None, description="ISO 4217; default: the organization's default_currency"
    )


class ProjectUpdate(UpdateModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"objective": "Win the tender's first lot", "due_date": None}]
        }
    )
    title: Title | MISSING = MISSING
    client_id: uuid.UUID | MISSING | None = MISSING
    objective: Objective | MISSING = MISSING
    owner_id: uuid.UUID | MISSING = MISSING
    due_date: CalendarDate | MISSING | None = MISSING
    helper_budget_minutes: Minutes | MISSING = MISSING
    estimated_value: Amount | MISSING | None = MISSING
    currency: IsoCurrency | MISSING = MISSING


class ProjectClose(RequestModel):
    """Won, lost or abandoned; a lost deal says why (DESIGN 7.5), and only a lost one does."""

    # Said in the schema too, so clients (and the fuzzer) know: lost needs a reason; the
    # other results carry neither a reason nor a competitor.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "if": {"properties": {"result": {"const": "lost"}}, "required": ["result"]},
            "then": {
                "required": ["lost_reason"],
                "properties": {"lost_reason": {"not": {"type": "null"}}},
            },
            "else": {
                "properties": {"lost_reason": {"type": "null"}, "competitor": {"type": "null"}}
            },
            "examples": [
                {"result": "won", "note": "Signed for three years"},
                {
                    "result": "lost",
                    "lost_reason": "competitor",
                    "competitor": "Acme Logistics",
                    "note": "Lost on the service level",
                },
            ],
        },
    )

    result: Literal["won", "lost", "abandoned"]
    lost_reason: LostReason | None = Field(default=None, description="Required when lost")
    competitor: (
        Annotated[str, Field(min_length=1, max_length=200, pattern=NOT_BLANK), Trimmed] | None
    ) = Field(default=None, description="Who won the deal, when lost to a competitor")
    note: Annotated[str, Field(max_length=5000, pattern=NO_NUL)] = ""


class ProjectRead(ResponseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    kind: ProjectKind
    client_id: uuid.UUID | None
    owner_id: uuid.UUID
    title: str
    objective: str
    status: ProjectStatus
    due_date: date | None
    estimated_value: Decimal | None
    currency: str
    helper_budget_minutes: int
    closed_at: datetime | None
    close_note: str
    lost_reason: LostReason | None
    competitor: str | None
    external_source: str | None
    external_id: str | None
    merged_into_id: uuid.UUID | None = Field(
        default=None,
        description="Its CRM deal was merged into this project's deal (it is abandoned)",
    )
    created_at: datetime
    updated_at: datetime

    @field_serializer("estimated_value")
    def _in_the_currencys_places(self, value: Decimal | None) -> AmountText | None:
        return format_amount(value, self.currency)


class ProjectPage(Page[ProjectRead]):
    pass


class MemberCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "user_id": "7c1d9e3b-2a4f-4b6d-8e0a-3f5b7d9c1e2a",
                    "role": "helper",
                    "budget_minutes": 90,
                }
            ]
        }
    )
    user_id: uuid.UUID
    role: Literal["helper", "observer"] = "helper"
    budget_minutes: Minutes | None = Field(
        default=None, description="Default: the project's helper_budget_minutes"
    )


class MemberUpdate(UpdateModel):
    """Managers and the owner change role and budget; the member answers the invitation."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"state": "active"}, {"budget_minutes": 120}]}
    )

    role: Literal["helper", "observer"] | MISSING = MISSING
    budget_minutes: Minutes | MISSING = MISSING
    state: Literal["active", "declined", "left"] | MISSING = MISSING


class MemberRead(ResponseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    full_name: str
    role: MemberRole
    state: MemberState
    budget_minutes: int
    created_at: datetime
    updated_at: datetime


class MemberPage(Page[MemberRead]):
    pass
