"""Registration, sign-in with throttling, refresh-token rotation with reuse detection, sign-out."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from api.config import Settings
from api.db import rowcount
from api.errors import Conflict, Unauthorized
from api.kit import throttle
from api.models import Organization, RefreshToken, Role, Seniority, User, utcnow
from api.schemas.auth import RegisterRequest, TokenPair
from api.security import InvalidToken, Security, hash_secret
from api.services.users import email_taken, flush_unique_email, revoke_access_tokens

INVALID_CREDENTIALS = "Incorrect email or password"
INVALID_REFRESH = "The refresh token is invalid or expired"


async def issue_token_pair(
    *,
    session: AsyncSession,
    security: Security,
    settings: Settings,
    user: User,
    family_id: uuid.UUID | None = None,
) -> TokenPair:
    access_lifetime = timedelta(minutes=settings.access_token_minutes)
    family_id = family_id or uuid.uuid4()
    # The access token names its sign-in too, so a password change can keep this device.
    access = security.issue_token(
        token_type="access",
        subject=user.id,
        organization_id=user.organization_id,
        lifetime=access_lifetime,
        family_id=family_id,
        token_version=user.token_version,
    )
    refresh = security.issue_token(
        token_type="refresh",
        subject=user.id,
        organization_id=user.organization_id,
        lifetime=timedelta(days=settings.refresh_token_days),
        family_id=family_id,
    )
    session.add(
        RefreshToken(
            id=refresh.token_id,
            user_id=user.id,
            family_id=family_id,
            token_hash=hash_secret(refresh.token),
            expires_at=refresh.expires_at,
        )
    )
    await session.flush()
    return TokenPair(
        access_token=access.token,
        refresh_token=refresh.token,
        expires_in=int(access_lifetime.total_seconds()),
    )


async def sign_up(
    *,
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    security: Security,
    settings: Settings,
    data: RegisterRequest,
    address: str,
) -> tuple[User, Organization, TokenPair]:
    """``register`` for a caller on the network: limited per client address."""
    await throttle.reserve_signup(sessionmaker=sessionmaker, settings=settings, address=address)
    return await register(session=session, security=security, settings=settings, data=data)


async def register(
    *, session: AsyncSession, security: Security, settings: Settings, data: RegisterRequest
) -> tuple[User, Organization, TokenPair]:
    """A new organization with its first admin, signed in."""
    if await email_taken(session=session, email=data.email):
        raise Conflict("An account with this email already exists")
    organization = Organization(name=data.organization_name, locale=data.locale)
    session.add(organization)
    await session.flush()
    user = User(
        organization_id=organization.id,
        email=data.email,
        full_name=data.full_name,
        role=Role.admin,
        seniority=Seniority.senior,
        password_hash=await security.hash_password(data.password),
    )
    session.add(user)
    await flush_unique_email(session)
    tokens = await issue_token_pair(
        session=session, security=security, settings=settings, user=user
    )
    return user, organization, tokens


async def login(
    *,
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    security: Security,
    settings: Settings,
    email: str,
    password: str,
    address: str,
) -> TokenPair:
    email = email.strip().lower()
    # Counted (and committed) before the password check, so concurrent guesses cannot all
    # pass a count taken before any of them failed.
    attempt = await throttle.reserve_login_attempt(
        sessionmaker=sessionmaker, settings=settings, email=email, address=address
    )
    user = await session.scalar(select(User).where(col(User.email) == email))
    usable = user if user is not None and user.is_active else None
    # Always run one argon2 verification, so an unknown email costs the same time.
    verified = await security.verify_password(password, usable.password_hash if usable else None)
    # (Without a stored hash nothing verifies: ``usable`` is never None here once verified.)
    if not verified or usable is None:
        raise Unauthorized(INVALID_CREDENTIALS)  # the reserved attempt stays, as the failure
    await throttle.forget_successful_attempt(session=session, attempt=attempt)
    return await issue_token_pair(
        session=session, security=security, settings=settings, user=usable
    )


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


async def refresh(
    *, session: AsyncSession, security: Security, settings: Settings, refresh_token: str
) -> TokenPair:
    """Spend a refresh token for a new pair. A spent token presented again means it leaked:
    the whole family is revoked, so the thief's copy and the victim's both stop working."""
    try:
        claims = security.decode_token(refresh_token, expected_type="refresh")
    except InvalidToken:
        raise Unauthorized(INVALID_REFRESH) from None
    now = utcnow()
    token_hash = hash_secret(refresh_token)
    # One atomic claim: of two concurrent uses of the same token, exactly one wins.
    spent = await session.execute(
        update(RefreshToken)
        .where(
            col(RefreshToken.id) == claims.token_id,
            col(RefreshToken.token_hash) == token_hash,
            col(RefreshToken.used_at).is_(None),
            col(RefreshToken.revoked_at).is_(None),
            col(RefreshToken.expires_at) > now,
        )
        .values(used_at=now)
    )
    if rowcount(spent) != 1:
        stored = await session.scalar(
            select(RefreshToken).where(
                col(RefreshToken.id) == claims.token_id, col(RefreshToken.token_hash) == token_hash
            )
        )
        if stored is not None and stored.used_at is not None:
            # A thief may hold an access token from it too: those end as well.
            await _revoke_family(session, stored.family_id)
            await revoke_access_tokens(session=session, user_id=stored.user_id)
            raise Unauthorized(
                "This refresh token was already used; sign in again", keep_changes=True
            )
        raise Unauthorized(INVALID_REFRESH)
    stored = await session.get(RefreshToken, claims.token_id)
    assert stored is not None  # the UPDATE above has just spent it
    user = await session.scalar(
        select(User).where(
            col(User.id) == stored.user_id,
            col(User.organization_id) == claims.organization_id,
            col(User.is_active).is_(True),
        )
    )
    if user is None:
        raise Unauthorized(INVALID_REFRESH)
    return await issue_token_pair(
        session=session, security=security, settings=settings, user=user, family_id=stored.family_id
    )


async def logout(*, session: AsyncSession, security: Security, refresh_token: str) -> None:
    """Sign this device out: its refresh token's family is revoked, and every access token
    of the user ends at once (they may be copies of this device's). Other devices keep their
    refresh tokens and get a new access token with the next refresh."""
    try:
        claims = security.decode_token(refresh_token, expected_type="refresh")
    except InvalidToken:
        raise Unauthorized(INVALID_REFRESH) from None
    stored = await session.scalar(
        select(RefreshToken).where(
            col(RefreshToken.id) == claims.token_id,
            col(RefreshToken.token_hash) == hash_secret(refresh_token),
        )
    )
    if stored is None:
        raise Unauthorized(INVALID_REFRESH)
    await _revoke_family(session, stored.family_id)
    await revoke_access_tokens(session=session, user_id=stored.user_id)
