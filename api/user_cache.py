"""Signed-in callers' user rows, kept between read-only requests while change notices flow.

Every authenticated request needs the caller's row: the token says who, the row says
whether they are still active and what role they hold now. Reading it is a query on every
request, the largest single cost of a short read. This cache removes it for safe methods
(GET, HEAD) and is trusted only while it cannot miss a change:

- On PostgreSQL a trigger (migration 0007) sends ``NOTIFY mastermind_user_changes`` with
  the user's id whenever a ``user`` row is updated or deleted (``*`` on TRUNCATE), from
  the committing transaction, whoever wrote it. Each API process's one ``LISTEN``
  connection (``api.events.LiveHub``) forgets that user. The cache is *live* only while
  that connection listens: it starts empty when listening starts and is emptied and
  bypassed when the connection is lost, so a notice missed during an outage cannot leave
  a stale row behind.
- The process that commits a change forgets the user at once (``after_commit`` below),
  so a client reads its own writes without waiting for the notice.
- A lookup that raced with a change is not stored: ``put`` takes the generation read
  before the query and refuses the row if any notice arrived since.
- Entries also expire after ``ttl_seconds``, a bound for the case no code can see (a
  listening connection that silently stops delivering).

The window left: between a commit in one process and its notice reaching another, a few
milliseconds on one network, a deactivated user's read can still pass there. Writes
(POST, PATCH, PUT, DELETE) always read the row in their own transaction.

SQLite runs no listener, so there the cache is never live and every request reads the row.
Cached rows are detached ``User`` instances shared by concurrent read-only requests:
read them, never modify or attach them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session as SyncSession

from api.models import User

CHANNEL = "mastermind_user_changes"
EVERYONE = "*"
USER_CACHE_KEY = "user_cache"
_CHANGED_KEY = "changed_user_ids"


class ActiveUserCache:
    """Active users by id for read-only requests; see the module docstring for the rules."""

    def __init__(
        self,
        *,
        ttl_seconds: float = 30.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._entries: dict[uuid.UUID, tuple[User, float]] = {}
        self._generation = 0
        self._live = False

    @property
    def live(self) -> bool:
        return self._live

    @property
    def generation(self) -> int:
        """Read this before querying a row; pass it to ``put``."""
        return self._generation

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, user_id: uuid.UUID, organization_id: uuid.UUID) -> User | None:
        if not self._live:
            return None
        entry = self._entries.get(user_id)
        if entry is None:
            return None
        user, expires_at = entry
        if expires_at <= self._clock() or user.organization_id != organization_id:
            self._entries.pop(user_id, None)
            return None
        return user

    def put(self, user: User, *, generation: int) -> None:
        """Keep an active user's row read at ``generation``, unless something changed since."""
        if not self._live or generation != self._generation or not user.is_active:
            return
        if len(self._entries) >= self._max_entries:
            # Oldest first: dicts keep insertion order.
            self._entries.pop(next(iter(self._entries)))
        self._entries[user.id] = (_detached_copy(user), self._clock() + self._ttl)

    def forget(self, user_id: uuid.UUID | None) -> None:
        """Drop one user (``None``: everyone) and refuse rows read before now."""
        self._generation += 1
        if user_id is None:
            self._entries.clear()
        else:
            self._entries.pop(user_id, None)

    def on_notice(self, payload: str) -> None:
        """A ``mastermind_user_changes`` notice: a user id, or ``*`` for every user."""
        if payload == EVERYONE:
            self.forget(None)
            return
        try:
            user_id = uuid.UUID(payload)
        except ValueError:
            self.forget(None)  # not ours to understand: the safe reading is "everyone"
            return
        self.forget(user_id)

    def set_live(self, live: bool) -> None:
        """Called by the listener: trusted only while notices can arrive, and empty at each turn."""
        self.forget(None)
        self._live = live


def _detached_copy(user: User) -> User:
    """A ``User`` with the same column values that belongs to no session."""
    values: dict[str, Any] = {
        attribute.key: getattr(user, attribute.key) for attribute in inspect(User).column_attrs
    }
    return User(**values)


def note_changed_user(session: AsyncSession | SyncSession, user_id: uuid.UUID) -> None:
    """Forget ``user_id`` in this process when ``session`` commits: for a change made by a
    statement (``UPDATE "user" ...``), which the ORM's dirty tracking below does not see."""
    session.info.setdefault(_CHANGED_KEY, set()).add(user_id)


# In-process read-your-writes: the session that commits a change to a user row forgets it in
# this process's cache at once (other processes hear the trigger's notice).
@sa_event.listens_for(SyncSession, "after_flush")
def _note_changed_users(sync_session: SyncSession, _context: object) -> None:
    for instance in (*sync_session.dirty, *sync_session.deleted):
        if isinstance(instance, User):
            sync_session.info.setdefault(_CHANGED_KEY, set()).add(instance.id)


@sa_event.listens_for(SyncSession, "after_commit")
def _forget_committed_users(sync_session: SyncSession) -> None:
    if sync_session.get_nested_transaction() is not None:
        return  # a SAVEPOINT released: the outer transaction may still roll back
    changed = sync_session.info.pop(_CHANGED_KEY, None)
    cache: ActiveUserCache | None = sync_session.info.get(USER_CACHE_KEY)
    if changed and cache is not None:
        for user_id in changed:
            cache.forget(user_id)


@sa_event.listens_for(SyncSession, "after_rollback")
def _drop_noted_users(sync_session: SyncSession) -> None:
    if sync_session.get_nested_transaction() is None:
        sync_session.info.pop(_CHANGED_KEY, None)
