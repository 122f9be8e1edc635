"""LHÉO imports started from the web, run as tasks (ADR 0012, core.jobs).

An organisation's upload goes through two tasks on the "long" queue, as the page did before in two requests:

1. `check_lheo_upload`: the file read and checked, then written in a transaction rolled back (the preview): the
   person sees what the import would change and confirms, or cancels; nothing is written.
2. `write_lheo_upload`: the import itself, all or nothing in one transaction (ORGANISATION_POLICY), recorded as an
   ImportRun. A worker killed during the write leaves the catalogue as it was (the transaction dies with it); the job
   is then found stale, marked failed, its run marked failed too, and the person may retry.

The person may cancel until the write starts (the file's first pass, or the preview). The report stays on the job;
an import that took longer than JOB_EMAIL_AFTER_SECONDS also tells its author by email.
"""

import functools
import re
from pathlib import Path
from uuid import uuid4

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Programme
from core import jobs
from core.mail import mail_on_commit, mail_render
from core.models import Job

from .feeds import run_import
from .lheo_export import ExportReport, ExportScope, export_lheo
from .lheo_import import ORGANISATION_POLICY, ImportReport, import_lheo
from .models import ImportRun
from .spreadsheet import UploadReport, upload_sessions

# Problems kept in full on the job (the ImportRun of a written import keeps them all).
PROBLEMS_KEPT = 200
SESSION_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?session[\s>/]")
CHUNK = 1 << 20


def count_sessions(path: Path) -> int:
    """The number of <session> elements, counted in the bytes (a few ms per MB), to say "sur 90 000" from the start."""
    count, tail = 0, b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            data = tail + chunk
            count += len(SESSION_TAG.findall(data))
            # Keep the end of the chunk that could start a tag cut in two, and never count a tag twice.
            cut = data.rfind(b"<")
            tail = data[cut:] if cut >= 0 and len(data) - cut < 100 and not SESSION_TAG.match(data, cut) else b""
    return count


def report_result(report: ImportReport, *, run: ImportRun | None = None) -> dict:
    return {
        "ok": report.ok,
        "written": report.written,
        "summary": report.summary(),
        "refused": report.refused,
        "schema_checked": report.schema_checked,
        "sessions_total": report.sessions_total,
        "counts": [(kind, counts.as_dict()) for kind, counts in report.counts.items()],
        "problems": [problem.as_dict() for problem in report.problems[:PROBLEMS_KEPT]],
        "problem_count": report.problem_count,
        "run_id": run.pk if run is not None else None,
    }


class _Reporter:
    """import_lheo's progress(stage, done, total) told to the job, in the person's words; the write stage closes the
    door to cancelling when it really writes."""

    def __init__(self, progress: jobs.Progress, total: int, *, commit: bool):
        self.progress, self.total, self.commit = progress, total, commit

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage == "écriture":
            if self.commit and not self.progress.state["writing"]:
                self.progress.writing()
            self.progress("write" if self.commit else "preview", done, total)
        else:
            self.progress("read", done, total or self.total)


def _path(job: Job) -> Path:
    return Path(default_storage.path(job.input_path))


def _run_upload(job_id: int, *, doing: str, work, on_cancel=None) -> str:
    """Runs `work(job, progress)` -> (status, result) for a job still waiting. Its answer finishes the job; the
    uploaded file is kept only while the job waits for its confirmation. A cancel finishes it cancelled (after
    `on_cancel(job)`); an unexpected error finishes it failed, and the task fails with it (shown on the queue page)."""
    with jobs.running(job_id, stage="read") as (job, progress):
        if job is None:
            return "skipped"
        try:
            status, result = work(job, progress)
        except jobs.Cancelled:
            if on_cancel is not None:
                on_cancel(job)
            _cancelled(job)
            return Job.Status.CANCELLED
        except Exception as error:
            jobs.finish(job, Job.Status.FAILED, error=f"Erreur inattendue pendant {doing} : {error}")
            raise
        jobs.finish(job, status, result=result)
        if status != Job.Status.CHECKED:
            _forget_file(job)
        return status


def _check_lheo(job: Job, progress: jobs.Progress):
    path = _path(job)
    reporter = _Reporter(progress, count_sessions(path), commit=False)
    progress("read", 0, reporter.total)
    report = import_lheo(path, organism=job.organism, commit=False, by=job.user, progress=reporter)
    return (Job.Status.CHECKED if report.ok else Job.Status.REFUSED), report_result(report)


def _write_lheo(job: Job, progress: jobs.Progress):
    path = _path(job)
    reporter = _Reporter(progress, job.result.get("sessions_total") or count_sessions(path), commit=True)
    progress("read", 0, reporter.total)
    run, report = run_import(
        path,
        organism=job.organism,
        policy=ORGANISATION_POLICY,
        commit=True,
        by=job.user,
        trigger=ImportRun.Trigger.UPLOAD,
        origin=job.params.get("name", "fichier déposé"),
        progress=reporter,
    )
    return (Job.Status.DONE if report.written else Job.Status.REFUSED), report_result(report, run=run)


@task(queue_name="long")
def check_lheo_upload(job_id: int) -> str:
    return _run_upload(job_id, doing="la vérification", work=_check_lheo)


@task(queue_name="long")
def write_lheo_upload(job_id: int) -> str:
    status = _run_upload(job_id, doing="l'import", work=_write_lheo, on_cancel=_mark_run_cancelled)
    if status == Job.Status.DONE:
        _tell_if_long(Job.objects.select_related("user").get(pk=job_id))
    return status


def start_check(job: Job) -> None:
    jobs.enqueue_on_commit(TASKS[job.kind]["check"], job)


def forget_previews(user, organism, kind: str) -> None:
    """A new upload replaces the person's previews waiting for confirmation (their files are deleted)."""
    for job in Job.objects.filter(user=user, organism=organism, kind=kind, status=Job.Status.CHECKED):
        jobs.finish(job, Job.Status.CANCELLED)
        transaction.on_commit(functools.partial(_forget_file, job))  # kept if the request rolls back


def confirm(job: Job) -> bool:
    """The person confirms the preview: the write is queued. False when the job is not waiting for it."""
    updated = Job.objects.filter(pk=job.pk, status=Job.Status.CHECKED).update(
        status=Job.Status.WAITING, stage="write", task_id="", finished_at=None
    )
    if not updated:
        return False
    job.refresh_from_db()
    jobs.progress_file(job).unlink(missing_ok=True)
    jobs.enqueue_on_commit(TASKS[job.kind]["write"], job)
    return True


def cancel(job: Job) -> bool:
    """Cancels a job waiting, checking, or waiting for confirmation; False once the write started."""
    if job.status == Job.Status.CHECKED:
        jobs.finish(job, Job.Status.CANCELLED)
        _forget_file(job)
        return True
    return jobs.request_cancel(job)


def retry(job: Job) -> bool:
    if job.status != Job.Status.FAILED or not job.input_path or not default_storage.exists(job.input_path):
        return False
    jobs.retry(job, TASKS[job.kind]["write" if job.stage == "write" else "check"])
    return True


def _cancelled(job: Job) -> None:
    jobs.finish(job, Job.Status.CANCELLED)
    _forget_file(job)


def _forget_file(job: Job) -> None:
    if job.input_path and default_storage.exists(job.input_path):
        default_storage.delete(job.input_path)


def _mark_run_cancelled(job: Job) -> None:
    ImportRun.objects.filter(
        organism=job.organism, trigger=ImportRun.Trigger.UPLOAD, status=ImportRun.Status.RUNNING
    ).filter(started_at__gte=job.started_at).update(
        status=ImportRun.Status.REFUSED, finished_at=timezone.now(), summary="Annulé avant l'écriture."
    )


def _fail_run(job: Job) -> None:
    """The run a dead worker left "running": failed, nothing written (one transaction)."""
    ImportRun.objects.filter(
        organism=job.organism, trigger=ImportRun.Trigger.UPLOAD, status=ImportRun.Status.RUNNING
    ).filter(started_at__gte=job.started_at).update(
        status=ImportRun.Status.FAILED,
        finished_at=timezone.now(),
        summary="Le processus d'import s'est arrêté pendant l'écriture : rien n'est écrit.",
    )


jobs.on_stale[Job.Kind.LHEO_IMPORT] = _fail_run


def _tell_if_long(job: Job) -> None:
    if job.started_at is None or not job.user.email:
        return
    if (timezone.now() - job.started_at).total_seconds() < settings.JOB_EMAIL_AFTER_SECONDS:
        return
    link = settings.PORTAL_BASE_URL.rstrip("/") + reverse("backoffice:job", args=[job.pk])
    context = {"job": job, "summary": job.result.get("summary", ""), "link": link}
    mail_on_commit(mail_render("exchange/email/import_done", context, to=[job.user.email]))


# An organisation's spreadsheet of sessions (CSV or XLSX, 5 MB at most): checked with its preview, then written in one
# transaction once confirmed, as the LHÉO upload (exchange.spreadsheet.upload_sessions does both).


def sheet_result(report: UploadReport) -> dict:
    return {
        "ok": report.ok,
        "written": report.written,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "file_error": report.file_error,
        "errors": [str(error) for error in report.errors[:PROBLEMS_KEPT]],
        "error_count": len(report.errors),
    }


def _check_sheet(job: Job, progress: jobs.Progress):
    data = _path(job).read_bytes()
    report = upload_sessions(data, job.params["name"], organism=job.organism, by=job.user, commit=False)
    progress.check_cancel()
    return (Job.Status.CHECKED if report.ok else Job.Status.REFUSED), sheet_result(report)


def _write_sheet(job: Job, progress: jobs.Progress):
    data = _path(job).read_bytes()
    progress.writing()
    report = upload_sessions(data, job.params["name"], organism=job.organism, by=job.user, commit=True)
    return (Job.Status.DONE if report.written else Job.Status.REFUSED), sheet_result(report)


@task(queue_name="long")
def check_sessions_upload(job_id: int) -> str:
    return _run_upload(job_id, doing="la vérification", work=_check_sheet)


@task(queue_name="long")
def write_sessions_upload(job_id: int) -> str:
    return _run_upload(job_id, doing="l'import", work=_write_sheet)


TASKS = {
    Job.Kind.LHEO_IMPORT: {"check": check_lheo_upload, "write": write_lheo_upload},
    Job.Kind.SESSIONS_UPLOAD: {"check": check_sessions_upload, "write": write_sessions_upload},
}


# The Region's LHÉO export of the published offer, prepared as a file by a task and offered for download when ready.

EXPORT_PROGRESS_EVERY = 1000


@task(queue_name="long")
def prepare_lheo_export(job_id: int) -> str:
    with jobs.running(job_id, stage="export") as (job, progress):
        if job is None:
            return "skipped"
        params = job.params
        scope = ExportScope(
            programme=Programme.objects.filter(pk=params.get("programme")).first() if params.get("programme") else None,
            department_code=params.get("department", ""),
            base_url=params.get("base_url", settings.PORTAL_BASE_URL),
        )
        report = ExportReport()
        name = f"exports/{job.pk}-{uuid4().hex}.xml"
        target = Path(default_storage.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            reported = 0
            with target.open("w", encoding="utf-8") as out:
                for piece in export_lheo(scope, today=timezone.localdate(), report=report):
                    out.write(piece)
                    if report.sessions - reported >= EXPORT_PROGRESS_EVERY:
                        reported = report.sessions
                        progress("export", reported, None)
        except jobs.Cancelled:
            target.unlink(missing_ok=True)
            jobs.finish(job, Job.Status.CANCELLED)
            return Job.Status.CANCELLED
        except Exception as error:
            target.unlink(missing_ok=True)
            jobs.finish(job, Job.Status.FAILED, error=f"Erreur inattendue pendant l'export : {error}")
            raise
        result = {"summary": report.summary(), "sessions": report.sessions, "bytes": target.stat().st_size}
        jobs.finish(job, Job.Status.DONE, result=result, output_path=name)
        return job.status


def start_export(job: Job) -> None:
    jobs.enqueue_on_commit(prepare_lheo_export, job)
