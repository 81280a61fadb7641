"""HTTP only: one APIRouter per resource, thin."""
