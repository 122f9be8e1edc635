"""The person's and the adviser's side of candidatures and information meetings."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import User
from accounts.permissions import adviser_required, jobseeker_required, searcher_required
from catalogue.ical import timed_calendar
from catalogue.models import Action
from sessions.models import TrainingSession
from shortlists.scope import scoped_shortlist
from shortlists.services import KeepError, share_read

from .forms import InterestForm, PrescriptionForm, WithdrawForm
from .models import Booking, Candidature, InformationMeeting
from .scope import own_candidatures, scoped_booking, scoped_candidature
from .services import BookingError, booking_cancel, candidature_send, candidature_withdraw, meeting_book
from .states import WITHDRAWABLE, CandidatureError

PAGE_SIZE = 50


def public_session(action_id, session_id) -> TrainingSession:
    return get_object_or_404(
        TrainingSession.objects.public().select_related("action__formation__organism", "place__commune"),
        action__public_id=action_id,
        public_id=session_id,
    )


def shortlist_session(shortlist, session_id) -> TrainingSession:
    """A public session of one of the shortlist's trainings (404 otherwise)."""
    return get_object_or_404(
        TrainingSession.objects.public()
        .filter(action_id__in=shortlist.items.values("action_id"))
        .select_related("action__formation__organism", "place__commune"),
        public_id=session_id,
    )


def send_from(form, *, request, session, origin, contact_email: str = "", **who):
    """Sends the candidature a valid form describes; None, with the reason on the form, when it is refused."""
    data = form.cleaned_data
    try:
        return candidature_send(
            session=session,
            origin=origin,
            contact_name=data["contact_name"],
            contact_email=contact_email or data.get("contact_email", ""),
            contact_phone=data["contact_phone"],
            message=data["message"],
            consent=data["consent"],
            request=request,
            **who,
        )
    except CandidatureError as error:
        form.add_error(None, str(error))
        return None


# "Je suis intéressé·e" ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def interest(request, public_id, session_id):
    """A jobseeker's candidature to a session whose registration is open. Anonymous visitors log in first."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return interest_form(request, public_id, session_id)


@jobseeker_required
def interest_form(request, public_id, session_id):
    session = public_session(public_id, session_id)
    user = request.user
    existing = (
        Candidature.objects.filter(person=user, session=session).exclude(state__in=["refused", "withdrawn"]).first()
    )
    form = InterestForm(request.POST or None, account=user, initial={"contact_name": user.get_full_name()})
    if request.method == "POST" and form.is_valid():
        candidature = send_from(
            form,
            request=request,
            session=session,
            origin=Candidature.Origin.PERSON,
            person=user,
            contact_email=user.email,
        )
        if candidature is not None:
            messages.success(request, f"Votre intérêt est transmis à {session.action.formation.organism.usual_name}.")
            return redirect("candidatures:candidature", public_id=candidature.public_id)
    return render(
        request,
        "candidatures/interest.html",
        {"form": form, "session": session, "status": session.status(), "existing": existing},
    )


@require_http_methods(["GET", "POST"])
def shared_interest(request, token, session_id):
    """The same, from a shortlist an adviser shared: no account needed; the adviser follows the answer."""
    try:
        shortlist = share_read(token, now=timezone.now())
    except KeepError as error:
        return render(request, "shortlists/shared_invalid.html", {"error": str(error)}, status=404)
    session = shortlist_session(shortlist, session_id)
    person = request.user if request.user.is_authenticated and request.user.kind == User.Kind.JOBSEEKER else None
    form = InterestForm(
        request.POST or None,
        account=person,
        initial={"contact_name": person.get_full_name() if person else ""},
    )
    if request.method == "POST" and form.is_valid():
        sent = send_from(
            form,
            request=request,
            session=session,
            origin=Candidature.Origin.SHARED_LIST,
            person=person,
            shortlist=shortlist,
            contact_email=person.email if person else "",
        )
        if sent is not None:
            messages.success(
                request,
                f"Votre intérêt est transmis à {session.action.formation.organism.usual_name}. Votre conseiller suit "
                "la réponse ; vous la recevrez aussi par courriel.",
            )
            return redirect(reverse("shortlists:shared", args=[token]) + f"#session-{session.public_id}")
    return render(
        request,
        "candidatures/interest.html",
        {
            "form": form,
            "session": session,
            "status": session.status(),
            "existing": None,
            "token": token,
            "shortlist": shortlist,
        },
    )


@require_http_methods(["GET", "POST"])
@adviser_required
def prescribe(request, public_id, session_id):
    shortlist = scoped_shortlist(request, public_id)
    session = shortlist_session(shortlist, session_id)
    form = PrescriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        candidature = send_from(
            form,
            request=request,
            session=session,
            origin=Candidature.Origin.ADVISER,
            adviser=request.user,
            shortlist=shortlist,
        )
        if candidature is not None:
            messages.success(request, f"Candidature envoyée à {session.action.formation.organism.usual_name}.")
            return redirect("candidatures:candidature", public_id=candidature.public_id)
    return render(
        request,
        "candidatures/prescribe.html",
        {"form": form, "session": session, "status": session.status(), "shortlist": shortlist},
    )


# Following candidatures ---------------------------------------------------------------------------------------


@require_safe
@searcher_required
def candidatures(request):
    """All of a person's (or an adviser's) candidatures by state, with filters; the same queries whatever their
    number (pinned by a test)."""
    mine = own_candidatures(request.user)
    counts = dict(mine.values_list("state").annotate(n=Count("id")).order_by())
    state = request.GET.get("etat", "")
    rows = mine
    if state in Candidature.State.values:
        rows = rows.filter(state=state)
    elif state == "sans-reponse":
        rows = rows.unanswered()
    client = None
    is_adviser = request.user.kind == User.Kind.ADVISER
    if is_adviser and request.GET.get("personne"):
        client = request.user.shortlists.filter(public_id=request.GET["personne"]).first()
        if client is not None:
            rows = rows.filter(shortlist=client)
    rows = rows.select_related("session__action__formation__organism", "session__place__commune", "shortlist")
    page = Paginator(rows.order_by("-created_at", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "candidatures/candidatures.html",
        {
            "page": page,
            "states": [(s.value, s.label, counts.get(s.value, 0)) for s in Candidature.State],
            "unanswered": counts.get("sent", 0) + counts.get("read", 0),
            "total": sum(counts.values()),
            "state": state,
            "client": client,
            "clients": list(request.user.shortlists.order_by("label").only("public_id", "label")) if is_adviser else [],
            "is_adviser": is_adviser,
        },
    )


@require_safe
@searcher_required
def candidature(request, public_id):
    candidature = scoped_candidature(request, public_id)
    return render(
        request,
        "candidatures/candidature.html",
        {
            "candidature": candidature,
            "events": list(candidature.events.select_related("meeting").order_by("created_at", "pk")),
            "can_withdraw": candidature.state in WITHDRAWABLE,
            "withdraw_form": WithdrawForm(),
        },
    )


@require_POST
@searcher_required
def withdraw(request, public_id):
    candidature = scoped_candidature(request, public_id)
    form = WithdrawForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    try:
        candidature_withdraw(candidature=candidature, message=message, request=request)
    except CandidatureError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Candidature retirée ; l'organisme en est informé.")
    return redirect("candidatures:candidature", public_id=public_id)


# Information meetings -----------------------------------------------------------------------------------------


@require_POST
def book(request, public_id):
    if not request.user.is_authenticated:
        meeting = get_object_or_404(InformationMeeting.objects.select_related("action"), public_id=public_id)
        return redirect_to_login(reverse("action_detail", args=[meeting.action.public_id]) + "#reunions")
    return book_seat(request, public_id)


@jobseeker_required
def book_seat(request, public_id):
    meeting = get_object_or_404(
        InformationMeeting.objects.filter(action__in=Action.objects.published()).select_related("action__formation"),
        public_id=public_id,
    )
    try:
        meeting_book(meeting=meeting, person=request.user, request=request)
    except BookingError as error:
        messages.error(request, str(error))
        return redirect(reverse("action_detail", args=[meeting.action.public_id]) + "#reunions")
    messages.success(
        request, f"Place réservée à la réunion du {timezone.localtime(meeting.starts_at):%d/%m/%Y à %H:%M}."
    )
    return redirect("candidatures:bookings")


@require_safe
@jobseeker_required
def bookings(request):
    rows = (
        Booking.objects.filter(person=request.user)
        .select_related("meeting__action__formation__organism")
        .order_by("-meeting__starts_at", "pk")
    )
    now = timezone.now()
    return render(request, "candidatures/bookings.html", {"bookings": rows, "now": now})


@require_POST
@jobseeker_required
def booking_cancel_view(request, public_id):
    booking = scoped_booking(request, public_id)
    booking_cancel(booking=booking)
    messages.success(request, "Réservation annulée : la place est libérée.")
    return redirect("candidatures:bookings")


@require_safe
@jobseeker_required
def booking_ical(request, public_id):
    booking = scoped_booking(request, public_id)
    meeting = booking.meeting
    action = meeting.action
    url = request.build_absolute_uri(reverse("action_detail", args=[action.public_id]))
    body = timed_calendar(
        uid=f"meeting-{meeting.public_id}-{booking.public_id}@{request.get_host().split(':')[0]}",
        starts_at=meeting.starts_at,
        ends_at=meeting.starts_at + timedelta(minutes=meeting.duration_minutes),
        summary="Réunion d'information : " + action.formation.title,
        description=action.formation.organism.usual_name + ". " + meeting.details + " " + url,
        location=meeting.address or meeting.online_url,
        url=url,
        now=timezone.now(),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="reunion-{meeting.public_id}.ics"'
    return response
