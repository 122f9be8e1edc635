"""Region staff's powers (Django permissions given through groups, accounts.groups): one place for views,
templates and tests."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from accounts.models import User

VIEW = "catalogue.view_region_dashboard"
DECIDE_LABEL = "catalogue.decide_label"
MANAGE_PROGRAMME = "catalogue.manage_programme"
DECIDE_ORGANISM = "organisms.decide_organism"


def is_region_staff(user) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and (user.kind == User.Kind.REGION_AGENT or user.is_superuser)
        and user.has_perm(VIEW)
    )


def staff_required(permission: str | None = None):
    """Region agents with the viewing permission; `permission` on top for decisions."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not is_region_staff(request.user):
                raise PermissionDenied("Réservé aux agents de la Région.")
            if permission and not request.user.has_perm(permission):
                raise PermissionDenied("Vous n'avez pas le droit de prendre cette décision.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
