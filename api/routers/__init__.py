"""HTTP only: one APIRouter per resource, thin.

Each router carries the full ``/api/v1/...`` prefix itself (rather than getting it from
``include_router``) so ``route.path`` is the whole template, as logs and metrics need it.
"""

API_PREFIX = "/api/v1"
