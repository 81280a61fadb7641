"""A person's contribution record for a period (DESIGN 7.5), for an appraisal interview.

Minutes, sessions and adopted ideas are the person's ledger row for the period (the same
figures as ``GET /users/{id}/ledger``); then their adopted ideas with what each did, the
colleagues' projects they gave time to (attendance and time entries on projects someone
else owned at the time, as the ledger counts them) with each project's result, and their
takeaways. Readable by the person, managers and admins; as JSON, or CSV (one row per line
of the record, cells made safe for spreadsheets).
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.kit.periods import PeriodKind
from api.kit.principal import Caller
from api.models import (
    Client,
    Contribution,
    ContributionStatus,
    MastermindSession,
    Project,
    SessionParticipant,
    SessionStatus,
    Takeaway,
    TimeEntry,
)
from api.schemas.contribution_records import (
    ContributionRecord,
    RecordIdea,
    RecordProject,
    RecordTakeaway,
)
from api.services.exports import spreadsheet_safe
from api.services.ledger import user_ledger

__all__ = ["contribution_record", "record_csv"]


async def contribution_record(
    *,
    session: AsyncSession,
    caller: Caller,
    user_id: uuid.UUID,
    since: date | None,
    until: date | None,
    period_kind: PeriodKind | None,
) -> ContributionRecord:
    # The ledger's rules: the person themselves, else managers and admins (403), and
    # another organization's person is 404.
    period, row = await user_ledger(
        session=session,
        caller=caller,
        user_id=user_id,
        since=since,
        until=until,
        period_kind=period_kind,
    )
    org = caller.organization_id
    ideas = await session.execute(
        select(
            col(Contribution.id),
            col(Contribution.body),
            col(Contribution.session_id),
            col(MastermindSession.title),
            col(Project.id),
            col(Project.title),
            col(Contribution.verdict),
            col(Contribution.created_at),
        )
        .join(MastermindSession, col(MastermindSession.id) == col(Contribution.session_id))
        .join(Project, col(Project.id) == col(MastermindSession.project_id))
        .where(
            col(Contribution.organization_id) == org,
            col(Contribution.author_id) == user_id,
            col(Contribution.status) == ContributionStatus.adopted,
            col(Contribution.created_at) >= period.starts_at,
            col(Contribution.created_at) < period.ends_at,
        )
        .order_by(col(Contribution.created_at), col(Contribution.id))
    )
    minutes: dict[uuid.UUID, int] = defaultdict(int)
    attended = await session.execute(
        select(
            col(MastermindSession.project_id), func.sum(col(SessionParticipant.attended_minutes))
        )
        .join(MastermindSession, col(MastermindSession.id) == col(SessionParticipant.session_id))
        .where(
            col(SessionParticipant.organization_id) == org,
            col(SessionParticipant.user_id) == user_id,
            col(SessionParticipant.project_owner_id) != user_id,
            col(SessionParticipant.attended_minutes) > 0,
            col(MastermindSession.status) == SessionStatus.completed,
            col(MastermindSession.completed_at) >= period.starts_at,
            col(MastermindSession.completed_at) < period.ends_at,
        )
        .group_by(col(MastermindSession.project_id))
    )
    for project_id, total in attended:
        minutes[project_id] += int(total or 0)
    logged = await session.execute(
        select(col(TimeEntry.project_id), func.sum(col(TimeEntry.minutes)))
        .where(
            col(TimeEntry.organization_id) == org,
            col(TimeEntry.user_id) == user_id,
            col(TimeEntry.project_owner_id) != user_id,
            col(TimeEntry.spent_on) >= period.since,
            col(TimeEntry.spent_on) <= period.until,
        )
        .group_by(col(TimeEntry.project_id))
    )
    for project_id, total in logged:
        minutes[project_id] += int(total or 0)
    projects = []
    if minutes:
        project_rows = await session.execute(
            select(col(Project.id), col(Project.title), col(Client.name), col(Project.status))
            .outerjoin(Client, col(Client.id) == col(Project.client_id))
            .where(col(Project.id).in_(minutes))
        )
        projects = [
            RecordProject(
                project_id=project_id,
                title=title,
                client_name=client_name,
                status=status,
                minutes=minutes[project_id],
            )
            for project_id, title, client_name, status in project_rows
        ]
        projects.sort(key=lambda p: (-p.minutes, p.title))
    takeaways = await session.execute(
        select(
            col(Takeaway.session_id),
            col(MastermindSession.title),
            col(Takeaway.body),
            col(Takeaway.created_at),
        )
        .join(MastermindSession, col(MastermindSession.id) == col(Takeaway.session_id))
        .where(
            col(Takeaway.organization_id) == org,
            col(Takeaway.user_id) == user_id,
            col(Takeaway.created_at) >= period.starts_at,
            col(Takeaway.created_at) < period.ends_at,
        )
        .order_by(col(Takeaway.created_at))
    )
    return ContributionRecord(
        user_id=row.user_id,
        full_name=row.full_name,
        since=period.since,
        until=period.until,
        period=period.kind,
        fiscal_year=period.fiscal_year,
        quarter=period.quarter,
        minutes_given=row.minutes_given,
        minutes_received=row.minutes_received,
        sessions_attended=row.sessions_attended,
        ideas_adopted=row.ideas_adopted,
        ideas=[
            RecordIdea(
                id=idea_id,
                body=body,
                session_id=session_id,
                session_title=session_title,
                project_id=project_id,
                project_title=project_title,
                verdict=verdict,
                created_at=created_at,
            )
            for idea_id, body, session_id, session_title, project_id, project_title, verdict, created_at in ideas
        ],
        projects_helped=projects,
        takeaways=[
            RecordTakeaway(session_id=s_id, session_title=title, body=body, created_at=at)
            for s_id, title, body, at in takeaways
        ],
    )


CSV_COLUMNS = ("section", "date", "title", "detail", "minutes", "result")


def record_csv(record: ContributionRecord) -> str:
    """The record as CSV: a summary row, then one row per idea, project and takeaway."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)

    def row(section: str, day: str, title: str, detail: str, minutes: str, result: str) -> None:
        writer.writerow(
            [section, day, spreadsheet_safe(title), spreadsheet_safe(detail), minutes, result]
        )

    period = f"{record.since.isoformat()}..{record.until.isoformat()}"
    row("person", period, record.full_name, "minutes given", str(record.minutes_given), "")
    row("person", period, record.full_name, "minutes received", str(record.minutes_received), "")
    row("person", period, record.full_name, "sessions attended", str(record.sessions_attended), "")
    row("person", period, record.full_name, "ideas adopted", str(record.ideas_adopted), "")
    for idea in record.ideas:
        verdict = idea.verdict.value if idea.verdict else "not_said"
        row("idea", idea.created_at.date().isoformat(), idea.project_title, idea.body, "", verdict)
    for project in record.projects_helped:
        row(
            "project",
            "",
            project.title,
            project.client_name or "",
            str(project.minutes),
            project.status.value,
        )
    for takeaway in record.takeaways:
        row(
            "takeaway",
            takeaway.created_at.date().isoformat(),
            takeaway.session_title,
            takeaway.body,
            "",
            "",
        )
    return buffer.getvalue()
