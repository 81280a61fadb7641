"""Chat channels: a team's Slack, Microsoft Teams or Chatwork room (admins, or the team's
manager), and a test message sent at once."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from api.deps import CurrentCaller, IdempotencyDep, IfMatch, SessionDep, SettingsDep
from api.errors import problem_responses
from api.openapi import ETAG_RESPONSE
from api.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from api.routers import API_PREFIX
from api.routers.common import Created, created, with_etag
from api.schemas.chat_channels import (
    ChatChannelCreate,
    ChatChannelPage,
    ChatChannelRead,
    ChatChannelUpdate,
    ChatTestResult,
)
from api.services import chat_channels as chat_channel_service
from api.services.api_keys import PEOPLE_ONLY

# Integrations are administered by people, never by API keys (DESIGN 7.4), as webhooks are.
router = APIRouter(
    dependencies=[PEOPLE_ONLY],
    prefix=f"{API_PREFIX}/chat-channels",
    tags=["chat-channels"],
    responses=problem_responses(401, 403, 422),
)


@router.get("", response_model=ChatChannelPage)
async def list_chat_channels(
    caller: CurrentCaller,
    session: SessionDep,
    team_id: uuid.UUID | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> ChatChannelPage:
    """The chat channels an admin (every team's) or a manager (their teams') looks after,
    optionally of one team; oldest first."""
    items, next_cursor = await chat_channel_service.list_channels(
        session=session, caller=caller, team_id=team_id, limit=limit, cursor=cursor
    )
    return ChatChannelPage(items=items, next_cursor=next_cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ChatChannelRead,
    responses=problem_responses(404),
)
async def create_chat_channel(
    data: ChatChannelCreate,
    caller: CurrentCaller,
    session: SessionDep,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
) -> Created:
    """Connect a team's room: Slack or Teams with their webhook URL (checked like a webhook
    URL: public addresses only), Chatwork with a room id and an API token. The URL or token
    is stored sealed and never answered again (``secret_hint`` shows which it is)."""

    async def produce() -> ChatChannelRead:
        return await chat_channel_service.create_channel(
            session=session, caller=caller, settings=settings, data=data
        )

    return created(await idempotency.run(produce, status_code=status.HTTP_201_CREATED))


@router.get(
    "/{channel_id}",
    response_model=ChatChannelRead,
    responses={**problem_responses(404), 200: ETAG_RESPONSE},
)
async def get_chat_channel(
    channel_id: uuid.UUID, caller: CurrentCaller, session: SessionDep, response: Response
) -> ChatChannelRead:
    """One chat channel; the ETag header is its version for If-Match."""
    channel, read = await chat_channel_service.get_channel(
        session=session, caller=caller, channel_id=channel_id
    )
    with_etag(response, channel)
    return read


@router.patch(
    "/{channel_id}",
    response_model=ChatChannelRead,
    responses={**problem_responses(404, 412), 200: ETAG_RESPONSE},
)
async def update_chat_channel(
    channel_id: uuid.UUID,
    data: ChatChannelUpdate,
    caller: CurrentCaller,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ChatChannelRead:
    """Change a channel's events or label, or disable and enable it again (disabling drops
    the messages still queued). If-Match guards against lost updates (412)."""
    channel, read = await chat_channel_service.update_channel(
        session=session, caller=caller, channel_id=channel_id, data=data, if_match=if_match
    )
    with_etag(response, channel)
    return read


@router.delete(
    "/{channel_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404)
)
async def delete_chat_channel(
    channel_id: uuid.UUID, caller: CurrentCaller, session: SessionDep
) -> None:
    """Disconnect the room: the channel goes with its subscriptions and queued messages."""
    await chat_channel_service.delete_channel(session=session, caller=caller, channel_id=channel_id)


@router.post("/{channel_id}/test", response_model=ChatTestResult, responses=problem_responses(404))
async def test_chat_channel(
    channel_id: uuid.UUID, caller: CurrentCaller, session: SessionDep, settings: SettingsDep
) -> ChatTestResult:
    """Post a test message to the room now and say what the provider answered (a refusal
    for good, 401/403/404/410, disables the channel as a delivery would)."""
    return await chat_channel_service.send_test(
        session=session, caller=caller, settings=settings, channel_id=channel_id
    )
