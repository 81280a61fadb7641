"""Time entries: minutes members give a project outside sessions, credited to the ledger."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.errors import Conflict
from api.kit import audit
from api.kit.principal import Caller
from api.models import TimeEntry
from api.pagination import paginate
from api.schemas.time_entries import TimeEntryCreate
from api.services.projects import project_access
from api.services.rollup import RollupBatch

# A time entry may be logged for yesterday evening in another time zone, not for next week.
MAX_DAYS_AHEAD = 1


async def log_time(
    *, session: AsyncSession, caller: Caller, project_id: uuid.UUID, data: TimeEntryCreate
) -> TimeEntry:
    """Members log their own minutes; nobody logs time for somebody else."""
    access = await project_access(session=session, caller=caller, project_id=project_id)
    access.ensure_can_contribute()
    if data.spent_on > datetime.now(UTC).date() + timedelta(days=MAX_DAYS_AHEAD):
        raise Conflict("Time cannot be logged for a future day")
    entry = TimeEntry(
        organization_id=caller.organization_id,
        project_id=access.project.id,
        user_id=caller.user_id,
        minutes=data.minutes,
        spent_on=data.spent_on,
        note=data.note,
        project_owner_id=access.project.owner_id,
    )
    session.add(entry)
    await session.flush()
    batch = RollupBatch(caller.organization_id)
    batch.add_help(
        helper_id=caller.user_id,
        owner_id=access.project.owner_id,
        project_id=access.project.id,
        day=data.spent_on,
        minutes=data.minutes,
    )
    await batch.apply(session)
    audit.record(
        session,
        caller=caller,
        action="time_entry.created",
        entity_type="time_entry",
        entity_id=entry.id,
        changes={"minutes": data.minutes, "spent_on": data.spent_on},
    )
    return entry


async def list_time_entries(
    *,
    session: AsyncSession,
    caller: Caller,
    project_id: uuid.UUID,
    limit: int,
    cursor: str | None,
    user_id: uuid.UUID | None = None,
) -> tuple[Sequence[TimeEntry], str | None]:
    access = await project_access(session=session, caller=caller, project_id=project_id)
    statement = select(TimeEntry).where(col(TimeEntry.project_id) == access.project.id)
    if user_id is not None:
        statement = statement.where(col(TimeEntry.user_id) == user_id)
    return await paginate(
        session,
        statement,
        time_column=col(TimeEntry.created_at),
        id_column=col(TimeEntry.id),
        limit=limit,
        cursor=cursor,
    )
