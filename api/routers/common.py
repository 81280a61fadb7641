"""HTTP helpers the resource routers share: replayed creates and ETags."""

from __future__ import annotations

from fastapi import Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.services.idempotency import StoredResponse
from api.services.versioning import Versioned, version_tag


def created(result: BaseModel | StoredResponse) -> BaseModel | JSONResponse:
    """The model on a first create; the stored first response on an Idempotency-Key replay."""
    if isinstance(result, StoredResponse):
        return JSONResponse(
            result.body, status_code=result.status_code, headers={"Idempotent-Replayed": "true"}
        )
    return result


def with_etag(response: Response, row: Versioned) -> None:
    response.headers["ETag"] = version_tag(row)
