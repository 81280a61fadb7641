"""Calendar entries for sessions (DESIGN 7.6): the iCalendar the session mails carry and the
per-user secret feed, built from one function so both show the same ``UID`` and
``SEQUENCE``. The feed is found by the SHA-256 of its token (api/security.py): the token
itself is shown once and never stored."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import timedelta

from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.config import Settings
from api.errors import NotFound
from api.kit import links
from api.kit.principal import Caller
from api.models import (
    CalendarFeed,
    MastermindSession,
    SessionCalendar,
    SessionParticipant,
    SessionStatus,
    User,
    utcnow,
)
from api.security import hash_secret

PRODID = "-//Sales Mastermind//Sessions//EN"
UID_DOMAIN = "sales-mastermind"
FEED_TOKEN_BYTES = 32
FEED_PATH = "/api/v1/calendar/feed/{token}.ics"


DEFAULT_SPA_URL = "http://localhost:5173"


def spa_base_url(settings: Settings) -> str:
    """Where links into the SPA point: PUBLIC_BASE_URL (the SPA is served beside the API)."""
    return settings.public_base_url or DEFAULT_SPA_URL


def session_uid(session_id: uuid.UUID) -> str:
    """Stable for the life of the session: every mail and every feed names it the same."""
    return f"session-{session_id}@{UID_DOMAIN}"


def session_link(base_url: str, session_id: uuid.UUID) -> str:
    return base_url + links.session_path(session_id)


async def sequence_of(session: AsyncSession, session_id: uuid.UUID) -> int:
    return (
        await session.scalar(
            select(col(SessionCalendar.sequence)).where(
                col(SessionCalendar.session_id) == session_id
            )
        )
        or 0
    )


async def raise_sequence(session: AsyncSession, session_id: uuid.UUID) -> int:
    """The next SEQUENCE of a session whose attendees are told of a change."""
    row = await session.get(SessionCalendar, session_id, with_for_update=True)
    if row is None:
        session.add(SessionCalendar(session_id=session_id, sequence=1))
        await session.flush()
        return 1
    await session.execute(
        update(SessionCalendar)
        .where(col(SessionCalendar.session_id) == session_id)
        .values(sequence=col(SessionCalendar.sequence) + 1)
    )
    await session.refresh(row)
    return row.sequence


def session_event(
    mm_session: MastermindSession,
    *,
    sequence: int,
    organizer: User | None,
    attendees: Sequence[User],
    base_url: str,
    cancelled: bool = False,
) -> Event:
    event = Event()
    event.add("uid", session_uid(mm_session.id))
    event.add("sequence", sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", mm_session.scheduled_at)
    event.add("dtend", mm_session.scheduled_at + timedelta(minutes=mm_session.timebox_minutes))
    event.add("summary", mm_session.title)
    link = session_link(base_url, mm_session.id)
    event.add("description", f"{mm_session.agenda}\n\n{link}".strip())
    event.add("url", link)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if organizer is not None:
        address = vCalAddress(f"mailto:{organizer.email}")
        address.params["cn"] = vText(organizer.full_name)
        event.add("organizer", address)
    for person in attendees:
        address = vCalAddress(f"mailto:{person.email}")
        address.params["cn"] = vText(person.full_name)
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("NEEDS-ACTION")
        event.add("attendee", address)
    return event


def calendar(events: Sequence[Event], *, method: str | None = None) -> str:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    if method is not None:
        cal.add("method", method)
    for event in events:
        cal.add_component(event)
    return cal.to_ical().decode()


async def people_of(
    session: AsyncSession, mm_session: MastermindSession
) -> tuple[User | None, list[User]]:
    """The session's facilitator (the organizer) and its participants (the attendees)."""
    rows = await session.scalars(
        select(User)
        .join(SessionParticipant, col(SessionParticipant.user_id) == User.id)
        .where(col(SessionParticipant.session_id) == mm_session.id)
        .order_by(col(User.email))
    )
    attendees = list(rows)
    organizer = (
        await session.get(User, mm_session.facilitator_id) if mm_session.facilitator_id else None
    )
    return organizer, attendees


# --- the secret feed -----------------------------------------------------------------------


async def create_feed(*, session: AsyncSession, caller: Caller) -> str:
    """A new secret feed token for the caller; any earlier one stops working."""
    token = secrets.token_urlsafe(FEED_TOKEN_BYTES)
    await session.execute(delete(CalendarFeed).where(col(CalendarFeed.user_id) == caller.user_id))
    session.add(CalendarFeed(user_id=caller.user_id, token_hash=hash_secret(token)))
    await session.flush()
    return token


async def revoke_feed(*, session: AsyncSession, caller: Caller) -> None:
    await session.execute(delete(CalendarFeed).where(col(CalendarFeed.user_id) == caller.user_id))


async def render_feed(*, session: AsyncSession, token: str, base_url: str) -> str:
    """The iCalendar of the sessions the token's owner takes part in (or facilitates)."""
    user = await session.scalar(
        select(User)
        .join(CalendarFeed, col(CalendarFeed.user_id) == User.id)
        .where(col(CalendarFeed.token_hash) == hash_secret(token), col(User.is_active).is_(True))
    )
    if user is None:
        raise NotFound("No such calendar feed")
    taking_part = select(col(SessionParticipant.session_id)).where(
        col(SessionParticipant.user_id) == user.id
    )
    rows = await session.execute(
        select(MastermindSession, col(SessionCalendar.sequence))
        .outerjoin(SessionCalendar, col(SessionCalendar.session_id) == MastermindSession.id)
        .where(
            col(MastermindSession.organization_id) == user.organization_id,
            col(MastermindSession.id).in_(taking_part)
            | (col(MastermindSession.facilitator_id) == user.id),
        )
        .order_by(col(MastermindSession.scheduled_at), col(MastermindSession.id))
    )
    found = list(rows)
    # Everyone the listed sessions name, in two queries however many sessions there are.
    ids = [mm_session.id for mm_session, _ in found]
    seats = (
        await session.execute(
            select(col(SessionParticipant.session_id), User)
            .join(User, col(User.id) == SessionParticipant.user_id)
            .where(col(SessionParticipant.session_id).in_(ids))
            .order_by(col(User.email))
        )
    ).all()
    attendees: dict[uuid.UUID, list[User]] = {}
    for session_id, person in seats:
        attendees.setdefault(session_id, []).append(person)
    facilitator_ids = {m.facilitator_id for m, _ in found if m.facilitator_id is not None}
    facilitators = {
        person.id: person
        for person in await session.scalars(select(User).where(col(User.id).in_(facilitator_ids)))
    }
    events = [
        session_event(
            mm_session,
            sequence=sequence or 0,
            organizer=facilitators.get(mm_session.facilitator_id)
            if mm_session.facilitator_id
            else None,
            attendees=attendees.get(mm_session.id, []),
            base_url=base_url,
            cancelled=mm_session.status == SessionStatus.cancelled,
        )
        for mm_session, sequence in found
    ]
    return calendar(events)
