"""SQLModel tables, one module per domain; importing this package registers them all."""

from api.models.base import SQLModel, utcnow
from api.models.organizations import Organization
from api.models.teams import Team, TeamMember
from api.models.users import LoginFailure, RefreshToken, Role, Seniority, ThrottleScope, User

__all__ = [
    "LoginFailure",
    "Organization",
    "RefreshToken",
    "Role",
    "SQLModel",
    "Seniority",
    "Team",
    "TeamMember",
    "ThrottleScope",
    "User",
    "utcnow",
]
