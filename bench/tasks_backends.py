"""Task backends compared (ADR 0012): the latency from enqueue to start of a task, one at a time with an idle worker
waiting, and the throughput of one worker on N no-op tasks enqueued beforehand. Prints figures.

    .venv/bin/python bench/tasks_backends.py --database postgres://postgres@127.0.0.1:5432/catalogue_bench_tasks \\
        --redis redis://127.0.0.1:6379/10 [--latency 40] [--throughput 500]

Backends: django-tasks-db on SQLite (a temporary file), on PostgreSQL (--database, DESTRUCTIVE: its task table is
emptied) with the worker's default poll interval (1 s) and with 0.1 s; django-tasks-rq on Redis (--redis, its
database is flushed; needs `pip install django-tasks-rq==0.12.0`, not a dependency of the portal). One worker
process per backend (`manage.py db_worker` or `manage.py rqworker`), started here and stopped at the end. Times come
from each backend's own task results (enqueued_at, started_at), the end from this process's clock. Medians and p95 are printed with the
load average: the machine is shared.
"""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def environment(kind: str, database: str, redis: str) -> dict:
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE="bench.tasks_settings", BENCH_TASKS=kind)
    if database.startswith("sqlite:"):
        env.update(DATABASE_URL="", BENCH_SQLITE=database.removeprefix("sqlite:"))
    else:
        env.update(DATABASE_URL=database, BENCH_SQLITE="")
    if redis:
        env["REDIS_URL"] = redis
    return env


def child(latency_runs: int, throughput_runs: int) -> None:
    """In a child process configured by the environment: enqueue, wait, print the figures as JSON."""
    import django

    django.setup()
    from django.tasks import TaskResultStatus

    from bench.tasks_noop import noop

    def wait(results, timeout=600):
        deadline = time.monotonic() + timeout
        for result in results:
            while True:
                result.refresh()
                if result.status == TaskResultStatus.FAILED:
                    raise SystemExit(f"task failed: {result.errors}")
                if result.status == TaskResultStatus.SUCCESSFUL:
                    break
                if time.monotonic() > deadline:
                    raise SystemExit("timed out")
                time.sleep(0.01)

    latencies = []
    for _ in range(latency_runs):
        result = noop.enqueue()
        wait([result])
        latencies.append((result.started_at - result.enqueued_at).total_seconds() * 1000)
        time.sleep(0.25)  # the worker idle again
    started = time.perf_counter()
    results = [noop.enqueue() for _ in range(throughput_runs)]
    enqueue_seconds = time.perf_counter() - started
    print(json.dumps({"ready": True}), flush=True)
    sys.stdin.readline()  # the parent starts the worker now
    wait(results)
    # From the first start to the moment the last result was seen finished (not every backend records the end).
    last = datetime.now(UTC)
    first = min(r.started_at for r in results)
    span = (last - first).total_seconds()
    print(
        json.dumps(
            {
                "latency_ms": latencies,
                "enqueue_per_s": throughput_runs / enqueue_seconds,
                "tasks_per_s": throughput_runs / span if span else None,
            }
        ),
        flush=True,
    )


def worker_command(kind: str, interval: float) -> list[str]:
    if kind == "rq":
        return [
            sys.executable, "manage.py", "rqworker", "default",
            "--worker-class", "rq.worker.SimpleWorker", "--job-class", "django_tasks_rq.Job",
        ]  # fmt: skip
    return [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--interval", str(interval)]


def measure(kind: str, database: str, redis: str, interval: float, latency_runs: int, throughput_runs: int) -> dict:
    env = environment(kind, database, redis)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    if kind == "rq":
        import redis as redis_client

        redis_client.Redis.from_url(redis).flushdb()
    else:
        script = "from django_tasks_db.models import DBTaskResult; DBTaskResult.objects.all().delete()"
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", script],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    worker = subprocess.Popen(worker_command(kind, interval), cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    time.sleep(3)  # started and idle
    try:
        # Latency with the worker idle; then the throughput batch enqueued while the worker is stopped.
        probe = subprocess.Popen(
            [sys.executable, __file__, "--child", str(latency_runs), str(throughput_runs)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        # The child runs its latency probes against the idle worker, then enqueues the batch; we stop the worker
        # before the batch so that it is measured from a full queue.
        ready = probe.stdout.readline()
        assert json.loads(ready)["ready"], ready
    finally:
        worker.terminate()
        worker.wait()
    batch_worker = subprocess.Popen(worker_command(kind, interval), cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        probe.stdin.write("go\n")
        probe.stdin.flush()
        figures = json.loads(probe.stdout.readline())
        probe.wait()
    finally:
        batch_worker.terminate()
        batch_worker.wait()
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="", help="PostgreSQL URL of a benchmark database (DESTRUCTIVE)")
    parser.add_argument("--redis", default="", help="Redis URL for the RQ backend (its database is flushed)")
    parser.add_argument("--latency", type=int, default=40)
    parser.add_argument("--throughput", type=int, default=500)
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        sqlite = f"sqlite:{folder}/bench.sqlite3"
        runs.append(("django-tasks-db, SQLite, poll 1 s", "db", sqlite, 1.0))
        runs.append(("django-tasks-db, SQLite, poll 0.1 s", "db", sqlite, 0.1))
        if args.database:
            runs.append(("django-tasks-db, PostgreSQL, poll 1 s", "db", args.database, 1.0))
            runs.append(("django-tasks-db, PostgreSQL, poll 0.1 s", "db", args.database, 0.1))
        if args.redis:
            if importlib.util.find_spec("django_tasks_rq") is None:
                print("django-tasks-rq not installed: the RQ backend is not measured")
            else:
                runs.append(("django-tasks-rq, Redis (PostgreSQL for the rest)", "rq", args.database or sqlite, 0))
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"{'backend':<52} {'latency p50':>12} {'p95':>9} {'max':>9} {'enqueue/s':>10} {'tasks/s':>9} load")
        for label, kind, database, interval in runs:
            figures = measure(kind, database, args.redis, interval, args.latency, args.throughput)
            latency = sorted(figures["latency_ms"])
            p95 = latency[max(0, int(len(latency) * 0.95) - 1)]
            print(
                f"{label:<52} {statistics.median(latency):>9.1f} ms {p95:>6.1f} ms {latency[-1]:>6.1f} ms "
                f"{figures['enqueue_per_s']:>10.0f} {figures['tasks_per_s'] or 0:>9.1f} "
                f"{os.getloadavg()[0]:.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
