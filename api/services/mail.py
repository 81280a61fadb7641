"""Mail for people (DESIGN 7.6), the mail channel of the notifications: what each notice says,
in the recipient's language, and the outbox row it becomes in the transaction of the change
it reports. Who is told of what, by which channel, is api/services/notifications.py.

Nothing here talks SMTP: the mail worker (api/services/mail_worker.py) sends the rows. With
``SMTP_URL`` unset the app's sessions carry no mail configuration and no row is written.
The configuration travels in the session's ``info`` (set once in create_app), so the
services that report changes need no new parameters.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.config import Settings
from api.db import upsert
from api.kit.wakeup import WorkerWake
from api.models import (
    Locale,
    MailMessage,
    MastermindSession,
    Organization,
    User,
    utcnow,
)
from api.models.base import table_of
from api.services import calendar

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
    "action_item_assigned": {
        Locale.en: (
            "Action item for you: {title}",
            "{actor} gave you an action item on {project}:\n\n{title}\nDue: {due}\n\n{link}",
        ),
        Locale.ja: (
            "アクションアイテム: {title}",
            "{actor}さんから「{project}」のアクションアイテムが割り当てられました。\n\n"
            "{title}\n期限: {due}\n\n{link}",
        ),
    },
    "action_item_overdue": {
        Locale.en: (
            "Overdue: {title}",
            "Your action item on {project} was due on {due}:\n\n{title}\n\n{link}",
        ),
        Locale.ja: (
            "期限切れのアクションアイテム: {title}",
            "「{project}」のアクションアイテムの期限（{due}）が過ぎました。\n\n{title}\n\n{link}",
        ),
    },
    "weekly_summary": {
        Locale.en: (
            "Your teams' week of {week}",
            "{teams}, the week of {week}:\n\n"
            "Sessions held: {sessions}\nMinutes given by helpers: {minutes}\n"
            "Ideas adopted: {ideas}\nProjects won: {won}\nProjects lost: {lost}\n"
            "Action items overdue now: {overdue}\n\n{link}",
        ),
        Locale.ja: (
            "チームの週次サマリー（{week}の週）",
            "{teams}の{week}からの1週間:\n\n"
            "開催したセッション: {sessions}件\nヘルパーが提供した時間: {minutes}分\n"
            "採用されたアイデア: {ideas}件\n受注したプロジェクト: {won}件\n"
            "失注したプロジェクト: {lost}件\n期限切れのアクションアイテム（現在）: {overdue}件\n\n"
            "{link}",
        ),
    },
    "help_request": {
        Locale.en: (
            "{actor} asks for your help on {project}",
            "{actor} asks you to help on the project {project}:\n\n{message}\n\n"
            "Accept or decline: {link}",
        ),
        Locale.ja: (
            "{actor}さんから「{project}」への協力依頼",
            "{actor}さんからプロジェクト「{project}」への協力依頼が届きました。\n\n{message}\n\n"
            "承諾・辞退: {link}",
        ),
    },
    "help_request_answered": {
        Locale.en: (
            "{actor} answered your request: {project}",
            "{actor} {answer} your request to help on {project}.\n\n{link}",
        ),
        Locale.ja: (
            "{actor}さんが協力依頼に回答しました: {project}",
            "{actor}さんが「{project}」への協力依頼を{answer}。\n\n{link}",
        ),
    },
}

# How a list of team names reads in each language (weekly_summary's {teams}).
LIST_SEPARATORS: dict[Locale, str] = {Locale.en: ", ", Locale.ja: "、"}

# How an answer to a help request reads in each language (help_request_answered's {answer}).
ANSWERS: dict[Locale, dict[str, str]] = {
    Locale.en: {"accepted": "accepted", "declined": "declined"},
    Locale.ja: {"accepted": "承諾しました", "declined": "辞退しました"},
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
    statement = upsert(session, table).values(**values)
    await session.execute(statement.on_conflict_do_nothing(index_elements=["dedupe_key"]))
    await wake(session)


# The workers are woken once the transaction commits (api/kit/wakeup.py).
MAIL_WAKE = WorkerWake(CHANNEL, what="mail")
wake = MAIL_WAKE.wake
add_local_waker = MAIL_WAKE.add_local_waker


def reminder_key(mm_session: MastermindSession, minutes_before: int) -> str:
    """What makes a reminder one (each person's mail and notification add ``:<user id>``):
    the session, the offset and the start it was for, so a moved session is reminded anew."""
    return f"reminder:{mm_session.id}:{minutes_before}:{mm_session.scheduled_at:%Y%m%dT%H%M%S}"
