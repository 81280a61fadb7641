"""The committed openapi.json is what the app serves, and it keeps the house rules: stable
operation ids for generated clients, problem documents for every error."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from api.config import Settings
from api.errors import PROBLEM_MEDIA_TYPE
from api.main import create_app
from tests.conftest import REPO_ROOT, TEST_SECRET_KEY

OPENAPI_PATH = REPO_ROOT / "openapi.json"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


@pytest.fixture(scope="module")
def served_app() -> FastAPI:
    # The contract does not depend on the database: an app that never connects serves it.
    return create_app(
        Settings(
            environment="test",
            secret_key=TEST_SECRET_KEY,
            database_url="sqlite+aiosqlite://",
            _env_file=None,
        )
    )


@pytest.fixture(scope="module")
def served(served_app: FastAPI) -> dict[str, Any]:
    return served_app.openapi()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


async def test_committed_openapi_json_is_what_the_app_serves(client) -> None:
    assert OPENAPI_PATH.exists(), "openapi.json is missing: run `python scripts/export_openapi.py`"
    committed = json.loads(OPENAPI_PATH.read_text())
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    assert committed == response.json(), (
        "openapi.json is stale: the API changed. "
        "Run `python scripts/export_openapi.py` and commit the result."
    )


def test_operation_ids_are_tag_dash_function_and_unique(
    served: dict[str, Any], served_app: FastAPI
) -> None:
    operations = _operations(served)
    assert operations
    ids = [operation.get("operationId") for _, _, operation in operations]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"operationIds used more than once: {duplicates}"
    for method, path, operation in operations:
        assert re.fullmatch(r"[a-z][a-z0-9_-]*-[a-z_][a-z0-9_]*", operation["operationId"]), (
            f"{method} {path}: operationId {operation['operationId']!r} is not <tag>-<function>"
        )
    # ...and each one is its route's first tag and endpoint function, as generated clients
    # name their methods after it.
    expected = {
        (method, context.path_format): f"{(context.tags or ['<untagged>'])[0]}-"
        f"{context.endpoint.__name__}"
        for context in iter_route_contexts(served_app.routes)
        if isinstance(context.original_route, APIRoute) and context.include_in_schema
        for method in context.methods
    }
    actual = {(method, path): operation["operationId"] for method, path, operation in operations}
    assert actual == expected


def test_every_error_response_is_a_problem_document(served: dict[str, Any]) -> None:
    wrong = [
        f"{method} {path} {status}: {sorted(response.get('content', {}))}"
        for method, path, operation in _operations(served)
        for status, response in operation["responses"].items()
        if status[0] in "45" and set(response.get("content", {})) != {PROBLEM_MEDIA_TYPE}
    ]
    assert not wrong, f"error responses not documented as {PROBLEM_MEDIA_TYPE}: {wrong}"
    problems = [
        response["content"][PROBLEM_MEDIA_TYPE]["schema"]["$ref"]
        for _, _, operation in _operations(served)
        for status, response in operation["responses"].items()
        if status[0] in "45"
    ]
    assert set(problems) <= {
        "#/components/schemas/Problem",
        "#/components/schemas/ValidationProblem",
    }


def test_operations_that_read_a_body_document_400(served: dict[str, Any]) -> None:
    """FastAPI answers 400 to a body it cannot decode; the contract must say so."""
    missing = [
        f"{method} {path}"
        for method, path, operation in _operations(served)
        if "requestBody" in operation and "400" not in operation["responses"]
    ]
    assert not missing
