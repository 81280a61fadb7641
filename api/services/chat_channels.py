"""Chat channels (DESIGN 7.6): admins for any team, a manager for the teams they manage.

A channel is a team's room in Slack (an incoming webhook URL), Microsoft Teams (a
Workflows webhook URL) or Chatwork (a room id and an API token). Whoever holds that URL or
token can post to the room, so it is sealed at rest (``api.security.SecretBox``, bound to
the channel's row, as webhook and CRM secrets are) and never returned: the API shows a
masked ``secret_hint``. Webhook URLs pass the webhooks' SSRF guard at registration and again
at every delivery; Chatwork's API address is a setting (``CHATWORK_API_BASE_URL``) checked
the same way.

The channel hears about the events it subscribed to (the outbound webhook event types) for
the projects its team works on: those owned by a member of the team (the same rule the
impact report's teams follow). ``outbox.emit`` queues the messages; the webhook worker
posts them (api/services/chat_channel_worker.py).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Select, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.config import Settings
from api.errors import Forbidden, NotFound
from api.kit import audit, outbox
from api.kit.links import spa_url
from api.kit.outbound import Outcome, post_pinned
from api.kit.patching import requested_changes
from api.kit.principal import Caller
from api.kit.versioning import ensure_current
from api.models import (
    ChatChannel,
    ChatChannelSubscription,
    ChatDelivery,
    ChatProvider,
    DeliveryState,
    Locale,
    Organization,
    Team,
    WebhookEventType,
    utcnow,
)
from api.pagination import paginate
from api.schemas.chat_channels import (
    ChatChannelCreate,
    ChatChannelRead,
    ChatChannelUpdate,
    ChatTestResult,
    ChatworkChannelCreate,
)
from api.security import InvalidToken, secret_box
from api.services.chat_channel_messages import hello_message, request_for
from api.services.webhooks import checked_target_url

DISABLED_BY_PERSON = "Disabled by an admin or the team's manager"
# The provider will not take this channel's messages again: its URL or token is dead.
REFUSED_FOR_GOOD = frozenset({401, 403, 404, 410})
# A header some providers send with a 429 instead of Retry-After (a Unix time).
RESET_HEADER = {ChatProvider.chatwork: "x-ratelimit-reset"}


def refusal_reason(status: int) -> str:
    return f"The provider refused the channel (HTTP {status}): check its webhook URL or token"


# --- secrets ---------------------------------------------------------------------------------


def sealing_context(channel_id: uuid.UUID) -> str:
    return f"chat_channel:{channel_id}:secret"


def seal_secret(settings: Settings, channel_id: uuid.UUID, secret: str) -> str:
    return secret_box(settings.secret_key or "").seal(secret, context=sealing_context(channel_id))


def open_secret(settings: Settings, channel_id: uuid.UUID, sealed: str) -> str:
    """The webhook URL or API token; ``InvalidToken`` when sealed under another SECRET_KEY."""
    return secret_box(settings.secret_key or "").open(sealed, context=sealing_context(channel_id))


def secret_hint(provider: ChatProvider, secret: str) -> str:
    """Enough to tell two channels apart, too little to post with: a URL's scheme and host
    with its last four characters, a token's last four."""
    if provider is ChatProvider.chatwork:
        return f"…{secret[-4:]}"
    parts = urlsplit(secret)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}/…{secret[-4:]}"


# --- access ----------------------------------------------------------------------------------


def _ensure_staff(caller: Caller) -> None:
    if not caller.is_staff:
        raise Forbidden("Only admins and the team's manager manage its chat channels")


def _ensure_manages(caller: Caller, team_manager_id: uuid.UUID) -> None:
    if caller.is_admin or (caller.is_manager and team_manager_id == caller.user_id):
        return
    raise Forbidden("Only admins and the team's manager manage its chat channels")


def readable_channels(caller: Caller) -> Select[ChatChannel, uuid.UUID]:
    """The one scoping query: the organization's channels with their team's manager (whether
    the caller may act on one is ``_ensure_manages``; another organization's is not found)."""
    _ensure_staff(caller)
    return (
        select(ChatChannel, col(Team.manager_id))
        .join(Team, col(Team.id) == ChatChannel.team_id)
        .where(col(ChatChannel.organization_id) == caller.organization_id)
    )


async def _channel(
    session: AsyncSession, caller: Caller, channel_id: uuid.UUID, *, for_update: bool = False
) -> ChatChannel:
    statement = readable_channels(caller).where(col(ChatChannel.id) == channel_id)
    if for_update:
        statement = statement.with_for_update(of=ChatChannel)
    row = (await session.execute(statement)).first()
    if row is None:
        raise NotFound("Chat channel not found")
    channel, manager_id = row
    _ensure_manages(caller, manager_id)
    return channel


async def _team(session: AsyncSession, caller: Caller, team_id: uuid.UUID) -> Team:
    team = await session.scalar(
        select(Team).where(
            col(Team.id) == team_id, col(Team.organization_id) == caller.organization_id
        )
    )
    if team is None:
        raise NotFound("Team not found")
    _ensure_manages(caller, team.manager_id)
    return team


# --- presenting ------------------------------------------------------------------------------


async def _events_by_channel(
    session: AsyncSession, channel_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[WebhookEventType]]:
    events: dict[uuid.UUID, list[WebhookEventType]] = defaultdict(list)
    if channel_ids:
        rows = await session.execute(
            select(col(ChatChannelSubscription.channel_id), col(ChatChannelSubscription.event_type))
            .where(col(ChatChannelSubscription.channel_id).in_(channel_ids))
            .order_by(col(ChatChannelSubscription.event_type))
        )
        for channel_id, event_type in rows:
            events[channel_id].append(event_type)
    return events


async def present_channels(
    session: AsyncSession, channels: Sequence[ChatChannel]
) -> list[ChatChannelRead]:
    """Channels with their event types, one query for the whole page."""
    events = await _events_by_channel(session, [c.id for c in channels])
    return [
        ChatChannelRead(
            id=c.id,
            team_id=c.team_id,
            provider=c.provider,
            label=c.label,
            events=events[c.id],
            room_id=c.room_id,
            secret_hint=c.secret_hint,
            enabled=c.enabled,
            disabled_reason=c.disabled_reason,
            disabled_at=c.disabled_at,
            last_delivered_at=c.last_delivered_at,
            last_error=c.last_error,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )
        for c in channels
    ]


# --- channels --------------------------------------------------------------------------------


def _subscribe(
    session: AsyncSession, channel: ChatChannel, events: Sequence[WebhookEventType]
) -> None:
    session.add_all(
        ChatChannelSubscription(
            channel_id=channel.id, event_type=event, organization_id=channel.organization_id
        )
        for event in events
    )


async def create_channel(
    *, session: AsyncSession, caller: Caller, settings: Settings, data: ChatChannelCreate
) -> ChatChannelRead:
    _ensure_staff(caller)
    body = data.root
    team = await _team(session, caller, body.team_id)
    room_id = None
    if isinstance(body, ChatworkChannelCreate):
        # Chatwork's own address (a setting) is what the guard checks at each delivery.
        secret, room_id = body.api_token, body.room_id
    else:
        secret = await checked_target_url(
            settings, body.webhook_url, receives="messages", field="webhook_url"
        )
    channel_id = uuid.uuid4()  # the sealed secret is bound to the row's id
    channel = ChatChannel(
        id=channel_id,
        organization_id=caller.organization_id,
        team_id=team.id,
        provider=body.provider,
        label=body.label,
        room_id=room_id,
        secret_ciphertext=seal_secret(settings, channel_id, secret),
        secret_hint=secret_hint(body.provider, secret),
        created_by_id=caller.user_id,
    )
    session.add(channel)
    await session.flush()
    _subscribe(session, channel, body.events)
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="chat_channel.created",
        entity_type="chat_channel",
        entity_id=channel.id,
        # Never the secret: the hint says which one.
        changes={
            "team_id": team.id,
            "provider": body.provider,
            "events": body.events,
            "secret_hint": channel.secret_hint,
        },
    )
    (read,) = await present_channels(session, [channel])
    return read


async def list_channels(
    *,
    session: AsyncSession,
    caller: Caller,
    team_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[ChatChannelRead], str | None]:
    """Admins: every channel of the organization; managers: their teams' channels."""
    statement = readable_channels(caller).with_only_columns(ChatChannel)
    if not caller.is_admin:
        statement = statement.where(col(Team.manager_id) == caller.user_id)
    if team_id is not None:
        statement = statement.where(col(ChatChannel.team_id) == team_id)
    channels, next_cursor = await paginate(
        session,
        statement,
        time_column=col(ChatChannel.created_at),
        id_column=col(ChatChannel.id),
        limit=limit,
        cursor=cursor,
    )
    return await present_channels(session, channels), next_cursor


async def get_channel(
    *, session: AsyncSession, caller: Caller, channel_id: uuid.UUID
) -> tuple[ChatChannel, ChatChannelRead]:
    channel = await _channel(session, caller, channel_id)
    (read,) = await present_channels(session, [channel])
    return channel, read


async def stop_pending(session: AsyncSession, channel_id: uuid.UUID, reason: str) -> None:
    """A disabled channel's queue is dropped, with the reason on each message: a chat
    message is news, and a burst of old news when it is enabled again would be noise."""
    await session.execute(
        update(ChatDelivery)
        .where(
            col(ChatDelivery.channel_id) == channel_id,
            col(ChatDelivery.state) == DeliveryState.pending,
        )
        .values(
            state=DeliveryState.failed,
            next_attempt_at=None,
            last_error=f"{outbox.NOT_SENT_PREFIX}{reason}"[:500],
            updated_at=utcnow(),
        )
    )


async def update_channel(
    *,
    session: AsyncSession,
    caller: Caller,
    channel_id: uuid.UUID,
    data: ChatChannelUpdate,
    if_match: str | None,
) -> tuple[ChatChannel, ChatChannelRead]:
    channel = await _channel(session, caller, channel_id, for_update=True)
    ensure_current(channel, if_match)
    changes = requested_changes(data)
    if "label" in changes:
        channel.label = changes["label"]
    if "events" in changes:
        await session.execute(
            delete(ChatChannelSubscription).where(
                col(ChatChannelSubscription.channel_id) == channel.id
            )
        )
        _subscribe(session, channel, changes["events"])
    now = utcnow()
    if "enabled" in changes and changes["enabled"] != channel.enabled:
        channel.enabled = changes["enabled"]
        if channel.enabled:
            channel.disabled_reason = channel.disabled_at = None
        else:
            channel.disabled_reason, channel.disabled_at = DISABLED_BY_PERSON, now
            await stop_pending(session, channel.id, DISABLED_BY_PERSON.lower())
    channel.updated_at = now
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="chat_channel.updated",
        entity_type="chat_channel",
        entity_id=channel.id,
        changes=changes,
    )
    (read,) = await present_channels(session, [channel])
    return channel, read


async def delete_channel(*, session: AsyncSession, caller: Caller, channel_id: uuid.UUID) -> None:
    """The channel goes with its subscriptions and queue (the events stay)."""
    channel = await _channel(session, caller, channel_id, for_update=True)
    await session.delete(channel)
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="chat_channel.deleted",
        entity_type="chat_channel",
        entity_id=channel_id,
        changes={"provider": channel.provider, "secret_hint": channel.secret_hint},
    )


# --- posting (the worker's deliveries and the test message) ---------------------------------


async def post_message(
    http: httpx.AsyncClient,
    settings: Settings,
    channel: ChatChannel,
    content_for: Callable[[], Any],
    *,
    now: Callable[[], datetime],
) -> Outcome:
    """Open the channel's secret, build the request and post it (the worker and the test
    message both come here)."""
    try:
        secret = open_secret(settings, channel.id, channel.secret_ciphertext)
    except InvalidToken:
        return Outcome(error="The channel's secret cannot be decrypted (was SECRET_KEY changed?)")
    request = request_for(
        channel.provider,
        content_for(),
        secret=secret,
        room_id=channel.room_id,
        chatwork_base_url=settings.chatwork_api_base_url,
    )
    return await post_pinned(
        http,
        settings,
        request.url,
        content=request.content,
        headers=request.headers,
        seconds=settings.webhook_timeout_seconds,
        now=now,
        reset_header=RESET_HEADER.get(channel.provider),
        # Slack's and Teams' webhook URL is the secret; Chatwork's token is in a header.
        secret_url=channel.provider is not ChatProvider.chatwork,
    )


async def record_answer(
    session: AsyncSession, channel_id: uuid.UUID, outcome: Outcome, *, now: datetime
) -> None:
    """What the room answered, on the channel: the time of its last message, or why the
    last one failed; a refusal for good disables it and drops its queue."""
    values: dict[str, Any] = (
        {"last_delivered_at": now, "last_error": None}
        if outcome.delivered
        else {"last_error": (outcome.error or "")[:500]}
    )
    await session.execute(
        update(ChatChannel).where(col(ChatChannel.id) == channel_id).values(**values)
    )
    if outcome.status_code in REFUSED_FOR_GOOD:
        reason = refusal_reason(outcome.status_code or 0)
        await session.execute(
            update(ChatChannel)
            .where(col(ChatChannel.id) == channel_id, col(ChatChannel.enabled).is_(True))
            .values(enabled=False, disabled_reason=reason[:200], disabled_at=now, updated_at=now)
        )
        await stop_pending(session, channel_id, reason)


def _client() -> httpx.AsyncClient:
    # As the worker's: no redirects, no proxy from the environment.
    return httpx.AsyncClient(follow_redirects=False, trust_env=False)


async def send_test(
    *, session: AsyncSession, caller: Caller, settings: Settings, channel_id: uuid.UUID
) -> ChatTestResult:
    """Post a test message now (not queued: the person who asked waits for the answer),
    through the same formats, guard and client rules as the worker; what the room answered
    is recorded on the channel, and a refusal for good disables it as a delivery would."""
    channel = await _channel(session, caller, channel_id)
    team_name, locale = (
        await session.execute(
            select(col(Team.name), col(Organization.locale))
            .join(Organization, col(Organization.id) == Team.organization_id)
            .where(col(Team.id) == channel.team_id)
        )
    ).one()
    link = spa_url(session, "/team")
    async with _client() as http:
        outcome: Outcome = await post_message(
            http,
            settings,
            channel,
            lambda: hello_message(team_name=team_name, locale=Locale(locale), link=link),
            now=utcnow,
        )
    await record_answer(session, channel.id, outcome, now=utcnow())
    audit.record(
        session,
        caller=caller,
        action="chat_channel.tested",
        entity_type="chat_channel",
        entity_id=channel.id,
        changes={"delivered": outcome.delivered, "status_code": outcome.status_code},
    )
    return ChatTestResult(
        delivered=outcome.delivered, status_code=outcome.status_code, error=outcome.error
    )
