"""A candidature is seen only by its person, its adviser and the organisation concerned; a booking only by its
person. Anything else is a 404."""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from accounts.models import User

from .models import Booking, Candidature


def own_candidatures(user):
    """A jobseeker's candidatures, or those an adviser sent or follows (from their shortlists)."""
    if user.kind == User.Kind.ADVISER:
        return Candidature.objects.filter(adviser=user)
    return Candidature.objects.filter(Q(person=user))


def scoped_candidature(request, public_id) -> Candidature:
    return get_object_or_404(
        own_candidatures(request.user).select_related("session__action__formation__organism", "adviser", "shortlist"),
        public_id=public_id,
    )


def organism_candidature(request, public_id) -> Candidature:
    return get_object_or_404(
        Candidature.objects.filter(organism=request.organism).select_related(
            "session__action__formation", "session__place__commune", "adviser", "person", "shortlist"
        ),
        public_id=public_id,
    )


def scoped_booking(request, public_id) -> Booking:
    return get_object_or_404(
        Booking.objects.filter(person=request.user).select_related("meeting__action__formation__organism"),
        public_id=public_id,
    )
