"""Optimistic concurrency: a row's version tag (sent as ETag) and the If-Match check."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Protocol

from api.errors import PreconditionFailed


class Versioned(Protocol):
    id: uuid.UUID
    updated_at: datetime


def version_tag(row: Versioned) -> str:
    digest = hashlib.sha256(f"{row.id}:{row.updated_at.isoformat()}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def ensure_current(row: Versioned, if_match: str | None) -> None:
    """Refuse a write based on a stale read (412). No If-Match means "last write wins"; so
    does an empty one (an empty list of tags is no condition, RFC 9110 13.1.1's list rule)."""
    if if_match is None or if_match.strip() in ("", "*"):
        return
    offered = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if version_tag(row) not in offered:
        raise PreconditionFailed("The resource changed since you read it; reload and retry")
