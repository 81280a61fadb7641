"""Everything cryptographic: JWTs (the only module that imports jose), password hashing
(argon2id via pwdlib) and the hashing of opaque secrets such as refresh and API keys."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import secrets
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property, lru_cache
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from jose import jwt
from jose.exceptions import JOSEError
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from api.config import Settings

JWT_ALGORITHM = "HS256"
# Clock skew tolerated between API replicas and clients, in seconds.
JWT_LEEWAY_SECONDS = 10
VERIFIED_TOKENS_KEPT = 4096  # per process: a few kilobytes each, a hit saves an HMAC check
TokenType = Literal["access", "refresh"]
REQUIRED_CLAIMS: dict[TokenType, tuple[str, ...]] = {
    # ``ver``: the user's token_version when the token was issued (api/deps.py compares it).
    "access": ("exp", "iat", "sub", "aud", "iss", "jti", "typ", "org", "ver"),
    "refresh": ("exp", "iat", "sub", "aud", "iss", "jti", "typ", "org"),
}


class InvalidToken(Exception):
    """Any token that must be refused; the caller answers 401 without saying why."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    subject: uuid.UUID
    organization_id: uuid.UUID
    token_id: uuid.UUID
    token_type: TokenType
    expires_at: datetime
    family_id: uuid.UUID | None = None
    # Access tokens only: the user's token_version at issue; a raised version ends the token.
    token_version: int | None = None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    token_id: uuid.UUID
    expires_at: datetime


class Security:
    """Bound to one Settings instance, so tests and the app never share key material by accident."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._key = settings.secret_key or ""
        self.secret_box = secret_box(self._key)
        # Access tokens already verified, by their exact text: a token's signature under
        # this key never changes its answer, so only the expiry is checked again on a hit.
        # Bounded, oldest out first; a new key means a new Security and an empty cache.
        self._verified: OrderedDict[str, TokenClaims] = OrderedDict()

    # --- request fingerprints (Idempotency-Key) ------------------------------------------

    @cached_property
    def _fingerprint_key(self) -> bytes:
        return HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"sales-mastermind/idempotency/v1"
        ).derive(self._key.encode())

    def request_fingerprint(self, method: str, path: str, body: bytes) -> str:
        """What an Idempotency-Key remembers of its request, to refuse the key on another one.

        Keyed (HMAC-SHA256 under a key derived from SECRET_KEY): a create's body may carry a
        password (``POST /users``), and a plain hash of a body whose other fields are known
        would let anyone reading the table try passwords offline.
        """
        mac = hmac.new(self._fingerprint_key, digestmod=hashlib.sha256)
        for part in (method.encode(), path.encode(), body):
            mac.update(len(part).to_bytes(8, "big") + part)
        return mac.hexdigest()

    # --- passwords ---------------------------------------------------------------------

    @cached_property
    def _password_hash(self) -> PasswordHash:
        if self._settings.environment == "test":
            # Still argon2id, at a cost that keeps the suite fast on two cores.
            return PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8 * 1024, parallelism=1),))
        return PasswordHash.recommended()

    @cached_property
    def _dummy_hash(self) -> str:
        return self._password_hash.hash(secrets.token_urlsafe(16))

    async def hash_password(self, password: str) -> str:
        # argon2 takes ~90 ms of CPU: keep it off the event loop.
        return await asyncio.to_thread(self._password_hash.hash, password)

    async def verify_password(self, password: str, password_hash: str | None) -> bool:
        """Verify against the stored hash, or a dummy one for an unknown user so that
        the time taken does not reveal whether the account exists."""
        target = password_hash or self._dummy_hash
        try:
            ok = await asyncio.to_thread(self._password_hash.verify, password, target)
        except Exception:  # a corrupt stored hash is a failed login, not a 500
            return False
        return ok and password_hash is not None

    # --- JWT -----------------------------------------------------------------------------

    def issue_token(
        self,
        *,
        token_type: TokenType,
        subject: uuid.UUID,
        organization_id: uuid.UUID,
        lifetime: timedelta,
        family_id: uuid.UUID | None = None,
        token_version: int | None = None,
    ) -> IssuedToken:
        """A signed token. An access token needs ``token_version``: the user's current one."""
        if (token_type == "access") != (token_version is not None):
            raise ValueError("token_version is given for access tokens, and only for them")
        now = datetime.now(UTC)
        token_id = uuid.uuid4()
        expires_at = now + lifetime
        claims: dict[str, object] = {
            "iss": self._settings.jwt_issuer,
            "aud": self._settings.jwt_audience,
            "sub": str(subject),
            "org": str(organization_id),
            "typ": token_type,
            "jti": str(token_id),
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
        }
        if family_id is not None:
            claims["fam"] = str(family_id)
        if token_version is not None:
            claims["ver"] = token_version
        token = jwt.encode(claims, self._key, algorithm=JWT_ALGORITHM)
        return IssuedToken(token=token, token_id=token_id, expires_at=expires_at)

    def decode_token(self, token: str, *, expected_type: TokenType) -> TokenClaims:
        """The claims of a token signed here, of that type and not expired.

        An access token's signature is checked once per process (a bounded cache keyed by
        the token's text); what the claims say about the user (``ver``) is not cached here:
        the caller compares it with the user's row on every request (api/deps.py)."""
        if expected_type == "access":
            cached = self._verified.get(token)
            if cached is not None:
                if cached.expires_at.timestamp() + JWT_LEEWAY_SECONDS > time.time():
                    return cached
                del self._verified[token]
            claims = self._decode(token, expected_type=expected_type)
            self._verified[token] = claims
            if len(self._verified) > VERIFIED_TOKENS_KEPT:
                self._verified.popitem(last=False)
            return claims
        return self._decode(token, expected_type=expected_type)

    def _decode(self, token: str, *, expected_type: TokenType) -> TokenClaims:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[JWT_ALGORITHM],
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                options={
                    "require_exp": True,
                    "require_iat": True,
                    "require_sub": True,
                    "require_aud": True,
                    "require_iss": True,
                    "require_jti": True,
                    "leeway": JWT_LEEWAY_SECONDS,
                },
            )
        except (JOSEError, ValueError, TypeError) as exc:
            raise InvalidToken from exc
        if (
            any(claim not in claims for claim in REQUIRED_CLAIMS[expected_type])
            or claims["typ"] != expected_type
        ):
            raise InvalidToken
        version = claims.get("ver")
        # A whole number, never a flag (``True == 1`` in Python) or text.
        if expected_type == "access" and (type(version) is not int or version < 0):
            raise InvalidToken
        try:
            family = claims.get("fam")
            return TokenClaims(
                subject=uuid.UUID(claims["sub"]),
                organization_id=uuid.UUID(claims["org"]),
                token_id=uuid.UUID(claims["jti"]),
                token_type=expected_type,
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
                family_id=uuid.UUID(family) if family else None,
                token_version=version if expected_type == "access" else None,
            )
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise InvalidToken from exc


# --- opaque secrets ----------------------------------------------------------------------


def hash_secret(value: str) -> str:
    """SHA-256 hex of a high-entropy secret (tokens, keys): fast lookups, nothing reversible."""
    return hashlib.sha256(value.encode()).hexdigest()


def secrets_match(value: str, expected_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(value), expected_hash)


# --- API keys and integration secrets -----------------------------------------------------

API_KEY_PREFIX = "mm_"
# 32 random bytes (256 bits) as URL-safe base64: far beyond guessing, so a plain SHA-256 of
# the key is a safe lookup hash (a slow password hash buys nothing for such entropy).
API_KEY_BYTES = 32
# What the list shows of a key: "mm_" and the first 8 characters, enough to tell keys apart.
API_KEY_SHOWN_CHARS = len(API_KEY_PREFIX) + 8


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(API_KEY_BYTES)


def new_webhook_secret() -> str:
    """A Standard Webhooks signing secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def new_password_secret() -> str:
    return secrets.token_urlsafe(24)


class SecretBox:
    """The one sealing scheme for secrets that must be used again and are never shown: the
    HMAC keys of inbound CRM webhooks and the signing secrets of outbound webhooks.

    AES-256-GCM with a key derived from SECRET_KEY by HKDF (its own ``info``, so it is never
    the JWT key itself), a fresh 96-bit nonce per secret, and the row's purpose as associated
    data (``<entity>:<id>:<column>``) so a sealed value cannot be moved to another column or row.
    Rotating SECRET_KEY makes sealed secrets unreadable: those connections and endpoints must
    then be created anew.
    """

    _INFO = b"sales-mastermind/secret-box/v1"

    def __init__(self, secret_key: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=self._INFO).derive(
            secret_key.encode()
        )
        self._aead = AESGCM(key)

    def seal(self, plaintext: str, *, context: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return "v1." + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, sealed: str, *, context: str) -> str:
        """The plaintext; raises ``InvalidToken`` when the value was tampered with or sealed
        under another key or context."""
        try:
            version, _, payload = sealed.partition(".")
            if version != "v1":
                raise ValueError("unknown sealing version")
            raw = base64.urlsafe_b64decode(payload.encode())
            return self._aead.decrypt(raw[:12], raw[12:], context.encode()).decode()
        except (InvalidTag, ValueError, binascii.Error) as exc:
            raise InvalidToken from exc


@lru_cache(maxsize=4)
def secret_box(secret_key: str) -> SecretBox:
    """The box for this key, derived once (the webhook worker opens a secret per delivery)."""
    return SecretBox(secret_key)
