"""SQLModel tables, one module per resource; importing this package registers them all."""

from api.models.action_items import ActionItem, ActionItemStatus
from api.models.api_keys import ApiKey, ApiKeyWindow
from api.models.audit import AuditEvent
from api.models.auth import LoginFailure, RefreshToken, ThrottleScope
from api.models.base import SQLModel, utcnow
from api.models.chat_channels import (
    ChatChannel,
    ChatChannelSubscription,
    ChatDelivery,
    ChatProvider,
)
from api.models.clients import BuyingRole, Client, ClientStatus, Contact
from api.models.contributions import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionVote,
    Verdict,
)
from api.models.crm_connections import (
    CrmConnection,
    CrmInboundEvent,
    CrmPropertyStamp,
    CrmProvider,
    InboundResult,
)
from api.models.idempotency import IdempotencyRecord
from api.models.ledger import ActivityRollup, Grain, HelpRollup, SessionRollup
from api.models.mail import CalendarFeed, MailMessage, MailState, SessionCalendar
from api.models.notifications import (
    HelpRequest,
    HelpRequestState,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from api.models.organizations import Locale, Organization
from api.models.presence import PresenceInterval
from api.models.projects import (
    LostReason,
    MemberRole,
    MemberState,
    Project,
    ProjectKind,
    ProjectMember,
    ProjectStatus,
)
from api.models.sessions import (
    PHASE_ORDER,
    Anonymity,
    MastermindSession,
    SessionEvent,
    SessionFormat,
    SessionParticipant,
    SessionPhase,
    SessionPurpose,
    SessionStatus,
)
from api.models.takeaways import Takeaway
from api.models.teams import Team, TeamMember
from api.models.time_entries import TimeEntry
from api.models.users import Role, Seniority, User
from api.models.webhooks import (
    DeliveryState,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
    WebhookSubscription,
)

__all__ = [
    "PHASE_ORDER",
    "ActionItem",
    "ActionItemStatus",
    "ActivityRollup",
    "Anonymity",
    "ApiKey",
    "ApiKeyWindow",
    "AuditEvent",
    "BuyingRole",
    "CalendarFeed",
    "ChatChannel",
    "ChatChannelSubscription",
    "ChatDelivery",
    "ChatProvider",
    "Client",
    "ClientStatus",
    "Contact",
    "Contribution",
    "ContributionKind",
    "ContributionStatus",
    "ContributionVote",
    "CrmConnection",
    "CrmInboundEvent",
    "CrmPropertyStamp",
    "CrmProvider",
    "DeliveryState",
    "Grain",
    "HelpRequest",
    "HelpRequestState",
    "HelpRollup",
    "IdempotencyRecord",
    "InboundResult",
    "Locale",
    "LoginFailure",
    "LostReason",
    "MailMessage",
    "MailState",
    "MastermindSession",
    "MemberRole",
    "MemberState",
    "Notification",
    "NotificationKind",
    "NotificationPreference",
    "Organization",
    "PresenceInterval",
    "Project",
    "ProjectKind",
    "ProjectMember",
    "ProjectStatus",
    "RefreshToken",
    "Role",
    "SQLModel",
    "Seniority",
    "SessionCalendar",
    "SessionEvent",
    "SessionFormat",
    "SessionParticipant",
    "SessionPhase",
    "SessionPurpose",
    "SessionRollup",
    "SessionStatus",
    "Takeaway",
    "Team",
    "TeamMember",
    "ThrottleScope",
    "TimeEntry",
    "User",
    "Verdict",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookEventType",
    "WebhookSubscription",
    "utcnow",
]
