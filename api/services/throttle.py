"""Sign-in throttling: failures per account and per client address in a sliding window."""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.errors import TooManyRequests
from api.models import LoginFailure, ThrottleScope, utcnow
from api.security import hash_secret


def _keys(email: str, address: str) -> dict[ThrottleScope, str]:
    return {
        ThrottleScope.account: hash_secret("account:" + email.lower()),
        ThrottleScope.address: hash_secret("address:" + address),
    }


async def ensure_login_allowed(
    *, session: AsyncSession, settings: Settings, email: str, address: str
) -> None:
    """Raise 429 with Retry-After while either the account or the address is throttled."""
    now = utcnow()
    window = timedelta(seconds=settings.login_window_seconds)
    limits = {
        ThrottleScope.account: settings.login_max_failures_per_account,
        ThrottleScope.address: settings.login_max_failures_per_address,
    }
    for scope, key in _keys(email, address).items():
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(LoginFailure.failed_at)).where(
                    LoginFailure.scope == scope,
                    LoginFailure.key == key,
                    LoginFailure.failed_at > now - window,
                )
            )
        ).one()
        if count >= limits[scope]:
            # min() keeps the column's type, so ``oldest`` is an aware datetime here.
            retry_after = math.ceil(((oldest + window) - now).total_seconds())
            raise TooManyRequests(
                "Too many failed sign-in attempts; try again later.", retry_after=retry_after
            )


async def record_login_failure(
    *, session: AsyncSession, settings: Settings, email: str, address: str
) -> None:
    now = utcnow()
    cutoff = now - timedelta(seconds=settings.login_window_seconds)
    for scope, key in _keys(email, address).items():
        # Prune what fell out of the window so the table stays small.
        await session.execute(
            delete(LoginFailure).where(
                LoginFailure.scope == scope,
                LoginFailure.key == key,
                LoginFailure.failed_at <= cutoff,
            )
        )
        session.add(LoginFailure(scope=scope, key=key, failed_at=now))
    await session.flush()


async def clear_account_failures(*, session: AsyncSession, email: str) -> None:
    key = _keys(email, "")[ThrottleScope.account]
    await session.execute(
        delete(LoginFailure).where(
            LoginFailure.scope == ThrottleScope.account, LoginFailure.key == key
        )
    )
