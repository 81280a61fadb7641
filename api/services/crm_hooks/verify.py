"""Verifying an inbound CRM request on its raw bytes, before anything parses them: each
provider's signature or credentials, and the five-minute window against replays."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from api.errors import Unauthorized
from api.models import CrmConnection, CrmProvider
from api.security import InvalidToken, SecretBox, secrets_match

TOLERANCE_SECONDS = 5 * 60
BAD_SIGNATURE = "The request's signature or credentials do not verify"
# HubSpot decodes these in the URI before signing (its v3 validation guide).
_HUBSPOT_DECODED = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}


def sealing_context(connection_id: uuid.UUID) -> str:
    return f"crm_connection:{connection_id}:signing_secret"


def api_token_context(connection_id: uuid.UUID) -> str:
    return f"crm_connection:{connection_id}:api_token"


@dataclass(frozen=True, slots=True)
class RawHook:
    method: str
    uri: str  # the full URI the sender called (scheme, host, path, query)
    headers: dict[str, str]  # lower-cased names
    body: bytes


def _clock_reading(text: str) -> int | None:
    """A header's Unix time, if it is one: plain digits, and few enough that int() takes
    them (it refuses more than 4,300) and the window check means something."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 15 else None


def now_seconds() -> float:
    """The clock the five-minute windows are measured against (tests pin it)."""
    return time.time()


def _verify_generic(secret: str, hook: RawHook) -> str:
    # The window is checked here, against our clock, as well as by the library: the test of
    # the edge (301 s either way) must not depend on how long the request took to arrive.
    timestamp = _clock_reading(hook.headers.get("webhook-timestamp", ""))
    if timestamp is None:
        raise Unauthorized(BAD_SIGNATURE)
    if abs(now_seconds() - timestamp) > TOLERANCE_SECONDS:
        raise Unauthorized("The request's timestamp is outside the five-minute window")
    try:
        Webhook(secret).verify(hook.body, hook.headers, json_parse=False)
    except (WebhookVerificationError, ValueError, binascii.Error, UnicodeDecodeError):
        raise Unauthorized(BAD_SIGNATURE) from None
    return hook.headers["webhook-id"]


def hubspot_signature(secret: str, *, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """HubSpot's v3 signature: base64 of HMAC-SHA256 over method + URI + body + timestamp."""
    for encoded, plain in _HUBSPOT_DECODED.items():
        uri = uri.replace(encoded, plain).replace(encoded.lower(), plain)
    message = method.encode() + uri.encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def _verify_hubspot(secret: str, hook: RawHook, now_ms: int) -> None:
    signature = hook.headers.get("x-hubspot-signature-v3")
    timestamp = hook.headers.get("x-hubspot-request-timestamp", "")
    sent_ms = _clock_reading(timestamp)
    if not signature or sent_ms is None:
        raise Unauthorized(BAD_SIGNATURE)
    if abs(now_ms - sent_ms) > TOLERANCE_SECONDS * 1000:
        raise Unauthorized("The request's timestamp is outside the five-minute window")
    expected = hubspot_signature(
        secret, method=hook.method, uri=hook.uri, body=hook.body, timestamp=timestamp
    )
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise Unauthorized(BAD_SIGNATURE)


def _verify_basic(connection: CrmConnection, hook: RawHook) -> None:
    scheme, _, encoded = hook.headers.get("authorization", "").partition(" ")
    try:
        username, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Unauthorized(BAD_SIGNATURE) from None
    ok_user = hmac.compare_digest(username.encode(), (connection.basic_username or "").encode())
    ok_password = connection.basic_password_hash is not None and secrets_match(
        password, connection.basic_password_hash
    )
    if scheme.lower() != "basic" or not sep or not (ok_user and ok_password):
        raise Unauthorized(BAD_SIGNATURE)


def verify_request(connection: CrmConnection, hook: RawHook, box: SecretBox) -> str | None:
    """Refuse (401) anything not signed by the connection's CRM; returns the event id the
    signature covers, when the scheme has one (generic's ``webhook-id``)."""
    if connection.provider == CrmProvider.pipedrive:
        _verify_basic(connection, hook)
        return None
    try:
        secret = box.open(
            connection.signing_secret_sealed or "", context=sealing_context(connection.id)
        )
    except InvalidToken:
        # A secret sealed under another SECRET_KEY: nothing can verify, so nothing is let in.
        raise Unauthorized(BAD_SIGNATURE) from None
    if connection.provider == CrmProvider.generic:
        return _verify_generic(secret, hook)
    _verify_hubspot(secret, hook, now_ms=int(now_seconds() * 1000))
    return None
