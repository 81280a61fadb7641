"""Sign-up, sign-in, token refresh and sign-out (on the public allowlist: they *are* the auth)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, status

from api.deps import ClientAddress, SecurityDep, SessionDep, SessionmakerDep, SettingsDep
from api.errors import problem_responses
from api.routers import API_PREFIX
from api.schemas.auth import RefreshRequest, RegisterRequest, RegisterResponse, TokenPair
from api.schemas.base import NO_NUL
from api.schemas.users import OrganizationRead, UserRead
from api.services import auth as auth_service

router = APIRouter(prefix=f"{API_PREFIX}/auth", tags=["auth"], responses=problem_responses(422))


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=RegisterResponse,
    responses=problem_responses(409, 429),
)
async def register(
    data: RegisterRequest,
    session: SessionDep,
    sessionmaker: SessionmakerDep,
    security: SecurityDep,
    settings: SettingsDep,
    address: ClientAddress,
) -> RegisterResponse:
    """Create an organization with its first admin and sign them in: the answer carries the user,
    the organization and a token pair. An email already in use is 409."""
    user, organization, tokens = await auth_service.sign_up(
        session=session,
        sessionmaker=sessionmaker,
        security=security,
        settings=settings,
        data=data,
        address=address,
    )
    return RegisterResponse(
        user=UserRead.model_validate(user),
        organization=OrganizationRead.model_validate(organization),
        tokens=tokens,
    )


@router.post("/token", response_model=TokenPair, responses=problem_responses(401, 429))
async def token(
    username: Annotated[
        str, Form(max_length=320, pattern=NO_NUL, description="The account's email")
    ],
    password: Annotated[str, Form(max_length=256)],
    session: SessionDep,
    security: SecurityDep,
    sessionmaker: SessionmakerDep,
    settings: SettingsDep,
    address: ClientAddress,
) -> TokenPair:
    """Sign in (OAuth2 password grant, form-encoded `username` = email and `password`): an access
    token and a refresh token. Wrong credentials are 401; repeated failures from one address
    or for one account are 429 with Retry-After."""
    return await auth_service.login(
        session=session,
        sessionmaker=sessionmaker,
        security=security,
        settings=settings,
        email=username,
        password=password,
        address=address,
    )


@router.post("/refresh", response_model=TokenPair, responses=problem_responses(401))
async def refresh(
    data: RefreshRequest, session: SessionDep, security: SecurityDep, settings: SettingsDep
) -> TokenPair:
    """Trade a refresh token for a new token pair; the old refresh token stops working
    (rotation). A reused, revoked or expired refresh token is 401."""
    return await auth_service.refresh(
        session=session, security=security, settings=settings, refresh_token=data.refresh_token
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(401))
async def logout(data: RefreshRequest, session: SessionDep, security: SecurityDep) -> None:
    """Sign this device out: the refresh token is revoked and its access tokens stop working."""
    await auth_service.logout(session=session, security=security, refresh_token=data.refresh_token)
