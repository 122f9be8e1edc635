"""Who may use the personal spaces: one place for views, templates and tests (ADR 0002: `User.kind` says what a
person is)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .models import User

REFUSALS = {
    (User.Kind.JOBSEEKER,): "Réservé aux personnes qui cherchent une formation.",
    (User.Kind.ADVISER,): "Réservé aux conseillers France Travail, Mission locale et Cap emploi.",
    (
        User.Kind.JOBSEEKER,
        User.Kind.ADVISER,
    ): "Réservé aux personnes qui cherchent une formation et à leurs conseillers.",
}


def is_searcher(user) -> bool:
    """Jobseekers and advisers keep favourites and saved searches."""
    return user.is_authenticated and user.kind in (User.Kind.JOBSEEKER, User.Kind.ADVISER)


def is_adviser(user) -> bool:
    return user.is_authenticated and user.kind == User.Kind.ADVISER


def is_jobseeker(user) -> bool:
    return user.is_authenticated and user.kind == User.Kind.JOBSEEKER


def kind_required(*kinds):
    """Logged-in people of these kinds only; the others get a 403 in French."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if request.user.kind not in kinds:
                raise PermissionDenied(REFUSALS.get(tuple(kinds), "Accès réservé."))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


searcher_required = kind_required(User.Kind.JOBSEEKER, User.Kind.ADVISER)
adviser_required = kind_required(User.Kind.ADVISER)
jobseeker_required = kind_required(User.Kind.JOBSEEKER)
