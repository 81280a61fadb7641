"""The text patterns published in openapi.json mean the same to every engine that reads them.

Schemathesis generates request data from the patterns with its own regex engine, pydantic
validates with another, and services trim with ``str.strip()``: a character one of them
calls blank and another does not turns valid data into a 422 (or the reverse)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pydantic import BaseModel, Field, ValidationError

from api.schemas.base import NO_NUL, NOT_BLANK

OPENAPI = Path(__file__).resolve().parent.parent / "openapi.json"


class _Required(BaseModel):
    text: str = Field(pattern=NOT_BLANK)


class _Stored(BaseModel):
    text: str = Field(pattern=NO_NUL)


def _pydantic_accepts(model: type[BaseModel], text: str) -> bool:
    try:
        model(text=text)
    except ValidationError:
        return False
    return True


def test_not_blank_agrees_with_str_isspace_for_every_character_up_to_u3100() -> None:
    disagreements = []
    for code_point in range(1, 0x3100):
        character = chr(code_point)
        expected = not character.isspace()
        by_python = re.match(NOT_BLANK, character) is not None
        by_pydantic = _pydantic_accepts(_Required, character)
        if by_python != expected or by_pydantic != expected:
            disagreements.append(hex(code_point))
    assert disagreements == []


@pytest.mark.parametrize("text", ["", " ", "\x85", "\u3000 \t", "a\x00b"])
def test_blank_or_nul_text_is_refused(text: str) -> None:
    assert not _pydantic_accepts(_Required, text)


@pytest.mark.parametrize("text", ["a", " a ", "a\x85", "Zoë\u3000"])
def test_text_with_a_visible_character_is_accepted(text: str) -> None:
    assert _pydantic_accepts(_Required, text)
    assert _pydantic_accepts(_Stored, text)


def test_nul_is_never_stored() -> None:
    assert not _pydantic_accepts(_Stored, "a\x00")
    assert _pydantic_accepts(_Stored, "")


def test_every_free_text_query_or_path_parameter_refuses_nul() -> None:
    """PostgreSQL text cannot hold NUL, so such a value reaching a query is a 422; the
    published schema must say so, or a client generated from it (and schemathesis) sends it
    as valid. Cursors are opaque: decoded, never compared as text."""
    spec = json.loads(OPENAPI.read_text())
    unguarded = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] not in ("query", "path") or parameter["name"] == "cursor":
                    continue
                for schema in parameter["schema"].get("anyOf", [parameter["schema"]]):
                    free_text = schema.get("type") == "string" and not any(
                        key in schema for key in ("enum", "const", "format", "pattern")
                    )
                    if free_text:
                        unguarded.append(f"{method.upper()} {path} {parameter['name']}")
    assert unguarded == [], "declare pattern=NO_NUL (api/schemas/base.py) on these"
