"""Long work started by a person (imports, exports), run by a task in the background (ADR 0012).

A `core.models.Job` row holds what the person sees: the state, the stage, the result. The worker's progress and its
heartbeat go to a small file beside the uploaded files (`MEDIA_ROOT/jobs/<id>.json`), not to the database: an import
writes in one transaction, which other connections cannot see into (PostgreSQL) or which locks the whole file
(SQLite), while a file is read by the web process at any time. A cancel request is a file too (`<id>.cancel`), read
by the worker between two steps of its work.

While a task runs, a thread of the worker rewrites the heartbeat every JOB_HEARTBEAT_SECONDS. A worker killed
(SIGKILL, a lost machine) stops writing it: a running job whose heartbeat is older than JOB_STALE_SECONDS is marked
failed when someone looks at it (`fail_if_stale`), and may be retried.
"""

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from .models import Job

logger = logging.getLogger(__name__)

STALE_ERROR = "Le traitement s'est interrompu : le processus qui l'exécutait s'est arrêté. Rien n'a été écrit ; vous pouvez le relancer."


class Cancelled(Exception):
    """The person cancelled the job before its write started."""


def jobs_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def progress_file(job: Job) -> Path:
    return jobs_dir() / f"{job.pk}.json"


def gate_file(job: Job) -> Path:
    """Decides between the person's cancel and the worker's write, whichever comes first (`_take_gate`)."""
    return jobs_dir() / f"{job.pk}.gate"


def _take_gate(job: Job, claim: str) -> str:
    """Creates the gate holding `claim` ("cancel" or "write") unless it exists, in one step (a hard link fails when
    the name is taken, and the file it links already holds the claim); answers the claim that holds the gate."""
    path = gate_file(job)
    temporary = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_text(claim)
    try:
        os.link(temporary, path)
        return claim
    except FileExistsError:
        return path.read_text()
    finally:
        temporary.unlink(missing_ok=True)


def _gate_claim(job: Job) -> str:
    try:
        return gate_file(job).read_text()
    except OSError:
        return ""


def read_progress(job: Job) -> dict:
    """{"stage", "done", "total", "heartbeat"} as the worker last wrote them ({} before it starts)."""
    try:
        return json.loads(progress_file(job).read_text())
    except (OSError, ValueError):
        return {}


def _write_progress(job: Job, state: dict) -> None:
    path = progress_file(job)
    temporary = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_text(json.dumps(state))
    os.replace(temporary, path)  # readers see the old or the new file, never half of one


def enqueue_on_commit(task, job: Job) -> None:
    """Enqueues `task(job.pk)` once the current transaction commits; the task's id is kept on the job."""

    def enqueue():
        result = task.enqueue(job.pk)
        Job.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id)[:64])

    transaction.on_commit(enqueue)


def request_cancel(job: Job) -> bool:
    """Asks the worker to stop before it writes; a job still waiting is cancelled at once. False when too late."""
    if job.status == Job.Status.WAITING:
        now = timezone.now()
        waiting = Job.objects.filter(pk=job.pk, status=Job.Status.WAITING)
        if waiting.update(status=Job.Status.CANCELLED, finished_at=now, cancel_requested=True):
            job.status, job.finished_at, job.cancel_requested = Job.Status.CANCELLED, now, True
            return True
        job.refresh_from_db()  # a worker took it meanwhile: cancelled like a running job, if it has not written
    if job.status != Job.Status.RUNNING or _take_gate(job, "cancel") != "cancel":
        return False
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    return True


class Progress:
    """Given to the work: `progress(stage, done, total)` records where it is; `writing()` says the write started
    (no cancel after that); both raise Cancelled when the person asked to stop and nothing is written yet."""

    def __init__(self, job: Job):
        self.job = job
        self.state = {"stage": "", "done": 0, "total": None, "writing": False, "heartbeat": time.time()}
        self.lock = threading.Lock()

    def __call__(self, stage: str, done: int, total: int | None = None) -> None:
        with self.lock:
            self.state.update(stage=stage, done=done, total=total, heartbeat=time.time())
            _write_progress(self.job, self.state)
        if not self.state["writing"]:
            self.check_cancel()

    def writing(self) -> None:
        if _take_gate(self.job, "write") != "write":
            raise Cancelled()
        with self.lock:
            self.state["writing"] = True
            _write_progress(self.job, self.state)

    def beat(self) -> None:
        with self.lock:
            self.state["heartbeat"] = time.time()
            _write_progress(self.job, self.state)

    def check_cancel(self) -> None:
        if _gate_claim(self.job) == "cancel":
            raise Cancelled()


@contextmanager
def running(job_id: int, *, stage: str = ""):
    """In the worker: marks the job running, beats its heartbeat while the body runs, and yields (job, progress).

    A job no longer waiting (cancelled meanwhile, or already run) yields (None, None): the task has nothing to do.
    """
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.WAITING).update(
        status=Job.Status.RUNNING, started_at=timezone.now(), error=""
    )
    if not claimed:
        yield None, None
        return
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job_id).update(attempts=job.attempts + 1)
    if _gate_claim(job) == "write":  # left by an attempt killed while writing: this retry writes again
        gate_file(job).unlink(missing_ok=True)
    progress = Progress(job)
    progress(stage or job.stage, 0, None)
    stop = threading.Event()
    beater = threading.Thread(target=_beat, args=(progress, stop), daemon=True, name=f"job-{job.pk}-heartbeat")
    beater.start()
    try:
        yield job, progress
    finally:
        stop.set()
        beater.join()


def _beat(progress: Progress, stop: threading.Event) -> None:
    while not stop.wait(settings.JOB_HEARTBEAT_SECONDS):
        try:
            progress.beat()
        except OSError:  # a full disk must not kill the work itself
            logger.exception("Heartbeat not written for job %s", progress.job.pk)


def finish(job: Job, status: str, *, result: dict | None = None, error: str = "", output_path: str = "") -> None:
    job.status, job.finished_at, job.error = status, timezone.now(), error
    fields = ["status", "finished_at", "error"]
    if result is not None:
        job.result = result
        fields.append("result")
    if output_path:
        job.output_path = output_path
        fields.append("output_path")
    job.save(update_fields=fields)
    gate_file(job).unlink(missing_ok=True)


def is_stale(job: Job) -> bool:
    if job.status != Job.Status.RUNNING:
        return False
    heartbeat = read_progress(job).get("heartbeat")
    if heartbeat is None:
        started = job.started_at.timestamp() if job.started_at else time.time()
        return time.time() - started > settings.JOB_STALE_SECONDS
    return time.time() - heartbeat > settings.JOB_STALE_SECONDS


# Per kind of job, what else to undo when its worker died (e.g. an import run left "running"): set by the app that
# defines the job's tasks.
on_stale: dict[str, Callable[[Job], None]] = {}


def fail_if_stale(job: Job) -> bool:
    """Marks a running job whose worker stopped beating as failed (and its task result, when the database backend
    holds it); True when it did."""
    if not is_stale(job):
        return False
    with transaction.atomic():
        updated = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
            status=Job.Status.FAILED, finished_at=timezone.now(), error=STALE_ERROR
        )
        if not updated:
            return False
        job.refresh_from_db()
        if job.kind in on_stale:
            on_stale[job.kind](job)
        _fail_task_result(job.task_id)
    logger.warning("Job %s (%s) found stale: its worker stopped", job.pk, job.kind)
    return True


def _fail_task_result(task_id: str) -> None:
    """The database backend's row for a task whose worker died stays "running": it is marked failed, for the queue
    page to tell the truth."""
    if not task_id:
        return
    DBTaskResult.objects.filter(id=task_id, status="RUNNING").update(
        status="FAILED",
        finished_at=timezone.now(),
        exception_class_path="core.jobs.WorkerLost",
        traceback=STALE_ERROR,
    )


def retry(job: Job, task, *, stage: str | None = None) -> None:
    """Puts a failed job back in the queue (its file is still there)."""
    job.status, job.error, job.finished_at, job.task_id, job.cancel_requested = (
        Job.Status.WAITING,
        "",
        None,
        "",
        False,
    )
    if stage is not None:
        job.stage = stage
    job.save(update_fields=["status", "error", "finished_at", "task_id", "cancel_requested", "stage"])
    progress_file(job).unlink(missing_ok=True)
    enqueue_on_commit(task, job)


def percent(progress: dict) -> int | None:
    total, done = progress.get("total"), progress.get("done") or 0
    return min(100, int(100 * done / total)) if total else None


__all__ = [
    "Cancelled",
    "Progress",
    "enqueue_on_commit",
    "fail_if_stale",
    "finish",
    "on_stale",
    "percent",
    "read_progress",
    "request_cancel",
    "retry",
    "running",
]
