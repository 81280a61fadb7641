"""Base classes of request and response models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """Request bodies: unknown fields are refused, so nothing can be smuggled in.

    Numbers and flags use ``StrictInt`` / ``StrictBool`` (``false`` is not an integer,
    ``"yes"`` is not a flag); model-wide strict mode would refuse UUIDs and dates sent as
    JSON strings, because FastAPI validates the decoded Python objects.
    """

    model_config = ConfigDict(extra="forbid")


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)
