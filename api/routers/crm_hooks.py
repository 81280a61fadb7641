"""Inbound CRM webhooks: public (no JWT), authenticated by each provider's signature or
credentials on the raw body, which is read under a size cap before anything else: before
the database is touched, so a sender trickling its body holds no pooled connection."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from api.deps import SecurityDep, SessionDep, SettingsDep
from api.errors import problem_responses
from api.routers import API_PREFIX
from api.schemas.crm_connections import HookAck
from api.services import crm_hooks as hook_service

router = APIRouter(prefix=f"{API_PREFIX}/hooks", tags=["hooks"])


async def _capped_body(request: Request, settings: SettingsDep) -> bytes:
    """The body, refusing (413) as soon as it is known to be too big: by its Content-Length
    before reading, else (chunked, no length) by counting as it arrives."""
    limit = settings.crm_hook_max_body_bytes
    declared = request.headers.get("content-length", "")
    # The length test first: int() refuses more than 4,300 digits.
    if declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
        raise hook_service.PayloadTooLarge(f"The body exceeds {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise hook_service.PayloadTooLarge(f"The body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


# Declared before the session, so it is resolved first: however slowly the body arrives, no
# database connection is checked out until it is all here (the session takes one only at
# its first statement, and nothing before the handler runs one).
CappedBody = Annotated[bytes, Depends(_capped_body)]


def _signed_uri(request: Request, base_url: str | None) -> str:
    """The URI the CRM called, as it signed it (behind a proxy: PUBLIC_BASE_URL + path)."""
    if base_url is None:
        return str(request.url)
    query = request.url.query
    return f"{base_url}{request.url.path}" + (f"?{query}" if query else "")


@router.post(
    "/crm/{connection_id}",
    response_model=HookAck,
    responses=problem_responses(401, 404, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The provider's own event body, verified on its raw bytes",
            "content": {"application/json": {"schema": {}}},
        }
    },
)
async def receive_crm_event(
    connection_id: uuid.UUID,
    request: Request,
    body: CappedBody,
    session: SessionDep,
    settings: SettingsDep,
    security: SecurityDep,
) -> HookAck:
    """One CRM delivery: each event in it is applied once; replays are acknowledged (200)
    and change nothing. A body that verifies but cannot be understood is 422 and kept."""
    hook = hook_service.RawHook(
        method=request.method,
        uri=_signed_uri(request, settings.public_base_url),
        headers={name.lower(): value for name, value in request.headers.items()},
        body=body,
    )
    connection = await hook_service.get_connection(session=session, connection_id=connection_id)
    events = await hook_service.receive(
        session=session, connection=connection, hook=hook, box=security.secret_box
    )
    return HookAck(events=events)
