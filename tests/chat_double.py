"""Test doubles of the three chat providers, served over real HTTP on a loopback port: a
Slack incoming webhook, a Microsoft Teams Workflows webhook and Chatwork's REST API. Each
checks what it receives against the provider's documented shape and answers as the
provider does (Slack ``200 ok`` or ``400 invalid_blocks``, Teams ``202``, Chatwork
``{"message_id"}`` or ``401 {"errors": [...]}``), or with what a test plans (a 429 with
``Retry-After``, a 503, a 404 for a revoked webhook).

The checks, from the providers' references:
- Slack Block Kit: ``blocks`` is a list of at most 50 blocks with a known ``type``; a
  ``section`` has a text object (at most 3000 characters) or ``fields`` (at most 10, each at
  most 2000); a ``context`` has 1 to 10 text or image elements; an ``actions`` block has
  elements, a ``button`` a ``plain_text`` text of at most 75 characters, an ``action_id`` of
  at most 255 and an absolute ``url``; ``text`` is the notification fallback.
- Teams Workflows: ``{"type": "message", "attachments": [...]}``, each attachment with
  ``contentType: application/vnd.microsoft.card.adaptive`` and ``content`` an AdaptiveCard
  (``type``, ``version`` 1.4 or later, ``body`` of TextBlocks with ``text`` and FactSets of
  ``{"title", "value"}`` strings, ``actions`` of ``Action.OpenUrl`` with ``title`` and
  ``url``).
- Chatwork: ``POST /v2/rooms/{room_id}/messages``, the token in ``X-ChatWorkToken``, a
  form-encoded body (``application/x-www-form-urlencoded``) with a non-empty ``body`` field;
  ``[info]``/``[title]`` tags balanced.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

CHATWORK_TOKEN = "cw0123456789abcdef0123456789abcd"
SLACK_BLOCK_TYPES = {"section", "context", "actions", "divider", "header", "image", "rich_text"}
TEXT_OBJECT_TYPES = {"plain_text", "mrkdwn"}
ADAPTIVE_ELEMENTS = {"TextBlock", "FactSet", "ColumnSet", "Container", "Image", "RichTextBlock"}
ADAPTIVE_CARD_TYPE = "application/vnd.microsoft.card.adaptive"


@dataclass
class ChatReceived:
    provider: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    at: float
    payload: Any = None  # the parsed JSON, or Chatwork's form fields
    problems: list[str] = field(default_factory=list)


def _absolute(url: Any) -> bool:
    return isinstance(url, str) and urlsplit(url).scheme in ("http", "https") and "//" in url


def _text_object(obj: Any, where: str, limit: int) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in TEXT_OBJECT_TYPES:
        return [f"{where}: not a text object"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"{where}: text missing"]
    if len(text) > limit:
        return [f"{where}: longer than {limit}"]
    return []


def slack_problems(payload: Any) -> list[str]:
    """Why Slack would answer ``invalid_blocks`` (or ``no_text``), or nothing."""
    if not isinstance(payload, dict):
        return ["not a JSON object"]
    problems = []
    if not isinstance(payload.get("text"), str) or not payload["text"]:
        problems.append("text (the notification fallback) missing")
    blocks = payload.get("blocks")
    if not isinstance(blocks, list) or not 1 <= len(blocks) <= 50:
        return [*problems, "blocks must be a list of 1 to 50"]
    for i, block in enumerate(blocks):
        kind = block.get("type") if isinstance(block, dict) else None
        where = f"blocks[{i}]"
        if kind not in SLACK_BLOCK_TYPES:
            problems.append(f"{where}: unknown type {kind!r}")
            continue
        if kind == "section":
            if "text" not in block and "fields" not in block:
                problems.append(f"{where}: a section needs text or fields")
            if "text" in block:
                problems += _text_object(block["text"], f"{where}.text", 3000)
            if "fields" in block:
                fields = block["fields"]
                if not isinstance(fields, list) or not 1 <= len(fields) <= 10:
                    problems.append(f"{where}.fields: 1 to 10")
                else:
                    for j, item in enumerate(fields):
                        problems += _text_object(item, f"{where}.fields[{j}]", 2000)
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
                problems.append(f"{where}.elements: 1 to 10")
            else:
                for j, item in enumerate(elements):
                    if item.get("type") != "image":
                        problems += _text_object(item, f"{where}.elements[{j}]", 3000)
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= 25:
                problems.append(f"{where}.elements: 1 to 25")
                continue
            for j, item in enumerate(elements):
                at = f"{where}.elements[{j}]"
                if item.get("type") != "button":
                    continue
                text = item.get("text")
                if not isinstance(text, dict) or text.get("type") != "plain_text":
                    problems.append(f"{at}.text: a button's text is plain_text")
                else:
                    problems += _text_object(text, f"{at}.text", 75)
                if "url" in item and (not _absolute(item["url"]) or len(item["url"]) > 3000):
                    problems.append(f"{at}.url: an absolute URL of at most 3000")
                if len(str(item.get("action_id", ""))) > 255:
                    problems.append(f"{at}.action_id: at most 255")
    return problems


def adaptive_card_problems(card: Any) -> list[str]:
    if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
        return ["content: type must be AdaptiveCard"]
    problems = []
    version = str(card.get("version", ""))
    if not re.fullmatch(r"1\.\d+", version) or int(version.split(".")[1]) < 4:
        problems.append(f"version {version!r}: 1.4 or later")
    body = card.get("body")
    if not isinstance(body, list) or not body:
        problems.append("body: a non-empty list")
        body = []
    for i, element in enumerate(body):
        kind = element.get("type")
        if kind not in ADAPTIVE_ELEMENTS:
            problems.append(f"body[{i}]: unknown element {kind!r}")
        if kind == "TextBlock" and (
            not isinstance(element.get("text"), str) or not element["text"]
        ):
            problems.append(f"body[{i}]: a TextBlock needs text")
        if kind == "FactSet":
            facts = element.get("facts")
            if not isinstance(facts, list) or not facts:
                problems.append(f"body[{i}]: a FactSet needs facts")
            else:
                for j, fact in enumerate(facts):
                    if set(fact) != {"title", "value"} or not all(
                        isinstance(v, str) for v in fact.values()
                    ):
                        problems.append(f"body[{i}].facts[{j}]: title and value strings")
    for i, action in enumerate(card.get("actions", [])):
        if action.get("type") != "Action.OpenUrl":
            problems.append(f"actions[{i}]: only Action.OpenUrl is expected")
        if not _absolute(action.get("url")) or not action.get("title"):
            problems.append(f"actions[{i}]: Action.OpenUrl needs a title and an absolute url")
    return problems


def teams_problems(payload: Any) -> list[str]:
    """Why a Workflows webhook's flow would fail to post the card, or nothing."""
    if not isinstance(payload, dict) or payload.get("type") != "message":
        return ['type must be "message"']
    attachments = payload.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        return ["attachments: a non-empty list"]
    problems = []
    for attachment in attachments:
        if attachment.get("contentType") != ADAPTIVE_CARD_TYPE:
            problems.append(f"contentType must be {ADAPTIVE_CARD_TYPE}")
        problems += adaptive_card_problems(attachment.get("content"))
    return problems


def chatwork_problems(headers: dict[str, str], form: dict[str, list[str]]) -> list[str]:
    problems = []
    if headers.get("content-type", "").split(";")[0] != "application/x-www-form-urlencoded":
        problems.append("the body must be application/x-www-form-urlencoded")
    body = form.get("body", [""])
    if len(body) != 1 or not body[0]:
        problems.append("body: required")
    else:
        for tag in ("info", "title"):
            if body[0].count(f"[{tag}]") != body[0].count(f"[/{tag}]"):
                problems.append(f"[{tag}] tags unbalanced")
    return problems


@dataclass
class ChatDouble:
    """One server for the three providers: ``/slack/...``, ``/teams/...``, ``/v2/rooms/...``.
    A test plans answers with ``respond`` (a status, or a status and headers)."""

    # Planned answers: for one provider ("slack", "teams", "chatwork") or for whichever asks.
    plan: dict[str, deque[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    received: list[ChatReceived] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def respond(
        self,
        status: int,
        headers: dict[str, str] | None = None,
        *,
        times: int = 1,
        provider: str = "any",
    ) -> None:
        with self._lock:
            self.plan.setdefault(provider, deque()).extend([(status, headers or {})] * times)

    def of(self, provider: str) -> list[ChatReceived]:
        with self._lock:
            return [r for r in self.received if r.provider == provider]

    def _planned(self, provider: str) -> tuple[int, dict[str, str]] | None:
        with self._lock:
            for key in (provider, "any"):
                if self.plan.get(key):
                    return self.plan[key].popleft()
            return None

    def start(self) -> None:
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                raw = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                path = urlsplit(self.path).path
                status, answer, extra = double._answer(path, headers, raw)
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                content = answer.encode()
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _answer(
        self, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, str, dict[str, str]]:
        payload: Any = None
        problems: list[str]
        if path.startswith("/slack/"):
            provider = "slack"
            try:
                payload = json.loads(raw)
                problems = slack_problems(payload)
            except ValueError:
                problems = ["not JSON"]
            ok = (200, "ok", {"Content-Type": "text/plain"})
            bad = (400, "invalid_blocks", {"Content-Type": "text/plain"})
        elif path.startswith("/teams/"):
            provider = "teams"
            try:
                payload = json.loads(raw)
                problems = teams_problems(payload)
            except ValueError:
                problems = ["not JSON"]
            ok = (202, "", {})
            bad = (400, json.dumps({"error": {"code": "InvalidRequestContent"}}), {})
        elif re.fullmatch(r"/v2/rooms/\d+/messages", path):
            provider = "chatwork"
            payload = parse_qs(raw.decode(), keep_blank_values=True)
            problems = chatwork_problems(headers, payload)
            if headers.get("x-chatworktoken") != CHATWORK_TOKEN:
                received = ChatReceived(
                    provider, path, headers, raw, 401, time.monotonic(), payload
                )
                with self._lock:
                    self.received.append(received)
                return 401, json.dumps({"errors": ["Invalid API token"]}), {}
            ok = (
                200,
                json.dumps({"message_id": "1234567890"}),
                {"Content-Type": "application/json"},
            )
            bad = (400, json.dumps({"errors": ["Parameter body is required"]}), {})
        else:
            return 404, "", {}
        planned = self._planned(provider)
        if planned is not None:
            status, answer, extra = planned[0], "", planned[1]
        else:
            status, answer, extra = bad if problems else ok
        received = ChatReceived(
            provider, path, headers, raw, status, time.monotonic(), payload, problems
        )
        with self._lock:
            self.received.append(received)
        return status, answer, extra
