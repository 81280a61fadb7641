"""SQLModel tables, one module per domain; importing this package registers them all."""

from api.models.audit import AuditEvent, IdempotencyRecord
from api.models.base import SQLModel, utcnow
from api.models.clients import BuyingRole, Client, ClientStatus, Contact
from api.models.organizations import Organization
from api.models.projects import (
    MemberRole,
    MemberState,
    Project,
    ProjectKind,
    ProjectMember,
    ProjectStatus,
    TimeEntry,
)
from api.models.sessions import (
    ActionItem,
    ActionItemStatus,
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionVote,
    MastermindSession,
    SessionEvent,
    SessionParticipant,
    SessionPurpose,
    SessionStatus,
    Takeaway,
)
from api.models.teams import Team, TeamMember
from api.models.users import LoginFailure, RefreshToken, Role, Seniority, ThrottleScope, User

__all__ = [
    "ActionItem",
    "ActionItemStatus",
    "AuditEvent",
    "BuyingRole",
    "Client",
    "ClientStatus",
    "Contact",
    "Contribution",
    "ContributionKind",
    "ContributionStatus",
    "ContributionVote",
    "IdempotencyRecord",
    "LoginFailure",
    "MastermindSession",
    "MemberRole",
    "MemberState",
    "Organization",
    "Project",
    "ProjectKind",
    "ProjectMember",
    "ProjectStatus",
    "RefreshToken",
    "Role",
    "SQLModel",
    "Seniority",
    "SessionEvent",
    "SessionParticipant",
    "SessionPurpose",
    "SessionStatus",
    "Takeaway",
    "Team",
    "TeamMember",
    "ThrottleScope",
    "TimeEntry",
    "User",
    "utcnow",
]
