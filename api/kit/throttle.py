"""Sign-in and sign-up throttling: attempts per account and per client address in a sliding
window, counted in the database so every API process shares the count.

An attempt is *reserved* before the password is checked, in a short transaction of its own
that locks its counters, counts them and inserts the attempt (PostgreSQL: an advisory lock
per counter; SQLite: its single writer, taken by ``BEGIN IMMEDIATE``). Of thirty concurrent
guesses at one account, only the first ``LOGIN_MAX_FAILURES_PER_ACCOUNT`` reach the password
check; the others are refused without it. A reservation that turns out to be a successful
sign-in is taken back; one that fails stays as the failure record.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.config import Settings
from api.db import dialect_name
from api.errors import TooManyRequests
from api.models import LoginFailure, ThrottleScope, utcnow
from api.security import hash_secret

# The key of a counter is a SHA-256 (no email or address in the table). Sign-ups are counted
# in the address scope under keys of their own, so they never mix with failed sign-ins.
_ACCOUNT_PREFIX = "account:"
_ADDRESS_PREFIX = "address:"
_SIGNUP_PREFIX = "signup:"


@dataclass(frozen=True)
class _Counter:
    scope: ThrottleScope
    key: str
    limit: int
    window: timedelta


@dataclass(frozen=True)
class LoginAttempt:
    """A reserved sign-in attempt: its per-address row, taken back if the sign-in succeeds."""

    email: str
    address_row_id: uuid.UUID


def _account_key(email: str) -> str:
    return hash_secret(_ACCOUNT_PREFIX + email.lower())


def _login_counters(settings: Settings, email: str, address: str) -> list[_Counter]:
    window = timedelta(seconds=settings.login_window_seconds)
    return [
        _Counter(
            ThrottleScope.account,
            _account_key(email),
            settings.login_max_failures_per_account,
            window,
        ),
        _Counter(
            ThrottleScope.address,
            hash_secret(_ADDRESS_PREFIX + address),
            settings.login_max_failures_per_address,
            window,
        ),
    ]


def _advisory_lock_id(counter: _Counter) -> int:
    # 60 bits of the counter's hash: a positive bigint, and collisions only ever make two
    # counters wait for each other.
    return int(hash_secret(f"{counter.scope}:{counter.key}")[:15], 16)


async def _lock(session: AsyncSession, counters: Iterable[_Counter]) -> None:
    """Serialize the reservations of these counters until the transaction ends."""
    if dialect_name(session) != "postgresql":
        # SQLite: beginning the transaction is BEGIN IMMEDIATE (api/db.py), which waits to be
        # the one writer.
        await session.connection()
        return
    # Always in the same order, so two reservations sharing counters cannot deadlock.
    for lock_id in sorted(_advisory_lock_id(counter) for counter in counters):
        await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})


async def _refuse_when_full(
    session: AsyncSession, counter: _Counter, now: datetime, refusal: str
) -> None:
    count, oldest = (
        await session.execute(
            select(func.count(), func.min(LoginFailure.failed_at)).where(
                col(LoginFailure.scope) == counter.scope,
                col(LoginFailure.key) == counter.key,
                col(LoginFailure.failed_at) > now - counter.window,
            )
        )
    ).one()
    if count >= counter.limit:
        # min() keeps the column's type, so ``oldest`` is an aware datetime here.
        retry_after = math.ceil(((oldest + counter.window) - now).total_seconds())
        raise TooManyRequests(refusal, retry_after=retry_after)


async def _reserve(
    sessionmaker: async_sessionmaker[AsyncSession], counters: list[_Counter], refusal: str
) -> list[uuid.UUID]:
    """Count and insert one attempt on every counter, atomically; 429 when one is full.

    Committed at once in a session of its own: the request's transaction lasts as long as
    the password check, and concurrent attempts must see this one before that.
    """
    async with sessionmaker() as session, session.begin():
        await _lock(session, counters)
        # Read after the lock: an attempt that waited must not be older than the ones it
        # waited for (Retry-After is counted from the oldest).
        now = utcnow()
        for counter in counters:
            await _refuse_when_full(session, counter, now, refusal)
        rows = []
        for counter in counters:
            # Prune what fell out of the window so the table stays small.
            await session.execute(
                delete(LoginFailure).where(
                    col(LoginFailure.scope) == counter.scope,
                    col(LoginFailure.key) == counter.key,
                    col(LoginFailure.failed_at) <= now - counter.window,
                )
            )
            rows.append(LoginFailure(scope=counter.scope, key=counter.key, failed_at=now))
        session.add_all(rows)
        await session.flush()
        return [row.id for row in rows]


async def reserve_login_attempt(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    email: str,
    address: str,
) -> LoginAttempt:
    """Count a sign-in attempt against the account and the address before the password is
    checked; 429 with Retry-After, and nothing counted, while either is at its limit."""
    _account_row, address_row = await _reserve(
        sessionmaker,
        _login_counters(settings, email, address),
        "Too many failed sign-in attempts; try again later.",
    )
    return LoginAttempt(email=email, address_row_id=address_row)


async def forget_successful_attempt(*, session: AsyncSession, attempt: LoginAttempt) -> None:
    """A correct password: the account's failures are cleared (the owner is back) and this
    attempt no longer counts against the address. The address keeps its earlier failures, so
    a guesser's own valid account cannot wash them away."""
    await session.execute(
        delete(LoginFailure).where(col(LoginFailure.id) == attempt.address_row_id)
    )
    await session.execute(
        delete(LoginFailure).where(
            col(LoginFailure.scope) == ThrottleScope.account,
            col(LoginFailure.key) == _account_key(attempt.email),
        )
    )


async def reserve_signup(
    *, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, address: str
) -> None:
    """Count a sign-up attempt from this address (every attempt, whatever its outcome: a
    refused one still tells whether an email is taken); 429 with Retry-After at the limit."""
    await _reserve(
        sessionmaker,
        [
            _Counter(
                ThrottleScope.address,
                hash_secret(_SIGNUP_PREFIX + address),
                settings.signup_max_per_address,
                timedelta(seconds=settings.signup_window_seconds),
            )
        ],
        "Too many sign-ups from this address; try again later.",
    )
