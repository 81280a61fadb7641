"""A real SMTP server for the suite (aiosmtpd on a free loopback port) that can be stopped and
started again on the same port, and helpers that parse what it received with the email
package and the iCalendar parts with ``icalendar``."""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from icalendar import Calendar


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
