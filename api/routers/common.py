"""HTTP helpers the resource routers share: replayed creates, ETags, fast pages, periods."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import orjson
from fastapi import Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.kit.idempotency import StoredResponse
from api.kit.periods import PeriodKind
from api.kit.versioning import Versioned, version_tag
from api.schemas.base import PeriodDay

# A reporting period (ledger, dashboard): a named current one, or the caller's own days.
PeriodQuery = Annotated[
    PeriodKind | None,
    Query(
        description="The current fiscal quarter, fiscal year, calendar quarter or month up to "
        "today, in the organization's time zone and fiscal calendar; not with since/until. "
        "Default, when no days are given either: fiscal_quarter",
    ),
]
Since = Annotated[
    PeriodDay | None,
    Query(description="First day (organization's time zone); default: start of the period"),
]
Until = Annotated[PeriodDay | None, Query(description="Last day, inclusive; default: today")]

# What a create route returns (its decorator's ``response_model`` gives the contract).
Created = BaseModel | JSONResponse


def created(result: BaseModel | StoredResponse) -> Created:
    """The model on a first create; the stored first response on an Idempotency-Key replay."""
    if isinstance(result, StoredResponse):
        return JSONResponse(
            result.body, status_code=result.status_code, headers={"Idempotent-Replayed": "true"}
        )
    return result


def with_etag(response: Response, row: Versioned) -> None:
    response.headers["ETag"] = version_tag(row)


def page_response(items: Sequence[dict[str, Any]], next_cursor: str | None) -> Response:
    """A list page serialized straight from typed database rows with orjson.

    For the busiest reads: the rows come from typed columns already (UUIDs, UTC datetimes,
    enums, decimals), so building and validating response models would only copy them.
    The route still declares its response model for the contract, and schemathesis checks
    these responses against it. Datetimes come out as pydantic writes them (``Z``).

    The only column values orjson leaves to ``default`` are UUIDs (asyncpg's subclass of
    ``uuid.UUID``) and decimals, and both are written as pydantic writes them: ``str``.
    The builtin itself, not a Python function: a page holds a few hundred UUIDs."""
    return Response(
        orjson.dumps(
            {"items": items, "next_cursor": next_cursor},
            default=str,
            option=orjson.OPT_UTC_Z,
        ),
        media_type="application/json",
    )
