"""Route matching through ``PrefixGate`` (api/main.py): a router's gate passes every path its
routes can match, wrong methods still get 405, and other paths go on to the next router."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, FastAPI

from api.main import PrefixGate
from api.routers import projects, sessions


def test_the_gate_is_the_literal_start_every_route_of_the_router_shares():
    assert PrefixGate(projects.router).path_start == "/api/v1/projects"
    # Sessions' routes start at /api/v1/sessions and at /api/v1/projects/{id}/sessions.
    assert PrefixGate(sessions.router).path_start == "/api/v1/"


async def test_paths_through_gates_reach_their_routes_and_only_theirs():
    first, second = APIRouter(prefix="/things"), APIRouter()

    @first.get("/{thing_id}/parts")
    async def parts(thing_id: str) -> dict:
        return {"router": "first", "thing": thing_id}

    @first.get("")
    async def things() -> dict:
        return {"router": "first"}

    @second.get("/things-elsewhere")
    async def elsewhere() -> dict:
        return {"router": "second"}

    @second.get("/{anything}")
    async def anything(anything: str) -> dict:
        return {"router": "second", "anything": anything}

    app = FastAPI()
    app.include_router(PrefixGate(first))
    app.include_router(PrefixGate(second))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        assert (await http.get("/things/7/parts")).json() == {"router": "first", "thing": "7"}
        assert (await http.get("/things")).json() == {"router": "first"}
        # Starts like the first router's paths but is none of them: on to the second.
        assert (await http.get("/things-elsewhere")).json() == {"router": "second"}
        assert (await http.get("/other")).json() == {"router": "second", "anything": "other"}
        refused = await http.post("/things")
        assert refused.status_code == 405
        assert refused.headers["allow"] == "GET"


async def test_a_wrong_method_on_a_gated_api_route_is_still_405(client):
    response = await client.put("/api/v1/projects")
    assert response.status_code == 405
    assert "GET" in response.headers["allow"]
