"""An organisation's back office. Every object is fetched through `request.organism`: another organisation's
object is a 404. Writes go through services, which validate and audit."""

from uuid import uuid4

from django.contrib import messages
from django.core.mail import EmailMessage
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from catalogue.backoffice_forms import ActionForm, FormationForm, TrainingPlaceForm
from catalogue.exchange.lheo_export import ExportScope
from catalogue.models import Action, ActionLabel, AuditEntry, Formation, TrainingPlace
from catalogue.services import LabelError, action_save, action_set_published, formation_save, label_request, place_add
from catalogue.staff import lheo_response
from catalogue.staff_forms import LabelRequestForm, OutcomeForm
from sessions.forms import BulkSessionsForm, DuplicateSessionForm, TrainingSessionForm
from sessions.models import SessionOutcome, TrainingSession
from sessions.services import (
    BULK_OPERATIONS,
    outcome_save,
    session_duplicate,
    session_save,
    session_set_published,
    sessions_bulk_update,
)

from .dashboard import organism_dashboard
from .forms import InvitationForm, LheoUploadForm, SpreadsheetUploadForm
from .models import Membership
from .permissions import organism_admin_required, organism_required
from .services import MembershipError, invitation_token, member_remove


def scoped_formation(request, pk) -> Formation:
    return get_object_or_404(Formation.objects.filter(organism=request.organism), pk=pk)


def scoped_action(request, public_id) -> Action:
    return get_object_or_404(
        Action.objects.for_organism(request.organism).select_related("formation"), public_id=public_id
    )


def scoped_session(request, public_id) -> TrainingSession:
    return get_object_or_404(
        TrainingSession.objects.for_organism(request.organism).select_related("action__formation"), public_id=public_id
    )


@require_safe
@organism_required
def dashboard(request):
    board = organism_dashboard(request.organism, now=timezone.now(), today=timezone.localdate())
    return render(
        request,
        "organisms/dashboard.html",
        {"board": board, "bulk_operations": [(key, label) for key, (label, _) in BULK_OPERATIONS.items()]},
    )


@require_http_methods(["GET", "POST"])
@organism_required
def formation_edit(request, pk=None):
    formation = scoped_formation(request, pk) if pk else Formation(organism=request.organism)
    form = FormationForm(request.POST or None, instance=formation)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in FormationForm.Meta.fields}
        formation_save(formation=formation, data=data, rome_codes=form.cleaned_data["rome"], by=request.user)
        messages.success(request, f"Formation « {formation.title} » enregistrée.")
        return redirect("backoffice:dashboard")
    return render(request, "organisms/formation_form.html", {"form": form, "formation": formation})


@require_http_methods(["GET", "POST"])
@organism_required
def action_edit(request, public_id=None, formation_pk=None):
    if public_id:
        action = scoped_action(request, public_id)
    else:
        action = Action(formation=scoped_formation(request, formation_pk))
    form = ActionForm(request.POST or None, instance=action)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in ActionForm.Meta.fields}
        action_save(
            action=action,
            data=data,
            audiences=form.cleaned_data["audiences"],
            funders=form.cleaned_data["funders"],
            by=request.user,
        )
        messages.success(request, "Action de formation enregistrée.")
        return redirect("backoffice:action_edit", public_id=action.public_id)
    place_form = TrainingPlaceForm(prefix="place") if action.pk else None
    return render(request, "organisms/action_form.html", {"form": form, "action": action, "place_form": place_form})


@require_POST
@organism_required
def place_new(request, public_id):
    action = scoped_action(request, public_id)
    place_form = TrainingPlaceForm(request.POST, prefix="place", instance=TrainingPlace(action=action))
    if place_form.is_valid():
        place_add(place=place_form.instance, by=request.user)
        messages.success(request, "Lieu de formation ajouté.")
        return redirect("backoffice:action_edit", public_id=action.public_id)
    form = ActionForm(instance=action)
    return render(request, "organisms/action_form.html", {"form": form, "action": action, "place_form": place_form})


@require_POST
@organism_required
def action_publish(request, public_id):
    action = scoped_action(request, public_id)
    published = request.POST.get("publier") == "1"
    action_set_published(action=action, published=published, by=request.user)
    messages.success(request, "Action publiée." if published else "Action retirée de la publication.")
    return redirect("backoffice:dashboard")


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


@require_POST
@organism_required
def session_publish(request, public_id):
    session = scoped_session(request, public_id)
    published = request.POST.get("publier") == "1"
    session_set_published(session=session, published=published, by=request.user, organism=request.organism)
    messages.success(request, "Session publiée." if published else "Session retirée de la publication.")
    return redirect("backoffice:dashboard")


@require_POST
@organism_required
def sessions_bulk(request):
    sessions = TrainingSession.objects.for_organism(request.organism).only("pk", "public_id")
    form = BulkSessionsForm(request.POST, sessions=sessions)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("backoffice:dashboard")
    chosen = list(
        TrainingSession.objects.for_organism(request.organism).filter(public_id__in=form.cleaned_data["sessions"])
    )
    operation = form.cleaned_data["operation"]
    count = sessions_bulk_update(sessions=chosen, operation=operation, by=request.user, organism=request.organism)
    label = BULK_OPERATIONS[operation][0].lower()
    messages.success(request, f"{count} session{'s' if count > 1 else ''} : {label}, c'est fait.")
    return redirect("backoffice:dashboard")


@require_safe
@organism_required
def history(request):
    entries = (
        AuditEntry.objects.filter(organism=request.organism)
        .select_related("content_type")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.readable_changes = readable_changes(entry)
    return render(request, "organisms/history.html", {"page": page})


def readable_changes(entry) -> list[tuple[str, str, str]]:
    """(field label, before, after) in French: verbose names, dates as dd/mm/yyyy, booleans as oui/non."""
    from datetime import date, datetime

    model = entry.content_type.model_class()

    def label(name):
        try:
            return str(model._meta.get_field(name.removesuffix("_id")).verbose_name)
        except Exception:
            return name.replace("_", " ")

    def value(v):
        if v is None or v == "":
            return "(vide)"
        if isinstance(v, bool):
            return "oui" if v else "non"
        if isinstance(v, str):
            for parse, fmt in ((datetime.fromisoformat, "%d/%m/%Y %H:%M"), (date.fromisoformat, "%d/%m/%Y")):
                try:
                    parsed = parse(v)
                except ValueError:
                    continue
                if isinstance(parsed, datetime):
                    from django.utils import timezone

                    parsed = timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed
                return parsed.strftime(fmt)
        if isinstance(v, list):
            return ", ".join(str(item) for item in v) or "(vide)"
        return str(v)

    return [(label(name), value(values[0]), value(values[1])) for name, values in entry.changes.items()]


@require_safe
@organism_required
def members(request):
    memberships = request.organism.memberships.select_related("user").order_by("user__email")
    return render(
        request,
        "organisms/members.html",
        {"memberships": memberships, "form": InvitationForm(), "is_admin": request.membership.role == "admin"},
    )


@require_POST
@organism_admin_required
def member_invite(request):
    form = InvitationForm(request.POST)
    if form.is_valid():
        email = form.cleaned_data["email"]
        token = invitation_token(organism=request.organism, email=email, by=request.user)
        link = request.build_absolute_uri(reverse("invitation_accept", args=[token]))
        EmailMessage(
            subject=f"[Catalogue des formations] Invitation à rejoindre {request.organism.usual_name}",
            body=(
                f"Bonjour,\n\n{request.user.get_full_name() or request.user.email} vous invite à tenir à jour les "
                f"formations de {request.organism.usual_name} sur le catalogue régional.\n\nPour accepter, ouvrez ce "
                f"lien (valable 7 jours) :\n{link}\n"
            ),
            to=[email],
        ).send()
        messages.success(request, f"Invitation envoyée à {email}.")
        return redirect("backoffice:members")
    memberships = request.organism.memberships.select_related("user").order_by("user__email")
    return render(request, "organisms/members.html", {"memberships": memberships, "form": form, "is_admin": True})


@require_POST
@organism_admin_required
def member_remove_view(request, pk):
    membership = get_object_or_404(Membership.objects.filter(organism=request.organism).select_related("user"), pk=pk)
    try:
        member_remove(membership=membership, by=request.user)
    except MembershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{membership.user.email} ne fait plus partie de l'organisme.")
    return redirect("backoffice:members")


@require_http_methods(["GET", "POST"])
@organism_required
def label_request_view(request, public_id):
    action = scoped_action(request, public_id)
    form = LabelRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            label_request(
                action=action,
                programme=form.cleaned_data["programme"],
                justification=form.cleaned_data["justification"],
                by=request.user,
            )
        except LabelError as error:
            form.add_error("programme", str(error))
        else:
            messages.success(request, "Demande de label envoyée à la Région.")
            return redirect("backoffice:action_edit", public_id=action.public_id)
    labels = action.labels.select_related("programme").order_by("programme__name")
    return render(request, "organisms/label_request.html", {"form": form, "action": action, "labels": labels})


@require_http_methods(["GET", "POST"])
@organism_required
def session_outcome(request, public_id):
    """Results of a session of a labelled action (programme evaluation); other sessions have none."""
    session = scoped_session(request, public_id)
    labels = list(
        session.action.labels.filter(state__in=[ActionLabel.State.GRANTED, ActionLabel.State.WITHDRAWN]).select_related(
            "programme"
        )
    )
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


@require_safe
@organism_required
def export_lheo_view(request):
    """The organisation's published offer in LHÉO 2.3."""
    scope = ExportScope(organism=request.organism, base_url=request.build_absolute_uri("/"))
    return lheo_response(scope, request.organism.slug)


@require_http_methods(["GET", "POST"])
@organism_required
def import_lheo_view(request):
    """Upload an LHÉO file of the organisation's offer: every problem listed, a preview, then one write."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from catalogue.exchange.lheo_import import import_lheo

    form = LheoUploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and request.POST.get("confirmer"):
        name = request.session.get("lheo_upload")
        if not name or not name.startswith(f"imports/{request.organism.pk}-") or not default_storage.exists(name):
            messages.error(request, "Le fichier à importer n'est plus disponible : déposez-le à nouveau.")
            return redirect("backoffice:import_lheo")
        with default_storage.open(name, "rb") as stored:
            report = import_lheo(stored.read(), organism=request.organism, commit=True, by=request.user)
        default_storage.delete(name)
        request.session.pop("lheo_upload", None)
        if report.written:
            messages.success(request, f"Import terminé. {report.summary()}")
            return redirect("backoffice:dashboard")
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data["fichier"].read()
        report = import_lheo(data, organism=request.organism, commit=False, by=request.user)
        forget_upload(request, "lheo_upload")
        if report.ok:
            name = default_storage.save(f"imports/{request.organism.pk}-{uuid4().hex}.xml", ContentFile(data))
            request.session["lheo_upload"] = name
    return render(request, "organisms/import_lheo.html", {"form": form, "report": report})


SPREADSHEET_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@require_safe
@organism_required
def sessions_spreadsheet(request, kind, fmt):
    """The template (empty) or the organisation's current sessions, in the upload's format."""
    from sessions.spreadsheet import current_rows, to_csv, to_xlsx

    if fmt not in SPREADSHEET_TYPES or kind not in ("modele", "sessions"):
        raise Http404("Format inconnu.")
    rows = current_rows(request.organism) if kind == "sessions" else []
    body = to_csv(rows) if fmt == "csv" else to_xlsx(rows)
    response = HttpResponse(body, content_type=SPREADSHEET_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{kind}-{request.organism.slug}.{fmt}"'
    return response


@require_http_methods(["GET", "POST"])
@organism_required
def sessions_upload(request):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from sessions.spreadsheet import COLUMNS, upload_sessions

    form = SpreadsheetUploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and request.POST.get("confirmer"):
        stored = request.session.get("sessions_upload")
        if (
            not stored
            or not stored["path"].startswith(f"imports/{request.organism.pk}-")
            or not default_storage.exists(stored["path"])
        ):
            messages.error(request, "Le fichier à importer n'est plus disponible : déposez-le à nouveau.")
            return redirect("backoffice:sessions_upload")
        with default_storage.open(stored["path"], "rb") as handle:
            report = upload_sessions(
                handle.read(), stored["name"], organism=request.organism, by=request.user, commit=True
            )
        default_storage.delete(stored["path"])
        request.session.pop("sessions_upload", None)
        if report.written:
            messages.success(
                request, f"Import terminé : {report.created} session(s) créée(s), {report.updated} modifiée(s)."
            )
            return redirect("backoffice:dashboard")
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["fichier"]
        data = upload.read()
        report = upload_sessions(data, upload.name, organism=request.organism, by=request.user, commit=False)
        forget_upload(request, "sessions_upload")
        if report.ok:
            suffix = "xlsx" if upload.name.lower().endswith(".xlsx") else "csv"
            path = default_storage.save(f"imports/{request.organism.pk}-{uuid4().hex}.{suffix}", ContentFile(data))
            request.session["sessions_upload"] = {"path": path, "name": upload.name}
    return render(request, "organisms/sessions_upload.html", {"form": form, "report": report, "columns": COLUMNS})


def forget_upload(request, key: str) -> None:
    """A new preview replaces the previous one: its stored file is deleted."""
    from django.core.files.storage import default_storage

    stored = request.session.pop(key, None)
    path = stored["path"] if isinstance(stored, dict) else stored
    if path and default_storage.exists(path):
        default_storage.delete(path)
