"""Who is calling: the authenticated principal every service receives as ``caller``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from api.models import Role, User


@dataclass(frozen=True, slots=True)
class Caller:
    """A signed-in person, or a script with an API key.

    An API key acts as the admin who created it (``user``), narrowed to its ``scopes``
    (api/services/api_keys.py decides which routes a scope opens; services see the admin).
    """

    user: User
    api_key_id: uuid.UUID | None = None
    # The sign-in (refresh-token family) a person's access token belongs to: one device.
    sign_in_id: uuid.UUID | None = None
    scopes: frozenset[str] = frozenset()

    @property
    def is_api_key(self) -> bool:
        return self.api_key_id is not None

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
