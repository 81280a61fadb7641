"""Every route needs a signed-in caller unless it is on a short, explicit allowlist: checked
on the dependency tree of each route, and by calling each one anonymously."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from api.deps import CurrentCaller, current_caller
from api.main import create_app
from tests.factories import PROBLEM

# Public on purpose. Adding a path here is a security decision: say why in the review.
# (FastAPI's /docs, /redoc and /openapi.json are plain Starlette routes, not APIRoutes.)
PUBLIC_ROUTES = frozenset(
    {
        "/healthz",
        "/readyz",
        "/api/v1/auth/register",
        "/api/v1/auth/token",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        # CRM webhooks carry no JWT: each request is verified by its provider's signature or
        # HTTP Basic credentials on the raw body (api/services/crm_hooks/verify.py, tests/routers/test_crm_hooks.py).
        "/api/v1/hooks/crm/{connection_id}",
        # Prometheus, not a person: guarded by METRICS_TOKEN instead (404 without one
        # configured, 401 without the right one; tests/test_metrics.py proves both).
        "/metrics",
        # A calendar app polls it unattended: the URL's secret token is the credential
        # (stored only as its hash; tests/routers/test_calendar_feed.py proves revocation).
        "/api/v1/calendar/feed/{token}.ics",
    }
)
PATH_PARAM = re.compile(r"{([^}:]+)(?::[^}]+)?}")


@dataclass(frozen=True)
class Endpoint:
    path: str
    methods: frozenset[str]
    dependant: Dependant

    def __str__(self) -> str:
        return f"{','.join(sorted(self.methods))} {self.path}"


def api_routes(app) -> list[Endpoint]:
    """Every APIRoute as served: full path, and the dependant including router dependencies.

    Recent FastAPI keeps included routers as lazy ``_IncludedRouter`` entries in
    ``app.routes``; ``iter_route_contexts`` flattens them the way requests are matched.
    """
    iter_route_contexts = getattr(routing, "iter_route_contexts", None)
    if iter_route_contexts is None:  # older FastAPI: app.routes is already flat
        return [
            Endpoint(route.path, frozenset(route.methods), route.dependant)
            for route in app.routes
            if isinstance(route, APIRoute)
        ]
    return [
        Endpoint(context.path, frozenset(context.methods), context.dependant)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
    ]


def walk(dependant: Dependant) -> Iterator[Dependant]:
    for dependency in dependant.dependencies:
        yield dependency
        yield from walk(dependency)


def requires_caller(route: Endpoint) -> bool:
    return any(dependency.call is current_caller for dependency in walk(route.dependant))


def protected_routes(app) -> list[Endpoint]:
    return [route for route in api_routes(app) if route.path not in PUBLIC_ROUTES]


def concrete_path(route: Endpoint) -> str:
    return PATH_PARAM.sub(lambda _: str(uuid.uuid4()), route.path)


def test_the_allowlist_names_real_routes(app):
    paths = {route.path for route in api_routes(app)}
    assert paths >= PUBLIC_ROUTES, f"stale allowlist entries: {sorted(PUBLIC_ROUTES - paths)}"


def test_the_walk_finds_the_dependency_where_it_is(app):
    # Guards the guard: if the walk found nothing anywhere, the next test would pass vacuously.
    by_path = {route.path: route for route in api_routes(app)}
    assert requires_caller(by_path["/api/v1/users/me"])
    assert not requires_caller(by_path["/healthz"])
    assert not requires_caller(by_path["/api/v1/auth/token"])


async def needs_caller(caller: CurrentCaller) -> str:
    """A dependency that needs the caller: routes depending on it are guarded, one level down."""
    return str(caller.user_id)


async def test_the_check_flags_a_new_unguarded_route_and_sees_nested_guards(settings):
    fresh = create_app(settings)
    try:

        @fresh.get("/api/v1/test-only/leaky", tags=["test"])
        async def leaky() -> dict:
            return {}

        @fresh.get("/api/v1/test-only/nested", tags=["test"])
        async def nested(user_id: Annotated[str, Depends(needs_caller)]) -> dict:
            return {}

        by_path = {route.path: route for route in api_routes(fresh)}
        assert not requires_caller(by_path["/api/v1/test-only/leaky"])
        assert requires_caller(by_path["/api/v1/test-only/nested"])
        flagged = [str(r) for r in protected_routes(fresh) if not requires_caller(r)]
        assert flagged == ["GET /api/v1/test-only/leaky"]
    finally:
        await fresh.state.engine.dispose()


def test_every_route_outside_the_allowlist_depends_on_current_caller(app):
    routes = protected_routes(app)
    assert len(routes) >= 10, "the app lost its routes?"
    unguarded = sorted(str(route) for route in routes if not requires_caller(route))
    assert unguarded == [], f"routes without api.deps.current_caller: {unguarded}"


async def test_every_route_outside_the_allowlist_answers_401_anonymously(app, client):
    called = 0
    for route in protected_routes(app):
        path = concrete_path(route)
        for method in sorted(route.methods):
            kwargs = {"json": {}} if method in {"POST", "PUT", "PATCH"} else {}
            response = await client.request(method, path, **kwargs)
            where = f"{method} {route.path}"
            assert response.status_code == 401, (where, response.status_code, response.text)
            assert response.headers["content-type"] == PROBLEM, where
            assert response.headers["www-authenticate"] == "Bearer", where
            body = response.json()
            assert body["status"] == 401, where
            assert body["instance"] == path, where
            called += 1
    assert called >= 10


async def test_a_token_that_is_not_a_valid_access_token_is_401_everywhere(app, client):
    bad = {"Authorization": "Bearer not.a.jwt"}
    for route in protected_routes(app):
        path = concrete_path(route)
        for method in sorted(route.methods):
            response = await client.request(method, path, headers=bad)
            assert response.status_code == 401, (method, route.path, response.text)
