"""The deployment files (docker-compose.yml, Dockerfiles, nginx.conf, .env.example), checked
without a Docker engine: the compose file against the Compose Specification JSON schema
(vendored in tests/data), then the properties the README promises."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema_rs
import pytest
import yaml

from api.config import Settings
from tests.conftest import REPO_ROOT

COMPOSE = REPO_ROOT / "docker-compose.yml"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
SCHEMA = Path(__file__).parent / "data" / "compose-spec.json"
# ${NAME}, ${NAME:-default}, ${NAME:?error}; $$ is an escaped dollar for the container.
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")
SECRET_NAMES = ("SECRET_KEY", "POSTGRES_PASSWORD", "METRICS_TOKEN")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def env_example() -> dict[str, str]:
    entries = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            entries[name.strip()] = value.strip()
    return entries


def schema_errors(document: dict) -> list[str]:
    validator = jsonschema_rs.validator_for(json.loads(SCHEMA.read_text()))
    return [
        f"{list(error.instance_path)}: {error.message}" for error in validator.iter_errors(document)
    ]


def test_the_compose_file_follows_the_compose_specification(compose):
    assert schema_errors(compose) == []


def test_the_schema_check_rejects_what_compose_would_reject(compose):
    # Guards the guard: a typo'd key and a wrong condition must fail the same check.
    broken = json.loads(json.dumps(compose))
    broken["services"]["api"]["depends_on"]["migrate"]["condition"] = "service_done"
    broken["services"]["worker"]["healtcheck"] = {"test": "true"}
    errors = schema_errors(broken)
    assert any("service_done" in error for error in errors), errors
    assert any("healtcheck" in error for error in errors), errors


def test_the_four_services_and_the_one_shot_migration_are_there(services):
    assert {"postgres", "migrate", "api", "worker", "frontend"} <= set(services)
    assert services["migrate"]["command"] == ["mastermind", "migrate"]
    assert services["migrate"]["restart"] == "no"
    assert services["worker"]["command"] == ["mastermind", "worker"]
    for name in ("migrate", "api", "worker"):
        assert services[name]["build"]["context"] == "."
        assert services[name]["image"] == services["api"]["image"]
    assert services["frontend"]["build"]["context"] == "./frontend"


def test_postgres_keeps_its_data_in_a_volume_and_reports_health(compose, services):
    postgres = services["postgres"]
    volume, _, target = postgres["volumes"][0].partition(":")
    assert volume in compose["volumes"]
    assert target == "/var/lib/postgresql/data"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_nothing_starts_before_the_schema_is_migrated(services):
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("api", "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["postgres"]["condition"] == "service_healthy", name
    assert services["frontend"]["depends_on"]["api"]["condition"] == "service_healthy"


def test_the_api_scales_out_no_fixed_host_port_and_a_health_check(services):
    api = services["api"]
    assert "ports" not in api, "a published port breaks `docker compose up --scale api=3`"
    assert "container_name" not in api
    assert "8000" in [str(port) for port in api["expose"]]
    assert "/readyz" in " ".join(api["healthcheck"]["test"])
    # Longer than uvicorn's graceful timeout (20 s in the Dockerfile), so draining finishes.
    assert int(api["stop_grace_period"].rstrip("s")) > 20
    assert "WEB_CONCURRENCY" in api["environment"]
    assert services["frontend"]["ports"], "the proxy is the one published entry point"


def test_production_mode_and_no_secret_has_a_default(services):
    for name in ("migrate", "api", "worker"):
        environment = services[name]["environment"]
        assert environment["ENVIRONMENT"] == "production", name
        assert environment["SECRET_KEY"] == "${SECRET_KEY:?set SECRET_KEY}", name
        assert "${POSTGRES_PASSWORD:?" in environment["DATABASE_URL"], name
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith(
        "${POSTGRES_PASSWORD:?"
    )
    text = COMPOSE.read_text()
    for match in INTERPOLATION.finditer(text):
        name, operator, default = match.groups()
        if name in SECRET_NAMES and operator in (":-", "-"):
            assert default == "", f"{name} has a default in docker-compose.yml: {default!r}"
    # No literal credentials anywhere: every password/key/token value is interpolated.
    for service in services.values():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|SECRET|TOKEN|KEY", key):
                assert str(value).startswith("${"), f"{key} is a literal: {value!r}"
    assert "postgres:postgres@" not in text


def test_production_settings_refuse_to_start_without_a_secret_key():
    with pytest.raises(ValueError, match="SECRET_KEY is required"):
        Settings(environment="production", secret_key=None, _env_file=None)


def test_every_variable_in_compose_is_documented_in_env_example():
    used = {match.group(1) for match in INTERPOLATION.finditer(COMPOSE.read_text())}
    documented = env_example()
    assert used, "the compose file reads no variables?"
    assert sorted(used - set(documented)) == []
    for name in SECRET_NAMES:
        assert documented.get(name) == "", f".env.example ships a value for {name}"


def test_the_api_dockerfile_runs_uvicorn_as_a_non_root_user():
    text = (REPO_ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim", text, re.M)
    assert re.search(r"^RUN pip install \.", text, re.M)
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*\n?.*healthz", text, re.M)
    command = re.search(r"^CMD \[(.*?)\]$", text, re.M | re.S)
    assert command and "uvicorn" in command.group(1) and "api.main:app" in command.group(1)
    assert "--timeout-graceful-shutdown" in command.group(1)
    # uvicorn would otherwise rewrite the client from X-Forwarded-For for 127.0.0.1; the app
    # alone decides (TRUST_FORWARDED_FOR), tests/test_forwarded_for.py.
    assert "--no-proxy-headers" in command.group(1)
    # alembic.ini and the migrations ship with the image: `mastermind migrate` needs them.
    assert re.search(r"^COPY alembic\.ini", text, re.M)
    assert re.search(r"^COPY alembic ", text, re.M)
    ignored = (REPO_ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", ".mastermind_secret_key", "*.db"} <= set(ignored)


def test_the_frontend_dockerfile_builds_with_node_and_serves_with_nginx():
    text = (REPO_ROOT / "frontend" / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)(?: AS (\S+))?", text, re.M)
    assert len(stages) >= 2, "multi-stage: a Node build, then nginx"
    assert stages[0][0].startswith("node:")
    assert "nginx" in stages[-1][0]
    assert "npm ci" in text and "npm run build" in text
    assert re.search(r"^COPY --from=\S+ /src/dist /usr/share/nginx/html", text, re.M)
    assert re.search(r"^COPY nginx\.conf /etc/nginx/conf\.d/default\.conf", text, re.M)


def nginx_locations(text: str) -> dict[str, str]:
    """`location <match> { ... }` blocks (no nesting in our file), by their match."""
    return {
        match.group(1).strip(): match.group(2)
        for match in re.finditer(r"location\s+([^{]+)\{([^}]*)\}", text)
    }


def test_nginx_proxies_the_api_and_keeps_live_streams_flowing():
    text = (REPO_ROOT / "frontend" / "nginx.conf").read_text()
    locations = nginx_locations(text)
    api = locations["/api/"]
    assert "proxy_pass $api_upstream;" in api
    assert re.search(r"set \$api_upstream http://api:8000;", text)
    assert "resolver 127.0.0.11" in text, "re-resolve `api` so scaled replicas are found"
    assert "proxy_buffering off;" in api
    timeout = re.search(r"proxy_read_timeout (\d+)([smh]);", api)
    assert timeout
    seconds = int(timeout.group(1)) * {"s": 1, "m": 60, "h": 3600}[timeout.group(2)]
    assert seconds >= 600, "a quiet SSE stream would be cut"
    assert "proxy_http_version 1.1;" in api
    health = next(body for match, body in locations.items() if "healthz" in match)
    assert "proxy_pass $api_upstream;" in health
    assert "try_files $uri $uri/ /index.html;" in locations["/"]
    # The listen port matches the one compose publishes and the healthcheck probes.
    assert re.search(r"listen 8080;", text)
