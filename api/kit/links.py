"""Links into the SPA for what leaves the service: webhook payloads, and later mails and
notifications.

Services build payloads without the settings, so the base (``PUBLIC_BASE_URL``, where the
world reaches the API and the SPA it serves) travels in each database session's ``info``,
set once where the sessionmaker is made (api/main.py). Unset, links are ``None``: a
relative path would mean nothing to a subscriber on another host.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

BASE_URL_KEY = "public_base_url"


def spa_url(session: AsyncSession, path: str) -> str | None:
    """``PUBLIC_BASE_URL`` + ``path`` (which starts with ``/``), or None when it is unset."""
    base = session.info.get(BASE_URL_KEY)
    return f"{base}{path}" if base else None


# The SPA's paths, one place for every link (webhook payloads here, mails and the calendar
# feed in api/services/mail.py and calendar.py, which always have a base).
def project_path(project_id: uuid.UUID) -> str:
    return f"/projects/{project_id}"


def session_path(session_id: uuid.UUID) -> str:
    """The session room (a completed session's room opens its outcome)."""
    return f"/sessions/{session_id}"


def outcome_path(session_id: uuid.UUID) -> str:
    return f"/sessions/{session_id}/outcome"


def project_url(session: AsyncSession, project_id: uuid.UUID) -> str | None:
    return spa_url(session, project_path(project_id))


def session_url(session: AsyncSession, session_id: uuid.UUID) -> str | None:
    return spa_url(session, session_path(session_id))
