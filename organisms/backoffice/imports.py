"""The organisation's exchanges: LHÉO import and export, spreadsheets of sessions (template, download, upload)."""

from uuid import uuid4

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from core.models import Job
from exchange import jobs as import_jobs
from exchange.lheo_export import ExportScope
from exchange.spreadsheet import COLUMNS, current_rows, to_csv, to_xlsx, upload_sessions
from exchange.views import lheo_download

from ..permissions import approved_organism_required, organism_required
from .import_forms import LheoUploadForm, SpreadsheetUploadForm


@require_safe
@organism_required
def export_lheo_view(request):
    """The organisation's published offer in LHÉO 2.3."""
    scope = ExportScope(organism=request.organism, base_url=request.build_absolute_uri("/"))
    return lheo_download(scope, request.organism.slug)


@require_http_methods(["GET", "POST"])
@approved_organism_required
def import_lheo_view(request):
    """Upload an LHÉO file of the organisation's offer: it is checked in the background (exchange.jobs), the person
    follows it on the job's page, sees the preview there and confirms the one write."""
    form = LheoUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["fichier"]
        path = default_storage.save(f"imports/{request.organism.pk}-{uuid4().hex}.xml", upload)
        job = Job.objects.create(
            kind=Job.Kind.LHEO_IMPORT,
            user=request.user,
            organism=request.organism,
            label=f"Import LHÉO « {upload.name[:200]} »",
            stage="check",
            input_path=path,
            params={"name": upload.name[:200]},
        )
        import_jobs.start_check(job)
        return redirect("backoffice:job", pk=job.pk)
    return render(request, "organisms/import_lheo.html", {"form": form, "report": None})


SPREADSHEET_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@require_safe
@organism_required
def sessions_spreadsheet(request, kind, fmt):
    """The template (empty) or the organisation's current sessions, in the upload's format."""
    if fmt not in SPREADSHEET_TYPES or kind not in ("modele", "sessions"):
        raise Http404("Format inconnu.")
    rows = current_rows(request.organism) if kind == "sessions" else []
    body = to_csv(rows) if fmt == "csv" else to_xlsx(rows)
    response = HttpResponse(body, content_type=SPREADSHEET_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{kind}-{request.organism.slug}.{fmt}"'
    return response


@require_http_methods(["GET", "POST"])
@approved_organism_required
def sessions_upload(request):
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
    stored = request.session.pop(key, None)
    path = stored["path"] if isinstance(stored, dict) else stored
    if path and default_storage.exists(path):
        default_storage.delete(path)
