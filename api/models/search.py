"""Keeping a table's folded search columns in step with their sources on every ORM write.

A model with ``search_text`` (and ``search_grams``) registers here which of its columns the
text is folded from (api/kit/folding.py). ORM inserts and updates refill the columns before
the row is written; Core inserts get them from the columns' own defaults (the models), and
bulk Core updates that change a source call ``fold_columns`` themselves
(services/imports.py). tests/services/test_folding.py checks every write path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import event
from sqlmodel import SQLModel

from api.kit.folding import fold_columns

_SEARCHABLE: dict[type[SQLModel], tuple[Sequence[str], bool]] = {}


def refolded(model: type[SQLModel], row: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """The search columns a Core UPDATE of ``row`` with ``changes`` must also set: none
    when ``model`` has no search text or no source changes."""
    if model not in _SEARCHABLE:
        return {}
    sources, with_grams = _SEARCHABLE[model]
    if not any(name in changes for name in sources):
        return {}
    values = {name: changes.get(name, getattr(row, name)) for name in sources}
    return fold_columns(values, sources, with_grams=with_grams)


def folded_on_write(model: type[SQLModel], sources: Sequence[str], *, with_grams: bool) -> None:
    """Fold ``model``'s ``sources`` into its search columns before each ORM insert or update."""
    _SEARCHABLE[model] = (tuple(sources), with_grams)

    def refill(_mapper: Any, _connection: Any, target: Any) -> None:
        values = {name: getattr(target, name) for name in sources}
        for column, value in fold_columns(values, sources, with_grams=with_grams).items():
            if getattr(target, column) != value:
                setattr(target, column, value)

    event.listen(model, "before_insert", refill)
    event.listen(model, "before_update", refill)
