"""The organisation's exchanges: LHÉO import and export, spreadsheets of sessions (template, download, upload)."""

from uuid import uuid4

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from core.models import Job
from exchange import jobs as import_jobs
from exchange.lheo_export import ExportScope
from exchange.spreadsheet import COLUMNS, current_rows, to_csv, to_xlsx
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
        return start_upload(request, upload, kind=Job.Kind.LHEO_IMPORT, label="Import LHÉO", suffix="xml")
    return render(
        request,
        "organisms/import_lheo.html",
        {"form": form, "max_megabytes": round(settings.LHEO_IMPORT_MAX_BYTES / 1e6)},
    )


def start_upload(request, upload, *, kind: str, label: str, suffix: str):
    """Keeps the uploaded file, records the job, queues its check once the request commits, and sends the person to
    the job's page. A new upload replaces the person's preview still waiting for confirmation."""
    import_jobs.forget_previews(request.user, request.organism, kind)
    path = default_storage.save(f"imports/{request.organism.pk}-{uuid4().hex}.{suffix}", upload)
    job = Job.objects.create(
        kind=kind,
        user=request.user,
        organism=request.organism,
        label=f"{label} « {upload.name[:200]} »",
        stage="check",
        input_path=path,
        params={"name": upload.name[:200]},
    )
    import_jobs.start_check(job)
    return redirect("backoffice:job", pk=job.pk)


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
    """Upload a spreadsheet of sessions: checked in the background like an LHÉO file (exchange.jobs), the preview and
    the confirmation on the job's page."""
    form = SpreadsheetUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["fichier"]
        suffix = "xlsx" if upload.name.lower().endswith(".xlsx") else "csv"
        return start_upload(request, upload, kind=Job.Kind.SESSIONS_UPLOAD, label="Import du tableur", suffix=suffix)
    return render(request, "organisms/sessions_upload.html", {"form": form, "report": None, "columns": COLUMNS})
