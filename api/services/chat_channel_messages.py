"""What a chat channel is sent: one message per event, in each provider's own format.

An event (the outbound webhook payload, api/schemas/webhook_events.py) becomes a neutral
``ChatMessage`` (a title, a line of text, facts, a link into the SPA) in the organization's
language, and that becomes the request the provider documents:

- Slack, an incoming webhook: a JSON body with ``text`` (the notification's fallback) and
  ``blocks``: a section for the title and text, a section of ``fields`` for the facts, an
  ``actions`` block with a link button, a ``context`` block saying where it came from.
- Microsoft Teams, a Workflows webhook ("When a Teams webhook request is received"):
  ``{"type": "message", "attachments": [{"contentType":
  "application/vnd.microsoft.card.adaptive", "content": <AdaptiveCard 1.4>}]}`` with
  TextBlocks, a FactSet and an ``Action.OpenUrl``.
- Chatwork, its REST API: ``POST {CHATWORK_API_BASE_URL}/rooms/{room_id}/messages`` with the
  ``X-ChatWorkToken`` header and a form field ``body`` in Chatwork's message syntax
  (``[info][title]...[/title]...[/info]``).

Text from people (titles, names) is escaped for each: Slack's ``&``, ``<`` and ``>``, and
Chatwork's tags, so a project called ``[toall]`` pings nobody.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import orjson

from api.models import ChatProvider, Locale, WebhookEventType

USER_AGENT = "SalesMastermind-Chat/1.0"
# Slack's limits (Block Kit reference): section text 3000, a field 2000, at most 10 fields,
# a button's text 75.
SLACK_TEXT_MAX = 3000
SLACK_FIELD_MAX = 2000
SLACK_FIELDS_MAX = 10
SLACK_BUTTON_MAX = 75
PARTICIPANTS_SHOWN = 8
ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
ADAPTIVE_CARD_VERSION = "1.4"
ADAPTIVE_CARD_TYPE = "application/vnd.microsoft.card.adaptive"

TEXTS: dict[Locale, dict[str, str]] = {
    Locale.en: {
        "project.created": "New project: {title}",
        "project.updated": "Project updated: {title}",
        "project.closed": "Project closed ({result}): {title}",
        "session.scheduled": "Session scheduled: {title}",
        "session.completed": "Session completed: {title}",
        "action_item.created": "New action item: {title}",
        "action_item.completed": "Action item done: {title}",
        "test": "Test message from Sales Mastermind",
        "test_text": "This channel now hears about team {team}'s projects.",
        "client": "Client",
        "owner": "Owner",
        "status": "Status",
        "project": "Project",
        "when": "When",
        "timebox": "Timebox",
        "minutes": "{n} min",
        "facilitator": "Facilitator",
        "participants": "Participants",
        "assignee": "Assignee",
        "due": "Due",
        "open": "Open in Sales Mastermind",
        "won": "won",
        "lost": "lost",
        "more": "+{n} more",
    },
    Locale.ja: {
        "project.created": "新しい案件: {title}",
        "project.updated": "案件が更新されました: {title}",
        "project.closed": "案件がクローズされました ({result}): {title}",
        "session.scheduled": "セッションが予定されました: {title}",
        "session.completed": "セッションが完了しました: {title}",
        "action_item.created": "新しいアクションアイテム: {title}",
        "action_item.completed": "アクションアイテム完了: {title}",
        "test": "Sales Mastermind からのテストメッセージ",
        "test_text": "このチャンネルにチーム「{team}」の案件の通知が届きます。",
        "client": "顧客",
        "owner": "担当者",
        "status": "ステータス",
        "project": "案件",
        "when": "日時",
        "timebox": "時間枠",
        "minutes": "{n}分",
        "facilitator": "ファシリテーター",
        "participants": "参加者",
        "assignee": "担当",
        "due": "期限",
        "open": "Sales Mastermind で開く",
        "won": "受注",
        "lost": "失注",
        "more": "ほか{n}名",
    },
}


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """What every provider's message says, before its format."""

    title: str
    text: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    link: str | None = None
    link_label: str = ""
    context: str = ""


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """The POST one message is: where, with which headers, which bytes."""

    url: str
    headers: dict[str, str]
    content: bytes


# --- the message -------------------------------------------------------------------------


def _when(value: Any) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()


def _name(person: Any) -> str:
    return str(person.get("full_name", "")) if isinstance(person, dict) else ""


def message_for(
    event_type: WebhookEventType, data: dict[str, Any], *, locale: Locale, timestamp: datetime
) -> ChatMessage:
    """The message an event makes (``data`` is the webhook payload's ``data``)."""
    t = TEXTS[locale]
    project = data.get("project") or {}
    client = data.get("client") or {}
    facts: list[tuple[str, str]] = []
    text = ""
    kind = event_type.value
    title_value = str(data.get("title", ""))
    result = ""
    if kind.startswith("project."):
        title_value = str(project.get("title", title_value))
        if client:
            facts.append((t["client"], str(client.get("name", ""))))
        facts.append((t["owner"], _name(data.get("owner"))))
        status = str(data.get("status", ""))
        result = t.get(status, status)
        facts.append((t["status"], result))
    elif kind.startswith("session."):
        facts.append((t["project"], str(project.get("title", ""))))
        if client:
            facts.append((t["client"], str(client.get("name", ""))))
        if event_type is WebhookEventType.session_scheduled:
            facts.append((t["when"], _when(data.get("scheduled_at"))))
            facts.append((t["timebox"], t["minutes"].format(n=data.get("timebox_minutes", ""))))
            if data.get("facilitator"):
                facts.append((t["facilitator"], _name(data["facilitator"])))
            text = str(data.get("agenda", ""))
        else:
            text = str(data.get("summary", ""))
        names = [_name(p) for p in data.get("participants") or []]
        if names:
            shown = ", ".join(names[:PARTICIPANTS_SHOWN])
            if len(names) > PARTICIPANTS_SHOWN:
                shown += " " + t["more"].format(n=len(names) - PARTICIPANTS_SHOWN)
            facts.append((t["participants"], shown))
    else:  # action items
        facts.append((t["project"], str(project.get("title", ""))))
        facts.append((t["assignee"], _name(data.get("assignee"))))
        if data.get("due_date"):
            facts.append((t["due"], str(data["due_date"])))
    return ChatMessage(
        title=t[kind].format(title=title_value, result=result),
        text=text,
        facts=[(label, value) for label, value in facts if value],
        link=data.get("url"),
        link_label=t["open"],
        context=f"Sales Mastermind · {kind} · {_when(timestamp.isoformat())}",
    )


def hello_message(*, team_name: str, locale: Locale, link: str | None) -> ChatMessage:
    t = TEXTS[locale]
    return ChatMessage(
        title=t["test"],
        text=t["test_text"].format(team=team_name),
        link=link,
        link_label=t["open"],
        context="Sales Mastermind · test",
    )


# --- Slack: Block Kit through an incoming webhook ------------------------------------------


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_body(message: ChatMessage) -> dict[str, Any]:
    heading = f"*{_slack_escape(message.title)}*"
    if message.text:
        heading += "\n" + _slack_escape(message.text)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": _cut(heading, SLACK_TEXT_MAX)}}
    ]
    if message.facts:
        blocks.append(
            {
                "type": "section",
                "fields": [
                    {
                        "type": "mrkdwn",
                        "text": _cut(
                            f"*{_slack_escape(label)}*\n{_slack_escape(value)}", SLACK_FIELD_MAX
                        ),
                    }
                    for label, value in message.facts[:SLACK_FIELDS_MAX]
                ],
            }
        )
    if message.link:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "open_in_mastermind",
                        "text": {
                            "type": "plain_text",
                            "text": _cut(message.link_label, SLACK_BUTTON_MAX),
                        },
                        "url": message.link,
                    }
                ],
            }
        )
    if message.context:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": _slack_escape(message.context)}],
            }
        )
    # ``text`` is what notifications and screen readers show when blocks are present.
    return {"text": _cut(message.title, SLACK_TEXT_MAX), "blocks": blocks}


# --- Microsoft Teams: an Adaptive Card through a Workflows webhook --------------------------


def adaptive_card(message: ChatMessage) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": message.title, "weight": "Bolder", "size": "Medium"}
    ]
    if message.text:
        body.append({"type": "TextBlock", "text": message.text})
    if message.facts:
        body.append(
            {
                "type": "FactSet",
                "facts": [{"title": label, "value": value} for label, value in message.facts],
            }
        )
    if message.context:
        body.append(
            {"type": "TextBlock", "text": message.context, "isSubtle": True, "size": "Small"}
        )
    for block in body:
        if block["type"] == "TextBlock":
            block["wrap"] = True
    card: dict[str, Any] = {
        "$schema": ADAPTIVE_CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": ADAPTIVE_CARD_VERSION,
        "body": body,
    }
    if message.link:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": message.link_label, "url": message.link}
        ]
    return card


def teams_body(message: ChatMessage) -> dict[str, Any]:
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": ADAPTIVE_CARD_TYPE,
                "contentUrl": None,
                "content": adaptive_card(message),
            }
        ],
    }


# --- Chatwork: its message syntax through the REST API -------------------------------------

# Chatwork's tags ([info], [title], [To:1], [toall], [hr], [code], [qt], [rp ...], ...):
# an opening bracket that starts one is turned into a full-width bracket, which reads the
# same and means nothing to Chatwork.
_CHATWORK_TAG = re.compile(
    r"\[(?=/?(?:info|title|hr|code|qt|qtmeta|rp|to|toall|picon|piconname|download|preview|task)\b)",
    re.IGNORECASE,
)


def _chatwork_escape(text: str) -> str:
    return _CHATWORK_TAG.sub("\uff3b", text)  # FULLWIDTH LEFT SQUARE BRACKET


def chatwork_text(message: ChatMessage) -> str:
    lines = []
    if message.text:
        lines.append(_chatwork_escape(message.text))
    lines.extend(f"{_chatwork_escape(label)}: {_chatwork_escape(v)}" for label, v in message.facts)
    if message.link:
        lines.append(message.link)  # Chatwork links a bare URL by itself
    inner = "\n".join(lines)
    body = f"[info][title]{_chatwork_escape(message.title)}[/title]{inner}[/info]"
    if message.context:
        body += "\n" + _chatwork_escape(message.context)
    return body


# --- the request --------------------------------------------------------------------------


def request_for(
    provider: ChatProvider,
    message: ChatMessage,
    *,
    secret: str,
    room_id: str | None,
    chatwork_base_url: str,
) -> ChatRequest:
    """The POST for one message: ``secret`` is the opened webhook URL or Chatwork token."""
    if provider is ChatProvider.chatwork:
        return ChatRequest(
            url=f"{chatwork_base_url.rstrip('/')}/rooms/{room_id}/messages",
            headers={
                "content-type": "application/x-www-form-urlencoded",
                "user-agent": USER_AGENT,
                "x-chatworktoken": secret,
            },
            content=urlencode({"body": chatwork_text(message)}).encode(),
        )
    body = slack_body(message) if provider is ChatProvider.slack else teams_body(message)
    return ChatRequest(
        url=secret,
        headers={"content-type": "application/json", "user-agent": USER_AGENT},
        content=orjson.dumps(body),
    )
