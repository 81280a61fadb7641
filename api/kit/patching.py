"""The one PATCH rule, in one place: what a PATCH body asks to change, and applying it.

Every ``XUpdate`` is an ``UpdateModel`` (api/schemas/base.py) whose fields say, in
openapi.json too, what ``null`` means:

* ``field: X | MISSING = MISSING`` may be omitted (left as it is) but not cleared: ``null``
  is refused with 422 by validation, and the schema does not mark it nullable.
* ``field: X | None | MISSING = MISSING`` is nullable: ``null`` clears it.

So the changes are exactly the fields the body sent, ``null`` included where it validated;
services check them and apply them with ``apply_changes`` and never read ``model_dump``
themselves (tests/test_patch_rule.py walks every PATCH operation in openapi.json).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel


def requested_changes(data: BaseModel) -> dict[str, Any]:
    """The fields the body sent, by name, with their validated values."""
    return data.model_dump(exclude_unset=True)


def apply_changes(
    row: object, changes: Mapping[str, Any], *, except_for: Iterable[str] = ()
) -> None:
    """Set each changed field on the row, but those the service applies itself."""
    skipped = frozenset(except_for)
    for field, value in changes.items():
        if field not in skipped:
            setattr(row, field, value)
