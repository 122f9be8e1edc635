"""Times an organisation's LHÉO import of N sessions run as tasks by a real worker (exchange.jobs): the check with
its preview, then the write, and the worker's peak memory. Prints figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/catalogue_tasks_bench \\
        .venv/bin/python bench/import_task.py --sessions 100000 --runs 3

DESTRUCTIVE: loads the reference data if missing, seeds the demo catalogue, gives every formation to one
organisation, exports its offer with the portal's exporter (a file of about 1.8 kB a session: 100,000 sessions weigh
about 180 MB, above the 50 MB of a web upload, so the job is created here as the upload page would, and the worker
runs with LHEO_IMPORT_MAX_BYTES raised), then for each run empties the catalogue, enqueues the check, waits for the
preview, confirms, waits for the write. One `manage.py db_worker` process (database backend, poll 0.1 s) per run;
its peak resident memory is read from /proc (VmHWM) after each stage. Medians over the runs are printed with the
load average: the machine is shared.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from uuid import uuid4

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.tasks_settings")
os.environ["BENCH_TASKS"] = "db"
os.environ.setdefault("LHEO_IMPORT_MAX_BYTES", str(2_000_000_000))


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wait(job, statuses, worker, timeout=7200):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in statuses:
            return
        if worker.poll() is not None:
            raise SystemExit("the worker stopped")
        time.sleep(0.05)
    raise SystemExit("timed out")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000, help="sessions in the file (about)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.files.storage import default_storage

    from catalogue.models import Commune
    from catalogue.reference_data import load_reference_data
    from core.models import Job
    from demo.builder import clear_catalogue
    from exchange import jobs as import_jobs
    from tests.exchange.generated import organisation_offer_file
    from tests.organisms.factories import MembershipFactory, OrganismFactory

    if not Commune.objects.exists():
        load_reference_data()
    folder = Path(tempfile.mkdtemp(prefix="bench-import-task-"))
    source = folder / "offre.xml"
    started = time.perf_counter()
    # The export keeps current sessions only: seed about 1.4 times as many.
    organism, total = organisation_offer_file(source, sessions=int(args.sessions * 1.39), seed=args.seed)
    identity = {
        f: getattr(organism, f)
        for f in ("siret", "nda", "usual_name", "legal_name", "street", "postcode", "commune_id", "email")
    }
    print(
        f"file: {total} sessions, {source.stat().st_size / 1e6:.0f} MB, made in {time.perf_counter() - started:.0f} s"
    )
    env = dict(os.environ)
    rows = []
    for run in range(args.runs):
        clear_catalogue()
        organism = OrganismFactory(**identity)
        user = MembershipFactory(organism=organism, user__email=f"bench-{uuid4().hex[:12]}@example.org").user
        with source.open("rb") as handle:
            path = default_storage.save(f"imports/{organism.pk}-bench.xml", handle)
        job = Job.objects.create(
            kind=Job.Kind.LHEO_IMPORT, user=user, organism=organism, label="bench", stage="check", input_path=path,
            params={"name": "offre.xml"},
        )  # fmt: skip
        import_jobs.check_lheo_upload.enqueue(job.pk)
        load_before = os.getloadavg()[0]
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--interval", "0.1", "--no-reload",
             "--no-startup-delay"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            t0 = time.perf_counter()
            wait(job, {Job.Status.CHECKED, Job.Status.REFUSED, Job.Status.FAILED}, worker)
            check_seconds, check_peak = time.perf_counter() - t0, peak_mb(worker.pid)
            if job.status != Job.Status.CHECKED:
                raise SystemExit(f"check: {job.status} {job.error} {job.result.get('summary', '')[:500]}")
            import_jobs.confirm(job)
            t1 = time.perf_counter()
            wait(job, {Job.Status.DONE, Job.Status.REFUSED, Job.Status.FAILED}, worker)
            write_seconds, write_peak = time.perf_counter() - t1, peak_mb(worker.pid)
            if job.status != Job.Status.DONE:
                raise SystemExit(f"write: {job.status} {job.error}")
        finally:
            worker.terminate()
            worker.wait()
        load_after = os.getloadavg()[0]
        rows.append((check_seconds, write_seconds, check_peak, write_peak))
        print(
            f"run {run + 1}: check and preview {check_seconds:.1f} s (worker peak {check_peak:.0f} MB), "
            f"write {write_seconds:.1f} s (worker peak {write_peak:.0f} MB), load {load_before:.2f} → {load_after:.2f}",
            flush=True,
        )
    print(
        f"median of {len(rows)}: check and preview {statistics.median(r[0] for r in rows):.1f} s, "
        f"write {statistics.median(r[1] for r in rows):.1f} s, worker peak {max(r[3] for r in rows):.0f} MB "
        f"({total} sessions)"
    )
    source.unlink()
    folder.rmdir()


if __name__ == "__main__":
    main()
