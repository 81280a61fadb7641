"""RFC 9457 problem documents, as every error response carries them."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Problem(BaseModel):
    type: str = Field(default="about:blank", description="URI reference naming the problem type")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = Field(default=None, description="The request path that failed")


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationProblem(Problem):
    errors: list[FieldError] = Field(default_factory=list)
