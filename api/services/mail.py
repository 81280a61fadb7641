"""Mail for people (DESIGN 7.6): what each notice says, in the recipient's language, and the
outbox row it becomes in the transaction of the change it reports.

Nothing here talks SMTP: the mail worker (api/services/mail_worker.py) sends the rows. With
``SMTP_URL`` unset the app's sessions carry no mail configuration and every function here
returns at once, so no row is written. The configuration travels in the session's ``info``
(set once in create_app), so the services that report changes need no new parameters.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.config import Settings
from api.db import dialect_name
from api.kit import links
from api.kit.wakeup import WorkerWake
from api.models import (
    Locale,
    MailMessage,
    MastermindSession,
    Organization,
    Project,
    SessionParticipant,
    User,
    utcnow,
)
from api.models.base import table_of
from api.services import calendar
from api.services.rollup import organization_zone

MAIL_KEY = "mail_config"
CHANNEL = "mastermind_mail"


@dataclass(frozen=True, slots=True)
class MailConfig:
    base_url: str  # where the SPA's links point
    reminder_minutes: tuple[int, ...]


def mail_config(settings: Settings) -> MailConfig | None:
    if not settings.mail_enabled:
        return None
    return MailConfig(
        base_url=calendar.spa_base_url(settings),
        reminder_minutes=tuple(sorted(set(settings.reminder_minutes), reverse=True)),
    )


def config_of(session: AsyncSession) -> MailConfig | None:
    config = session.info.get(MAIL_KEY)
    return config if isinstance(config, MailConfig) else None


# --- the words -----------------------------------------------------------------------------

# kind -> locale -> (subject, body); bodies are plain text, the HTML part is made from them.
TEXTS: dict[str, dict[Locale, tuple[str, str]]] = {
    "project_invitation": {
        Locale.en: (
            "{inviter} invited you to {project}",
            "{inviter} invited you to join the project {project}.\n\n"
            "Accept: {accept}\nDecline: {decline}",
        ),
        Locale.ja: (
            "{inviter}さんから「{project}」への招待",
            "{inviter}さんからプロジェクト「{project}」への参加依頼が届きました。\n\n"
            "参加する: {accept}\n辞退する: {decline}",
        ),
    },
    "session_scheduled": {
        Locale.en: (
            "Session scheduled: {title}",
            "{title}\nWhen: {when} ({minutes} min)\n\nAgenda:\n{agenda}\n\n{link}",
        ),
        Locale.ja: (
            "セッションの予定: {title}",
            "{title}\n日時: {when}（{minutes}分）\n\nアジェンダ:\n{agenda}\n\n{link}",
        ),
    },
    "session_changed": {
        Locale.en: (
            "Session changed: {title}",
            "The session has changed.\n\n{title}\nWhen: {when} ({minutes} min)\n\n"
            "Agenda:\n{agenda}\n\n{link}",
        ),
        Locale.ja: (
            "セッションの変更: {title}",
            "セッションが変更されました。\n\n{title}\n日時: {when}（{minutes}分）\n\n"
            "アジェンダ:\n{agenda}\n\n{link}",
        ),
    },
    "session_cancelled": {
        Locale.en: (
            "Session cancelled: {title}",
            "The session {title} on {when} is cancelled.\n\n{link}",
        ),
        Locale.ja: (
            "セッションの中止: {title}",
            "{when}のセッション「{title}」は中止になりました。\n\n{link}",
        ),
    },
    "session_reminder": {
        Locale.en: (
            "Reminder: {title} at {when}",
            "{title} starts at {when} ({minutes} min).\n\nAgenda:\n{agenda}\n\n{link}",
        ),
        Locale.ja: (
            "リマインダー: {title}（{when}）",
            "「{title}」は{when}に始まります（{minutes}分）。\n\nアジェンダ:\n{agenda}\n\n{link}",
        ),
    },
}


def render(kind: str, locale: Locale, **values: object) -> tuple[str, str, str]:
    """Subject, plain text and HTML of one notice; the HTML escapes every value."""
    subject, body = TEXTS[kind][locale]
    plain = body.format(**values)
    safe = {k: html.escape(str(v)) for k, v in values.items()}
    for key in ("accept", "decline", "link"):
        if key in safe:
            safe[key] = f'<a href="{safe[key]}">{safe[key]}</a>'
    # Escaping leaves the {placeholders} alone; the values go in escaped already.
    markup = "<br>\n".join(html.escape(body, quote=False).split("\n")).format(**safe)
    page = f'<!doctype html>\n<html><body style="font-family:sans-serif">\n{markup}\n</body></html>'
    return subject.format(**values), plain, page


async def locales_of(session: AsyncSession, people: Sequence[User]) -> dict[uuid.UUID, Locale]:
    """Each person's language: their own choice, or their organization's."""
    org_ids = {p.organization_id for p in people if p.locale is None}
    org_locale: dict[uuid.UUID, Locale] = {}
    if org_ids:
        rows = await session.execute(
            select(col(Organization.id), col(Organization.locale)).where(
                col(Organization.id).in_(org_ids)
            )
        )
        org_locale = {org_id: Locale(locale) for org_id, locale in rows}
    return {p.id: p.locale or org_locale.get(p.organization_id, Locale.en) for p in people}


def when_text(moment: datetime, zone: object) -> str:
    local = moment.astimezone(zone)  # type: ignore[arg-type]
    return f"{local:%Y-%m-%d %H:%M} ({zone})"


# --- the outbox ----------------------------------------------------------------------------


async def queue(
    session: AsyncSession,
    *,
    person: User,
    kind: str,
    parts: tuple[str, str, str],
    ics: tuple[str, str] | None = None,
    dedupe_key: str | None = None,
) -> None:
    """One outbox row for ``person``; with a ``dedupe_key`` a second row is silently skipped
    (two workers queueing the same reminder)."""
    subject, plain, page = parts
    now = utcnow()
    values = {
        "id": uuid.uuid4(),
        "created_at": now,
        "updated_at": now,
        "organization_id": person.organization_id,
        "user_id": person.id,
        "kind": kind,
        "to_address": person.email,
        "subject": subject,
        "text_body": plain,
        "html_body": page,
        "ics_method": ics[0] if ics else None,
        "ics_body": ics[1] if ics else None,
        "dedupe_key": dedupe_key,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
    }
    table = table_of(MailMessage)
    is_pg = dialect_name(session) == "postgresql"
    statement = (pg_insert if is_pg else sqlite_insert)(table).values(**values)
    await session.execute(statement.on_conflict_do_nothing(index_elements=["dedupe_key"]))
    await wake(session)


# The workers are woken once the transaction commits (api/kit/wakeup.py).
MAIL_WAKE = WorkerWake(CHANNEL, what="mail")
wake = MAIL_WAKE.wake
add_local_waker = MAIL_WAKE.add_local_waker


# --- the notices ---------------------------------------------------------------------------


async def project_invitation(
    session: AsyncSession, *, project: Project, person: User, inviter: User
) -> None:
    config = config_of(session)
    if config is None:
        return
    locale = (await locales_of(session, [person]))[person.id]
    link = config.base_url + links.project_path(project.id)
    parts = render(
        "project_invitation",
        locale,
        inviter=inviter.full_name,
        project=project.title,
        accept=f"{link}?invitation=accept",
        decline=f"{link}?invitation=decline",
    )
    await queue(session, person=person, kind="project_invitation", parts=parts)


async def participant_ids(session: AsyncSession, session_id: uuid.UUID) -> set[uuid.UUID]:
    """Who takes part now (before a change of participants); no query without mail."""
    if config_of(session) is None:
        return set()
    rows = await session.scalars(
        select(col(SessionParticipant.user_id)).where(
            col(SessionParticipant.session_id) == session_id
        )
    )
    return set(rows)


async def session_notice(
    session: AsyncSession,
    mm_session: MastermindSession,
    change: str,
    *,
    dropped: Collection[uuid.UUID] = (),
) -> None:
    """Tell everyone in the session it was scheduled, changed or cancelled, each with the
    calendar entry (REQUEST, or CANCEL) under the session's one UID and a raised SEQUENCE.
    People ``dropped`` from the participants get the CANCEL, so their calendars let go."""
    config = config_of(session)
    if config is None:
        return
    await session.flush()
    sequence = await calendar.raise_sequence(session, mm_session.id)
    organizer, attendees = await calendar.people_of(session, mm_session)
    cancelled = change == "cancelled"
    ics = (
        "CANCEL" if cancelled else "REQUEST",
        calendar.calendar(
            [
                calendar.session_event(
                    mm_session,
                    sequence=sequence,
                    organizer=organizer,
                    attendees=attendees,
                    base_url=config.base_url,
                    cancelled=cancelled,
                )
            ],
            method="CANCEL" if cancelled else "REQUEST",
        ),
    )
    await _to_everyone(
        session, mm_session, config, f"session_{change}", organizer, attendees, ics=ics
    )
    if not dropped or cancelled:
        return
    gone = list(await session.scalars(select(User).where(col(User.id).in_(dropped))))
    event = calendar.session_event(
        mm_session,
        sequence=sequence,
        organizer=organizer,
        attendees=gone,
        base_url=config.base_url,
        cancelled=True,
    )
    cancel = ("CANCEL", calendar.calendar([event], method="CANCEL"))
    await _to_everyone(session, mm_session, config, "session_cancelled", None, gone, ics=cancel)


def reminder_key(mm_session: MastermindSession, minutes_before: int) -> str:
    """What makes a reminder one (each person's mail adds ``:<user id>``): the session, the
    offset and the start it was for, so a moved session is reminded anew."""
    return f"reminder:{mm_session.id}:{minutes_before}:{mm_session.scheduled_at:%Y%m%dT%H%M%S}"


async def queued_reminders(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    """Which of these reminders are queued already: one query for any number of them."""
    if not keys:
        return set()
    rows = await session.scalars(
        select(col(MailMessage.dedupe_key)).where(
            or_(*(col(MailMessage.dedupe_key).startswith(f"{key}:") for key in keys))
        )
    )
    return {row.rsplit(":", 1)[0] for row in rows if row}


async def session_reminder(
    session: AsyncSession, mm_session: MastermindSession, minutes_before: int
) -> None:
    """The reminder ``minutes_before`` the start, once per person however often it is asked."""
    config = config_of(session)
    if config is None:
        return
    key = reminder_key(mm_session, minutes_before)
    # Queued already (the worker looks every scan while the window is open): no more work.
    # The unique key still decides when two workers get here at the same moment.
    if await queued_reminders(session, [key]):
        return
    organizer, attendees = await calendar.people_of(session, mm_session)
    await _to_everyone(
        session, mm_session, config, "session_reminder", organizer, attendees, dedupe=key
    )


async def _to_everyone(
    session: AsyncSession,
    mm_session: MastermindSession,
    config: MailConfig,
    kind: str,
    organizer: User | None,
    attendees: Sequence[User],
    *,
    ics: tuple[str, str] | None = None,
    dedupe: str | None = None,
) -> None:
    people = {p.id: p for p in attendees if p.is_active}
    if organizer is not None and organizer.is_active:
        people.setdefault(organizer.id, organizer)
    if not people:
        return
    locales = await locales_of(session, list(people.values()))
    zone = await organization_zone(session, mm_session.organization_id)
    for person in people.values():
        parts = render(
            kind,
            locales[person.id],
            title=mm_session.title,
            when=when_text(mm_session.scheduled_at, zone),
            minutes=mm_session.timebox_minutes,
            agenda=mm_session.agenda or "-",
            link=calendar.session_link(config.base_url, mm_session.id),
        )
        await queue(
            session,
            person=person,
            kind=kind,
            parts=parts,
            ics=ics,
            dedupe_key=f"{dedupe}:{person.id}" if dedupe else None,
        )
