"""Users of an organization: scoping, reads, and the admin's and the person's own edits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped
from sqlmodel import col

from api.config import Settings
from api.db import dialect_name
from api.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from api.kit import folding, throttle
from api.kit.patching import apply_changes, requested_changes
from api.kit.principal import Caller
from api.models import Organization, RefreshToken, Role, TeamMember, User, utcnow
from api.pagination import paginate
from api.schemas.users import (
    CurrentUserRead,
    OrganizationRead,
    ProfileUpdate,
    UserCreate,
    UserRead,
    UserUpdate,
)
from api.security import Security
from api.user_cache import note_changed_user

# Fields a person may change on their own account; the rest is the admin's.
SELF_EDITABLE = frozenset(
    {"full_name", "name_reading", "locale", "expertise", "password", "current_password"}
)


def by_name() -> tuple[ColumnElement[Any], Mapped[uuid.UUID]]:
    """People in name order: by how a name reads where it has a reading (Japanese names sort
    by their kana, not by the code points of their kanji), else as written."""
    return func.coalesce(col(User.name_reading), col(User.full_name)), col(User.id)


def readable_users(caller: Caller) -> Select[User]:
    """Everyone in the caller's organization: colleagues must be findable to be invited."""
    return select(User).where(col(User.organization_id) == caller.organization_id)


async def get_active_user_for_token(
    *, session: AsyncSession, user_id: uuid.UUID, organization_id: uuid.UUID
) -> User | None:
    return await session.scalar(
        select(User).where(
            col(User.id) == user_id,
            col(User.organization_id) == organization_id,
            col(User.is_active).is_(True),
        )
    )


async def get_user(*, session: AsyncSession, caller: Caller, user_id: uuid.UUID) -> User:
    user = await session.scalar(readable_users(caller).where(col(User.id) == user_id))
    if user is None:
        raise NotFound("User not found")
    return user


async def get_me(
    *, session: AsyncSession, caller: Caller, user: User | None = None
) -> CurrentUserRead:
    """The caller's own profile with their organization (``user``: as just changed)."""
    organization = await session.get(Organization, caller.organization_id)
    if organization is None:  # the token outlived its organization
        raise Unauthorized("The access token is invalid or expired")
    return CurrentUserRead(
        **UserRead.model_validate(user or caller.user).model_dump(),
        organization=OrganizationRead.model_validate(organization),
    )


async def list_users(
    *,
    session: AsyncSession,
    caller: Caller,
    limit: int,
    cursor: str | None,
    role: Role | None = None,
    is_active: bool | None = None,
    team_id: uuid.UUID | None = None,
    q: str | None = None,
) -> tuple[Sequence[User], str | None]:
    statement = readable_users(caller)
    if role is not None:
        statement = statement.where(col(User.role) == role)
    if is_active is not None:
        statement = statement.where(col(User.is_active).is_(is_active))
    if team_id is not None:
        statement = statement.where(
            col(User.id).in_(
                select(col(TeamMember.user_id)).where(col(TeamMember.team_id) == team_id)
            )
        )
    if q:
        statement = statement.where(
            folding.matches(col(User.search_text), None, q, dialect=dialect_name(session))
        )
    return await paginate(
        session,
        statement,
        time_column=col(User.created_at),
        id_column=col(User.id),
        limit=limit,
        cursor=cursor,
    )


async def email_taken(*, session: AsyncSession, email: str) -> bool:
    count = await session.execute(select(func.count()).where(col(User.email) == email))
    return count.scalar_one() > 0


async def flush_unique_email(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict("An account with this email already exists") from exc


async def create_user(
    *, session: AsyncSession, caller: Caller, security: Security, data: UserCreate
) -> User:
    if not caller.is_admin:
        raise Forbidden("Only admins create users")
    if await email_taken(session=session, email=data.email):
        raise Conflict("An account with this email already exists")
    user = User(
        organization_id=caller.organization_id,
        email=data.email,
        full_name=data.full_name,
        role=data.role,
        seniority=data.seniority,
        expertise=data.expertise,
        password_hash=await security.hash_password(data.password),
    )
    session.add(user)
    await flush_unique_email(session)
    return user


async def _count_other_active_admins(session: AsyncSession, user: User) -> int:
    # Two admins stepping down at once would each count the other and leave none: a no-op
    # write to the organization row first queues such changes one at a time (a row lock on
    # PostgreSQL, the write lock on SQLite), so the count sees the other one's commit.
    await session.execute(
        update(Organization)
        .where(col(Organization.id) == user.organization_id)
        .values(updated_at=col(Organization.updated_at))
    )
    admins = await session.execute(
        select(func.count()).where(
            col(User.organization_id) == user.organization_id,
            col(User.role) == Role.admin,
            col(User.is_active).is_(True),
            col(User.id) != user.id,
        )
    )
    return admins.scalar_one()


async def revoke_access_tokens(*, session: AsyncSession, user_id: uuid.UUID) -> None:
    """End every access token issued to the user so far, on every API process.

    Raises ``token_version`` by one in SQL (concurrent raises both count); tokens carry the
    version they were issued with and the authentication path refuses an older one
    (api/deps.py: authenticate_bearer). The row's change reaches other processes' user
    caches through migration 0007's trigger, and this process's at commit."""
    await session.execute(
        update(User)
        .where(col(User.id) == user_id)
        .values(token_version=col(User.token_version) + 1)
    )
    note_changed_user(session, user_id)


async def revoke_refresh_tokens(
    *, session: AsyncSession, user_id: uuid.UUID, keep_sign_in_id: uuid.UUID | None = None
) -> None:
    """Sign the user out of every device, or of every device but ``keep_sign_in_id``'s."""
    statement = update(RefreshToken).where(
        col(RefreshToken.user_id) == user_id, col(RefreshToken.revoked_at).is_(None)
    )
    if keep_sign_in_id is not None:
        statement = statement.where(col(RefreshToken.family_id) != keep_sign_in_id)
    await session.execute(statement.values(revoked_at=utcnow()))


async def update_user(
    *,
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    caller: Caller,
    security: Security,
    settings: Settings,
    address: str,
    user_id: uuid.UUID,
    data: UserUpdate,
) -> User:
    """An admin's edit of anyone, or a person's of their own account (``SELF_EDITABLE``)."""
    changes = requested_changes(data)
    is_self = user_id == caller.user_id
    current_password = changes.pop("current_password", None)
    attempt = None
    if is_self and "password" in changes:
        attempt = await _count_password_check(
            session=session,
            sessionmaker=sessionmaker,
            settings=settings,
            caller=caller,
            address=address,
            current_password=current_password,
        )
    user = await get_user(session=session, caller=caller, user_id=user_id)
    if not caller.is_admin:
        if not is_self:
            raise Forbidden("Only admins edit other people's accounts")
        refused = sorted(set(changes) - SELF_EDITABLE)
        if refused:
            raise Forbidden(f"Only admins change {', '.join(refused)}")
    if attempt is not None:
        await _verify_current_password(
            session=session,
            security=security,
            attempt=attempt,
            user=user,
            current_password=current_password,
        )
    return await _apply_user_changes(
        session=session, caller=caller, security=security, user=user, changes=changes
    )


async def update_me(
    *,
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    caller: Caller,
    security: Security,
    settings: Settings,
    address: str,
    data: ProfileUpdate,
) -> CurrentUserRead:
    """The person's own profile: name, its reading, language, expertise, password (which
    signs out every other device, DESIGN 7.3)."""
    changes = requested_changes(data)
    current_password = changes.pop("current_password", None)
    attempt = None
    if "password" in changes:
        attempt = await _count_password_check(
            session=session,
            sessionmaker=sessionmaker,
            settings=settings,
            caller=caller,
            address=address,
            current_password=current_password,
        )
    user = await get_user(session=session, caller=caller, user_id=caller.user_id)
    if attempt is not None:
        await _verify_current_password(
            session=session,
            security=security,
            attempt=attempt,
            user=user,
            current_password=current_password,
        )
    changed = await _apply_user_changes(
        session=session, caller=caller, security=security, user=user, changes=changes
    )
    return await get_me(session=session, caller=caller, user=changed)


async def _count_password_check(
    *,
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    caller: Caller,
    address: str,
    current_password: str | None,
) -> throttle.LoginAttempt:
    """Changing your own password proves you know the current one, checked as a sign-in
    is: counted against the account and the address before argon2 runs (429 at the
    limit), so a stolen access token is neither enough nor a way to guess it.

    Counted in a session of its own, which commits at once. The request's transaction
    has only read so far (authentication) and ends first: on SQLite it holds the
    database's one write lock from its first query, which the count would wait for."""
    if not current_password:
        raise InvalidInput(
            "Give your current password to set a new one", loc=["body", "current_password"]
        )
    await session.commit()
    return await throttle.reserve_login_attempt(
        sessionmaker=sessionmaker, settings=settings, email=caller.user.email, address=address
    )


async def _verify_current_password(
    *,
    session: AsyncSession,
    security: Security,
    attempt: throttle.LoginAttempt,
    user: User,
    current_password: str | None,
) -> None:
    if not await security.verify_password(current_password or "", user.password_hash):
        raise Forbidden("The current password is incorrect")  # the attempt stays counted
    await throttle.forget_successful_attempt(session=session, attempt=attempt)


async def _apply_user_changes(
    *,
    session: AsyncSession,
    caller: Caller,
    security: Security,
    user: User,
    changes: dict[str, Any],
) -> User:
    is_self = user.id == caller.user_id
    new_password = changes.pop("password", None)
    if new_password is not None:
        user.password_hash = await security.hash_password(new_password)

    loses_admin = user.role == Role.admin and (
        changes.get("role", Role.admin) != Role.admin or changes.get("is_active") is False
    )
    if loses_admin and await _count_other_active_admins(session, user) == 0:
        raise Conflict("The organization must keep at least one active admin")
    new_email = changes.get("email")
    if (
        new_email
        and new_email != user.email
        and await email_taken(session=session, email=new_email)
    ):
        raise Conflict("An account with this email already exists")
    if new_password is not None or changes.get("is_active") is False:
        # A new password or a deactivation ends every access token at once and signs out
        # every device, except, for a person changing their own password, the one they
        # changed it on (DESIGN 7.3): its refresh token gets it a new access token.
        deactivated = changes.get("is_active") is False
        keeps = caller.sign_in_id if is_self and not deactivated else None
        await revoke_refresh_tokens(session=session, user_id=user.id, keep_sign_in_id=keeps)
        await revoke_access_tokens(session=session, user_id=user.id)

    apply_changes(user, changes)
    user.updated_at = utcnow()
    await flush_unique_email(session)
    return user
