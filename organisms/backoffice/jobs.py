"""The organisation's background work (imports run as tasks, ADR 0012): each job's page with its progress, polled by
htmx, its preview to confirm, its report; the list of the person's jobs. Every job is read through the person AND
their organisation: another's job is a 404."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from core import jobs
from core.models import Job
from exchange import jobs as import_jobs

from ..permissions import approved_organism_required, organism_required

STAGE_WORDS = {
    "read": "sessions vérifiées",
    "preview": "sessions comparées à votre offre actuelle",
    "write": "sessions écrites",
}


def own_jobs(request):
    return Job.objects.filter(user=request.user, organism=request.organism)


def job_context(job: Job) -> dict:
    jobs.fail_if_stale(job)
    progress = jobs.read_progress(job) if job.is_active else {}
    total = progress.get("total")
    done = progress.get("done") or 0
    if total:
        done = min(done, total)
    return {
        "job": job,
        "progress": progress,
        "done": done,
        "total": total,
        "percent": jobs.percent({"done": done, "total": total}),
        "stage_words": STAGE_WORDS.get(progress.get("stage"), "sessions vérifiées"),
        "can_cancel": job.status in (Job.Status.WAITING, Job.Status.CHECKED)
        or (job.status == Job.Status.RUNNING and not progress.get("writing")),
    }


@require_safe
@organism_required
def job_list(request):
    listed = list(own_jobs(request).order_by("-created_at")[:50])
    for job in listed:
        jobs.fail_if_stale(job)  # a job whose worker died shows as failed here too (no query unless it did)
    return render(request, "organisms/jobs.html", {"jobs": listed})


@require_safe
@organism_required
def job_detail(request, pk):
    job = get_object_or_404(own_jobs(request), pk=pk)
    context = job_context(job)
    if request.htmx:
        response = render(request, "organisms/job_status.html", context)
        if not job.is_active:
            response.status_code = 286  # htmx stops polling; the final state is swapped in
        return response
    return render(request, "organisms/job.html", context)


@require_POST
@approved_organism_required
def job_confirm(request, pk):
    job = get_object_or_404(own_jobs(request), pk=pk)
    if import_jobs.confirm(job):
        messages.success(request, "Import confirmé : l'écriture commence. Vous pouvez quitter cette page.")
    else:
        messages.error(request, "Cet import n'attend plus de confirmation.")
    return redirect("backoffice:job", pk=job.pk)


@require_POST
@organism_required
def job_cancel(request, pk):
    job = get_object_or_404(own_jobs(request), pk=pk)
    if import_jobs.cancel(job):
        messages.success(request, "Import annulé : rien n'est écrit.")
    else:
        messages.error(request, "Trop tard pour annuler : l'écriture a commencé ou l'import est terminé.")
    return redirect("backoffice:job", pk=job.pk)


@require_POST
@approved_organism_required
def job_retry(request, pk):
    job = get_object_or_404(own_jobs(request), pk=pk)
    jobs.fail_if_stale(job)
    if import_jobs.retry(job):
        messages.success(request, "Import relancé.")
    else:
        messages.error(request, "Cet import ne peut pas être relancé : déposez le fichier à nouveau.")
    return redirect("backoffice:job", pk=job.pk)
