"""Base classes of request and response models."""

from __future__ import annotations

from pydantic import AfterValidator, BaseModel, ConfigDict

# Text that is stored. PostgreSQL cannot store U+0000, so no text may hold it (SQLite could,
# and both backends must agree). A required text must also hold a character that is not
# blank as ``str.strip()`` sees it. Written this way the patterns mean the same to pydantic's
# regex engine and to Python's ``re`` (which schemathesis generates from): openapi.json and
# the validation agree.
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = r"^[^\x00]*[^\s\x00\x1c-\x1f][^\x00]*$"


def _strip(value: str) -> str:
    return value.strip()


# Surrounding whitespace is trimmed after the limits were checked on what was sent
# (``StringConstraints(strip_whitespace=True)`` checks them after trimming, which the schema
# cannot say: 121 characters with a leading space would pass a 120 limit).
Trimmed = AfterValidator(_strip)


class RequestModel(BaseModel):
    """Request bodies: unknown fields are refused, so nothing can be smuggled in.

    Numbers and flags use ``StrictInt`` / ``StrictBool`` (``false`` is not an integer,
    ``"yes"`` is not a flag); model-wide strict mode would refuse UUIDs and dates sent as
    JSON strings, because FastAPI validates the decoded Python objects.
    """

    model_config = ConfigDict(extra="forbid")


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)
