"""Clients and their contacts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import MISSING, ConfigDict, EmailStr, Field

from api.models import BuyingRole, ClientStatus
from api.pagination import Page
from api.schemas.base import NO_NUL, NOT_BLANK, RequestModel, ResponseModel, Trimmed, UpdateModel

Name = Annotated[str, Field(min_length=1, max_length=200, pattern=NOT_BLANK), Trimmed]
Industry = Annotated[str, Field(max_length=120, pattern=NO_NUL), Trimmed]
Notes = Annotated[str, Field(max_length=20_000, pattern=NO_NUL)]


class ClientCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Northwind Traders",
                    "industry": "Logistics",
                    "status": "prospect",
                    "notes": "Met at the fair in March",
                }
            ]
        }
    )
    name: Name
    industry: Industry = ""
    status: ClientStatus = ClientStatus.prospect
    owner_id: uuid.UUID | None = Field(default=None, description="Default: the caller")
    notes: Notes = ""


class ClientUpdate(UpdateModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "active", "notes": ""}]})
    name: Name | MISSING = MISSING
    industry: Industry | MISSING = MISSING
    status: ClientStatus | MISSING = MISSING
    owner_id: uuid.UUID | MISSING = MISSING
    notes: Notes | MISSING = MISSING


class ClientRead(ResponseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    owner_id: uuid.UUID
    name: str
    industry: str
    status: ClientStatus
    notes: str
    external_source: str | None
    external_id: str | None
    open_projects: int = Field(default=0, description="Projects on this client still open")
    created_at: datetime
    updated_at: datetime


class ClientPage(Page[ClientRead]):
    pass


class ContactCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Kenji Sato",
                    "title": "Head of Procurement",
                    "email": "k.sato@northwind.example",
                    "buying_role": "decision_maker",
                }
            ]
        }
    )
    name: Name
    title: Annotated[str, Field(max_length=200, pattern=NO_NUL), Trimmed] = ""
    email: EmailStr | None = None
    phone: Annotated[str, Field(max_length=60, pattern=NO_NUL), Trimmed] | None = None
    buying_role: BuyingRole = BuyingRole.influencer
    notes: Notes = ""


class ContactRead(ResponseModel):
    id: uuid.UUID
    client_id: uuid.UUID
    name: str
    title: str
    email: str | None
    phone: str | None
    buying_role: BuyingRole
    notes: str
    created_at: datetime
    updated_at: datetime


class ContactPage(Page[ContactRead]):
    pass
