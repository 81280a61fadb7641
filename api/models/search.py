"""Keeping a table's folded search columns in step with their sources on every ORM write.

A model with ``search_text`` (and ``search_grams``) registers here which of its columns the
text is folded from (api/kit/folding.py). ORM inserts and updates refill the columns before
the row is written; Core inserts get them from the columns' own defaults (the models), and
bulk Core updates that change a source call ``fold_columns`` themselves
(services/imports.py). tests/services/test_folding.py checks every write path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import event
from sqlmodel import SQLModel

from api.kit.folding import fold_columns

_SEARCHABLE: dict[type[SQLModel], tuple[Sequence[str], bool]] = {}
# Other columns derived from a row's values the same way (a project's topic words).
_DERIVED: dict[
    type[SQLModel], list[tuple[Sequence[str], Callable[[Mapping[str, Any]], dict[str, Any]]]]
] = {}


def refolded(model: type[SQLModel], row: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """The search columns a Core UPDATE of ``row`` with ``changes`` must also set: none
    when ``model`` has no search text or no source changes."""
    derived: dict[str, Any] = {}
    for sources, compute in _DERIVED.get(model, ()):
        if any(name in changes for name in sources):
            derived |= compute({name: changes.get(name, getattr(row, name)) for name in sources})
    if model not in _SEARCHABLE:
        return derived
    sources, with_grams = _SEARCHABLE[model]
    if not any(name in changes for name in sources):
        return derived
    values = {name: changes.get(name, getattr(row, name)) for name in sources}
    return fold_columns(values, sources, with_grams=with_grams) | derived


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


def derived_on_write(
    model: type[SQLModel],
    sources: Sequence[str],
    compute: Callable[[Mapping[str, Any]], dict[str, Any]],
) -> None:
    """Refill the columns ``compute`` derives from ``model``'s ``sources`` before each ORM
    insert or update (and in ``refolded`` for bulk updates)."""
    _DERIVED.setdefault(model, []).append((tuple(sources), compute))

    def refill(_mapper: Any, _connection: Any, target: Any) -> None:
        for column, value in compute({name: getattr(target, name) for name in sources}).items():
            if getattr(target, column) != value:
                setattr(target, column, value)

    event.listen(model, "before_insert", refill)
    event.listen(model, "before_update", refill)
