"""The payloads of outbound webhook events (api/schemas/webhook_events.py), built from the rows.

Each builder runs only when an endpoint listens (``outbox.emit`` takes it as a callable) and
costs a fixed number of queries: the project with its client, then the people it names.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.kit.links import outcome_path, project_url, session_url, spa_url
from api.models import ActionItem, Client, MastermindSession, Project, SessionParticipant, User
from api.schemas.action_items import ActionItemRead
from api.schemas.projects import ProjectRead
from api.schemas.sessions import SessionOutcome
from api.schemas.webhook_events import (
    ActionItemEventData,
    ClientRef,
    PersonRef,
    ProjectEventData,
    ProjectRef,
    SessionCompletedData,
    SessionScheduledData,
)


async def _project_and_client(
    session: AsyncSession, project_id: uuid.UUID
) -> tuple[Project, ProjectRef, ClientRef | None]:
    project, client_name = (
        await session.execute(
            select(Project, col(Client.name))
            .outerjoin(Client, col(Client.id) == Project.client_id)
            .where(col(Project.id) == project_id)
        )
    ).one()
    reference = ProjectRef(
        id=project.id,
        title=project.title,
        status=project.status,
        external_source=project.external_source,
        external_id=project.external_id,
        url=project_url(session, project.id),
    )
    client = None
    if project.client_id is not None:
        client = ClientRef(id=project.client_id, name=client_name)
    return project, reference, client


async def _people(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, PersonRef]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.execute(
        select(col(User.id), col(User.full_name), col(User.email)).where(col(User.id).in_(wanted))
    )
    return {id_: PersonRef(id=id_, full_name=name, email=email) for id_, name, email in rows}


async def _participants(session: AsyncSession, session_id: uuid.UUID) -> list[PersonRef]:
    rows = await session.execute(
        select(col(User.id), col(User.full_name), col(User.email))
        .join(SessionParticipant, col(SessionParticipant.user_id) == User.id)
        .where(col(SessionParticipant.session_id) == session_id)
        .order_by(col(User.full_name), col(User.id))
    )
    return [PersonRef(id=id_, full_name=name, email=email) for id_, name, email in rows]


async def project_event(session: AsyncSession, project_id: uuid.UUID) -> dict[str, Any]:
    """``project.created`` / ``updated`` / ``closed``: the project as the API reads it, with
    its link, its client and its owner."""
    project, reference, client = await _project_and_client(session, project_id)
    owner = (await _people(session, [project.owner_id]))[project.owner_id]
    data = ProjectEventData(
        **ProjectRead.model_validate(project).model_dump(),
        url=reference.url,
        project=reference,
        client=client,
        owner=owner,
    )
    return data.model_dump(mode="json")


async def session_scheduled(session: AsyncSession, mm_session: MastermindSession) -> dict[str, Any]:
    _project, reference, client = await _project_and_client(session, mm_session.project_id)
    participants = await _participants(session, mm_session.id)
    facilitator = None
    if mm_session.facilitator_id is not None:
        people = await _people(session, [mm_session.facilitator_id])
        facilitator = people.get(mm_session.facilitator_id)
    data = SessionScheduledData(
        id=mm_session.id,
        title=mm_session.title,
        purpose=mm_session.purpose,
        agenda=mm_session.agenda,
        scheduled_at=mm_session.scheduled_at,
        timebox_minutes=mm_session.timebox_minutes,
        url=session_url(session, mm_session.id),
        project=reference,
        client=client,
        facilitator=facilitator,
        participants=participants,
    )
    return data.model_dump(mode="json")


async def session_completed(
    session: AsyncSession, mm_session: MastermindSession, outcome: SessionOutcome
) -> dict[str, Any]:
    _project, reference, client = await _project_and_client(session, mm_session.project_id)
    data = SessionCompletedData(
        **outcome.model_dump(),
        title=mm_session.title,
        purpose=mm_session.purpose,
        url=spa_url(session, outcome_path(mm_session.id)),
        project=reference,
        client=client,
        participants=await _participants(session, mm_session.id),
    )
    return data.model_dump(mode="json")


async def action_item_event(session: AsyncSession, item: ActionItem) -> dict[str, Any]:
    _project, reference, client = await _project_and_client(session, item.project_id)
    assignee = (await _people(session, [item.assignee_id]))[item.assignee_id]
    data = ActionItemEventData(
        **ActionItemRead.model_validate(item).model_dump(),
        url=reference.url,
        project=reference,
        client=client,
        assignee=assignee,
    )
    return data.model_dump(mode="json")
