"""Who is calling: the authenticated principal every service receives as ``caller``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from api.models import Role, User


@dataclass(frozen=True, slots=True)
class Caller:
    """A signed-in person (API keys will join here with their scopes)."""

    user: User

    @property
    def user_id(self) -> uuid.UUID:
        return self.user.id

    @property
    def organization_id(self) -> uuid.UUID:
        return self.user.organization_id

    @property
    def role(self) -> Role:
        return self.user.role

    @property
    def is_admin(self) -> bool:
        return self.user.role == Role.admin

    @property
    def is_manager(self) -> bool:
        return self.user.role == Role.manager

    @property
    def is_staff(self) -> bool:
        """Admins and managers: they see and steer every project of the organization."""
        return self.user.role in (Role.admin, Role.manager)
