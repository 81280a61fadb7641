"""Liveness and readiness probes, outside /api/v1 and unauthenticated (load balancers call them)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel

from api.errors import problem_responses
from api.kit.health import check_database

router = APIRouter(tags=["health"])


class HealthStatus(BaseModel):
    status: Literal["ok"] = "ok"


@router.get("/healthz", response_model=HealthStatus)
async def healthz() -> HealthStatus:
    """Liveness: the process answers. No database call; for a load balancer's health check."""
    return HealthStatus()


@router.get("/readyz", response_model=HealthStatus, responses=problem_responses(503))
async def readyz(request: Request) -> HealthStatus:
    """Readiness: the database answers a query; 503 with Retry-After when it does not."""
    await check_database(request.app.state.engine)
    return HealthStatus()
