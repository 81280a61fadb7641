"""A contract third parties can generate clients from (api/openapi.py).

``openapi.json`` is a valid OpenAPI 3.1 document (openapi-spec-validator); a Python client
generated from it by openapi-python-client signs up, creates with an Idempotency-Key and
reads a problem against the app; API keys are declared exactly where a key may call; the
response headers a client acts on are declared; every operation says what it does; every
JSON request body carries an example that the request model accepts.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from openapi_spec_validator import validate
from pydantic import BaseModel

from api.openapi import API_KEY_SCHEME
from api.services.api_keys import required_scope
from tests.conftest import REPO_ROOT
from tests.factories import API, register
from tests.test_openapi import OPENAPI_PATH, _operations, served, served_app  # noqa: F401
from tests.test_route_auth import PATH_PARAM, api_routes

GENERATOR = Path(sys.executable).with_name("openapi-python-client")


def _documented(path: str) -> str:
    return PATH_PARAM.sub(lambda match: "{" + match.group(1) + "}", path)


def test_the_document_is_valid_openapi() -> None:
    validate(json.loads(OPENAPI_PATH.read_text()))


def test_the_api_key_scheme_is_offered_exactly_where_a_key_may_call(
    served_app: FastAPI,  # noqa: F811
    served: dict[str, Any],  # noqa: F811
) -> None:
    assert served["components"]["securitySchemes"][API_KEY_SCHEME]["scheme"] == "bearer"
    offered = 0
    for route in api_routes(served_app):
        if _documented(route.path) not in served["paths"]:
            continue  # /metrics: outside the contract (include_in_schema=False)
        for method in route.methods:
            operation = served["paths"][_documented(route.path)][method.lower()]
            scope = required_scope(method, route.dependant)
            schemes = [name for option in operation.get("security", []) for name in option]
            if scope is None:
                assert API_KEY_SCHEME not in schemes, (method, route.path)
                assert "x-api-key-scope" not in operation, (method, route.path)
            else:
                assert API_KEY_SCHEME in schemes, (method, route.path)
                assert operation["x-api-key-scope"] == scope, (method, route.path)
                offered += 1
    assert offered >= 40
    outcomes = served["paths"][f"{API}/sessions/{{session_id}}/outcome"]["get"]
    assert outcomes["x-api-key-scope"] == "sessions:read"
    assert "x-api-key-scope" not in served["paths"][f"{API}/users"]["post"]


def test_the_headers_a_client_acts_on_are_declared(served: dict[str, Any]) -> None:  # noqa: F811
    headers = served["components"]["headers"]
    assert set(headers) >= {"RetryAfter", "IdempotentReplayed", "ETag"}
    idempotent = 0
    for method, path, operation in _operations(served):
        for status, response in operation["responses"].items():
            if status in ("429", "503"):
                assert "Retry-After" in response.get("headers", {}), (method, path, status)
        if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", [])):
            created = operation["responses"]["201"]
            assert "Idempotent-Replayed" in created["headers"], (method, path)
            idempotent += 1
    assert idempotent >= 8
    for path in ("/clients/{client_id}", "/projects/{project_id}", "/sessions/{session_id}"):
        for method in ("get", "patch"):
            answer = served["paths"][API + path][method]["responses"]["200"]
            assert "ETag" in answer["headers"], (method, path)


def test_every_operation_says_what_it_does(served: dict[str, Any]) -> None:  # noqa: F811
    silent = [
        f"{m} {p}" for m, p, operation in _operations(served) if not operation.get("description")
    ]
    assert silent == [], "give these route functions a docstring"


def _body_models(app: FastAPI) -> dict[str, type[BaseModel]]:
    models: dict[str, type[BaseModel]] = {}
    for route in api_routes(app):
        for field in route.dependant.body_params:
            annotation = field.field_info.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                models[f"{sorted(route.methods)} {route.path}"] = annotation
    return models


def test_every_json_body_has_an_example_its_model_accepts(
    served_app: FastAPI,  # noqa: F811
    served: dict[str, Any],  # noqa: F811
) -> None:
    models = _body_models(served_app)
    assert len(models) >= 25
    missing = []
    for where, model in models.items():
        examples = model.model_json_schema().get("examples") or []
        if not examples:
            missing.append(f"{where} ({model.__name__})")
        for example in examples:
            model.model_validate(example)  # an example that does not validate is a lie
        component = served["components"]["schemas"].get(model.__name__) or served["components"][
            "schemas"
        ].get(f"{model.__name__}-Input", {})
        assert component.get("examples") == examples or not examples, model.__name__
    assert missing == [], "give these request models json_schema_extra examples"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The client an integrator would generate: openapi-python-client over openapi.json."""
    out = tmp_path_factory.mktemp("generated") / "mastermind_client"
    environment = os.environ | {"PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(  # noqa: S603 - the generator installed with the dev extras
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(OPENAPI_PATH),
            "--meta",
            "none",
            "--output-path",
            str(out),
        ],
        check=True,
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
    )
    sys.path.insert(0, str(out.parent))
    try:
        yield importlib.import_module("mastermind_client")
    finally:
        sys.path.remove(str(out.parent))
        for name in [m for m in sys.modules if m.split(".")[0] == "mastermind_client"]:
            del sys.modules[name]


async def test_a_generated_client_works_against_the_app(generated: Any, app, client) -> None:
    register_op = importlib.import_module("mastermind_client.api.auth.auth_register")
    create_op = importlib.import_module("mastermind_client.api.clients.clients_create_client")
    get_op = importlib.import_module("mastermind_client.api.clients.clients_get_client")
    models = importlib.import_module("mastermind_client.models")
    transport = httpx.ASGITransport(app=app)
    base = "http://testserver"

    anonymous = generated.Client(base_url=base, httpx_args={"transport": transport})
    email = f"gen-{uuid.uuid4().hex[:8]}@example.com"
    signed_up = await register_op.asyncio_detailed(
        client=anonymous,
        body=models.RegisterRequest(
            email=email,
            full_name="Gene Rated",
            organization_name="Generated Co",
            password="a long enough password",
        ),
    )
    assert signed_up.status_code == 201, signed_up.content
    token = signed_up.parsed.tokens.access_token

    api = generated.AuthenticatedClient(
        base_url=base, token=token, httpx_args={"transport": transport}
    )
    key = str(uuid.uuid4())
    body = models.ClientCreate(name="Northwind Traders", industry="Logistics")
    first = await create_op.asyncio_detailed(client=api, body=body, idempotency_key=key)
    again = await create_op.asyncio_detailed(client=api, body=body, idempotency_key=key)
    assert first.status_code == again.status_code == 201
    assert isinstance(first.parsed, models.ClientRead)
    assert again.parsed.id == first.parsed.id
    assert again.headers.get("Idempotent-Replayed") == "true"

    read = await get_op.asyncio_detailed(client=api, client_id=first.parsed.id)
    assert read.parsed.name == "Northwind Traders" and read.headers["ETag"]
    rival = await register(client, organization_name="Rival")
    foreign = generated.AuthenticatedClient(
        base_url=base, token=rival.access_token, httpx_args={"transport": transport}
    )
    missing = await get_op.asyncio_detailed(client=foreign, client_id=first.parsed.id)
    assert missing.status_code == 404
    assert isinstance(missing.parsed, models.Problem)
    assert missing.parsed.type_.startswith("urn:")
