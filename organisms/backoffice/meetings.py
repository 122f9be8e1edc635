"""Information meetings an organisation publishes for its actions: shown on the detail page and in results."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from candidatures.models import Booking, InformationMeeting
from candidatures.services import meeting_cancel, meeting_save
from core.french import counted

from ..permissions import organism_required
from .meeting_forms import MeetingForm
from .scope import scoped_action


def scoped_meeting(request, public_id) -> InformationMeeting:
    return get_object_or_404(
        InformationMeeting.objects.filter(action__formation__organism=request.organism).select_related(
            "action__formation"
        ),
        public_id=public_id,
    )


@require_http_methods(["GET", "POST"])
@organism_required
def meetings(request, public_id):
    """An action's meetings, and the form for a new one."""
    action = scoped_action(request, public_id)
    place = action.training_places.select_related("commune").first()
    form = MeetingForm(
        request.POST or None,
        instance=InformationMeeting(action=action),
        initial={"address": str(place) if place else "", "capacity": 15},
    )
    if request.method == "POST" and form.is_valid():
        meeting_save(meeting=form.instance)
        messages.success(request, "Réunion d'information publiée.")
        return redirect("backoffice:meetings", public_id=action.public_id)
    rows = action.meetings.order_by("-starts_at", "pk")
    return render(
        request, "organisms/meetings.html", {"action": action, "form": form, "meetings": rows, "now": timezone.now()}
    )


@require_http_methods(["GET", "POST"])
@organism_required
def meeting_edit(request, public_id):
    meeting = scoped_meeting(request, public_id)
    form = MeetingForm(request.POST or None, instance=meeting)
    if request.method == "POST" and form.is_valid():
        meeting_save(meeting=form.instance)
        messages.success(request, "Réunion enregistrée.")
        return redirect("backoffice:meetings", public_id=meeting.action.public_id)
    bookings = meeting.bookings.filter(state=Booking.State.BOOKED).order_by("created_at", "pk")
    return render(request, "organisms/meeting_form.html", {"meeting": meeting, "form": form, "bookings": bookings})


@require_POST
@organism_required
def meeting_cancel_view(request, public_id):
    meeting = scoped_meeting(request, public_id)
    told = meeting_cancel(meeting=meeting, request=request)
    messages.success(
        request, f"Réunion annulée ; {counted(told, 'personne prévenue', 'personnes prévenues')} par courriel."
    )
    return redirect("backoffice:meetings", public_id=meeting.action.public_id)
