"""Takeaways: what each participant learned in a session, one per person, rewritten in place."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.errors import Conflict
from api.kit import audit
from api.kit.principal import Caller
from api.models import SessionStatus, Takeaway, utcnow
from api.pagination import paginate
from api.schemas.takeaways import TakeawayWrite
from api.services.sessions import session_access


async def write_takeaway(
    *, session: AsyncSession, caller: Caller, session_id: uuid.UUID, data: TakeawayWrite
) -> tuple[Takeaway, bool]:
    """One takeaway per person per session: the first write creates it, later ones edit it.
    Returns the takeaway and whether it was created."""
    access = await session_access(session=session, caller=caller, session_id=session_id)
    # Active members only, as for contributing: an invitee who never accepted writes none.
    access.project.ensure_can_contribute()
    if access.session.status == SessionStatus.cancelled:
        raise Conflict("The session is cancelled")
    takeaway = await session.scalar(
        select(Takeaway).where(
            col(Takeaway.session_id) == access.session.id, col(Takeaway.user_id) == caller.user_id
        )
    )
    created = takeaway is None
    if takeaway is None:
        takeaway = Takeaway(
            organization_id=caller.organization_id,
            session_id=access.session.id,
            user_id=caller.user_id,
            body=data.body,
        )
        try:
            async with session.begin_nested():
                session.add(takeaway)
        except IntegrityError as exc:
            raise Conflict("Your takeaway was just written from elsewhere; retry") from exc
    else:
        takeaway.body = data.body
        takeaway.updated_at = utcnow()
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="takeaway.created" if created else "takeaway.updated",
        entity_type="takeaway",
        entity_id=takeaway.id,
    )
    return takeaway, created


async def list_takeaways(
    *, session: AsyncSession, caller: Caller, session_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[Sequence[Takeaway], str | None]:
    access = await session_access(session=session, caller=caller, session_id=session_id)
    statement = select(Takeaway).where(col(Takeaway.session_id) == access.session.id)
    return await paginate(
        session,
        statement,
        time_column=col(Takeaway.created_at),
        id_column=col(Takeaway.id),
        limit=limit,
        cursor=cursor,
    )
