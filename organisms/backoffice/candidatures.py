"""The organisation's candidatures: an inbox for the whole organisation and per session, each answered with a state
and a message; a session's candidatures as CSV. The same queries whatever their number (pinned by a test)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from candidatures.models import Candidature, InformationMeeting
from candidatures.scope import organism_candidature
from candidatures.services import candidature_answer, candidature_mark_read
from candidatures.states import CandidatureError
from core.spreadsheets import CSV_CONTENT_TYPE, csv_bytes

from ..permissions import organism_required
from .candidature_forms import AnswerForm
from .scope import scoped_session

PAGE_SIZE = 50


def inbox_context(request, candidatures, *, session=None) -> dict:
    counts = dict(candidatures.values_list("state").annotate(n=Count("id")).order_by())
    state = request.GET.get("etat", "sans-reponse" if counts.get("sent") or counts.get("read") else "")
    rows = candidatures
    if state == "sans-reponse":
        rows = rows.unanswered()
    elif state in Candidature.State.values:
        rows = rows.filter(state=state)
    rows = rows.select_related(
        "session__action__formation", "session__place__commune", "adviser", "shortlist"
    ).order_by("-created_at", "pk")
    return {
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "states": [(s.value, s.label, counts.get(s.value, 0)) for s in Candidature.State],
        "unanswered": counts.get("sent", 0) + counts.get("read", 0),
        "total": sum(counts.values()),
        "state": state,
        "session": session,
        "now": timezone.now(),
    }


@require_safe
@organism_required
def inbox(request):
    candidatures = Candidature.objects.filter(organism=request.organism)
    return render(request, "organisms/candidatures.html", inbox_context(request, candidatures))


@require_safe
@organism_required
def session_inbox(request, public_id):
    session = scoped_session(request, public_id)
    candidatures = Candidature.objects.filter(organism=request.organism, session=session)
    return render(request, "organisms/candidatures.html", inbox_context(request, candidatures, session=session))


@require_http_methods(["GET", "POST"])
@organism_required
def candidature_detail(request, public_id):
    """Opening a candidature marks it read; the form answers it."""
    candidature = organism_candidature(request, public_id)
    candidature_mark_read(candidature)
    meetings = InformationMeeting.objects.upcoming(timezone.now()).filter(action=candidature.session.action)
    form = AnswerForm(request.POST or None, candidature=candidature, meetings=meetings)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            candidature_answer(
                candidature=candidature,
                state=data["state"],
                message=data["message"],
                meeting=data["meeting"],
                take_place=bool(data.get("take_place")),
                by=request.user,
                request=request,
            )
        except CandidatureError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Réponse enregistrée : {candidature.get_state_display().lower()}.")
            return redirect("backoffice:candidatures")
    return render(
        request,
        "organisms/candidature.html",
        {
            "candidature": candidature,
            "form": form,
            "events": list(candidature.events.select_related("meeting").order_by("created_at", "pk")),
            "now": timezone.now(),
        },
    )


@require_safe
@organism_required
def session_candidatures_csv(request, public_id):
    session = scoped_session(request, public_id)
    rows = (
        Candidature.objects.filter(organism=request.organism, session=session)
        .select_related("adviser")
        .order_by("created_at", "pk")
    )
    table = [
        [
            "Identifiant",
            "Envoyée le",
            "Envoyée par",
            "Nom",
            "Courriel",
            "Téléphone",
            "Message",
            "Conseiller",
            "Structure du conseiller",
            "Courriel du conseiller",
            "État",
            "Première réponse le",
        ]
    ]
    for c in rows:
        table.append(
            [
                c.public_id,
                timezone.localtime(c.created_at).strftime("%d/%m/%Y %H:%M"),
                c.get_origin_display(),
                c.contact_name,
                c.contact_email,
                c.contact_phone,
                c.message,
                c.adviser.get_full_name() if c.adviser else "",
                c.adviser.structure if c.adviser else "",
                c.adviser.email if c.adviser else "",
                c.get_state_display(),
                timezone.localtime(c.answered_at).strftime("%d/%m/%Y %H:%M") if c.answered_at else "",
            ]
        )
    response = HttpResponse(csv_bytes(table), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="candidatures-{session.public_id}.csv"'
    return response
