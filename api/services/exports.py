"""Exports for people and scripts (``mastermind export``): completed session outcomes,
streamed page by page with keyset paging on (updated_at, id), never all in memory. CSV text
cells that a spreadsheet would run as formulas are written with a leading quote."""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.models import (
    Client,
    Contribution,
    ContributionStatus,
    MastermindSession,
    Project,
    SessionParticipant,
    SessionStatus,
    User,
)

PAGE_SIZE = 500

OUTCOME_COLUMNS = (
    "session_id",
    "project_id",
    "project_title",
    "client_name",
    "purpose",
    "title",
    "scheduled_at",
    "completed_at",
    "updated_at",
    "summary",
    "decisions",
    "recommended_approach",
    "attendance",
    "attended_minutes",
    "adopted_ideas",
)
# Lists and objects inside a CSV cell are written as JSON.
_NESTED = {"decisions", "attendance", "adopted_ideas"}


def _outcomes(organization_id: uuid.UUID, since: datetime | None) -> Select[MastermindSession]:
    statement = select(MastermindSession).where(
        col(MastermindSession.organization_id) == organization_id,
        col(MastermindSession.status) == SessionStatus.completed,
    )
    if since is not None:
        statement = statement.where(col(MastermindSession.updated_at) >= since)
    return statement


async def count_outcomes(
    session: AsyncSession, *, organization_id: uuid.UUID, since: datetime | None
) -> int:
    inner = (
        _outcomes(organization_id, since).with_only_columns(col(MastermindSession.id)).subquery()
    )
    return await session.scalar(select(func.count()).select_from(inner)) or 0


async def iter_outcomes(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    since: datetime | None = None,
    page_size: int = PAGE_SIZE,
) -> AsyncIterator[dict[str, Any]]:
    """Completed sessions of one organization, oldest change first, as plain dicts."""
    after: tuple[datetime, uuid.UUID] | None = None
    while True:
        statement = (
            _outcomes(organization_id, since)
            .join(Project, col(Project.id) == MastermindSession.project_id)
            .outerjoin(Client, col(Client.id) == Project.client_id)
            .with_only_columns(
                col(MastermindSession.id),
                col(MastermindSession.project_id),
                col(Project.title),
                col(Client.name),
                col(MastermindSession.purpose),
                col(MastermindSession.title),
                col(MastermindSession.scheduled_at),
                col(MastermindSession.completed_at),
                col(MastermindSession.updated_at),
                col(MastermindSession.summary),
                col(MastermindSession.decisions),
                col(MastermindSession.recommended_approach),
            )
            .order_by(col(MastermindSession.updated_at), col(MastermindSession.id))
            .limit(page_size)
        )
        if after is not None:
            statement = statement.where(
                or_(
                    col(MastermindSession.updated_at) > after[0],
                    and_(
                        col(MastermindSession.updated_at) == after[0],
                        col(MastermindSession.id) > after[1],
                    ),
                )
            )
        rows = (await session.execute(statement)).all()
        if not rows:
            return
        ids = [row[0] for row in rows]
        attendance: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
        for session_id, user_id, email, minutes in await session.execute(
            select(
                col(SessionParticipant.session_id),
                col(SessionParticipant.user_id),
                col(User.email),
                col(SessionParticipant.attended_minutes),
            )
            .join(User, col(User.id) == SessionParticipant.user_id)
            .where(
                col(SessionParticipant.session_id).in_(ids),
                col(SessionParticipant.attended_minutes).is_not(None),
            )
            .order_by(col(User.email))
        ):
            attendance[session_id].append(
                {"user_id": str(user_id), "email": email, "minutes": minutes}
            )
        adopted: dict[uuid.UUID, list[str]] = defaultdict(list)
        for session_id, body in await session.execute(
            select(col(Contribution.session_id), col(Contribution.body))
            .where(
                col(Contribution.session_id).in_(ids),
                col(Contribution.status) == ContributionStatus.adopted,
            )
            .order_by(col(Contribution.created_at), col(Contribution.id))
        ):
            adopted[session_id].append(body)
        for row in rows:
            (sid, project_id, project_title, client_name, purpose, title) = row[:6]
            (scheduled_at, completed_at, updated_at, summary, decisions, approach) = row[6:]
            yield {
                "session_id": str(sid),
                "project_id": str(project_id),
                "project_title": project_title,
                "client_name": client_name,
                "purpose": purpose.value,
                "title": title,
                "scheduled_at": scheduled_at.isoformat(),
                "completed_at": completed_at.isoformat() if completed_at else None,
                "updated_at": updated_at.isoformat(),
                "summary": summary,
                "decisions": list(decisions or []),
                "recommended_approach": approach,
                "attendance": attendance[sid],
                "attended_minutes": sum(entry["minutes"] for entry in attendance[sid]),
                "adopted_ideas": adopted[sid],
            }
        if len(rows) < page_size:
            return
        after = (rows[-1][8], rows[-1][0])


def jsonl_line(record: dict[str, Any]) -> str:
    return orjson.dumps(record).decode() + "\n"


def csv_header() -> str:
    return _csv_row(list(OUTCOME_COLUMNS))


# A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV
# Injection"): a client named =HYPERLINK(...) would run in whoever opens the export.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """A text cell a spreadsheet shows as text: a leading quote stops a formula."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_line(record: dict[str, Any]) -> str:
    cells = []
    for column in OUTCOME_COLUMNS:
        value = record[column]
        if column in _NESTED:
            cells.append(orjson.dumps(value).decode())  # starts with [ or {: never a formula
        elif isinstance(value, str):
            cells.append(spreadsheet_safe(value))
        else:
            # Numbers stay numbers: a numeric column's -5 is data, not a formula.
            cells.append("" if value is None else str(value))
    return _csv_row(cells)


def _csv_row(cells: list[str]) -> str:
    # The writer quotes a cell holding any character of its line terminator, and only those:
    # with "\n" alone a bare CR went out unquoted and split the row for every reader. So
    # write with "\r\n" (both quoted) and end the line with "\n" as before.
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue().removesuffix("\r\n") + "\n"
