"""The audit log: one row per create, update, delete or state transition."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import insert as sa_insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.kit.principal import Caller
from api.models import AuditEvent
from api.models.base import table_of


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # UUIDs, dates, decimals, enums


@dataclass(frozen=True, slots=True)
class SystemActor:
    """A change nobody signed in made (a CRM's webhook): its rows name no person."""

    organization_id: uuid.UUID
    user_id: None = None
    api_key_id: None = None


def _row(
    caller: Caller | SystemActor,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID,
    changes: dict[str, Any] | None,
) -> AuditEvent:
    return AuditEvent(
        organization_id=caller.organization_id,
        actor_id=caller.user_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        # What an API key did is told apart from what its admin did by hand.
        changes=_jsonable(
            {**(changes or {}), "via_api_key": caller.api_key_id}
            if caller.api_key_id is not None
            else changes or {}
        ),
    )


def record(
    session: AsyncSession,
    *,
    caller: Caller | SystemActor,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID,
    changes: dict[str, Any] | None = None,
) -> None:
    """Add an audit row, in the caller's organization, to the current transaction (it commits
    or rolls back with the change). Every audit row is written here or by ``INSERT`` with ``prepared``'s values."""
    session.add(_row(caller, action, entity_type, entity_id, changes))


_AUDIT = table_of(AuditEvent)
# Built once; its values are bind parameters named ``audit_<column>`` (never a column's own
# name: SQLAlchemy would take such a key for a column to set).
INSERT = sa_insert(_AUDIT).values(
    {c.name: bindparam(f"audit_{c.name}", type_=c.type) for c in _AUDIT.columns}
)


def prepared(
    *,
    caller: Caller | SystemActor,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID,
    changes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The same row as ``record``, as the values of ``INSERT``: for a write path that sends
    its statements together (``events.Writes``) in the change's transaction."""
    row = _row(caller, action, entity_type, entity_id, changes)
    return {f"audit_{c.name}": getattr(row, c.name) for c in _AUDIT.columns}
