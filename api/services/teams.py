"""Teams: admins and managers set them up; everyone in the organization can see them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import Select, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.db import rowcount
from api.errors import Conflict, Forbidden, NotFound
from api.kit.patching import apply_changes, requested_changes
from api.kit.principal import Caller
from api.models import Role, Team, TeamMember, User, utcnow
from api.pagination import paginate
from api.schemas.teams import TeamCreate, TeamMemberRead, TeamPage, TeamRead, TeamUpdate
from api.services.users import by_name


def readable_teams(caller: Caller) -> Select[Team]:
    return select(Team).where(col(Team.organization_id) == caller.organization_id)


async def team_row(*, session: AsyncSession, caller: Caller, team_id: uuid.UUID) -> Team:
    team = await session.scalar(readable_teams(caller).where(col(Team.id) == team_id))
    if team is None:
        raise NotFound("Team not found")
    return team


async def get_team(*, session: AsyncSession, caller: Caller, team_id: uuid.UUID) -> TeamRead:
    return await present_team(
        session, await team_row(session=session, caller=caller, team_id=team_id)
    )


async def present_team(session: AsyncSession, team: Team) -> TeamRead:
    return (await present_teams(session=session, teams=[team]))[0]


def _ensure_can_manage(caller: Caller, team: Team) -> None:
    if caller.is_admin or (caller.is_manager and team.manager_id == caller.user_id):
        return
    raise Forbidden("Only admins and the team's manager change a team")


async def _users_in_organization(
    session: AsyncSession, caller: Caller, user_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, User]:
    wanted = set(user_ids)
    if not wanted:
        return {}
    users = (
        await session.scalars(
            select(User).where(
                col(User.organization_id) == caller.organization_id, col(User.id).in_(wanted)
            )
        )
    ).all()
    found = {user.id: user for user in users}
    missing = wanted - found.keys()
    if missing:
        raise NotFound(f"User not found: {sorted(map(str, missing))[0]}")
    return found


async def _check_manager(session: AsyncSession, caller: Caller, manager_id: uuid.UUID) -> None:
    manager = (await _users_in_organization(session, caller, [manager_id]))[manager_id]
    if manager.role not in (Role.manager, Role.admin) or not manager.is_active:
        raise Conflict("A team's manager must be an active manager or admin")


async def _flush_unique_name(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict("A team with this name already exists") from exc


async def _name_taken(
    session: AsyncSession, caller: Caller, name: str, exclude: uuid.UUID | None
) -> bool:
    statement = select(func.count()).where(
        col(Team.organization_id) == caller.organization_id, col(Team.name) == name
    )
    if exclude is not None:
        statement = statement.where(col(Team.id) != exclude)
    return (await session.execute(statement)).scalar_one() > 0


async def create_team(*, session: AsyncSession, caller: Caller, data: TeamCreate) -> TeamRead:
    if not caller.is_staff:
        raise Forbidden("Only admins and managers create teams")
    manager_id = data.manager_id or caller.user_id
    if caller.is_manager and manager_id != caller.user_id:
        raise Forbidden("Managers create teams they manage themselves")
    await _check_manager(session, caller, manager_id)
    await _users_in_organization(session, caller, data.member_ids)
    if await _name_taken(session, caller, data.name, None):
        raise Conflict("A team with this name already exists")
    team = Team(
        organization_id=caller.organization_id,
        name=data.name,
        description=data.description,
        manager_id=manager_id,
    )
    session.add(team)
    await _flush_unique_name(session)
    for user_id in dict.fromkeys(data.member_ids):
        session.add(TeamMember(team_id=team.id, user_id=user_id))
    await session.flush()
    return await present_team(session, team)


async def update_team(
    *, session: AsyncSession, caller: Caller, team_id: uuid.UUID, data: TeamUpdate
) -> TeamRead:
    team = await team_row(session=session, caller=caller, team_id=team_id)
    _ensure_can_manage(caller, team)
    changes = requested_changes(data)
    if "manager_id" in changes and changes["manager_id"] != team.manager_id:
        if not caller.is_admin:
            raise Forbidden("Only admins hand a team to another manager")
        await _check_manager(session, caller, changes["manager_id"])
    if changes.get("name") and await _name_taken(session, caller, changes["name"], team.id):
        raise Conflict("A team with this name already exists")
    apply_changes(team, changes)
    team.updated_at = utcnow()
    await _flush_unique_name(session)
    return await present_team(session, team)


async def delete_team(*, session: AsyncSession, caller: Caller, team_id: uuid.UUID) -> None:
    team = await team_row(session=session, caller=caller, team_id=team_id)
    _ensure_can_manage(caller, team)
    await session.execute(delete(TeamMember).where(col(TeamMember.team_id) == team.id))
    await session.delete(team)
    await session.flush()


async def add_member(
    *, session: AsyncSession, caller: Caller, team_id: uuid.UUID, user_id: uuid.UUID
) -> TeamRead:
    team = await team_row(session=session, caller=caller, team_id=team_id)
    _ensure_can_manage(caller, team)
    await _users_in_organization(session, caller, [user_id])
    existing = await session.get(TeamMember, (team.id, user_id))
    if existing is None:
        try:
            async with session.begin_nested():
                session.add(TeamMember(team_id=team.id, user_id=user_id))
        except IntegrityError:
            pass  # a concurrent PUT added the same member: the outcome is the same
        team.updated_at = utcnow()
        await session.flush()
    return await present_team(session, team)


async def remove_member(
    *, session: AsyncSession, caller: Caller, team_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    team = await team_row(session=session, caller=caller, team_id=team_id)
    _ensure_can_manage(caller, team)
    result = await session.execute(
        delete(TeamMember).where(
            col(TeamMember.team_id) == team.id, col(TeamMember.user_id) == user_id
        )
    )
    if rowcount(result) == 0:
        raise NotFound("This user is not a member of the team")
    team.updated_at = utcnow()


async def list_teams(
    *,
    session: AsyncSession,
    caller: Caller,
    limit: int,
    cursor: str | None,
    member_id: uuid.UUID | None = None,
    manager_id: uuid.UUID | None = None,
) -> TeamPage:
    statement = readable_teams(caller)
    if member_id is not None:
        statement = statement.where(
            col(Team.id).in_(
                select(col(TeamMember.team_id)).where(col(TeamMember.user_id) == member_id)
            )
        )
    if manager_id is not None:
        statement = statement.where(col(Team.manager_id) == manager_id)
    rows, next_cursor = await paginate(
        session,
        statement,
        time_column=col(Team.created_at),
        id_column=col(Team.id),
        limit=limit,
        cursor=cursor,
    )
    return TeamPage(items=await present_teams(session=session, teams=rows), next_cursor=next_cursor)


async def present_teams(*, session: AsyncSession, teams: Sequence[Team]) -> list[TeamRead]:
    """Teams with their members, loaded in one query for the whole page (no N+1)."""
    members: dict[uuid.UUID, list[TeamMemberRead]] = defaultdict(list)
    if teams:
        rows = await session.execute(
            select(col(TeamMember.team_id), col(TeamMember.created_at), User)
            .join(User, col(User.id) == TeamMember.user_id)
            .where(col(TeamMember.team_id).in_([team.id for team in teams]))
            .order_by(*by_name())
        )
        for team_id, joined_at, user in rows:
            members[team_id].append(
                TeamMemberRead(
                    user_id=user.id,
                    full_name=user.full_name,
                    role=user.role,
                    seniority=user.seniority,
                    joined_at=joined_at,
                )
            )
    return [
        TeamRead(
            id=team.id,
            organization_id=team.organization_id,
            name=team.name,
            description=team.description,
            manager_id=team.manager_id,
            members=members[team.id],
            created_at=team.created_at,
            updated_at=team.updated_at,
        )
        for team in teams
    ]
