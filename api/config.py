"""Settings read from the environment (pydantic-settings): one validated instance per process."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///./mastermind.db"
# Where development machines keep a generated key, so tokens survive restarts and
# every worker process of `mastermind serve --workers N` signs with the same key.
DEV_SECRET_FILE = Path(".mastermind_secret_key")
MIN_SECRET_BYTES = 32


def normalize_database_url(url: str) -> str:
    """Accept plain driver-less URLs and run them through the async drivers."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+asyncpg://" + url[len(plain) :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


def _dev_secret_key() -> str:
    if DEV_SECRET_FILE.exists():
        return DEV_SECRET_FILE.read_text().strip()
    key = secrets.token_urlsafe(48)
    DEV_SECRET_FILE.write_text(key)
    DEV_SECRET_FILE.chmod(0o600)
    return key


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = DEFAULT_SQLITE_URL
    # PostgreSQL connections per API process. No overflow by default: connections beyond
    # the pool are opened and closed as load comes and goes (a server process forked and a
    # handshake each), which under steady load cost more than the queries; a request that
    # finds every connection busy waits up to the pool timeout, then gets 503 + Retry-After.
    database_pool_size: int = Field(default=10, ge=1)
    database_max_overflow: int = Field(default=0, ge=0)
    database_pool_timeout: float = Field(default=5.0, gt=0, le=60)
    secret_key: str | None = Field(default=None, repr=False)

    jwt_issuer: str = "sales-mastermind"
    jwt_audience: str = "sales-mastermind-api"
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=30, ge=1, le=365)

    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["http://localhost:5173"]
    )

    # Login throttling: failures counted in a sliding window, per account and per address.
    login_window_seconds: int = Field(default=15 * 60, ge=1)
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    # Sign-up (a new organization): attempts per client address in a sliding window.
    signup_window_seconds: int = Field(default=60 * 60, ge=1)
    signup_max_per_address: int = Field(default=10, ge=1)

    # Trust X-Forwarded-For for the client address only behind a known proxy.
    trust_forwarded_for: bool = False

    # The address the world reaches this API at (e.g. https://mastermind.example.com): CRM
    # webhook URLs are built from it, and HubSpot signs the full URI it called. Unset, the
    # request's own URL is used (right when no proxy rewrites scheme or host).
    public_base_url: str | None = None
    # Any request body above this is refused with 413 (api/middleware.py), nginx or not.
    max_request_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Inbound CRM hooks: bodies above this are refused with 413 before they are read whole.
    crm_hook_max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    # API keys: requests per key per fixed one-minute window, counted in the database.
    api_key_requests_per_minute: int = Field(default=600, ge=1)
    log_level: str = "INFO"
    # Bearer token for GET /metrics (Prometheus). Unset or empty: /metrics answers 404.
    metrics_token: str | None = Field(default=None, repr=False)

    # Outbound webhooks. URLs that resolve to loopback, private, link-local or any other
    # non-public address are refused unless this is set (tests, local receivers); production
    # also wants https.
    webhook_allow_private_targets: bool = False
    # Run the delivery worker inside the API process (`mastermind serve`). Unset: on, except
    # in the test environment, where only the tests that ask for a worker start one.
    run_webhook_worker: bool | None = None
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_dns_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    # How often an idle worker looks for due rows when nothing woke it (LISTEN/NOTIFY on
    # PostgreSQL and the in-process hook on SQLite usually wake it at once).
    webhook_poll_seconds: float = Field(default=2.0, gt=0, le=300)
    # Each call the worker makes to a CRM's API (HubSpot, Pipedrive) to read what an inbound
    # event only points at.
    crm_api_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # Chatwork's REST API, where chat channels of that provider post (a setting so a test,
    # or a proxy of one's own, can stand in for it; the SSRF guard applies to it too).
    chatwork_api_base_url: str = "https://api.chatwork.com/v2"

    # Presence (who holds a session's live stream open): each stream extends its interval
    # this often, and one not extended for presence_stale_seconds counts as gone since its
    # last heartbeat (a stream that dropped without closing).
    presence_heartbeat_seconds: float = Field(default=15.0, gt=0, le=15)
    presence_stale_seconds: float = Field(default=30.0, gt=0, le=300)
    # How often a live stream re-checks its reader's token and access to the session: a
    # stream ends within this (plus a query) after its reader loses access.
    live_access_check_seconds: float = Field(default=3.0, gt=0, le=5)

    # Outbound mail (DESIGN 7.6). SMTP_URL unset: no mail is queued or sent, the rest works.
    # smtp://host:port (plain, or STARTTLS with SMTP_STARTTLS=true) or smtps://host:port
    # (TLS from the first byte); user:password@ in the URL logs in.
    smtp_url: str | None = Field(default=None, repr=False)
    smtp_from: str = "Sales Mastermind <no-reply@localhost>"
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    # Minutes before a session that its participants are reminded, e.g. "1440,15".
    reminder_minutes: Annotated[list[int], NoDecode] = Field(default_factory=lambda: [1440, 15])

    @field_validator("smtp_url")
    @classmethod
    def _smtp_scheme(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("smtp://", "smtps://")):
            raise ValueError("SMTP_URL must start with smtp:// or smtps://")
        return value

    @field_validator("reminder_minutes", mode="before")
    @classmethod
    def _split_minutes(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.split(",") if part.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return normalize_database_url(value)

    @field_validator("public_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else None

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        # CORS_ORIGINS="https://a.example,https://b.example" as well as a JSON list (NoDecode
        # leaves both to this validator).
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @model_validator(mode="after")
    def _presence_windows(self) -> Settings:
        if self.presence_stale_seconds <= self.presence_heartbeat_seconds:
            raise ValueError("PRESENCE_STALE_SECONDS must exceed PRESENCE_HEARTBEAT_SECONDS")
        return self

    @model_validator(mode="after")
    def _secret_key_policy(self) -> Settings:
        if self.secret_key is None:
            if self.environment == "production":
                raise ValueError("SECRET_KEY is required in production")
            self.secret_key = _dev_secret_key()
        if len(self.secret_key.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes")
        return self

    @property
    def presence_stale_after(self) -> timedelta:
        return timedelta(seconds=self.presence_stale_seconds)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def webhook_worker_in_process(self) -> bool:
        if self.run_webhook_worker is None:
            return self.environment != "test"
        return self.run_webhook_worker

    @property
    def mail_enabled(self) -> bool:
        return self.smtp_url is not None

    @property
    def webhook_https_only(self) -> bool:
        return self.environment == "production"


@lru_cache
def get_settings() -> Settings:
    return Settings()
