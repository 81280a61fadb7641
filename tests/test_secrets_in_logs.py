"""Passwords, tokens and the signing key never reach a log record or a response body."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterator

import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from api.observability import JsonFormatter
from tests import cast
from tests.conftest import TEST_SECRET_KEY
from tests.factories import API, add_user, register, unique_email

PASSWORD = "Pl41n-T3xt-Passw0rd-Sentinel"
NEW_PASSWORD = "An0ther-Sentinel-Passw0rd!"
WRONG_PASSWORD = "Wr0ng-Guess-Sentinel-Passw0rd"
SHORT_PASSWORD = "Sh0rt!Pw9"  # 9 characters: refused by validation


# The test's own HTTP client logs the URLs it requests; that is this harness talking, not
# the service, so its records are left out (everything the service and its libraries log
# is kept).
CLIENT_LOGGERS = ("httpx", "httpcore")


class CaptureAll(logging.Handler):
    """Keeps every record that reaches the root logger, at any level."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.partition(".")[0] not in CLIENT_LOGGERS:
            self.records.append(record)


@pytest.fixture
def captured(caplog) -> Iterator[CaptureAll]:
    root = logging.getLogger()
    handler = CaptureAll()
    caplog.set_level(logging.DEBUG)  # the root logger at DEBUG for the test's duration
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def everything_in(record: logging.LogRecord) -> str:
    """The message, its arguments, every extra attribute and any traceback, as one text."""
    parts = [str(record.msg), repr(record.args)]
    # A malformed record still gets its raw parts checked.
    with contextlib.suppress(Exception):
        parts.append(record.getMessage())
    for key, value in vars(record).items():
        parts.append(f"{key}={value!r}")
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    if record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(record.stack_info)
    return "\n".join(parts)


def assert_not_logged(records: list[logging.LogRecord], secrets: dict[str, str]) -> None:
    leaks = [
        f"{name} in {record.name}:{record.levelname}: {record.getMessage()[:200]!r}"
        for record in records
        for name, secret in secrets.items()
        if secret and secret in everything_in(record)
    ]
    assert not leaks, "\n".join(leaks)


def token_secrets(prefix: str, token: str) -> dict[str, str]:
    """A token, and its signature alone: half a token in a log is still a leak."""
    return {prefix: token, f"{prefix} signature": token.rsplit(".", 1)[-1]}


async def test_auth_flows_log_no_password_token_or_key(client, captured):
    email = unique_email("logs")
    secrets: dict[str, str] = {
        "password": PASSWORD,
        "new password": NEW_PASSWORD,
        "wrong password": WRONG_PASSWORD,
        "short password": SHORT_PASSWORD,
        "secret key": TEST_SECRET_KEY,
    }

    registered = await client.post(
        f"{API}/auth/register",
        json={
            "organization_name": "Logging Ltd",
            "full_name": "Lou Logger",
            "email": email,
            "password": PASSWORD,
        },
    )
    assert registered.status_code == 201, registered.text
    tokens = registered.json()["tokens"]
    user_id = registered.json()["user"]["id"]
    secrets |= token_secrets("register access token", tokens["access_token"])
    secrets |= token_secrets("register refresh token", tokens["refresh_token"])

    refused = await client.post(
        f"{API}/auth/register",
        json={
            "organization_name": "Logging Ltd",
            "full_name": "Lou Logger",
            "email": unique_email("short"),
            "password": SHORT_PASSWORD,
        },
    )
    assert refused.status_code == 422
    assert SHORT_PASSWORD not in refused.text  # validation errors never echo the input

    failed = await client.post(
        f"{API}/auth/token", data={"username": email, "password": WRONG_PASSWORD}
    )
    assert failed.status_code == 401

    signed_in = await client.post(
        f"{API}/auth/token", data={"username": email, "password": PASSWORD}
    )
    assert signed_in.status_code == 200, signed_in.text
    pair = signed_in.json()
    secrets |= token_secrets("login access token", pair["access_token"])
    secrets |= token_secrets("login refresh token", pair["refresh_token"])

    me = await client.get(
        f"{API}/users/me", headers={"Authorization": f"Bearer {pair['access_token']}"}
    )
    assert me.status_code == 200

    refreshed = await client.post(
        f"{API}/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text
    rotated = refreshed.json()
    secrets |= token_secrets("refreshed access token", rotated["access_token"])
    secrets |= token_secrets("refreshed refresh token", rotated["refresh_token"])

    # A reused refresh token (the family is revoked) and a bogus bearer token.
    reused = await client.post(f"{API}/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert reused.status_code == 401
    bogus = await client.get(
        f"{API}/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}x"}
    )
    assert bogus.status_code == 401

    # The reuse ended every access token of the person: sign in again to change the password.
    fresh = await client.post(f"{API}/auth/token", data={"username": email, "password": PASSWORD})
    assert fresh.status_code == 200, fresh.text
    secrets |= token_secrets("fresh access token", fresh.json()["access_token"])
    secrets |= token_secrets("fresh refresh token", fresh.json()["refresh_token"])
    changed = await client.patch(
        f"{API}/users/{user_id}",
        headers={"Authorization": f"Bearer {fresh.json()['access_token']}"},
        json={"password": NEW_PASSWORD, "current_password": PASSWORD},
    )
    assert changed.status_code == 200, changed.text

    again = await client.post(
        f"{API}/auth/token", data={"username": email, "password": NEW_PASSWORD}
    )
    assert again.status_code == 200
    secrets |= token_secrets("second login refresh token", again.json()["refresh_token"])
    logged_out = await client.post(
        f"{API}/auth/logout", json={"refresh_token": again.json()["refresh_token"]}
    )
    assert logged_out.status_code == 204

    # The capture works: every request above left its access-log line.
    access_lines = [record for record in captured.records if record.name == "api.access"]
    assert len(access_lines) >= 10, [record.getMessage() for record in captured.records]
    assert_not_logged(captured.records, secrets)


async def test_a_token_in_the_query_string_is_not_logged(client, captured):
    """The access log leaves query strings out: a client that puts a token there is not
    punished by having it written to disk."""
    admin = await register(client)
    response = await client.get(
        f"{API}/users/me?access_token={admin.access_token}", headers=admin.headers
    )
    assert response.status_code == 200
    assert any(record.name == "api.access" for record in captured.records)
    assert_not_logged(
        captured.records,
        {
            **token_secrets("access token", admin.access_token),
            **token_secrets("refresh token", admin.refresh_token),
            "secret key": TEST_SECRET_KEY,
        },
    )


async def test_responses_never_contain_password_hashes(client):
    admin = await register(client)
    rep = await add_user(client, admin)
    responses = {
        "register": await client.post(
            f"{API}/auth/register",
            json={
                "organization_name": "Hashless",
                "full_name": "Hal Hashless",
                "email": unique_email("hal"),
                "password": PASSWORD,
            },
        ),
        "create user": await client.post(
            f"{API}/users",
            headers=admin.headers,
            json={"email": unique_email("new"), "full_name": "New Person", "password": PASSWORD},
        ),
        "me": await client.get(f"{API}/users/me", headers=rep.headers),
        "list users": await client.get(f"{API}/users", headers=admin.headers),
        "get user": await client.get(f"{API}/users/{rep.id}", headers=admin.headers),
        "update user": await client.patch(
            f"{API}/users/{rep.id}", headers=admin.headers, json={"full_name": "Renamed Rep"}
        ),
        "change password": await client.patch(
            f"{API}/users/{rep.id}",
            headers=rep.headers,
            json={"password": NEW_PASSWORD, "current_password": "correct horse battery staple"},
        ),
    }
    for name, response in responses.items():
        assert 200 <= response.status_code < 300, f"{name}: {response.text}"
        text = response.text
        assert "password" not in text.lower(), f"{name} mentions a password: {text}"
        assert "$argon2" not in text, f"{name} leaks a hash: {text}"
        assert PASSWORD not in text and NEW_PASSWORD not in text
    listed = responses["list users"].json()["items"]
    assert len(listed) >= 3  # the admin, the rep, the new person: the check saw real users


async def test_webhook_delivery_and_metrics_scrapes_log_no_secret(settings, app, captured):
    """The outbound flow end to end (endpoint created, event signed and delivered to a
    loopback receiver) and Prometheus scrapes with a wrong and the right token: neither the
    endpoint's signing secret, the signatures sent, the metrics token nor the user's tokens
    reach a log record."""
    from api.main import create_app
    from tests.webhook_kit import Receiver, create_endpoint, eventually, new_project, running_worker

    metrics_token = "metrics-sentinel-" + "t" * 24
    hook_app = create_app(
        settings.model_copy(
            update={"webhook_allow_private_targets": True, "metrics_token": metrics_token}
        )
    )
    receiver = Receiver()
    receiver.start()
    try:
        async with cast.in_process(hook_app) as http:
            admin = await register(http)
            endpoint = await create_endpoint(http, admin, receiver.url(), ["project.created"])
            async with running_worker(hook_app):
                await new_project(http, admin, "Sentinel deal")
                await eventually(lambda: len(receiver.hook_requests()) == 1, what="a delivery")
            for token in ("wrong-" + metrics_token, metrics_token):
                await http.get("/metrics", headers={"Authorization": f"Bearer {token}"})
            assert (
                await http.get("/metrics", headers={"Authorization": f"Bearer {metrics_token}"})
            ).status_code == 200
    finally:
        receiver.close()
        await hook_app.state.live_hub.close()
        await hook_app.state.engine.dispose()

    delivered = receiver.hook_requests()[0]
    signature = delivered.headers.get("webhook-signature") or delivered.headers.get(
        "Webhook-Signature"
    )
    assert endpoint["secret"] and signature
    secrets = {
        "webhook signing secret": endpoint["secret"],
        # The key inside "whsec_<base64>": a log that strips the prefix still leaks it.
        "webhook signing key": endpoint["secret"].removeprefix("whsec_"),
        "webhook signature": signature.split(",", 1)[-1],
        "metrics token": metrics_token,
        **token_secrets("access token", admin.access_token),
        **token_secrets("refresh token", admin.refresh_token),
        "secret key": TEST_SECRET_KEY,
    }
    assert any(record.name == "api.access" for record in captured.records)
    assert_not_logged(captured.records, secrets)


# --- database errors: their statements' values stay out of the logs --------------------------

# What a CRM deal title or an API key row looks like to a grep: it must never be logged.
SENTINEL_VALUE = "Sentinel-CRM-Title-7f3a9c41"


@pytest.fixture
async def refusing_trigger(app) -> AsyncIterator[None]:
    """A trigger that refuses one client name: a real database error, raised by a real
    route's INSERT whose parameters include that name."""
    engine = app.state.engine
    if engine.dialect.name == "postgresql":
        create = [
            "CREATE FUNCTION refuse_sentinel() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.name = '{SENTINEL_VALUE}' THEN RAISE EXCEPTION 'refused by the test'; "
            "END IF; RETURN NEW; END $$",
            "CREATE TRIGGER refuse_sentinel BEFORE INSERT ON client "
            "FOR EACH ROW EXECUTE FUNCTION refuse_sentinel()",
        ]
        drop = ["DROP TRIGGER refuse_sentinel ON client", "DROP FUNCTION refuse_sentinel()"]
    else:
        create = [
            "CREATE TRIGGER refuse_sentinel BEFORE INSERT ON client "
            f"WHEN NEW.name = '{SENTINEL_VALUE}' "
            "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        ]
        drop = ["DROP TRIGGER refuse_sentinel"]
    async with engine.begin() as connection:
        for statement in create:
            await connection.execute(text(statement))
    try:
        yield
    finally:
        async with engine.begin() as connection:
            for statement in drop:
                await connection.execute(text(statement))


async def test_a_database_error_logs_no_sql_parameters(client, captured, refusing_trigger):
    admin = await register(client)
    response = await client.post(
        f"{API}/clients",
        headers=admin.headers,
        json={"name": SENTINEL_VALUE, "industry": "Logistics", "status": "prospect"},
    )
    assert response.status_code == 500, response.text
    assert SENTINEL_VALUE not in response.text
    # The capture saw the error and its traceback (what the test looks for is really there).
    crashes = [record for record in captured.records if record.name == "api.errors"]
    assert crashes, [record.getMessage() for record in captured.records]
    traceback_text = everything_in(crashes[0])
    assert "Traceback (most recent call last)" in traceback_text
    assert "INSERT INTO client" in traceback_text  # the statement, with its placeholders
    assert_not_logged(captured.records, {"CRM title (a SQL parameter)": SENTINEL_VALUE})
    formatter = JsonFormatter()
    for record in captured.records:
        assert SENTINEL_VALUE not in formatter.format(record)


async def test_the_json_formatter_withholds_what_a_database_error_quotes(database_url):
    """Whatever engine raised it (this one does not hide parameters, and on PostgreSQL asyncpg
    quotes the value it could not encode in its own message), a logged traceback keeps the
    class, SQLSTATE and statement and drops the values."""
    engine = create_async_engine(database_url)
    is_postgres = engine.dialect.name == "postgresql"
    statement = (
        "SELECT CAST(:value AS uuid)"
        if is_postgres
        else "SELECT * FROM no_such_table WHERE name = :value"
    )
    try:
        async with engine.connect() as connection:
            with pytest.raises(DBAPIError) as raised:
                await connection.execute(text(statement), {"value": SENTINEL_VALUE})
    finally:
        await engine.dispose()
    assert SENTINEL_VALUE in str(raised.value)  # the raw exception does quote it
    record = logging.LogRecord(
        "api.test", logging.ERROR, __file__, 1, "boom", None, (raised.type, raised.value, raised.tb)
    )
    line = JsonFormatter().format(record)
    assert SENTINEL_VALUE not in line
    logged = orjson.loads(line)["exception"]
    assert "Traceback (most recent call last)" in logged
    assert "sqlalchemy.exc." in logged and "[SQL: " in logged
    if is_postgres:
        assert "sqlstate=22000" in logged  # what kind of error it was is kept


async def test_the_app_engines_errors_do_not_repeat_their_parameters(app):
    """``hide_parameters``: an error's text, wherever it ends up, has no values in it."""
    with pytest.raises(DBAPIError) as raised:
        async with app.state.engine.connect() as connection:
            await connection.execute(
                text("SELECT * FROM no_such_table WHERE name = :value"), {"value": SENTINEL_VALUE}
            )
    assert "no_such_table" in str(raised.value)
    assert SENTINEL_VALUE not in str(raised.value)
