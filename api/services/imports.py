"""CSV imports of clients and contacts (``mastermind import``): every row is validated
before anything is written, then rows are upserted in batches, so a re-run changes nothing.

Matching (what makes a re-run idempotent):
- a client by ``external_id`` (with ``external_source``, default ``csv``) when the row has
  one, else by name (case-insensitive) among the organization's clients;
- a contact by (client, email) when the row has an email, else by (client, name).
A matched row is updated where the file says something different; nothing is deleted.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationError, field_validator
from sqlalchemy import func, insert, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.models import BuyingRole, Client, ClientStatus, Contact, Organization, User, utcnow
from api.models.search import refolded
from api.schemas.base import NO_NUL, NOT_BLANK, Trimmed

BATCH_SIZE = 500
DEFAULT_EXTERNAL_SOURCE = "csv"

Name = Annotated[str, Field(min_length=1, max_length=200, pattern=NOT_BLANK), Trimmed]
Text = Annotated[str, Field(max_length=20_000, pattern=NO_NUL)]


# Short texts, by their limit (written out: a type built by a function call is opaque to
# the type checker).
Short40 = Annotated[str, Field(max_length=40, pattern=NO_NUL), Trimmed]
Short60 = Annotated[str, Field(max_length=60, pattern=NO_NUL), Trimmed]
Short120 = Annotated[str, Field(max_length=120, pattern=NO_NUL), Trimmed]
Short200 = Annotated[str, Field(max_length=200, pattern=NO_NUL), Trimmed]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_missing(cls, value: Any) -> Any:
        # A CSV cell cannot be absent, only empty: treat "" as "not given".
        return None if isinstance(value, str) and value.strip() == "" else value


class ClientRow(_Row):
    """One line of a clients CSV (the columns are the field names)."""

    name: Name
    industry: Short120 | None = None
    status: ClientStatus | None = None
    owner_email: EmailStr | None = None
    external_source: Short40 | None = None
    external_id: Short200 | None = None
    notes: Text | None = None


class ContactRow(_Row):
    """One line of a contacts CSV; the client is named by external id or by name."""

    client_external_id: Short200 | None = None
    client_external_source: Short40 | None = None
    client_name: Short200 | None = None
    name: Name
    title: Short200 | None = None
    email: EmailStr | None = None
    phone: Short60 | None = None
    buying_role: BuyingRole | None = None
    notes: Text | None = None


CLIENT_COLUMNS = tuple(ClientRow.model_fields)
CONTACT_COLUMNS = tuple(ContactRow.model_fields)

R = TypeVar("R", bound=_Row)


@dataclass(frozen=True)
class RowError:
    line: int  # 1 is the header
    column: str
    message: str


@dataclass
class ParsedRow(Generic[R]):
    line: int
    row: R


@dataclass
class ImportReport:
    """What an import found and did; ``errors`` non-empty means nothing was written."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False


class ImportRefused(Exception):
    """The import could not even start (no such organization or owner, unreadable file)."""


Progress = Callable[[int], None]  # rows handled so far


async def resolve_organization(session: AsyncSession, selector: str | None) -> Organization:
    """An organization by id or by exact name; without a selector, the only one there is."""
    if selector:
        try:
            by_id = await session.get(Organization, uuid.UUID(selector))
        except ValueError:
            by_id = None
        if by_id is not None:
            return by_id
        found = (
            await session.scalars(select(Organization).where(col(Organization.name) == selector))
        ).all()
        if len(found) == 1:
            return found[0]
        if found:
            raise ImportRefused(f"{len(found)} organizations are named {selector!r}: use the id")
        raise ImportRefused(f"No organization {selector!r}")
    found = (await session.scalars(select(Organization).limit(2))).all()
    if len(found) == 1:
        return found[0]
    raise ImportRefused(
        "Choose the organization with --organization (id or name)"
        if found
        else "There is no organization yet (mastermind create-admin)"
    )


def read_csv(path: Path, model: type[R]) -> tuple[list[ParsedRow[R]], list[RowError]]:
    """Parse and validate every row; errors carry the line number where the row starts."""
    columns = set(model.model_fields)
    rows: list[ParsedRow[R]] = []
    errors: list[RowError] = []
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ImportRefused(f"Cannot read {path}: {exc.strerror}") from exc
    with handle:
        reader = csv.DictReader(handle)
        try:
            header = [name.strip() for name in (reader.fieldnames or [])]
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ImportRefused(f"{path} is not a UTF-8 CSV file: {exc}") from exc
        reader.fieldnames = header
        unknown = [name for name in header if name not in columns]
        if unknown:
            errors.append(
                RowError(
                    1, ", ".join(unknown), f"unknown column; known: {', '.join(model.model_fields)}"
                )
            )
        required = [n for n, f in model.model_fields.items() if f.is_required()]
        missing = [name for name in required if name not in header]
        if missing:
            errors.append(RowError(1, ", ".join(missing), "required column missing"))
        if errors:
            return rows, errors
        start = reader.line_num + 1
        while True:
            try:
                raw = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as exc:
                errors.append(RowError(start, "", f"unreadable row: {exc}"))
                break
            line, start = start, reader.line_num + 1
            if None in raw:  # more cells than header columns
                errors.append(RowError(line, "", "more cells than the header has columns"))
                continue
            values = {key: value for key, value in raw.items() if value is not None}
            try:
                rows.append(ParsedRow(line, model.model_validate(values)))
            except ValidationError as exc:
                for error in exc.errors(include_input=False, include_url=False):
                    column = ".".join(str(part) for part in error["loc"]) or "?"
                    errors.append(RowError(line, column, error["msg"]))
    return rows, errors


# --- clients ---------------------------------------------------------------------------


def _client_key(row: ClientRow) -> tuple[str, str]:
    if row.external_id:
        return (
            "external",
            f"{row.external_source or DEFAULT_EXTERNAL_SOURCE}\x00{row.external_id}",
        )
    return ("name", row.name.casefold())


async def _owners_by_email(
    session: AsyncSession, organization_id: uuid.UUID, emails: Iterable[str]
) -> dict[str, uuid.UUID]:
    wanted = {email.lower() for email in emails}
    if not wanted:
        return {}
    rows = await session.execute(
        select(func.lower(User.email), col(User.id)).where(
            col(User.organization_id) == organization_id,
            col(User.is_active).is_(True),
            func.lower(User.email).in_(wanted),
        )
    )
    return {email: user_id for email, user_id in rows}


async def import_clients(
    session: AsyncSession,
    *,
    path: Path,
    organization: Organization,
    default_owner_email: str | None,
    dry_run: bool = False,
    on_progress: Progress = lambda _n: None,
) -> ImportReport:
    """Validate the whole file, then upsert its clients batch by batch (one transaction:
    the caller commits, or rolls back for a dry run)."""
    parsed, errors = read_csv(path, ClientRow)
    report = ImportReport(rows=len(parsed), dry_run=dry_run)
    emails = {row.row.owner_email for row in parsed if row.row.owner_email}
    if default_owner_email:
        emails.add(default_owner_email)
    owners = await _owners_by_email(session, organization.id, emails)
    if default_owner_email and default_owner_email.lower() not in owners:
        raise ImportRefused(f"--owner {default_owner_email}: no active user of {organization.name}")
    seen: dict[tuple[str, str], int] = {}
    for item in parsed:
        row = item.row
        email = (row.owner_email or default_owner_email or "").lower()
        if not email:
            errors.append(
                RowError(item.line, "owner_email", "no owner: fill it in or pass --owner")
            )
        elif email not in owners:
            errors.append(
                RowError(item.line, "owner_email", f"no active user {email} in this organization")
            )
        if row.external_source and not row.external_id:
            errors.append(RowError(item.line, "external_id", "external_source needs external_id"))
        key = _client_key(row)
        if key in seen:
            errors.append(
                RowError(
                    item.line,
                    key[0] if key[0] == "name" else "external_id",
                    f"the same client as line {seen[key]}",
                )
            )
        else:
            seen[key] = item.line
    if errors:
        report.errors = sorted(errors, key=lambda e: (e.line, e.column))
        return report

    names = await _client_names(session, organization.id)
    done = 0
    for start in range(0, len(parsed), BATCH_SIZE):
        batch = [item.row for item in parsed[start : start + BATCH_SIZE]]
        existing = await _existing_clients(session, organization.id, batch, names)
        new_rows: list[dict[str, Any]] = []
        now = utcnow()
        for row in batch:
            owner_id = owners[(row.owner_email or default_owner_email or "").lower()]
            values = {
                "owner_id": owner_id,
                "name": row.name,
                "industry": row.industry,
                "status": row.status,
                "notes": row.notes,
            }
            values = {k: v for k, v in values.items() if v is not None}
            current = existing.get(_client_key(row))
            if current is None:
                new_rows.append(
                    {
                        "id": uuid.uuid4(),
                        "organization_id": organization.id,
                        "industry": "",
                        "status": ClientStatus.prospect,
                        "notes": "",
                        **values,
                        "external_source": (row.external_source or DEFAULT_EXTERNAL_SOURCE)
                        if row.external_id
                        else None,
                        "external_id": row.external_id,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                continue
            await _update_changed(session, Client, current, values, now, report)
        await _insert_new(session, Client, new_rows, report)
        done += len(batch)
        on_progress(done)
    return report


async def _update_changed(
    session: AsyncSession,
    model: type[Client] | type[Contact],
    current: Any,
    values: dict[str, Any],
    now: datetime,
    report: ImportReport,
) -> None:
    """Write the file's values that differ from the stored row, and count the row as updated
    or unchanged: a re-run of the same file changes nothing."""
    changes = {key: value for key, value in values.items() if getattr(current, key) != value}
    if not changes:
        report.unchanged += 1
        return
    await session.execute(
        update(model)
        .where(model.id == current.id)
        .values(**changes, **refolded(model, current, changes), updated_at=now)
    )
    report.updated += 1


async def _insert_new(
    session: AsyncSession,
    model: type[Client] | type[Contact],
    rows: list[dict[str, Any]],
    report: ImportReport,
) -> None:
    """Insert a batch's new rows in one statement."""
    if rows:
        await session.execute(insert(model), rows)
        report.created += len(rows)


async def _client_names(session: AsyncSession, organization_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """Every live client of the organization by its case-folded name (the oldest wins).

    Folded in Python, not with SQL lower(): SQLite's lower() folds ASCII only, and both
    databases must match "ÜBERLAND" to "Überland" alike. Ids and names only: small."""
    rows = await session.execute(
        select(col(Client.id), col(Client.name))
        .where(col(Client.organization_id) == organization_id, col(Client.deleted_at).is_(None))
        .order_by(col(Client.created_at), col(Client.id))
    )
    names: dict[str, uuid.UUID] = {}
    for client_id, name in rows:
        names.setdefault(name.casefold(), client_id)
    return names


async def _existing_clients(
    session: AsyncSession,
    organization_id: uuid.UUID,
    rows: Sequence[ClientRow],
    names: dict[str, uuid.UUID],
) -> dict[tuple[str, str], Client]:
    external = {
        (row.external_source or DEFAULT_EXTERNAL_SOURCE, row.external_id)
        for row in rows
        if row.external_id
    }
    by_name = {
        row.name.casefold(): names[row.name.casefold()]
        for row in rows
        if not row.external_id and row.name.casefold() in names
    }
    conditions = []
    if external:
        conditions.append(
            tuple_(col(Client.external_source), col(Client.external_id)).in_(list(external))
        )
    if by_name:
        conditions.append(col(Client.id).in_(list(by_name.values())))
    found: dict[tuple[str, str], Client] = {}
    if not conditions:
        return found
    clients = await session.scalars(
        select(Client)
        .where(col(Client.organization_id) == organization_id, or_(*conditions))
        .execution_options(populate_existing=True)
    )
    by_id = {}
    for client in clients:
        by_id[client.id] = client
        if client.external_id is not None:
            found[("external", f"{client.external_source}\x00{client.external_id}")] = client
    for folded, client_id in by_name.items():
        found[("name", folded)] = by_id[client_id]
    return found


# --- contacts --------------------------------------------------------------------------


def _client_ref(row: ContactRow) -> tuple[str, str] | None:
    if row.client_external_id:
        source = row.client_external_source or DEFAULT_EXTERNAL_SOURCE
        return ("external", f"{source}\x00{row.client_external_id}")
    if row.client_name:
        return ("name", row.client_name.casefold())
    return None


def _contact_key(client_id: uuid.UUID, row: ContactRow) -> tuple[uuid.UUID, str, str]:
    if row.email:
        return (client_id, "email", row.email.lower())
    return (client_id, "name", row.name.casefold())


async def import_contacts(
    session: AsyncSession,
    *,
    path: Path,
    organization: Organization,
    dry_run: bool = False,
    on_progress: Progress = lambda _n: None,
) -> ImportReport:
    """Validate the whole file (every client must already exist), then upsert contacts."""
    parsed, errors = read_csv(path, ContactRow)
    report = ImportReport(rows=len(parsed), dry_run=dry_run)
    clients = await _clients_for_contacts(session, organization.id, [p.row for p in parsed])
    resolved: list[tuple[uuid.UUID, ContactRow]] = []
    seen: dict[tuple[uuid.UUID, str, str], int] = {}
    for item in parsed:
        ref = _client_ref(item.row)
        if ref is None:
            errors.append(
                RowError(
                    item.line, "client_name", "name the client: client_external_id or client_name"
                )
            )
            continue
        client_id = clients.get(ref)
        if client_id is None:
            column = "client_external_id" if ref[0] == "external" else "client_name"
            errors.append(RowError(item.line, column, "no such client in this organization"))
            continue
        key = _contact_key(client_id, item.row)
        if key in seen:
            errors.append(RowError(item.line, key[1], f"the same contact as line {seen[key]}"))
            continue
        seen[key] = item.line
        resolved.append((client_id, item.row))
    if errors:
        report.errors = sorted(errors, key=lambda e: (e.line, e.column))
        return report

    done = 0
    for start in range(0, len(resolved), BATCH_SIZE):
        batch = resolved[start : start + BATCH_SIZE]
        existing = await _existing_contacts(session, {client_id for client_id, _ in batch})
        new_rows: list[dict[str, Any]] = []
        now = utcnow()
        for client_id, row in batch:
            values = {
                "name": row.name,
                "title": row.title,
                "email": row.email,
                "phone": row.phone,
                "buying_role": row.buying_role,
                "notes": row.notes,
            }
            values = {k: v for k, v in values.items() if v is not None}
            current = existing.get(_contact_key(client_id, row))
            if current is None:
                new_rows.append(
                    {
                        "id": uuid.uuid4(),
                        "organization_id": organization.id,
                        "client_id": client_id,
                        "title": "",
                        "buying_role": BuyingRole.influencer,
                        "notes": "",
                        **values,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                continue
            await _update_changed(session, Contact, current, values, now, report)
        await _insert_new(session, Contact, new_rows, report)
        done += len(batch)
        on_progress(done)
    return report


async def _clients_for_contacts(
    session: AsyncSession, organization_id: uuid.UUID, rows: Sequence[ContactRow]
) -> dict[tuple[str, str], uuid.UUID]:
    refs = {ref for row in rows if (ref := _client_ref(row)) is not None}
    external = [tuple(key.split("\x00", 1)) for kind, key in refs if kind == "external"]
    found: dict[tuple[str, str], uuid.UUID] = {}
    if any(kind == "name" for kind, _key in refs):
        names = await _client_names(session, organization_id)
        for kind, key in refs:
            if kind == "name" and key in names:
                found[(kind, key)] = names[key]
    if external:
        result = await session.execute(
            select(col(Client.id), col(Client.external_source), col(Client.external_id)).where(
                col(Client.organization_id) == organization_id,
                col(Client.deleted_at).is_(None),
                tuple_(col(Client.external_source), col(Client.external_id)).in_(external),
            )
        )
        for client_id, source, external_id in result:
            found[("external", f"{source}\x00{external_id}")] = client_id
    return found


async def _existing_contacts(
    session: AsyncSession, client_ids: set[uuid.UUID]
) -> dict[tuple[uuid.UUID, str, str], Contact]:
    contacts = await session.scalars(
        select(Contact)
        .where(col(Contact.client_id).in_(client_ids))
        .order_by(col(Contact.created_at), col(Contact.id))
        .execution_options(populate_existing=True)
    )
    found: dict[tuple[uuid.UUID, str, str], Contact] = {}
    for contact in contacts:
        if contact.email:
            found.setdefault((contact.client_id, "email", contact.email.lower()), contact)
        found.setdefault((contact.client_id, "name", contact.name.casefold()), contact)
    return found
