"""The caller's organization and its settings (DESIGN 7.3).

Everyone in the organization reads its settings (the SPA formats dates, periods and money
with them); only admins change them. A new time zone moves the midnights that cut the
ledger's days, so the change rebuilds the organization's rollups from the facts in the same
transaction (``rollup.refresh_organization``): the answer comes once the ledger already
reads in the new zone, and ``ledger_rebuilt_at`` says when that was. Other API processes
forget the zone they cached when the change commits (a NOTIFY their LISTEN connection
hears, api/events.py), and within ``rollup.ZONE_TTL_SECONDS`` at the latest; a new first
month of the fiscal year is forgotten the same way (the ledger's default period follows it).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.db import dialect_name
from api.errors import Forbidden, Unauthorized
from api.kit import audit
from api.kit.patching import apply_changes, requested_changes
from api.kit.principal import Caller
from api.kit.versioning import ensure_current
from api.models import Organization, utcnow
from api.schemas.organizations import OrganizationSettingsRead, OrganizationUpdate
from api.services import rollup


async def organization_row(*, session: AsyncSession, caller: Caller) -> Organization:
    organization = await session.get(Organization, caller.organization_id)
    if organization is None:  # the token outlived its organization
        raise Unauthorized("The access token is invalid or expired")
    return organization


async def organization_currency(session: AsyncSession, organization_id: uuid.UUID) -> str:
    """What a new project is valued in when nobody said: the organization's default."""
    currency = await session.scalar(
        select(col(Organization.default_currency)).where(col(Organization.id) == organization_id)
    )
    return currency or "EUR"


async def get_organization(*, session: AsyncSession, caller: Caller) -> OrganizationSettingsRead:
    return OrganizationSettingsRead.model_validate(
        await organization_row(session=session, caller=caller)
    )


async def update_organization(
    *, session: AsyncSession, caller: Caller, data: OrganizationUpdate, if_match: str | None
) -> OrganizationSettingsRead:
    if not caller.is_admin:
        raise Forbidden("Only admins change the organization's settings")
    organization = await organization_row(session=session, caller=caller)
    ensure_current(organization, if_match)
    changes = {
        name: value
        for name, value in requested_changes(data).items()
        if getattr(organization, name) != value
    }
    if not changes:
        return OrganizationSettingsRead.model_validate(organization)
    apply_changes(organization, changes)
    organization.updated_at = utcnow()
    if "time_zone" in changes:
        await session.flush()
        await rollup.refresh_organization(session, organization.id)
        organization.ledger_rebuilt_at = utcnow()
    if changes.keys() & {"time_zone", "fiscal_year_start_month"}:
        await session.flush()
        rollup.forget_calendar(organization.id)
        if dialect_name(session) == "postgresql":
            # Delivered when this transaction commits, to every process's listener.
            await session.execute(
                text("SELECT pg_notify(:channel, :id)"),
                {"channel": rollup.ZONE_CHANNEL, "id": str(organization.id)},
            )
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="organization.updated",
        entity_type="organization",
        entity_id=organization.id,
        changes=changes,
    )
    return OrganizationSettingsRead.model_validate(organization)
