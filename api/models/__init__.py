"""SQLModel tables, one module per domain; importing this package registers them all."""

from api.models.audit import AuditEvent, IdempotencyRecord
from api.models.base import SQLModel, utcnow
from api.models.clients import BuyingRole, Client, ClientStatus, Contact
from api.models.integrations import (
    ApiKey,
    ApiKeyWindow,
    CrmConnection,
    CrmInboundEvent,
    CrmProvider,
    InboundResult,
)
from api.models.ledger import ActivityRollup, Grain, HelpRollup, SessionRollup
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
from api.models.webhooks import (
    DeliveryState,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
    WebhookSubscription,
)

__all__ = [
    "ActionItem",
    "ActionItemStatus",
    "ActivityRollup",
    "ApiKey",
    "ApiKeyWindow",
    "AuditEvent",
    "BuyingRole",
    "Client",
    "ClientStatus",
    "Contact",
    "Contribution",
    "ContributionKind",
    "ContributionStatus",
    "ContributionVote",
    "CrmConnection",
    "CrmInboundEvent",
    "CrmProvider",
    "DeliveryState",
    "Grain",
    "HelpRollup",
    "IdempotencyRecord",
    "InboundResult",
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
    "SessionRollup",
    "SessionStatus",
    "Takeaway",
    "Team",
    "TeamMember",
    "ThrottleScope",
    "TimeEntry",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookEventType",
    "WebhookSubscription",
    "utcnow",
]
