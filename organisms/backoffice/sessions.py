"""The organisation's sessions: editing, duplication, publication, bulk actions and results."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core.templatetags.french import long_date_text
from sessions.models import SessionOutcome, TrainingSession
from sessions.services import (
    bulk_result_message,
    outcome_save,
    session_duplicate,
    session_save,
    sessions_bulk_update,
)

from ..permissions import organism_required
from .scope import scoped_action, scoped_session
from .session_forms import BulkSessionsForm, DuplicateSessionForm, OutcomeForm, TrainingSessionForm


@require_http_methods(["GET", "POST"])
@organism_required
def session_edit(request, public_id=None, action_public_id=None):
    if public_id:
        session = scoped_session(request, public_id)
        action = session.action
    else:
        action = scoped_action(request, action_public_id)
        session = TrainingSession(action=action, is_published=True)
    form = TrainingSessionForm(request.POST or None, instance=session, action=action)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in TrainingSessionForm.Meta.fields}
        session_save(session=session, data=data, by=request.user, organism=request.organism)
        messages.success(request, "Session enregistrée ; elle est confirmée à la date du jour.")
        return redirect("backoffice:dashboard")
    return render(request, "organisms/session_form.html", {"form": form, "session": session, "action": action})


@require_http_methods(["GET", "POST"])
@organism_required
def session_duplicate_view(request, public_id):
    session = scoped_session(request, public_id)
    form = DuplicateSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        copy = session_duplicate(
            session=session,
            start_date=form.cleaned_data["start_date"],
            end_date=form.cleaned_data["end_date"],
            by=request.user,
            organism=request.organism,
        )
        messages.success(request, "Session dupliquée : vérifiez-la.")
        return redirect("backoffice:session_edit", public_id=copy.public_id)
    return render(request, "organisms/session_duplicate.html", {"form": form, "session": session})


def back_to_dashboard(request):
    """The dashboard page the person came from (its filter and page), never another site."""
    dashboard = reverse("backoffice:dashboard")
    target = request.POST.get("next", "")
    return redirect(target if target.startswith(dashboard + "?") else dashboard)


@require_POST
@organism_required
def sessions_bulk(request):
    sessions = TrainingSession.objects.for_organism(request.organism).only("pk", "public_id")
    form = BulkSessionsForm(request.POST, sessions=sessions)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return back_to_dashboard(request)
    chosen = list(
        TrainingSession.objects.for_organism(request.organism).filter(public_id__in=form.cleaned_data["sessions"])
    )
    operation = form.cleaned_data["operation"]
    count = sessions_bulk_update(sessions=chosen, operation=operation, by=request.user, organism=request.organism)
    messages.success(request, bulk_result_message(operation=operation, count=count))
    return back_to_dashboard(request)


@require_POST
@organism_required
def session_confirm(request, public_id):
    """Confirms one session from the dashboard's priority list: htmx gets the list item back, others the
    dashboard."""
    session = scoped_session(request, public_id)
    sessions_bulk_update(sessions=[session], operation="confirmer", by=request.user, organism=request.organism)
    if request.htmx:
        return render(request, "organisms/dashboard_confirm_item.html", {"session": session, "confirmed": True})
    when = f" du {long_date_text(session.start_date)}" if session.start_date else ""
    messages.success(request, f"Session{when} confirmée.")
    return redirect("backoffice:dashboard")


@require_http_methods(["GET", "POST"])
@organism_required
def session_outcome(request, public_id):
    """Results of a session of a labelled action (programme evaluation); other sessions have none."""
    session = scoped_session(request, public_id)
    labels = list(session.action.labels.evaluated().select_related("programme"))
    if not labels:
        raise Http404("Les résultats ne sont demandés que pour les sessions d'une action labellisée.")
    outcome = SessionOutcome.objects.filter(session=session).first()
    form = OutcomeForm(request.POST or None, instance=outcome or SessionOutcome(session=session))
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in OutcomeForm.Meta.fields}
        outcome_save(session=session, data=data, by=request.user, organism=request.organism)
        messages.success(request, "Résultats enregistrés.")
        return redirect("backoffice:dashboard")
    quotas = [
        (label.programme, label.programme.min_priority_share)
        for label in labels
        if label.programme.min_priority_share is not None
    ]
    return render(
        request,
        "organisms/session_outcome.html",
        {"form": form, "session": session, "labels": labels, "quotas": quotas},
    )
