"""Settings: what the environment may and may not say."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.config import DEV_SECRET_FILE, MIN_SECRET_BYTES, Settings

GOOD_KEY = "k" * MIN_SECRET_BYTES
SETTINGS_ENV = (
    "ENVIRONMENT",
    "DATABASE_URL",
    "SECRET_KEY",
    "CORS_ORIGINS",
    "LOG_LEVEL",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test states its own environment, in a directory of its own (for the key file)."""
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_production_requires_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="SECRET_KEY is required in production"):
        Settings(_env_file=None)
    assert not DEV_SECRET_FILE.exists(), "production must never fall back to a generated key"


def test_production_accepts_a_long_enough_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    assert Settings(_env_file=None).secret_key == GOOD_KEY
    assert not DEV_SECRET_FILE.exists()


@pytest.mark.parametrize("environment", ["production", "development", "test"])
def test_a_secret_key_shorter_than_32_bytes_is_refused(
    monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    monkeypatch.setenv("ENVIRONMENT", environment)
    monkeypatch.setenv("SECRET_KEY", "k" * (MIN_SECRET_BYTES - 1))
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        Settings(_env_file=None)


def test_the_key_length_is_counted_in_bytes_not_characters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 16 characters, 32 bytes in UTF-8: accepted; 15 of them (30 bytes): refused.
    monkeypatch.setenv("SECRET_KEY", "é" * 16)
    assert Settings(_env_file=None).secret_key == "é" * 16
    monkeypatch.setenv("SECRET_KEY", "é" * 15 + "k")
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        Settings(_env_file=None)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "postgresql://app:pw@db:5432/mastermind",
            "postgresql+asyncpg://app:pw@db:5432/mastermind",
        ),
        ("postgres://app:pw@db/mastermind", "postgresql+asyncpg://app:pw@db/mastermind"),
        ("postgresql+asyncpg://app@db/mastermind", "postgresql+asyncpg://app@db/mastermind"),
        ("sqlite:///./mastermind.db", "sqlite+aiosqlite:///./mastermind.db"),
        ("sqlite:////var/lib/mastermind.db", "sqlite+aiosqlite:////var/lib/mastermind.db"),
        ("sqlite+aiosqlite:///./x.db", "sqlite+aiosqlite:///./x.db"),
    ],
)
def test_database_urls_run_through_the_async_drivers(
    monkeypatch: pytest.MonkeyPatch, given: str, expected: str
) -> None:
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("DATABASE_URL", given)
    assert Settings(_env_file=None).database_url == expected
    # Passed in code rather than read from the environment: the same rule.
    assert Settings(database_url=given, _env_file=None).database_url == expected


def test_is_sqlite_follows_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///./x.db")
    assert Settings(_env_file=None).is_sqlite
    monkeypatch.setenv("DATABASE_URL", "postgres://db/x")
    assert not Settings(_env_file=None).is_sqlite


@pytest.mark.parametrize(
    "value",
    [
        "https://a.example,https://b.example",
        " https://a.example , https://b.example ,",
        '["https://a.example", "https://b.example"]',
    ],
)
def test_cors_origins_from_a_comma_list_or_a_json_list(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("CORS_ORIGINS", value)
    assert Settings(_env_file=None).cors_origins == ["https://a.example", "https://b.example"]


def test_cors_origins_that_are_broken_json_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("CORS_ORIGINS", '["https://a.example"')
    with pytest.raises(ValidationError):
        Settings(_env_file=None)


def test_a_single_cors_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("CORS_ORIGINS", "https://app.example")
    assert Settings(_env_file=None).cors_origins == ["https://app.example"]


def test_cors_origins_default_to_the_vite_dev_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    assert Settings(_env_file=None).cors_origins == ["http://localhost:5173"]


def test_development_without_a_key_generates_one_and_reuses_it(tmp_path: Path) -> None:
    first = Settings(_env_file=None)
    key_file = tmp_path / DEV_SECRET_FILE
    assert first.environment == "development"
    assert key_file.exists()
    assert key_file.read_text().strip() == first.secret_key
    assert len(first.secret_key.encode()) >= MIN_SECRET_BYTES
    # Only the owner may read it: it signs every token.
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    # A restart (or another worker process) signs with the same key.
    assert Settings(_env_file=None).secret_key == first.secret_key


def test_an_explicit_key_wins_over_the_key_file(monkeypatch: pytest.MonkeyPatch) -> None:
    generated = Settings(_env_file=None).secret_key
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    assert Settings(_env_file=None).secret_key == GOOD_KEY != generated


def test_settings_are_read_from_the_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"SECRET_KEY={GOOD_KEY}\nDATABASE_URL=postgres://db/from_env_file\n"
    )
    settings = Settings()
    assert settings.secret_key == GOOD_KEY
    assert settings.database_url == "postgresql+asyncpg://db/from_env_file"
    assert not DEV_SECRET_FILE.exists()
