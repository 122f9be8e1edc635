"""Who may do what in an organisation's back office: one place for views, templates and tests."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .models import Membership, Organism


def current_membership(request) -> Membership | None:
    """The membership the person acts through: the organisation chosen in this browser session, or the first."""
    memberships = list(Membership.objects.filter(user=request.user).select_related("organism").order_by("pk"))
    if not memberships:
        return None
    chosen = request.GET.get("organisme") or request.session.get("organism_slug")
    for membership in memberships:
        if membership.organism.slug == chosen:
            request.session["organism_slug"] = chosen
            return membership
    return memberships[0]


def is_organism_admin(membership: Membership) -> bool:
    return membership.role == Membership.Role.ADMIN


def organism_required(view):
    """Logged-in members of an organisation only; `request.organism` scopes every object the view reads."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        membership = current_membership(request)
        if membership is None:
            raise PermissionDenied("Réservé aux membres d'un organisme de formation.")
        request.membership = membership
        request.organism = membership.organism
        return view(request, *args, **kwargs)

    return wrapper


def organism_admin_required(view):
    @wraps(view)
    @organism_required
    def wrapper(request, *args, **kwargs):
        if not is_organism_admin(request.membership):
            raise PermissionDenied("Réservé aux administrateurs de l'organisme.")
        return view(request, *args, **kwargs)

    return wrapper


def approved_organism_required(view):
    """Uploads (LHÉO files, spreadsheets) are for members of an organisation the Region has approved: an
    organisation waiting for its decision, refused or suspended cannot send files to the portal."""

    @wraps(view)
    @organism_required
    def wrapper(request, *args, **kwargs):
        if request.organism.approval_state != Organism.ApprovalState.APPROVED:
            raise PermissionDenied(
                "aux organismes validés par la Région. Le dépôt de fichiers ouvrira dès la validation du vôtre ; "
                "en attendant, saisissez vos sessions dans les formulaires de votre espace."
            )
        return view(request, *args, **kwargs)

    return wrapper
