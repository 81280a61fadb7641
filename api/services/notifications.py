"""Notifications (DESIGN 7.6): who is told of what, by which channel, and their inbox.

Every event that tells people something (an invitation, a session scheduled, changed or
cancelled, a reminder, an action item assigned, a help request and its answer) goes through
one fan-out, ``fan_out``, in the transaction of the change: per person it reads their
preferences once and writes the in-app notification (pushed live on their own stream once
the transaction commits, api/events.py) and queues the mail (api/services/mail.py, only with
SMTP configured), each only where that person left the channel on for that kind. The one
who caused the event gets no in-app notice of their own doing (their mail, a calendar entry
for themselves, still follows their preference).

Three notices are asked for by the worker's scans (api/services/notification_worker.py),
which run whenever the app's worker runs, SMTP or not: session reminders
(``queue_due_reminders``: each person's own offsets, ``reminder_minutes``, default
``REMINDER_MINUTES``), overdue action items (``queue_overdue_action_items``) and the
managers' weekly summary (``queue_weekly_summaries``). Each is written once per person
under a unique key in both channels, however many workers look.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api import events
from api.db import upsert
from api.errors import AppError, NotFound, Unavailable
from api.kit import links
from api.kit.principal import Caller
from api.models import (
    ActionItem,
    ActionItemStatus,
    HelpRequest,
    HelpRequestState,
    Locale,
    MailMessage,
    MastermindSession,
    Notification,
    NotificationKind,
    NotificationPreference,
    Project,
    SessionParticipant,
    SessionStatus,
    Team,
    TeamMember,
    User,
    utcnow,
)
from api.models.base import table_of
from api.pagination import paginate
from api.schemas.notifications import (
    KindPreference,
    NotificationData,
    NotificationPreferencesRead,
    NotificationPreferencesUpdate,
    NotificationRead,
)
from api.services import calendar, ledger, mail
from api.services.rollup import local_day, organization_zone

CREATED = "notification.created"
READ = "notification.read"
INBOX_PATH = "/notifications"

# kind -> the mail's (subject, plain, html) for one person in their language.
MailParts = Callable[[User, Locale], tuple[str, str, str]]


# --- preferences -----------------------------------------------------------------------------


def _wants(preference: NotificationPreference | None, kind: NotificationKind, channel: str) -> bool:
    if preference is None:
        return True
    off = preference.email_off if channel == "email" else preference.in_app_off
    return kind.value not in off


async def preferences_of(
    session: AsyncSession, user_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, NotificationPreference]:
    """The preference rows of these people, in one query (no row: every default)."""
    if not user_ids:
        return {}
    rows = await session.scalars(
        select(NotificationPreference).where(col(NotificationPreference.user_id).in_(user_ids))
    )
    return {row.user_id: row for row in rows}


def _preferences_read(
    preference: NotificationPreference | None, default_reminders: Sequence[int]
) -> NotificationPreferencesRead:
    minutes = (
        preference.reminder_minutes
        if preference is not None and preference.reminder_minutes is not None
        else default_reminders
    )
    return NotificationPreferencesRead(
        kinds=[
            KindPreference(
                kind=kind,
                email=_wants(preference, kind, "email"),
                in_app=_wants(preference, kind, "in_app"),
            )
            for kind in NotificationKind
        ],
        reminder_minutes=sorted(set(minutes), reverse=True),
    )


async def get_preferences(
    *, session: AsyncSession, caller: Caller, default_reminders: Sequence[int]
) -> NotificationPreferencesRead:
    preference = await session.get(NotificationPreference, caller.user_id)
    return _preferences_read(preference, default_reminders)


async def update_preferences(
    *,
    session: AsyncSession,
    caller: Caller,
    data: NotificationPreferencesUpdate,
    default_reminders: Sequence[int],
) -> NotificationPreferencesRead:
    preference = await session.get(NotificationPreference, caller.user_id, with_for_update=True)
    if preference is None:
        preference = NotificationPreference(user_id=caller.user_id)
        session.add(preference)
    email_off, in_app_off = set(preference.email_off), set(preference.in_app_off)
    for item in data.kinds if isinstance(data.kinds, list) else []:
        sent = item.model_dump(exclude_unset=True)
        for channel, off in (("email", email_off), ("in_app", in_app_off)):
            if channel in sent:
                (off.discard if sent[channel] else off.add)(item.kind.value)
    # New lists, not changed ones: the JSON columns notice assignment, not mutation.
    preference.email_off = sorted(email_off)
    preference.in_app_off = sorted(in_app_off)
    if isinstance(data.reminder_minutes, list):
        preference.reminder_minutes = sorted(set(data.reminder_minutes), reverse=True)
    preference.updated_at = utcnow()
    await session.flush()
    return _preferences_read(preference, default_reminders)


# --- the fan-out ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Notice:
    """One event, as every channel tells it: ``data`` and ``link`` (an SPA path) for the
    inbox, ``mail`` for the outbox (None: this event sends no mail)."""

    kind: NotificationKind
    organization_id: uuid.UUID
    link: str
    data: dict[str, Any] = field(default_factory=dict)
    mail: MailParts | None = None
    ics: tuple[str, str] | None = None
    actor_id: uuid.UUID | None = None  # who caused it: no in-app notice of their own doing
    dedupe: str | None = None  # once per person however often asked (``:<user id>`` added)


def _words(kind: str, **values: object) -> MailParts:
    """A notice's mail when its words differ between recipients only by their language:
    ``kind``'s text (api/services/mail.py) filled with ``values``."""

    def words(_person: User, locale: Locale) -> tuple[str, str, str]:
        return mail.render(kind, locale, **values)

    return words


def _read(row: Notification, state: str | None = None) -> NotificationRead:
    data = NotificationData.model_validate(row.data)
    if state is not None:
        data.help_request_state = HelpRequestState(state)
    return NotificationRead(
        id=row.id,
        kind=row.kind,
        data=data,
        link=row.link,
        read_at=row.read_at,
        created_at=row.created_at,
    )


async def fan_out(session: AsyncSession, notice: Notice, people: Sequence[User]) -> None:
    """Tell ``people`` (the inactive skipped) of ``notice`` by every channel each of them
    keeps on for its kind."""
    everyone = {p.id: p for p in people if p.is_active}
    if not everyone:
        return
    preferences = await preferences_of(session, everyone.keys())
    in_app = [
        p
        for p in everyone.values()
        if p.id != notice.actor_id and _wants(preferences.get(p.id), notice.kind, "in_app")
    ]
    await _write_in_app(session, notice, in_app)
    if notice.mail is None or mail.config_of(session) is None:
        return
    emailed = [p for p in everyone.values() if _wants(preferences.get(p.id), notice.kind, "email")]
    if not emailed:
        return
    locales = await mail.locales_of(session, emailed)
    for person in emailed:
        await mail.queue(
            session,
            person=person,
            kind=notice.kind.value,
            parts=notice.mail(person, locales[person.id]),
            ics=notice.ics,
            dedupe_key=f"{notice.dedupe}:{person.id}" if notice.dedupe else None,
        )


async def _write_in_app(session: AsyncSession, notice: Notice, people: Sequence[User]) -> None:
    """One statement for every recipient; only the rows written (a reminder already there is
    skipped by its key) are announced on their streams."""
    if not people:
        return
    now = utcnow()
    data = NotificationData.model_validate(notice.data).model_dump(mode="json", exclude_none=True)
    ids = {person.id: uuid.uuid4() for person in people}
    rows: list[dict[str, Any]] = [
        {
            "id": ids[person.id],
            "created_at": now,
            "updated_at": now,
            "organization_id": notice.organization_id,
            "user_id": person.id,
            "kind": notice.kind,
            "data": data,
            "link": notice.link,
            "read_at": None,
            "dedupe_key": f"{notice.dedupe}:{person.id}" if notice.dedupe else None,
        }
        for person in people
    ]
    table = table_of(Notification)
    statement = (
        upsert(session, table)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(table.c.id)
    )
    written = set((await session.execute(statement)).scalars())
    for user_id, notification_id in ids.items():
        if notification_id not in written:
            continue
        read = NotificationRead(
            id=notification_id,
            kind=notice.kind,
            data=NotificationData.model_validate(data),
            link=notice.link,
            read_at=None,
            created_at=now,
        )
        await events.publish_to_person(
            session,
            user_id=user_id,
            type=CREATED,
            payload=read.model_dump(mode="json"),
            event_id=str(notification_id),
        )


# --- the events -----------------------------------------------------------------------------


def _base_url(session: AsyncSession) -> str:
    config = mail.config_of(session)
    return config.base_url if config is not None else ""


async def project_invitation(
    session: AsyncSession, *, project: Project, person: User, inviter: User
) -> None:
    link = links.project_path(project.id)
    url = _base_url(session) + link

    words = _words(
        "project_invitation",
        inviter=inviter.full_name,
        project=project.title,
        accept=f"{url}?invitation=accept",
        decline=f"{url}?invitation=decline",
    )

    notice = Notice(
        kind=NotificationKind.project_invitation,
        organization_id=project.organization_id,
        link=link,
        data={
            "actor_name": inviter.full_name,
            "project_id": project.id,
            "project_title": project.title,
        },
        mail=words,
        actor_id=inviter.id,
    )
    await fan_out(session, notice, [person])


async def participant_ids(session: AsyncSession, session_id: uuid.UUID) -> set[uuid.UUID]:
    """Who takes part now (before a change of participants), to tell those left out."""
    rows = await session.scalars(
        select(col(SessionParticipant.user_id)).where(
            col(SessionParticipant.session_id) == session_id
        )
    )
    return set(rows)


def _session_words(
    session: AsyncSession, mm_session: MastermindSession, kind: str, zone: object
) -> MailParts:
    link = calendar.session_link(_base_url(session), mm_session.id)

    def words(_person: User, locale: Locale) -> tuple[str, str, str]:
        return mail.render(
            kind,
            locale,
            title=mm_session.title,
            when=mail.when_text(mm_session.scheduled_at, zone),
            minutes=mm_session.timebox_minutes,
            agenda=mm_session.agenda or "-",
            link=link,
        )

    return words


def _session_data(mm_session: MastermindSession, **more: Any) -> dict[str, Any]:
    return {
        "session_id": mm_session.id,
        "session_title": mm_session.title,
        "project_id": mm_session.project_id,
        "scheduled_at": mm_session.scheduled_at,
        **more,
    }


async def session_notice(
    session: AsyncSession,
    mm_session: MastermindSession,
    change: str,
    *,
    actor_id: uuid.UUID | None = None,
    dropped: Collection[uuid.UUID] = (),
) -> None:
    """Tell everyone in the session it was scheduled, changed or cancelled. Mails carry the
    calendar entry (REQUEST, or CANCEL) under the session's one UID and a raised SEQUENCE.
    People ``dropped`` from the participants are told it is cancelled for them, so their
    calendars let go."""
    await session.flush()
    organizer, attendees = await calendar.people_of(session, mm_session)
    people = [*attendees, *([organizer] if organizer is not None else [])]
    gone: list[User] = []
    if dropped and change != "cancelled":
        gone = list(await session.scalars(select(User).where(col(User.id).in_(dropped))))
    if not people and not gone:
        return
    config = mail.config_of(session)
    cancelled = change == "cancelled"
    zone = await organization_zone(session, mm_session.organization_id)
    ics = cancel = None
    if config is not None:
        # The calendar entry changes only for those who get it by mail.
        sequence = await calendar.raise_sequence(session, mm_session.id)
        method = "CANCEL" if cancelled else "REQUEST"
        event = calendar.session_event(
            mm_session,
            sequence=sequence,
            organizer=organizer,
            attendees=attendees,
            base_url=config.base_url,
            cancelled=cancelled,
        )
        ics = (method, calendar.calendar([event], method=method))
        if gone:
            dropped_event = calendar.session_event(
                mm_session,
                sequence=sequence,
                organizer=organizer,
                attendees=gone,
                base_url=config.base_url,
                cancelled=True,
            )
            cancel = ("CANCEL", calendar.calendar([dropped_event], method="CANCEL"))
    kind = NotificationKind(f"session_{change}")
    link = links.session_path(mm_session.id)
    await fan_out(
        session,
        Notice(
            kind=kind,
            organization_id=mm_session.organization_id,
            link=link,
            data=_session_data(mm_session),
            mail=_session_words(session, mm_session, kind.value, zone),
            ics=ics,
            actor_id=actor_id,
        ),
        people,
    )
    if gone:
        await fan_out(
            session,
            Notice(
                kind=NotificationKind.session_cancelled,
                organization_id=mm_session.organization_id,
                link=link,
                data=_session_data(mm_session),
                mail=_session_words(session, mm_session, "session_cancelled", zone),
                ics=cancel,
                actor_id=actor_id,
            ),
            gone,
        )


async def action_item_assigned(
    session: AsyncSession, *, item: ActionItem, assignee_id: uuid.UUID, actor: User
) -> None:
    """The assignee hears of the item given to them (not when they gave it to themselves)."""
    if assignee_id == actor.id:
        return
    person = await session.get(User, assignee_id)
    project = await session.get(Project, item.project_id)
    if person is None or project is None:
        return
    link = links.project_path(project.id)
    url = _base_url(session) + link

    words = _words(
        "action_item_assigned",
        actor=actor.full_name,
        project=project.title,
        title=item.title,
        due=item.due_date.isoformat() if item.due_date else "-",
        link=url,
    )

    notice = Notice(
        kind=NotificationKind.action_item_assigned,
        organization_id=item.organization_id,
        link=link,
        data={
            "actor_name": actor.full_name,
            "project_id": project.id,
            "project_title": project.title,
            "action_item_id": item.id,
            "action_item_title": item.title,
        },
        mail=words,
        actor_id=actor.id,
    )
    await fan_out(session, notice, [person])


async def help_requested(
    session: AsyncSession, *, request: HelpRequest, project: Project, person: User, asker: User
) -> None:
    url = _base_url(session) + INBOX_PATH

    words = _words(
        "help_request",
        actor=asker.full_name,
        project=project.title,
        message=request.message or "-",
        link=url,
    )

    notice = Notice(
        kind=NotificationKind.help_request,
        organization_id=request.organization_id,
        link=INBOX_PATH,
        data={
            "actor_name": asker.full_name,
            "project_id": project.id,
            "project_title": project.title,
            "help_request_id": request.id,
            "help_request_state": request.state.value,
            "message": request.message,
        },
        mail=words,
        actor_id=asker.id,
    )
    await fan_out(session, notice, [person])


async def help_answered(
    session: AsyncSession, *, request: HelpRequest, project: Project, helper: User
) -> None:
    """The asker hears the answer; an accepted request opens the project (now with them)."""
    asker = await session.get(User, request.requester_id)
    if asker is None:
        return
    link = links.project_path(project.id)
    url = _base_url(session) + link
    state = request.state.value

    def words(_person: User, locale: Locale) -> tuple[str, str, str]:
        return mail.render(
            "help_request_answered",
            locale,
            actor=helper.full_name,
            project=project.title,
            answer=mail.ANSWERS[locale][state],
            link=url,
        )

    notice = Notice(
        kind=NotificationKind.help_request_answered,
        organization_id=request.organization_id,
        link=link,
        data={
            "actor_name": helper.full_name,
            "project_id": project.id,
            "project_title": project.title,
            "help_request_id": request.id,
            "help_request_state": state,
        },
        mail=words,
        actor_id=helper.id,
    )
    await fan_out(session, notice, [asker])


# --- reminders ------------------------------------------------------------------------------


async def queue_due_reminders(
    session: AsyncSession, *, now: datetime, default_reminders: Sequence[int]
) -> None:
    """Each person's reminder now due for each upcoming session they take part in: the
    nearest of their offsets whose time has come (a session scheduled 10 minutes ahead gets
    the 15-minute one only). A handful of queries for the whole scan, whatever its size."""
    defaults = tuple(sorted(set(default_reminders)))
    chosen = {
        user_id: tuple(sorted(set(minutes)))
        for user_id, minutes in await session.execute(
            select(
                col(NotificationPreference.user_id), col(NotificationPreference.reminder_minutes)
            ).where(col(NotificationPreference.reminder_minutes).is_not(None))
        )
        if minutes is not None
    }
    horizon = max([*defaults, *(m for offsets in chosen.values() for m in offsets)], default=0)
    if horizon == 0:
        return
    upcoming = list(
        await session.scalars(
            select(MastermindSession).where(
                col(MastermindSession.status) == SessionStatus.scheduled,
                col(MastermindSession.scheduled_at) > now,
                col(MastermindSession.scheduled_at) <= now + timedelta(minutes=horizon),
            )
        )
    )
    if not upcoming:
        return
    by_id = {s.id: s for s in upcoming}
    taking_part: dict[uuid.UUID, dict[uuid.UUID, User]] = defaultdict(dict)
    rows = await session.execute(
        select(col(SessionParticipant.session_id), User)
        .join(User, col(User.id) == col(SessionParticipant.user_id))
        .where(col(SessionParticipant.session_id).in_(by_id))
    )
    for session_id, person in rows:
        taking_part[session_id][person.id] = person
    facilitators = {s.facilitator_id for s in upcoming if s.facilitator_id is not None}
    if facilitators:
        found = {
            u.id: u
            for u in await session.scalars(select(User).where(col(User.id).in_(facilitators)))
        }
        for s in upcoming:
            if s.facilitator_id in found:
                taking_part[s.id].setdefault(s.facilitator_id, found[s.facilitator_id])
    due: dict[tuple[uuid.UUID, int], list[User]] = defaultdict(list)
    for session_id, present in taking_part.items():
        left = by_id[session_id].scheduled_at - now
        for person in present.values():
            offsets = chosen.get(person.id, defaults)
            minutes = next((m for m in offsets if left <= timedelta(minutes=m)), None)
            if minutes is not None and person.is_active:
                due[(session_id, minutes)].append(person)
    keys = [
        f"{mail.reminder_key(by_id[s], m)}:{p.id}"
        for (s, m), persons in due.items()
        for p in persons
    ]
    done = await _reminded(session, keys)
    for (session_id, minutes), persons in due.items():
        mm_session = by_id[session_id]
        key = mail.reminder_key(mm_session, minutes)
        waiting = [p for p in persons if f"{key}:{p.id}" not in done]
        if waiting:
            await _remind(session, mm_session, minutes, key, waiting)


async def _reminded(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    """Which of these per-person keys (reminders, overdue items, weekly summaries) exist
    already, in either channel."""
    if not keys:
        return set()
    found: set[str] = set()
    for column in (col(MailMessage.dedupe_key), col(Notification.dedupe_key)):
        found.update(k for k in await session.scalars(select(column).where(column.in_(keys))) if k)
    return found


async def _remind(
    session: AsyncSession,
    mm_session: MastermindSession,
    minutes: int,
    key: str,
    people: Sequence[User],
) -> None:
    zone = await organization_zone(session, mm_session.organization_id)
    notice = Notice(
        kind=NotificationKind.session_reminder,
        organization_id=mm_session.organization_id,
        link=links.session_path(mm_session.id),
        data=_session_data(mm_session, minutes_before=minutes),
        mail=_session_words(session, mm_session, "session_reminder", zone),
        dedupe=key,
    )
    await fan_out(session, notice, people)


# --- overdue action items ------------------------------------------------------------------

# An item whose due date passed longer ago than this is not reported any more: a worker
# started after a long pause (or this notice's first deployment) does not flood inboxes.
OVERDUE_LOOKBACK_DAYS = 7


def overdue_key(item: ActionItem) -> str:
    """What makes an overdue notice one (``:<user id>`` added): the item and the date it was
    due, so a due date moved later is reported again once that one passes."""
    assert item.due_date is not None
    return f"overdue:{item.id}:{item.due_date:%Y%m%d}"


async def queue_overdue_action_items(session: AsyncSession, *, now: datetime) -> None:
    """Tell each assignee of an open action item whose due date has passed (overdue from the
    day after it, in the organization's zone), once per due date."""
    # Every zone's date is within a day of UTC's: read the candidates by UTC's, then
    # keep those past due in their own organization's zone.
    utc_day = local_day(now, ZoneInfo("UTC"))
    rows = await session.execute(
        select(ActionItem, Project)
        .join(Project, col(Project.id) == ActionItem.project_id)
        .where(
            col(ActionItem.status) == ActionItemStatus.open,
            col(ActionItem.due_date) < utc_day + timedelta(days=1),
            col(ActionItem.due_date) >= utc_day - timedelta(days=OVERDUE_LOOKBACK_DAYS + 1),
        )
    )
    candidates = [(item, project) for item, project in rows]
    today: dict[uuid.UUID, date] = {}
    for org_id in {item.organization_id for item, _ in candidates}:
        today[org_id] = local_day(now, await organization_zone(session, org_id))
    overdue = [
        (item, project)
        for item, project in candidates
        if item.due_date is not None
        and today[item.organization_id] - timedelta(days=OVERDUE_LOOKBACK_DAYS)
        <= item.due_date
        < today[item.organization_id]
    ]
    done = await _reminded(session, [f"{overdue_key(i)}:{i.assignee_id}" for i, _ in overdue])
    waiting = [(i, p) for i, p in overdue if f"{overdue_key(i)}:{i.assignee_id}" not in done]
    if not waiting:
        return
    people = {
        u.id: u
        for u in await session.scalars(
            select(User).where(col(User.id).in_({i.assignee_id for i, _ in waiting}))
        )
    }
    for item, project in waiting:
        if item.assignee_id in people:
            await _tell_overdue(session, item, project, people[item.assignee_id])


async def _tell_overdue(
    session: AsyncSession, item: ActionItem, project: Project, person: User
) -> None:
    link = links.project_path(project.id)
    url = _base_url(session) + link
    assert item.due_date is not None
    due = item.due_date

    words = _words(
        "action_item_overdue",
        project=project.title,
        title=item.title,
        due=due.isoformat(),
        link=url,
    )

    notice = Notice(
        kind=NotificationKind.action_item_overdue,
        organization_id=item.organization_id,
        link=link,
        data={
            "project_id": project.id,
            "project_title": project.title,
            "action_item_id": item.id,
            "action_item_title": item.title,
            "due_on": due,
        },
        mail=words,
        dedupe=overdue_key(item),
    )
    await fan_out(session, notice, [person])


# --- the managers' weekly summary ------------------------------------------------------------

# The summary of last week is due from this hour on Monday in the organization's zone (and
# for the rest of the week, should no worker have run on Monday morning).
WEEKLY_SUMMARY_HOUR = 7
TEAM_PATH = "/team"


def weekly_key(week_start: date) -> str:
    """What makes a weekly summary one (``:<user id>`` added): the ISO week it reports."""
    year, week, _ = week_start.isocalendar()
    return f"weekly:{year}-W{week:02d}"


@dataclass(slots=True)
class _Managed:
    team_names: list[str] = field(default_factory=list)
    members: set[uuid.UUID] = field(default_factory=set)


async def queue_weekly_summaries(session: AsyncSession, *, now: datetime) -> None:
    """Each team's manager hears of last week (Monday to Sunday in the organization's zone)
    in the teams they manage, theirs only. Who was told already is one look-up for every
    organization; the figures are a handful of grouped queries per organization with a
    manager still to tell, whatever the number of managers and people; then one fan-out per
    manager, as for reminders."""
    managed: dict[uuid.UUID, dict[uuid.UUID, _Managed]] = defaultdict(lambda: defaultdict(_Managed))
    rows = await session.execute(
        select(
            col(Team.organization_id),
            col(Team.manager_id),
            col(Team.id),
            col(Team.name),
            col(TeamMember.user_id),
        )
        .outerjoin(TeamMember, col(TeamMember.team_id) == Team.id)
        .order_by(col(Team.name), col(Team.id))
    )
    for org_id, manager_id, _team_id, name, member_id in rows:
        part = managed[org_id][manager_id]
        if name not in part.team_names:
            part.team_names.append(name)
        if member_id is not None:
            part.members.add(member_id)
    # Which week each organization is due to hear of, then who heard of it already: one
    # look-up for every organization at once, not one per organization every scan.
    due: dict[uuid.UUID, tuple[date, str, date]] = {}  # org -> week start, key, local today
    for org_id in managed:
        local = now.astimezone(await organization_zone(session, org_id))
        if local.weekday() == 0 and local.hour < WEEKLY_SUMMARY_HOUR:
            continue
        week_start = local.date() - timedelta(days=local.weekday() + 7)
        due[org_id] = (week_start, weekly_key(week_start), local.date())
    done = await _reminded(
        session, [f"{due[org_id][1]}:{m}" for org_id in due for m in managed[org_id]]
    )
    for org_id, (week_start, key, today) in due.items():
        managers = managed[org_id]
        waiting = [m for m in managers if f"{key}:{m}" not in done]
        if not waiting:
            continue
        people = list(
            await session.scalars(
                select(User).where(col(User.id).in_(waiting), col(User.is_active).is_(True))
            )
        )
        figures = await ledger.team_weeks(
            session,
            organization_id=org_id,
            groups={person.id: managers[person.id].members for person in people},
            since=week_start,
            until=week_start + timedelta(days=6),
            today=today,
        )
        for person in people:
            await _tell_week(
                session, person, week_start, key, managers[person.id].team_names, figures[person.id]
            )


async def _tell_week(
    session: AsyncSession,
    person: User,
    week_start: date,
    key: str,
    team_names: list[str],
    week: ledger.TeamWeek,
) -> None:
    url = _base_url(session) + TEAM_PATH

    def words(_person: User, locale: Locale) -> tuple[str, str, str]:
        return mail.render(
            "weekly_summary",
            locale,
            week=week_start.isoformat(),
            teams=mail.LIST_SEPARATORS[locale].join(team_names),
            sessions=week.sessions_held,
            minutes=week.minutes_given,
            ideas=week.ideas_adopted,
            won=week.projects_won,
            lost=week.projects_lost,
            overdue=week.overdue_action_items,
            link=url,
        )

    notice = Notice(
        kind=NotificationKind.weekly_summary,
        organization_id=person.organization_id,
        link=TEAM_PATH,
        data={
            "week_starts_on": week_start,
            "team_names": team_names,
            "sessions_held": week.sessions_held,
            "minutes_given": week.minutes_given,
            "ideas_adopted": week.ideas_adopted,
            "projects_won": week.projects_won,
            "projects_lost": week.projects_lost,
            "overdue_action_items": week.overdue_action_items,
        },
        mail=words,
        dedupe=key,
    )
    await fan_out(session, notice, [person])


# --- the inbox ------------------------------------------------------------------------------


def _own(caller: Caller) -> Any:
    """The one scoping rule: a person sees their own notifications, nobody else's."""
    return col(Notification.user_id) == caller.user_id


async def _states(session: AsyncSession, rows: Sequence[Notification]) -> dict[str, str]:
    """The help requests' answers now (a notice is written once; the answer comes later)."""
    ids = {
        uuid.UUID(str(r.data["help_request_id"]))
        for r in rows
        if r.kind == NotificationKind.help_request and r.data.get("help_request_id")
    }
    if not ids:
        return {}
    found = await session.execute(
        select(col(HelpRequest.id), col(HelpRequest.state)).where(col(HelpRequest.id).in_(ids))
    )
    return {str(request_id): str(state.value) for request_id, state in found}


def _reads(rows: Sequence[Notification], states: dict[str, str]) -> list[NotificationRead]:
    return [
        _read(
            r,
            states.get(str(r.data.get("help_request_id")))
            if r.kind == NotificationKind.help_request
            else None,
        )
        for r in rows
    ]


async def list_notifications(
    *, session: AsyncSession, caller: Caller, unread: bool, limit: int, cursor: str | None
) -> tuple[list[NotificationRead], str | None, int]:
    """Newest first; the unread count covers every page."""
    statement = select(Notification).where(_own(caller))
    if unread:
        statement = statement.where(col(Notification.read_at).is_(None))
    rows, next_cursor = await paginate(
        session,
        statement,
        time_column=col(Notification.created_at),
        id_column=col(Notification.id),
        limit=limit,
        cursor=cursor,
        newest_first=True,
    )
    count = await session.scalar(
        select(func.count()).where(_own(caller), col(Notification.read_at).is_(None))
    )
    return _reads(rows, await _states(session, rows)), next_cursor, count or 0


async def mark_read(
    *, session: AsyncSession, caller: Caller, notification_id: uuid.UUID
) -> NotificationRead:
    row = await session.scalar(
        select(Notification).where(col(Notification.id) == notification_id, _own(caller))
    )
    if row is None:
        raise NotFound("Notification not found")
    if row.read_at is None:
        row.read_at = row.updated_at = utcnow()
        await session.flush()
        await events.publish_to_person(
            session, user_id=caller.user_id, type=READ, payload={"ids": [str(row.id)]}
        )
    return _reads([row], await _states(session, [row]))[0]


async def mark_all_read(*, session: AsyncSession, caller: Caller) -> int:
    now = utcnow()
    result = await session.execute(
        update(Notification)
        .where(_own(caller), col(Notification.read_at).is_(None))
        .values(read_at=now, updated_at=now)
        .returning(col(Notification.id))
    )
    marked = len(result.all())
    if marked:
        await events.publish_to_person(
            session, user_id=caller.user_id, type=READ, payload={"all": True}
        )
    return marked


# --- the stream -----------------------------------------------------------------------------


async def reader_still_signed_in(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    authenticate: Callable[[AsyncSession], Awaitable[Caller]],
) -> bool:
    """For the stream: the reader's authentication, run again (False once they were
    deactivated or signed out; the database being away is not an answer)."""
    async with sessionmaker() as session:
        try:
            await authenticate(session)
        except Unavailable:
            raise
        except AppError:
            return False
    return True


REPLAY_LIMIT = 100


def replayer(
    sessionmaker: async_sessionmaker[AsyncSession], user_id: uuid.UUID, opened_at: datetime
) -> Callable[[str | None], Any]:
    """What a person's stream reads from the store: the notifications after the one with id
    ``after`` (a Last-Event-ID), or with None those since the stream opened."""

    async def replay(after: str | None) -> list[events.PersonEvent]:
        async with sessionmaker() as session:
            since: tuple[datetime, uuid.UUID] | None = None
            if after is not None:
                try:
                    after_id = uuid.UUID(after)
                except ValueError:
                    return []
                row = await session.scalar(
                    select(Notification).where(
                        col(Notification.id) == after_id, col(Notification.user_id) == user_id
                    )
                )
                if row is None:
                    return []
                since = (row.created_at, row.id)
            statement = select(Notification).where(col(Notification.user_id) == user_id)
            if since is None:
                statement = statement.where(col(Notification.created_at) >= opened_at)
            else:
                moment, last_id = since
                statement = statement.where(
                    (col(Notification.created_at) > moment)
                    | ((col(Notification.created_at) == moment) & (col(Notification.id) > last_id))
                )
            rows = list(
                await session.scalars(
                    statement.order_by(col(Notification.created_at), col(Notification.id)).limit(
                        REPLAY_LIMIT
                    )
                )
            )
            reads = _reads(rows, await _states(session, rows))
        return [
            events.PersonEvent(
                user_id=user_id,
                type=CREATED,
                payload=read.model_dump(mode="json"),
                event_id=str(read.id),
            )
            for read in reads
        ]

    return replay
