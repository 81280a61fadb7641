"""Users: the caller's own profile, the organization's people, admin edits."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import (
    ClientAddress,
    CurrentCaller,
    IdempotencyDep,
    SecurityDep,
    SessionDep,
    SessionmakerDep,
    SettingsDep,
)
from api.errors import problem_responses
from api.models import Role
from api.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from api.routers import API_PREFIX
from api.routers.common import Created, created
from api.schemas.base import NO_NUL
from api.schemas.notifications import (
    NotificationPreferencesRead,
    NotificationPreferencesUpdate,
)
from api.schemas.users import (
    CurrentUserRead,
    ProfileUpdate,
    UserCreate,
    UserPage,
    UserRead,
    UserUpdate,
)
from api.services import notifications as notification_service
from api.services import users as user_service
from api.services.api_keys import PEOPLE_ONLY, key_scope

router = APIRouter(
    dependencies=[PEOPLE_ONLY],
    prefix=f"{API_PREFIX}/users",
    tags=["users"],
    responses=problem_responses(401, 422),
)


# The ``{user_id:uuid}`` routes below match UUIDs only, so ``/users/me`` is never taken for an
# id (a DELETE /users/me is a 405, not a 422 about a malformed user_id).
@router.get("/me", response_model=CurrentUserRead)
async def read_me(caller: CurrentCaller, session: SessionDep) -> CurrentUserRead:
    """The signed-in person: profile, role, language and the organization's settings they act
    under."""
    return await user_service.get_me(session=session, caller=caller)


@router.patch("/me", response_model=CurrentUserRead, responses=problem_responses(403, 429))
async def update_me(
    data: ProfileUpdate,
    caller: CurrentCaller,
    session: SessionDep,
    sessionmaker: SessionmakerDep,
    security: SecurityDep,
    settings: SettingsDep,
    address: ClientAddress,
) -> CurrentUserRead:
    """Your name, its reading, your language, expertise; a new password with the current
    one, which signs out every other device (this one gets a new access token by refresh)."""
    return await user_service.update_me(
        session=session,
        sessionmaker=sessionmaker,
        caller=caller,
        security=security,
        settings=settings,
        address=address,
        data=data,
    )


@router.get("/me/notification-preferences", response_model=NotificationPreferencesRead)
async def read_notification_preferences(
    caller: CurrentCaller, session: SessionDep, settings: SettingsDep
) -> NotificationPreferencesRead:
    """For each kind of notification, whether it reaches you by mail and in the app, and
    how long before a session you are reminded (default: REMINDER_MINUTES, 24 h and 15 min)."""
    return await notification_service.get_preferences(
        session=session, caller=caller, default_reminders=settings.reminder_minutes
    )


@router.patch("/me/notification-preferences", response_model=NotificationPreferencesRead)
async def update_notification_preferences(
    data: NotificationPreferencesUpdate,
    caller: CurrentCaller,
    session: SessionDep,
    settings: SettingsDep,
) -> NotificationPreferencesRead:
    """Turn a kind's mail or in-app notices on or off (the kinds you name, the channels you
    send), or replace your reminder offsets (``[]``: no reminders)."""
    return await notification_service.update_preferences(
        session=session, caller=caller, data=data, default_reminders=settings.reminder_minutes
    )


# A script resolving the user ids in the outcomes feed and the ledger reads people with a
# ``people:read`` key; everything else here (creating, changing, profiles) is for people.
@router.get("", response_model=UserPage, dependencies=[key_scope("people")])
async def list_users(
    caller: CurrentCaller,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    role: Role | None = None,
    is_active: bool | None = None,
    team_id: uuid.UUID | None = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=NO_NUL,
            description="Name or email contains, folded (case, width, hiragana as katakana)",
        ),
    ] = None,
) -> UserPage:
    """People of the caller's organization, by name (folded search with `q` over name, reading
    and email). API keys need `people:read`."""
    users, next_cursor = await user_service.list_users(
        session=session,
        caller=caller,
        limit=limit,
        cursor=cursor,
        role=role,
        is_active=is_active,
        team_id=team_id,
        q=q,
    )
    return UserPage(items=[UserRead.model_validate(u) for u in users], next_cursor=next_cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    responses=problem_responses(403, 409),
)
async def create_user(
    data: UserCreate,
    caller: CurrentCaller,
    session: SessionDep,
    security: SecurityDep,
    idempotency: IdempotencyDep,
) -> Created:
    """Add a person to the organization (admins). An email already in use is 409. Send
    Idempotency-Key to make a retry safe."""

    async def produce() -> UserRead:
        user = await user_service.create_user(
            session=session, caller=caller, security=security, data=data
        )
        return UserRead.model_validate(user)

    return created(await idempotency.run(produce, status_code=status.HTTP_201_CREATED))


@router.get(
    "/{user_id:uuid}",
    response_model=UserRead,
    responses=problem_responses(404),
    dependencies=[key_scope("people")],
)
async def get_user(user_id: uuid.UUID, caller: CurrentCaller, session: SessionDep) -> UserRead:
    """One person of the caller's organization; another organization's id is 404. API keys need
    `people:read`."""
    return UserRead.model_validate(
        await user_service.get_user(session=session, caller=caller, user_id=user_id)
    )


@router.patch(
    "/{user_id:uuid}", response_model=UserRead, responses=problem_responses(403, 404, 409, 429)
)
async def update_user(
    user_id: uuid.UUID,
    data: UserUpdate,
    caller: CurrentCaller,
    session: SessionDep,
    sessionmaker: SessionmakerDep,
    security: SecurityDep,
    settings: SettingsDep,
    address: ClientAddress,
) -> UserRead:
    """Change a person (admins; anyone may change their own profile fields, and a new password
    needs the current one). A new password or a deactivation signs them out everywhere; the
    last active admin cannot be demoted or deactivated (409)."""
    user = await user_service.update_user(
        session=session,
        sessionmaker=sessionmaker,
        caller=caller,
        security=security,
        settings=settings,
        address=address,
        user_id=user_id,
        data=data,
    )
    return UserRead.model_validate(user)
