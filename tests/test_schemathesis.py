"""Schemathesis over every operation of the app, in-process and signed in as an admin: no 5xx,
and every answer (status, headers, body) is one that openapi.json promises."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

import jsonschema_rs
import pytest
import schemathesis
from email_validator import EmailNotValidError
from email_validator.rfc_constants import EMAIL_MAX_LENGTH
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from schemathesis.generation.jsonschema.context import FormatLengths
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.specs.openapi.coverage import _schema as coverage_schema

from api.config import Settings
from api.kit.money import is_currency, minor_units, places_of
from api.main import create_app
from api.schemas.users import Email
from tests import cast
from tests.conftest import TEST_SECRET_KEY
from tests.factories import API, DEFAULT_PASSWORD, unique_email

# Kept small so the default suite stays quick; SCHEMATHESIS_MAX_EXAMPLES=500 digs deeper.
MAX_EXAMPLES_PER_OPERATION = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))

# The schema is read at import time, before any test database exists; the contract does not
# depend on the database, so an app that never connects serves it.
_schema_app = create_app(
    Settings(
        environment="test",
        secret_key=TEST_SECRET_KEY,
        database_url="sqlite+aiosqlite://",
        _env_file=None,
    )
)
schema = schemathesis.openapi.from_asgi("/openapi.json", _schema_app)

_email_adapter = TypeAdapter(Email)
# The format check schemathesis itself applies when it decides what is schema-valid.
_email_format = jsonschema_rs.validator_for(
    {"type": "string", "format": "email"}, validate_formats=True
)


def _valid_email(value: str) -> bool:
    if not _email_format.is_valid(value):
        return False
    try:
        _email_adapter.validate_python(value)
    except (ValidationError, EmailNotValidError):
        return False
    return True


# `format: email` cannot say everything email-validator checks (reserved domains such as
# `.test`, label lengths, IDNA): schema-valid addresses are drawn from those both the format
# and the app accept, so the positive-data check stays on for the other fields of the bodies.
schemathesis.openapi.format("email", st.emails().filter(_valid_email))


def _lengths_with_email(formats: dict[str, st.SearchStrategy]) -> dict[str, FormatLengths]:
    """The lengths schemathesis knows its own generators reach, and the email one's.

    Schemathesis points its built-in generators at the lengths a boundary case asks for, and
    knows which lengths they cannot reach; of a registered one it knows nothing, so for each
    ``minLength`` past what it can draw it searches and gives up (Unsatisfiable) after ~1,400
    draws. ``Email`` says ``maxLength: 320`` while email-validator refuses past 254 characters,
    so its boundary cases (319, 320, 321) cost 1.6 s each, 14 times: 22 of the 34 s that
    collecting this module took. Telling the coverage phase the filtered generator's lengths
    (never past ``EMAIL_MAX_LENGTH``) gives up on those at once; the cases generated are the
    same.
    """
    return {**_registered_format_lengths(formats), "email": FormatLengths(0, EMAIL_MAX_LENGTH)}


# A private hook of schemathesis' coverage phase: where a version has none, collection is
# only slower.
_registered_format_lengths = getattr(coverage_schema, "format_lengths_for", None)
if _registered_format_lengths is not None:
    coverage_schema.format_lengths_for = _lengths_with_email


@pytest.fixture(scope="module")
def st_app(app: FastAPI) -> Iterator[FastAPI]:
    """The conftest app's twin (same settings, same test database) for schemathesis to call.

    Schemathesis runs ASGI apps on its own event-loop thread; asyncpg connections belong to
    the loop that opened them, so the session app's pool (opened on pytest's loop) cannot be
    shared. Depending on ``app`` keeps conftest's table clean-up after every operation.
    """
    twin = create_app(app.state.settings)
    yield twin
    # Runs the twin's lifespan shutdown (engine disposal) on schemathesis' loop.
    asgi.shutdown_lifespans()


@pytest.fixture
async def admin_headers(app: FastAPI) -> dict[str, str]:
    """A fresh organization's admin for each operation (tables are emptied after each),
    from the cast (written to the test database through the session app; the twin reads it)."""
    _user, _organization, tokens = await cast.cast_admin(
        app,
        organization_name="Schemathesis Inc",
        email=unique_email("fuzz"),
        full_name="Fuzz Admin",
        password=DEFAULT_PASSWORD,
    )
    return {"Authorization": f"Bearer {tokens['access_token']}"}


# The live room streams until the browser leaves: a fuzzer's call would never return.
# tests/routers/test_live.py covers it (events, order, Last-Event-ID, 401/404).
# tests/routers/test_notifications.py serves the person's notification stream for real.
STREAMING_OPERATIONS = {
    ("GET", f"{API}/sessions/{{session_id}}/events"),
    ("GET", f"{API}/notifications/events"),
}
fuzzed = schema.exclude(path=[path for _method, path in STREAMING_OPERATIONS], method="GET")


def _money_the_schema_cannot_judge(case: schemathesis.Case) -> bool:
    """Whether a currency code exists is ISO 4217's call (babel's list), and how many places
    an amount may have depends on its currency (none for JPY): refusing those is right."""
    body = case.body if isinstance(case.body, dict) else {}
    codes = [body[name] for name in ("currency", "default_currency") if body.get(name)]
    if any(not isinstance(code, str) or not is_currency(code) for code in codes):
        return True
    if case.method == "PATCH" and "currency" in body:
        return True  # it must fit the amount already stored
    amount = body.get("estimated_value")
    if amount is None or isinstance(amount, bool):
        return False
    try:
        places = places_of(Decimal(str(amount)))
    except InvalidOperation:
        return False
    return places > minor_units(codes[0] if codes else "EUR")


def _excluded_checks(case: schemathesis.Case) -> list:
    if case.query and case.query.get("cursor"):
        # A cursor is an opaque token the API issued; its schema can only say "a string", so
        # refusing a random one (422) is right. The other checks still run on these cases.
        return [positive_data_acceptance]
    if case.headers and case.headers.get("If-Match"):
        # Likewise an ETag: a made-up one is stale by definition, and 412 is the right answer.
        return [positive_data_acceptance]
    if case.query and case.query.get("period") and {"since", "until"} & set(case.query):
        # A named period and days of one's own are exclusive (422), which a schema of
        # separate parameters cannot say.
        return [positive_data_acceptance]
    if _money_the_schema_cannot_judge(case):
        return [positive_data_acceptance]
    if isinstance(case.body, dict) and "time_zone" in case.body:
        # Whether a zone exists is the tz database's call (zoneinfo), not a pattern's; a
        # random name is rightly refused (422).
        return [positive_data_acceptance]
    if isinstance(case.body, dict) and "url" in case.body and "webhook-endpoints" in case.path:
        # Whether a host may receive webhooks is the SSRF guard's call (it must resolve to a
        # public address), which no schema can say: a random host is rightly refused (422).
        return [positive_data_acceptance]
    if case.path == f"{API}/search" and case.query and not isinstance(case.query.get("q"), str):
        # A query string has no types: a "non-string" q (a number, a list) arrives as text,
        # which search rightly reads as text (the last value of a repeated parameter).
        return [negative_data_rejection]
    return []


def _fresh_idempotency_key(case: schemathesis.Case) -> None:
    """Hypothesis replays a few header values across examples; a key reused with another body
    is refused (422) by contract, so each generated request gets its own key. Replays are
    tested on purpose in the resource tests."""
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = uuid.uuid4().hex


@fuzzed.parametrize()
@settings(
    max_examples=MAX_EXAMPLES_PER_OPERATION,
    deadline=None,
    # function_scoped_fixture: admin_headers is meant to be shared by an operation's examples.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_api_conforms_to_its_schema(
    case: schemathesis.Case, st_app: FastAPI, admin_headers: dict[str, str]
) -> None:
    _fresh_idempotency_key(case)
    case.call_and_validate(
        app=st_app, headers=admin_headers, excluded_checks=_excluded_checks(case)
    )


def test_every_route_is_in_the_schema_under_test() -> None:
    """The fuzzing above covers what openapi.json lists: a route hidden from it would escape."""
    tested = {
        (result.ok().method.upper(), result.ok().path) for result in fuzzed.get_all_operations()
    }
    # Since FastAPI 0.137 app.routes holds one opaque entry per included router.
    routes = {
        (method, context.path_format)
        for context in iter_route_contexts(_schema_app.routes)
        if isinstance(context.original_route, APIRoute)
        for method in context.methods
    }
    assert ("GET", f"{API}/users/me") in routes
    # /metrics is for Prometheus, not API clients: left out of the contract on purpose,
    # behind METRICS_TOKEN, and covered by tests/test_metrics.py.
    assert routes == tested | STREAMING_OPERATIONS | {("GET", "/metrics")}
