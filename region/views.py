"""Region staff's back office: organisation approval, programmes, labels, and the dashboard of the offer."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_tasks_db.models import DBTaskResult

from candidatures.figures import LoopFigures
from candidatures.models import Candidature
from catalogue.decisions import GRANTABLE_ORGANISMS, LabelDecision, LabelError, priority_share_check
from catalogue.models import Action, ActionLabel, Programme
from catalogue.services import label_decide, label_grant_direct, programme_save
from core import jobs
from core.audit import readable_changes
from core.models import AuditEntry, EmailDelivery, Job
from core.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, Sheet, csv_bytes, xlsx_bytes
from exchange import jobs as import_jobs
from exchange.lheo_export import ExportScope
from exchange.models import FeedSource, ImportRun
from exchange.views import lheo_download
from organisms.decisions import DecisionError
from organisms.models import Organism
from organisms.services import organism_decide
from sessions.models import SessionOutcome

from .dashboard import Filters, Table, region_dashboard, table_by_slug
from .forms import (
    DashboardFilterForm,
    DirectLabelForm,
    LabelDecisionForm,
    OrganismDecisionForm,
    ProgrammeForm,
    WithdrawForm,
)
from .permissions import DECIDE_LABEL, DECIDE_ORGANISM, MANAGE_PROGRAMME, staff_required


def chart_bars(table: Table) -> dict:
    """A horizontal bar chart drawn by the portal: HTML labels and values (they wrap, never cut, and keep the page's
    font size on a phone), each bar an SVG rectangle in a 0-100 box (no inline style: the CSP forbids it). Several
    series give one bar each per label, with a legend. The table beside it gives the values."""
    rows = [(label, value if isinstance(value, tuple) else (value,)) for label, value in table.chart]
    highest = max((v for _, values in rows for v in values), default=0) or 1
    series = table.chart_series or ("",)
    bars = [
        {
            "label": label,
            "values": [
                {
                    "value": v,
                    "width": round(100 * v / highest, 1),
                    "series": n,
                    "name": series[n] if n < len(series) else "",
                }
                for n, v in enumerate(values)
            ],
        }
        for label, values in rows
    ]
    summary = " ; ".join(
        f"{label} : " + ", ".join(f"{series[n]} {v}" if table.chart_series else str(v) for n, v in enumerate(values))
        for label, values in rows
    )
    return {"bars": bars, "summary": summary, "series": list(enumerate(table.chart_series))}


def dashboard_filters(request) -> tuple[DashboardFilterForm, Filters]:
    form = DashboardFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        return form, Filters(data["programme"], data["departement"], data["debut"], data["fin"])
    return form, Filters()


@require_safe
@staff_required()
def dashboard(request):
    form, filters = dashboard_filters(request)
    tables = region_dashboard(filters, now=timezone.now(), today=timezone.localdate())
    return render(
        request,
        "region/dashboard.html",
        {
            "form": form,
            "filters": filters,
            "tables": [(table, chart_bars(table)) for table in tables],
            "query": request.GET.urlencode(),
            "pending_organisms": Organism.objects.filter(approval_state=Organism.ApprovalState.PENDING).count(),
            "pending_labels": ActionLabel.objects.filter(state=ActionLabel.State.REQUESTED).count(),
        },
    )


@require_safe
@staff_required()
def export(request, slug, fmt):
    _, filters = dashboard_filters(request)
    table = table_by_slug(slug, filters, now=timezone.now(), today=timezone.localdate())
    if table is None or fmt not in ("csv", "xlsx"):
        raise Http404("Tableau inconnu.")
    filename = f"{slug}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(csv_bytes([table.columns, *table.rows]), content_type=CSV_CONTENT_TYPE)
    else:
        sheet = Sheet(table.title, [[f"{table.title} ({filters.describe()})"], table.columns, *table.rows])
        response = HttpResponse(xlsx_bytes([sheet]), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@staff_required()
def organisms(request):
    q = request.GET.get("q", "").strip()
    state = request.GET.get("etat") or ("tous" if q else Organism.ApprovalState.PENDING)
    queryset = Organism.objects.select_related("commune").order_by("created_at" if state == "pending" else "usual_name")
    if state in Organism.ApprovalState.values:
        queryset = queryset.filter(approval_state=state)
    if q:
        queryset = queryset.filter(
            Q(usual_name__icontains=q) | Q(legal_name__icontains=q) | Q(siret__startswith=q.replace(" ", ""))
        )
    counts = dict(Organism.objects.values_list("approval_state").annotate(n=Count("id")).order_by())
    return render(
        request,
        "region/organisms.html",
        {
            "page": Paginator(queryset, 50).get_page(request.GET.get("page")),
            "state": state,
            "q": q,
            "states": [(s.value, s.label, counts.get(s.value, 0)) for s in Organism.ApprovalState],
        },
    )


@require_safe
@staff_required()
def organism_detail(request, slug):
    organism = get_object_or_404(Organism.objects.select_related("commune"), slug=slug)
    return render(
        request,
        "region/organism_detail.html",
        organism_context(request, organism, OrganismDecisionForm(organism=organism)),
    )


def organism_context(request, organism, form) -> dict:
    return {
        "organism": organism,
        "form": form,
        "can_decide": request.user.has_perm(DECIDE_ORGANISM),
        "labellable": organism.approval_state in GRANTABLE_ORGANISMS,
        "members": organism.memberships.select_related("user").order_by("user__email"),
        "actions": Action.objects.for_organism(organism)
        .select_related("formation")
        .annotate(n_sessions=Count("sessions"))
        .order_by("formation__title"),
        "loop": LoopFigures.collect(
            Candidature.objects.filter(organism=organism).values_list(
                "organism__usual_name", "state", "created_at", "answered_at", "answer_due_at"
            ),
            [],
        ).total,
        "decisions": with_readable_changes(
            AuditEntry.objects.filter(organism=organism, verb=AuditEntry.Verb.DECISION)
            .select_related("content_type")
            .order_by("-created_at")[:50]
        ),
    }


def with_readable_changes(entries) -> list[AuditEntry]:
    entries = list(entries)
    for entry in entries:
        entry.readable_changes = readable_changes(entry)
    return entries


@require_POST
@staff_required(DECIDE_ORGANISM)
def organism_decision(request, slug):
    organism = get_object_or_404(Organism, slug=slug)
    form = OrganismDecisionForm(request.POST, organism=organism)
    if form.is_valid():
        try:
            organism_decide(
                organism=organism,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                portal_url=request.build_absolute_uri(reverse("backoffice:dashboard")),
                request=request,
            )
        except DecisionError as error:
            form.add_error(None, str(error))
        else:
            # Whether the organisation's email left is said after commit, by organism_decide.
            messages.success(request, f"{organism.usual_name} : {organism.get_approval_state_display().lower()}.")
            return redirect("region:organism_detail", slug=organism.slug)
    return render(request, "region/organism_detail.html", organism_context(request, organism, form), status=200)


@require_safe
@staff_required()
def programmes(request):
    rows = Programme.objects.annotate(
        labelled=Count("labels", filter=Q(labels__state=ActionLabel.State.GRANTED)),
        requested=Count("labels", filter=Q(labels__state=ActionLabel.State.REQUESTED)),
    ).order_by("name")
    return render(
        request, "region/programmes.html", {"programmes": rows, "can_manage": request.user.has_perm(MANAGE_PROGRAMME)}
    )


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE_PROGRAMME)
def programme_edit(request, slug=None):
    programme = get_object_or_404(Programme, slug=slug) if slug else Programme()
    form = ProgrammeForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        programme_save(programme=programme, data=form.programme_data(), by=request.user)
        messages.success(request, f"Programme « {programme.name} » enregistré.")
        return redirect("region:programmes")
    return render(request, "region/programme_form.html", {"form": form, "programme": programme})


@require_safe
@staff_required()
def labels(request):
    queue = (
        ActionLabel.objects.filter(state=ActionLabel.State.REQUESTED)
        .select_related("programme", "action__formation__organism")
        .order_by("requested_at", "pk")
    )
    recent = (
        ActionLabel.objects.exclude(state=ActionLabel.State.REQUESTED)
        .filter(decided_at__isnull=False)
        .select_related("programme", "action__formation__organism")
        .order_by("-decided_at")[:20]
    )
    return render(request, "region/labels.html", {"queue": queue, "recent": recent})


def label_context(request, label, form=None, withdraw_form=None) -> dict:
    action = label.action
    return {
        "label": label,
        "action": action,
        "form": form
        or LabelDecisionForm(
            programme=label.programme,
            organism_state=action.formation.organism.approval_state,
            initial={"valid_from": timezone.localdate()},
        ),
        "share": priority_share_check(
            minimum=label.programme.min_priority_share,
            outcomes=SessionOutcome.objects.filter(session__action=action)
            .select_related("session")
            .order_by("session__start_date", "pk"),
        ),
        "withdraw_form": withdraw_form or WithdrawForm(),
        "can_decide": request.user.has_perm(DECIDE_LABEL),
        "audiences": list(action.audiences.all()),
        "funders": list(action.funders.all()),
        "sessions": action.sessions.filter(is_published=True).order_by("start_date")[:20],
        "history": with_readable_changes(
            AuditEntry.objects.filter(object_id=str(label.pk), content_type__model="actionlabel")
            .select_related("content_type")
            .order_by("-created_at")
        ),
    }


@require_http_methods(["GET", "POST"])
@staff_required()
def label_detail(request, pk):
    label = get_object_or_404(ActionLabel.objects.select_related("programme", "action__formation__organism"), pk=pk)
    if request.method == "GET":
        return render(request, "region/label_detail.html", label_context(request, label))
    if not request.user.has_perm(DECIDE_LABEL):
        raise PermissionDenied("Vous n'avez pas le droit de prendre cette décision.")
    form = LabelDecisionForm(
        request.POST, programme=label.programme, organism_state=label.action.formation.organism.approval_state
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            label = label_decide(
                action=label.action,
                programme=label.programme,
                decision=data["decision"],
                by=request.user,
                reason=data["reason"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                checks=data["checks"],
            )
        except LabelError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Décision enregistrée : {label.get_state_display().lower()}.")
            return redirect("region:labels")
    return render(request, "region/label_detail.html", label_context(request, label, form=form))


@require_POST
@staff_required(DECIDE_LABEL)
def label_withdraw(request, pk):
    label = get_object_or_404(ActionLabel.objects.select_related("programme", "action__formation__organism"), pk=pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            label_decide(
                action=label.action,
                programme=label.programme,
                decision=LabelDecision.WITHDRAW,
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except LabelError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Label retiré.")
            return redirect("region:label_detail", pk=label.pk)
    return render(request, "region/label_detail.html", label_context(request, label, withdraw_form=form))


@require_http_methods(["GET", "POST"])
@staff_required(DECIDE_LABEL)
def action_label(request, public_id):
    action = get_object_or_404(Action.objects.select_related("formation__organism"), public_id=public_id)
    form = DirectLabelForm(request.POST or None, initial={"valid_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            label = label_grant_direct(
                action=action,
                programme=data["programme"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                by=request.user,
                reason=data["reason"],
                checks=data["checks"],
            )
        except LabelError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Action labellisée {label.programme.name}.")
            return redirect("region:organism_detail", slug=action.formation.organism.slug)
    grantable = action.formation.organism.approval_state in GRANTABLE_ORGANISMS
    return render(request, "region/action_label.html", {"action": action, "form": form, "grantable": grantable})


@require_safe
@staff_required()
def export_lheo_view(request):
    """The published catalogue in LHÉO 2.3, streamed; optionally one programme's or department's part."""
    _, filters = dashboard_filters(request)
    scope = ExportScope(
        programme=filters.programme,
        department_code=filters.department.code if filters.department else "",
        base_url=request.build_absolute_uri("/"),
    )
    return lheo_download(scope, "catalogue")


@require_POST
@staff_required()
def export_lheo_prepare(request):
    """The same export prepared as a file by a task (the whole offer takes seconds to minutes): the agent follows it
    on its page and downloads it when ready."""
    _, filters = dashboard_filters(request)
    described = filters.describe()
    job = Job.objects.create(
        kind=Job.Kind.LHEO_EXPORT,
        user=request.user,
        label="Export LHÉO de l'offre publiée" + (f" ({described})" if described else ""),
        stage="export",
        params={
            "programme": filters.programme.pk if filters.programme else None,
            "department": filters.department.code if filters.department else "",
            "base_url": request.build_absolute_uri("/"),
        },
    )
    import_jobs.start_export(job)
    return redirect("region:export_job", pk=job.pk)


def own_export(request, pk) -> Job:
    """An export is its requester's only: anyone else's is a 404."""
    return get_object_or_404(Job.objects.filter(user=request.user, kind=Job.Kind.LHEO_EXPORT), pk=pk)


@require_safe
@staff_required()
def export_job(request, pk):
    job = own_export(request, pk)
    jobs.fail_if_stale(job)
    progress = jobs.read_progress(job) if job.is_active else {}
    context = {"job": job, "done": progress.get("done") or 0}
    if request.htmx:
        response = render(request, "region/export_job_status.html", context)
        if not job.is_active:
            response.status_code = 286  # htmx stops polling
        return response
    return render(request, "region/export_job.html", context)


@require_safe
@staff_required()
def export_job_download(request, pk):
    job = own_export(request, pk)
    if job.status != Job.Status.DONE or not job.output_path or not default_storage.exists(job.output_path):
        raise Http404("Ce fichier n'est pas prêt, ou n'est plus disponible.")
    return FileResponse(
        default_storage.open(job.output_path, "rb"),
        as_attachment=True,
        filename=f"lheo-catalogue-{timezone.localtime(job.finished_at):%Y-%m-%d}.xml",
        content_type="application/xml",
    )


# Imports of LHÉO files: every run, its counts and its full report ------------------------------------------------

PROBLEM_COLUMNS = ["Fiche", "Numéro", "Ligne", "Élément", "Problème"]
RECORD_LABELS = {"formation": "Formation", "action": "Action", "session": "Session", "": "Fichier"}


def problem_rows(run: ImportRun) -> list[list]:
    return [
        [
            RECORD_LABELS.get(p.get("record", ""), p.get("record", "")),
            p.get("numero", ""),
            p.get("line") or "",
            p.get("path", ""),
            p.get("message", ""),
        ]
        for p in run.problems
    ]


@require_safe
@staff_required()
def import_runs(request):
    """Every import run, newest first, and the configured feeds with their last run."""
    runs = ImportRun.objects.defer("problems").select_related("source", "organism").order_by("-started_at", "-id")
    source = request.GET.get("flux", "")
    if source:
        runs = runs.filter(source__name=source)
    latest = ImportRun.objects.filter(source=OuterRef("pk")).order_by("-started_at", "-id").values("id")[:1]
    feeds = list(FeedSource.objects.select_related("organism").annotate(last_run_id=Subquery(latest)).order_by("name"))
    last = ImportRun.objects.defer("problems").in_bulk([feed.last_run_id for feed in feeds if feed.last_run_id])
    for feed in feeds:
        feed.last_run = last.get(feed.last_run_id)
    return render(
        request,
        "region/import_runs.html",
        {"page": Paginator(runs, 50).get_page(request.GET.get("page")), "feeds": feeds, "source": source},
    )


@require_safe
@staff_required()
def import_run(request, pk):
    run = get_object_or_404(ImportRun.objects.select_related("source", "organism", "by"), pk=pk)
    page = Paginator(problem_rows(run), 100).get_page(request.GET.get("page"))
    return render(request, "region/import_run.html", {"run": run, "page": page, "columns": PROBLEM_COLUMNS})


@require_safe
@staff_required()
def import_run_report(request, pk):
    """The run's full report as CSV (one line per problem), through core.spreadsheets."""
    run = get_object_or_404(ImportRun, pk=pk)
    response = HttpResponse(csv_bytes([PROBLEM_COLUMNS, *problem_rows(run)]), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-{run.started_at:%Y-%m-%d}.csv"'
    return response


TASK_STATES = [("READY", "En attente"), ("RUNNING", "En cours"), ("FAILED", "En échec"), ("SUCCESSFUL", "Terminées")]


def masked_address(address: str) -> str:
    """ "c***@example.org": the domain (a failing mail server shows) without the person."""
    local, at, domain = address.partition("@")
    return f"{local[:1]}***{at}{domain}" if at else "***"


@require_safe
@staff_required()
def task_queue(request):
    """The background work: tasks waiting, running and failed (with their error), emails retried or failed, the
    people's imports and exports that failed or were retried (ADR 0012)."""
    since = timezone.now() - timezone.timedelta(days=7)
    counts = dict(
        DBTaskResult.objects.filter(enqueued_at__gte=since).values_list("status").annotate(n=Count("id")).order_by()
    )
    tasks = {
        status: list(
            DBTaskResult.objects.filter(status=status)
            .defer("args_kwargs", "return_value")
            .order_by("-enqueued_at")[:50]
        )
        for status in ("READY", "RUNNING", "FAILED")
    }
    for result in tasks["FAILED"]:
        result.error_line = (result.traceback or "").strip().splitlines()[-1:] or [result.exception_class_path]
    emails = list(
        EmailDelivery.objects.filter(
            Q(status__in=[EmailDelivery.Status.RETRYING, EmailDelivery.Status.FAILED]) | Q(attempts__gt=1)
        ).order_by("-created_at")[:50]
    )
    for email in emails:  # addresses are personal data: staff see enough to spot a failing domain, not the person
        email.masked_to = [masked_address(address) for address in email.to]
    jobs = list(
        Job.objects.filter(Q(status__in=[Job.Status.FAILED, *Job.ACTIVE]) | Q(attempts__gt=1))
        .select_related("user", "organism")
        .order_by("-created_at")[:50]
    )
    states = [(label, counts.get(status, 0)) for status, label in TASK_STATES]
    return render(
        request,
        "region/task_queue.html",
        {"states": states, "tasks": tasks, "emails": emails, "jobs": jobs},
    )
