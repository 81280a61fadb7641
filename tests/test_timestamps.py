"""Date-times at the edge of the calendar: an aware time that is valid as written but leaves
Python's range when shifted to UTC (``9999-12-31T23:59:59-14:00``) is 422 wherever a request
can carry one, never a 500. One walk over every route's inputs checks that each date-time
field refuses it; HTTP requests check the queries and bodies of several endpoints."""

from __future__ import annotations

import re
import typing
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from pydantic import AwareDatetime, BaseModel, NaiveDatetime, ValidationError

from api.main import create_app
from api.schemas.base import Timestamp
from tests.factories import API, assert_problem, register
from tests.session_kit import new_project, new_session
from tests.test_route_auth import api_routes

# Both valid RFC 3339 as written; in UTC, the first is in year 10000, the second in year 0.
# Requests keep to the years 0002 to 9998 (api/schemas/base.py says why), so these too:
OUT_OF_RANGE = [
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "9999-01-01T00:00:00+00:00",
    "0001-12-31T23:59:59+00:00",
]
# The ends of those years, with the widest offsets, are accepted.
AT_THE_EDGES = ["9998-12-31T23:59:59-14:00", "0002-01-01T00:00:00+14:00"]


def _mentions_datetime(annotation: Any) -> bool:
    if annotation in (datetime, AwareDatetime, NaiveDatetime):
        return True
    if isinstance(annotation, type) and issubclass(annotation, datetime):
        return True
    return any(_mentions_datetime(arg) for arg in typing.get_args(annotation))


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in typing.get_args(annotation) for model in _models_in(arg)]


def _datetime_fields(model: type[BaseModel], seen: set[type]) -> list[tuple[type, str]]:
    """Every (model, field) that takes a date-time, in this model and the models it holds."""
    if model in seen:
        return []
    seen.add(model)
    found = []
    for name, info in model.model_fields.items():
        if _mentions_datetime(info.annotation):
            found.append((model, name))
        for inner in _models_in(info.annotation):
            found += _datetime_fields(inner, seen)
    return found


def _all_of(dependant: Dependant) -> list[Dependant]:
    return [dependant] + [d for sub in dependant.dependencies for d in _all_of(sub)]


def _route_inputs() -> tuple[list[tuple[str, Any]], list[tuple[type, str]]]:
    """The date-time parameters (query, path, header, cookie) and body fields of every route."""
    params, fields, seen = [], [], set()
    for route in api_routes(create_app()):
        for part in _all_of(route.dependant):
            for param in (
                part.query_params + part.path_params + part.header_params + part.cookie_params
            ):
                if _mentions_datetime(param.field_info.annotation):
                    params.append((f"{route.path} {param.name}", param))
            for body in part.body_params:
                for model in _models_in(body.field_info.annotation):
                    fields += _datetime_fields(model, seen)
    return params, fields


PARAMS, FIELDS = _route_inputs()


def test_the_walk_finds_the_known_date_time_inputs():
    # So the tests below cannot pass by finding nothing.
    assert {name for name, _ in PARAMS} >= {"/api/v1/projects updated_since"}
    assert {name.split()[0] for name, _ in PARAMS} >= {"/api/v1/projects", "/api/v1/sessions"}
    assert {(model.__name__, name) for model, name in FIELDS} >= {
        ("SessionCreate", "scheduled_at"),
        ("SessionUpdate", "scheduled_at"),
        ("ApiKeyCreate", "expires_at"),
    }


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_every_date_time_parameter_refuses_times_outside_the_utc_range(value):
    for name, param in PARAMS:
        _, errors = param.validate(value, {}, loc=("query", param.name))
        assert errors, f"{name} accepted {value}"
        for value_ok in AT_THE_EDGES:
            parsed, errors = param.validate(value_ok, {}, loc=("query", param.name))
            assert not errors and parsed.utcoffset() == timedelta(0), (name, value_ok)


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_every_date_time_body_field_refuses_times_outside_the_utc_range(value):
    for model, name in FIELDS:
        # Other fields may be missing: pydantic reports every field, this one included.
        with pytest.raises(ValidationError) as refused:
            model.model_validate({name: value})
        assert any(error["loc"][:1] == (name,) for error in refused.value.errors()), (
            f"{model.__name__}.{name} accepted {value}"
        )


def test_the_contract_states_the_years_the_validation_takes():
    """openapi.json's pattern and the validators agree on every year (schemathesis generates
    from the pattern and flags a schema-valid request that is refused)."""
    from pydantic import TypeAdapter

    from api.schemas.base import PeriodDay

    for annotation, suffix in ((Timestamp, "-06-15T12:00:00+00:00"), (PeriodDay, "-06-15")):
        adapter = TypeAdapter(annotation)
        pattern = re.compile(adapter.json_schema()["pattern"])
        for year in range(1, 10000):
            text = f"{year:04d}{suffix}"
            try:
                adapter.validate_python(text)
                accepted = True
            except ValidationError:
                accepted = False
            assert accepted == bool(pattern.search(text)), text


def test_timestamps_are_normalised_to_utc():
    from pydantic import TypeAdapter

    adapter = TypeAdapter(Timestamp)
    moment = adapter.validate_python("2026-12-02T09:00:00+09:00")
    assert moment == datetime(2026, 12, 2, 0, 0, tzinfo=UTC) and moment.tzinfo is UTC
    for value in OUT_OF_RANGE:
        with pytest.raises(ValidationError):
            adapter.validate_python(value)


# --- the same through HTTP -------------------------------------------------------------------


@pytest.mark.parametrize("value", OUT_OF_RANGE)
async def test_out_of_range_times_in_queries_and_bodies_are_422(client, value):
    admin = await register(client)
    project = await new_project(client, admin)
    mm_session = await new_session(client, project["id"], admin)

    queries = [
        f"{API}/projects",
        f"{API}/sessions",
    ]
    for path in queries:
        r = await client.get(path, headers=admin.headers, params={"updated_since": value})
        problem = assert_problem(r, 422)
        assert [e["loc"] for e in problem["errors"]] == [["query", "updated_since"]], path

    bodies = [
        (
            "POST",
            f"{API}/projects/{project['id']}/sessions",
            {"purpose": "approach", "title": "Edge", "scheduled_at": value},
            "scheduled_at",
        ),
        ("PATCH", f"{API}/sessions/{mm_session['id']}", {"scheduled_at": value}, "scheduled_at"),
        (
            "POST",
            f"{API}/api-keys",
            {"name": "edge", "scopes": ["ledger:read"], "expires_at": value},
            "expires_at",
        ),
    ]
    for method, path, body, field in bodies:
        r = await client.request(method, path, headers=admin.headers, json=body)
        problem = assert_problem(r, 422)
        assert [e["loc"] for e in problem["errors"]] == [["body", field]], (path, problem)

    # A period's days (dates, not times) become instants in the organization's zone: the
    # calendar's last day overflowed there too.
    for path in (f"{API}/ledger", f"{API}/users/{admin.id}/ledger"):
        for params in ({"until": "9999-12-31"}, {"since": "0001-01-01", "until": "0001-01-31"}):
            r = await client.get(path, headers=admin.headers, params=params)
            problem = assert_problem(r, 422)
            assert problem["errors"][0]["loc"][0] == "query", (path, problem)
        for params in (
            {"since": "9998-12-01", "until": "9998-12-31"},
            {"since": "0002-01-01", "until": "0002-01-31"},
        ):
            r = await client.get(path, headers=admin.headers, params=params)
            assert r.status_code == 200, (path, params, r.text)

    # Nothing was written, and the session kept its time.
    again = await client.get(f"{API}/sessions/{mm_session['id']}", headers=admin.headers)
    assert again.json()["scheduled_at"] == mm_session["scheduled_at"]
    listed = await client.get(f"{API}/api-keys", headers=admin.headers)
    assert listed.json()["items"] == []
