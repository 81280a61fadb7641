"""Projects and their panels: who may see a project, who may steer it, who may contribute.

``project_visibility`` is the one scoping rule (``readable_projects`` wraps it for entity
queries; the project list builds the same rule on bind parameters and, for a rep, walks the
same seats in project order); every project-bound resource (members, sessions,
contributions, action items, time entries) goes through ``project_access``.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Enum,
    Select,
    String,
    and_,
    bindparam,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.db import dialect_name
from api.errors import Conflict, Forbidden, InvalidInput, NotFound
from api.kit import audit, outbox
from api.kit.folding import fold, like_pattern, query_grams
from api.kit.money import format_amount, minor_units, places_of
from api.kit.patching import apply_changes, requested_changes
from api.kit.principal import Caller
from api.kit.versioning import ensure_current
from api.models import (
    MemberRole,
    MemberState,
    Project,
    ProjectKind,
    ProjectMember,
    ProjectStatus,
    User,
    utcnow,
)
from api.models.base import table_of
from api.pagination import keyset_page, page_parameters, paginate, run_page
from api.schemas.projects import (
    MemberCreate,
    MemberRead,
    MemberUpdate,
    ProjectClose,
    ProjectCreate,
    ProjectUpdate,
)
from api.services import notifications, webhook_events
from api.services.clients import active_user_in_organization, client_row
from api.services.organizations import organization_currency

# Members who see the project: invited people can read what they are asked to join.
VISIBLE_STATES = (MemberState.invited, MemberState.active)


# The tables behind the models, for the Core statements of the hottest reads.
PROJECT = table_of(Project)
MEMBER = table_of(ProjectMember)


def project_visibility(caller: Caller) -> ColumnElement[bool]:
    """Which projects the caller may read, the one rule: admins and managers see every
    project of the organization; others see the projects they hold a visible seat on.
    Owners are included: every project has its owner's active seat (``owner_seat``).
    Written on the table's columns so ORM and Core statements share it."""
    return _visibility(caller.is_staff, caller.organization_id, caller.user_id)


# The rule on expressions: the caller's values, or the bind parameters of a statement built
# once for every caller (the project list's ``_project_page``).
def _visibility(staff: bool, organization_id: Any, user_id: Any) -> ColumnElement[bool]:
    in_organization = PROJECT.c.organization_id == organization_id
    if staff:
        return in_organization
    seats = select(MEMBER.c.project_id).where(_visible_seats(user_id))
    return and_(in_organization, PROJECT.c.id.in_(seats))


def _visible_seats(user_id: Any) -> ColumnElement[bool]:
    """A person's seats that let them read their project: invited or active."""
    return and_(
        MEMBER.c.user_id == user_id,
        # Written into the SQL, not sent as parameters: PostgreSQL then knows, when it plans
        # the statement once for all executions, that nearly every seat matches, and keeps
        # that plan instead of planning again on every request.
        MEMBER.c.state.in_(
            bindparam("visible_states", VISIBLE_STATES, expanding=True, literal_execute=True)
        ),
    )


def readable_projects(caller: Caller) -> Select[Project]:
    """The projects the caller may read, as entities (see ``project_visibility``)."""
    return select(Project).where(project_visibility(caller))


@dataclass(frozen=True, slots=True)
class ProjectAccess:
    """A project the caller may read, with what else they may do on it."""

    caller: Caller
    project: Project
    membership: ProjectMember | None

    @property
    def can_manage(self) -> bool:
        return self.caller.is_staff or self.project.owner_id == self.caller.user_id

    @property
    def is_active_member(self) -> bool:
        return self.membership is not None and self.membership.state == MemberState.active

    def ensure_can_manage(self) -> None:
        if not self.can_manage:
            raise Forbidden("Only the project's owner, managers and admins do this")

    def ensure_can_contribute(self) -> None:
        if not self.is_active_member:
            raise Forbidden("Only active members of the project contribute")

    def ensure_open(self) -> None:
        if self.project.status != ProjectStatus.open:
            raise Conflict(f"The project is {self.project.status.value}")


async def project_access(
    *, session: AsyncSession, caller: Caller, project_id: uuid.UUID
) -> ProjectAccess:
    """The project with the caller's membership, in one query; 404 when not readable."""
    row = (
        await session.execute(
            readable_projects(caller)
            .add_columns(ProjectMember)
            .outerjoin(
                ProjectMember,
                and_(
                    col(ProjectMember.project_id) == Project.id,
                    col(ProjectMember.user_id) == caller.user_id,
                ),
            )
            .where(col(Project.id) == project_id)
        )
    ).first()
    if row is None:
        raise NotFound("Project not found")
    return ProjectAccess(caller=caller, project=row[0], membership=row[1])


async def get_project(*, session: AsyncSession, caller: Caller, project_id: uuid.UUID) -> Project:
    return (await project_access(session=session, caller=caller, project_id=project_id)).project


async def _check_client(session: AsyncSession, caller: Caller, client_id: uuid.UUID | None) -> None:
    if client_id is not None:
        await client_row(session=session, caller=caller, client_id=client_id)


def owner_seat(project: Project) -> ProjectMember:
    """The owner's own panel row. Every project has one, however it was created (the API,
    a CRM event, a hand-over): the visibility rule and the ledger rely on it."""
    return ProjectMember(
        organization_id=project.organization_id,
        project_id=project.id,
        user_id=project.owner_id,
        role=MemberRole.owner,
        state=MemberState.active,
        budget_minutes=0,
        project_created_at=project.created_at,
    )


def _check_places(amount: Decimal | None, currency: str, *, field: str) -> None:
    """An amount has at most its currency's places: a fraction of a yen is no amount."""
    units = minor_units(currency)
    if amount is None or places_of(amount) <= units:
        return
    allowed = "whole numbers only" if units == 0 else f"at most {units} decimal places"
    raise InvalidInput(
        f"{currency} amounts take {allowed}; the estimated value is {amount}",
        loc=["body", field],
    )


async def create_project(*, session: AsyncSession, caller: Caller, data: ProjectCreate) -> Project:
    owner_id = data.owner_id or caller.user_id
    if owner_id != caller.user_id and not caller.is_staff:
        raise Forbidden("Only managers and admins open a project for another rep")
    if data.kind == ProjectKind.account and data.client_id is None:
        raise Conflict("An account project is opened on a client: give client_id")
    currency = data.currency or await organization_currency(session, caller.organization_id)
    _check_places(data.estimated_value, currency, field="estimated_value")
    await active_user_in_organization(session, caller, owner_id)
    await _check_client(session, caller, data.client_id)
    project = Project(
        organization_id=caller.organization_id,
        owner_id=owner_id,
        currency=currency,
        **data.model_dump(exclude={"owner_id", "currency"}),
    )
    session.add(project)
    await session.flush()
    session.add(owner_seat(project))
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="project.created",
        entity_type="project",
        entity_id=project.id,
        changes=data.model_dump(exclude_unset=True),
    )
    await outbox.emit(
        session,
        organization_id=project.organization_id,
        event_type="project.created",
        payload=lambda: webhook_events.project_event(session, project.id),
    )
    return project


async def hand_over(session: AsyncSession, project: Project, new_owner_id: uuid.UUID) -> None:
    """The old owner stays on the panel as a helper; the new owner's membership becomes owner.
    The new owner is an active user of the project's organization (the caller checks)."""
    rows = (
        await session.scalars(
            select(ProjectMember).where(
                col(ProjectMember.project_id) == project.id,
                col(ProjectMember.user_id).in_([project.owner_id, new_owner_id]),
            )
        )
    ).all()
    by_user = {row.user_id: row for row in rows}
    previous = by_user.get(project.owner_id)
    if previous is not None:
        previous.role = MemberRole.helper
        previous.budget_minutes = project.helper_budget_minutes
    project.owner_id = new_owner_id
    incoming = by_user.get(new_owner_id)
    if incoming is None:
        session.add(owner_seat(project))
    else:
        incoming.role, incoming.state, incoming.budget_minutes = (
            MemberRole.owner,
            MemberState.active,
            0,
        )


async def update_project(
    *,
    session: AsyncSession,
    caller: Caller,
    project_id: uuid.UUID,
    data: ProjectUpdate,
    if_match: str | None,
) -> Project:
    access = await project_access(session=session, caller=caller, project_id=project_id)
    access.ensure_can_manage()
    project = access.project
    ensure_current(project, if_match)
    changes = requested_changes(data)
    if changes.keys() & {"estimated_value", "currency"}:
        # A new currency must fit the amount that stays, and a new amount the currency.
        _check_places(
            changes.get("estimated_value", project.estimated_value),
            changes.get("currency", project.currency),
            field="estimated_value" if "estimated_value" in changes else "currency",
        )
    if "client_id" in changes:
        if changes["client_id"] is None and project.kind == ProjectKind.account:
            raise Conflict("An account project keeps its client")
        await _check_client(session, caller, changes["client_id"])
    new_owner = changes.pop("owner_id", None)
    if new_owner is not None and new_owner != project.owner_id:
        if not caller.is_staff:
            raise Forbidden("Only managers and admins hand a project to another rep")
        if (
            "helper_budget_minutes" in changes
        ):  # the old owner's new helper seat gets the new budget
            project.helper_budget_minutes = changes["helper_budget_minutes"]
        await active_user_in_organization(session, caller, new_owner)
        await hand_over(session, project, new_owner)
        changes["owner_id"] = new_owner
    apply_changes(project, changes)
    project.updated_at = utcnow()
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="project.updated",
        entity_type="project",
        entity_id=project.id,
        changes=changes,
    )
    if changes:
        await outbox.emit(
            session,
            organization_id=project.organization_id,
            event_type="project.updated",
            payload=lambda: webhook_events.project_event(session, project.id),
        )
    return project


async def close_project(
    *, session: AsyncSession, caller: Caller, project_id: uuid.UUID, data: ProjectClose
) -> Project:
    access = await project_access(session=session, caller=caller, project_id=project_id)
    access.ensure_can_manage()
    access.ensure_open()
    if data.result == "lost" and data.lost_reason is None:
        raise InvalidInput("Say why the deal was lost", loc=["body", "lost_reason"])
    for name in ("lost_reason", "competitor"):
        if data.result != "lost" and getattr(data, name) is not None:
            raise InvalidInput(
                f"Only a lost deal has a {name.replace('_', ' ')}", loc=["body", name]
            )
    project = access.project
    project.status = ProjectStatus(data.result)
    project.close_note = data.note
    project.lost_reason, project.competitor = data.lost_reason, data.competitor
    project.closed_at = project.updated_at = utcnow()
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="project.closed",
        entity_type="project",
        entity_id=project.id,
        changes=data.model_dump(mode="json", exclude_none=True),
    )
    await outbox.emit(
        session,
        organization_id=project.organization_id,
        event_type="project.closed",
        payload=lambda: webhook_events.project_event(session, project.id),
    )
    return project


async def list_projects(
    *,
    session: AsyncSession,
    caller: Caller,
    limit: int,
    cursor: str | None,
    status: ProjectStatus | None = None,
    kind: ProjectKind | None = None,
    owner_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
    member_id: uuid.UUID | None = None,
    q: str | None = None,
    updated_since: datetime | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the projects the caller may read, as plain rows of the project's columns:
    the busiest read of the API skips building ORM objects it would only copy out again,
    and runs a statement built once per shape of request (``_project_page``)."""
    filters: dict[str, Any] = {
        "status": status,
        "kind": kind,
        "owner_id": owner_id,
        "client_id": client_id,
        "member_id": member_id,
        **_title_search(q, dialect_name(session)),
        "updated_since": updated_since,
    }
    filters = {name: value for name, value in filters.items() if value is not None}
    shape = _PageShape(
        staff=caller.is_staff,
        by_update=updated_since is not None,
        filters=frozenset(filters),
        after_cursor=bool(cursor),
    )
    parameters = {
        **page_parameters(limit, cursor),
        **filters,
        "caller_organization_id": caller.organization_id,
    }
    if not caller.is_staff:
        parameters["caller_id"] = caller.user_id
    rows, next_cursor = await run_page(
        session,
        _project_page(shape),
        parameters,
        limit=limit,
        row_keys=("updated_at", "id") if shape.by_update else ("created_at", "id"),
        plain_rows=True,
    )
    fields = rows[0]._fields if rows else ()
    items = [dict(zip(fields, row, strict=True)) for row in rows]
    for item in items:  # as ProjectRead writes it: exactly the currency's places
        item["estimated_value"] = format_amount(item["estimated_value"], item["currency"])
    return items, next_cursor


@dataclass(frozen=True, slots=True)
class _PageShape:
    """What decides the project list's SQL; the values travel as parameters."""

    staff: bool
    by_update: bool
    filters: frozenset[str]
    after_cursor: bool


# A seat in the "projects I help on" filter: another use of the seats table than the walk.
_HELPER_SEAT = MEMBER.alias("helper_seat")

# Each filter of the list, on the bind parameter named after it.
_FILTERS: dict[str, Callable[[Any], ColumnElement[bool]]] = {
    "status": lambda value: PROJECT.c.status == value,
    "kind": lambda value: PROJECT.c.kind == value,
    "owner_id": lambda value: PROJECT.c.owner_id == value,
    "client_id": lambda value: PROJECT.c.client_id == value,
    # "Projects I help on": a visible panel seat that is not the owner's.
    "member_id": lambda value: PROJECT.c.id.in_(
        select(_HELPER_SEAT.c.project_id).where(
            _HELPER_SEAT.c.user_id == value,
            _HELPER_SEAT.c.role != MemberRole.owner,
            _HELPER_SEAT.c.state.in_(VISIBLE_STATES),
        )
    ),
    # The folded title (api/kit/folding.py): its grams narrow through the GIN index on
    # PostgreSQL, the substring test decides.
    "title_grams": lambda value: PROJECT.c.search_grams.contains(value),
    "title_pattern": lambda value: PROJECT.c.search_text.like(value, escape="/"),
    "updated_since": lambda value: PROJECT.c.updated_at > value,
}


# The list's columns as the page writes them: enum columns read as their stored values,
# which is what orjson would write for the enum members anyway (a conversion per value less).
_PAGE_COLUMNS = [
    type_coerce(column, String).label(column.name) if isinstance(column.type, Enum) else column
    for column in PROJECT.c
    if column.name not in ("search_text", "search_grams")  # the index, not the project
]


@functools.lru_cache(maxsize=512)
def _project_page(shape: _PageShape) -> Select[Any]:
    """The project list's statement for one shape of request, built once: building it and
    computing its cache key cost more CPU than running it. Every value is a bind parameter
    without a default, so a value left out fails the request instead of reusing another's."""
    columns = PROJECT.c
    organization_id: BindParameter[uuid.UUID] = bindparam("caller_organization_id")
    caller_id: BindParameter[uuid.UUID] = bindparam("caller_id")
    if shape.staff or shape.by_update:
        statement = select(*_PAGE_COLUMNS).where(
            _visibility(shape.staff, organization_id, caller_id)
        )
        time_column = columns.updated_at if shape.by_update else columns.created_at
        id_column = columns.id
    else:
        # The same rule walked from the other end: the caller's visible seats, in their
        # projects' order (a seat carries its project's created_at). A rep sees a few
        # percent of the organization's projects; this reads only the page, where testing
        # every project in order read dozens of rows for each one returned.
        statement = (
            select(*_PAGE_COLUMNS)
            .select_from(MEMBER.join(PROJECT, PROJECT.c.id == MEMBER.c.project_id))
            .where(_visible_seats(caller_id), columns.organization_id == organization_id)
        )
        time_column, id_column = MEMBER.c.project_created_at, MEMBER.c.project_id
    for name in sorted(shape.filters):
        # The title search's values are rendered at execution: its plan depends on them
        # (api/kit/folding.py, matches).
        literal = name in ("title_grams", "title_pattern")
        statement = statement.where(_FILTERS[name](bindparam(name, literal_execute=literal)))
    return keyset_page(
        statement, time_column=time_column, id_column=id_column, after_cursor=shape.after_cursor
    )


def _title_search(q: str | None, dialect: str) -> dict[str, Any]:
    """The list's title filters for the query ``q``: its folded pattern, and on PostgreSQL
    the grams the GIN index can look up (api/kit/folding.py)."""
    if not q:
        return {}
    folded = fold(q)
    filters: dict[str, Any] = {"title_pattern": like_pattern(folded)}
    if dialect == "postgresql" and (needed := query_grams(folded)):
        filters["title_grams"] = needed
    return filters


# --- members ---------------------------------------------------------------------------------


def _member_read(member: ProjectMember, user: User) -> MemberRead:
    return MemberRead(
        id=member.id,
        user_id=member.user_id,
        full_name=user.full_name,
        role=member.role,
        state=member.state,
        budget_minutes=member.budget_minutes,
        created_at=member.created_at,
        updated_at=member.updated_at,
    )


async def list_members(
    *, session: AsyncSession, caller: Caller, project_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[MemberRead], str | None]:
    access = await project_access(session=session, caller=caller, project_id=project_id)
    statement = select(ProjectMember).where(col(ProjectMember.project_id) == access.project.id)
    members, next_cursor = await paginate(
        session,
        statement,
        time_column=col(ProjectMember.created_at),
        id_column=col(ProjectMember.id),
        limit=limit,
        cursor=cursor,
    )
    users = {}
    if members:
        users = {
            u.id: u
            for u in await session.scalars(
                select(User).where(col(User.id).in_([m.user_id for m in members]))
            )
        }
    return [_member_read(m, users[m.user_id]) for m in members], next_cursor


async def _member(
    session: AsyncSession, project_id: uuid.UUID, user_id: uuid.UUID
) -> ProjectMember | None:
    return await session.scalar(
        select(ProjectMember).where(
            col(ProjectMember.project_id) == project_id, col(ProjectMember.user_id) == user_id
        )
    )


async def add_member(
    *,
    session: AsyncSession,
    caller: Caller,
    project_id: uuid.UUID,
    data: MemberCreate,
    announce: bool = True,
) -> MemberRead:
    """Offer ``data.user_id`` a seat (state ``invited``). ``announce=False``: the person asked
    for it themselves (an accepted help request), so no invitation is sent."""
    access = await project_access(session=session, caller=caller, project_id=project_id)
    access.ensure_can_manage()
    access.ensure_open()
    project = access.project
    user = await active_user_in_organization(session, caller, data.user_id)
    budget = (
        data.budget_minutes if data.budget_minutes is not None else project.helper_budget_minutes
    )
    member = await _member(session, project.id, user.id)
    if member is not None and member.state in VISIBLE_STATES:
        raise Conflict("This person is already on the project")
    now = utcnow()
    if member is None:
        member = ProjectMember(
            organization_id=project.organization_id,
            project_id=project.id,
            user_id=user.id,
            role=MemberRole(data.role),
            budget_minutes=budget,
            project_created_at=project.created_at,
        )
        session.add(member)
    else:  # asked again after declining or leaving: history stays, the seat is offered anew
        member.role, member.state, member.budget_minutes = (
            MemberRole(data.role),
            MemberState.invited,
            budget,
        )
        member.updated_at = now
    member.invited_by_id, member.invited_at = caller.user_id, now
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="project_member.invited",
        entity_type="project",
        entity_id=project.id,
        changes={"user_id": user.id, "role": data.role, "budget_minutes": budget},
    )
    if announce:
        await notifications.project_invitation(
            session, project=project, person=user, inviter=caller.user
        )
    return _member_read(member, user)


# The member's own answers: accept, decline, leave.
_SELF_TRANSITIONS = {
    (MemberState.invited, "active"),
    (MemberState.invited, "declined"),
    (MemberState.active, "left"),
}


async def update_member(
    *,
    session: AsyncSession,
    caller: Caller,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    data: MemberUpdate,
    if_match: str | None = None,
) -> MemberRead:
    access = await project_access(session=session, caller=caller, project_id=project_id)
    member = await _member(session, access.project.id, user_id)
    if member is None:
        raise NotFound("This person is not on the project")
    ensure_current(member, if_match)
    changes = requested_changes(data)
    if member.role == MemberRole.owner and changes:
        raise Conflict("The owner's seat changes only by handing the project over")
    if "role" in changes or "budget_minutes" in changes:
        access.ensure_can_manage()
    if "state" in changes:
        is_self = user_id == caller.user_id
        if (member.state, changes["state"]) not in _SELF_TRANSITIONS:
            raise Conflict(f"A member who is {member.state.value} cannot become {changes['state']}")
        if not is_self and not (access.can_manage and changes["state"] == "left"):
            raise Forbidden("Only the member answers an invitation")
        member.state = MemberState(changes.pop("state"))
        changes["state"] = member.state
    if "role" in changes:
        member.role = MemberRole(changes["role"])
    if "budget_minutes" in changes:
        member.budget_minutes = changes["budget_minutes"]
    member.updated_at = utcnow()
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="project_member.updated",
        entity_type="project",
        entity_id=access.project.id,
        changes={"user_id": user_id, **changes},
    )
    user = await session.get(User, user_id)
    assert user is not None  # the member's user: seats reference their users
    return _member_read(member, user)


async def remove_member(
    *, session: AsyncSession, caller: Caller, project_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """Take someone off the panel. The row stays (state ``left``) so their minutes still count."""
    access = await project_access(session=session, caller=caller, project_id=project_id)
    access.ensure_can_manage()
    member = await _member(session, access.project.id, user_id)
    if member is None or member.state not in VISIBLE_STATES:
        raise NotFound("This person is not on the project")
    if member.role == MemberRole.owner:
        raise Conflict("The owner cannot be removed; hand the project over first")
    member.state = MemberState.left
    member.updated_at = utcnow()
    await session.flush()
    audit.record(
        session,
        caller=caller,
        action="project_member.removed",
        entity_type="project",
        entity_id=access.project.id,
        changes={"user_id": user_id},
    )
