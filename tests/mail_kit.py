"""A real SMTP server for the suite (aiosmtpd on a free loopback port) that can be stopped and
started again on the same port, helpers that parse what it received with the email
package and the iCalendar parts with ``icalendar``, and the workers' rounds the mail tests
run by hand (the mail worker's sends, the notifications' scans)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlalchemy import update

from api.models import Locale, User
from api.services.mail_worker import MailWorker
from api.services.notification_worker import NotificationScans

BASE = "https://mastermind.example"  # the mail app's PUBLIC_BASE_URL (tests/conftest.py)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class _Handler:
    received: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        return "250 Message accepted"


class MailServer:
    """``start()`` / ``stop()`` any number of times; ``received`` keeps everything."""

    def __init__(self) -> None:
        self.port = free_port()
        self._handler = _Handler()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[EmailMessage]:
        return self._handler.received

    def start(self) -> None:
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if m["To"] == address]

    def clear(self) -> None:
        self.received.clear()


def parts(message: EmailMessage) -> dict[str, Any]:
    """The plain text, the HTML and the parsed iCalendar (or None) of one mail."""
    text = message.get_body(preferencelist=("plain",))
    page = message.get_body(preferencelist=("html",))
    ics = next(
        (p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"),
        None,
    )
    return {
        "text": text.get_content() if text is not None else None,
        "html": page.get_content() if page is not None else None,
        "ics": Calendar.from_ical(ics.get_content()) if ics is not None else None,
        "ics_method": ics.get_param("method") if ics is not None else None,
    }


def events_of(calendar: Calendar) -> list[Any]:
    return list(calendar.walk("VEVENT"))


def worker(app: Any, **options: Any) -> MailWorker:
    options.setdefault("schedule", (0, 0, 0, 0, 0))
    return MailWorker(app.state.engine, app.state.sessionmaker, app.state.settings, **options)


async def drain(app: Any, *workers: MailWorker, rounds: int = 10) -> None:
    workers = workers or (worker(app),)
    for _ in range(rounds):
        claimed = await asyncio.gather(*(w.run_once() for w in workers))
        if not any(claimed):
            return


async def scan(app: Any, *, workers: int = 2, now: datetime | None = None) -> None:
    """The worker loop's scans (reminders, overdue items, weekly summaries), run by
    ``workers`` at once, as that many worker processes would."""
    moment = now or datetime.now(UTC)
    await asyncio.gather(
        *(
            NotificationScans(app.state.sessionmaker, app.state.settings).scan(moment)
            for _ in range(workers)
        )
    )


async def set_locale(app: Any, user_id: str, locale: Locale) -> None:
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(
            update(User).where(User.id == uuid.UUID(user_id)).values(locale=locale)
        )
