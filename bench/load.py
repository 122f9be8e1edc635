"""Load and fault benchmark, loopback only: N concurrent clients for T seconds over the search mix of
bench/search.py, against gunicorn with the production settings, PostgreSQL and Redis; optionally a PostgreSQL
restart in the middle. Prints throughput, latency percentiles, errors and the seconds to recover.

    .venv/bin/python bench/load.py --database postgres://postgres@127.0.0.1:5432/bench_100k \
        --clients 20 --seconds 60 [--restart-postgresql-at 30]

Every request goes to 127.0.0.1 (any other address is refused) and the run stops by itself after T seconds.

--restart-postgresql-at S restarts the PostgreSQL cluster S seconds in, with
`pg_ctlcluster --skip-systemctl-redirect 15 main restart` (cluster and version: --pg-cluster). The PostgreSQL
server may be shared (other people's databases, their test runs): the restart is only done when asked, once, in
fast mode, and is short (about a second); say so before running it on a shared machine.
"""

import argparse
import itertools
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.production_server import get, loopback_only, production_server
from bench.search import mix


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_clients(port: int, paths: list[str], *, clients: int, seconds: float, started: float) -> list[tuple]:
    """Each client sends the mix in turn (from its own offset) until the time is up; one record per request:
    (start offset s, latency ms, status or error name)."""
    records: list[tuple] = []
    lock = threading.Lock()
    deadline = started + seconds

    def client(offset: int):
        for path in itertools.islice(itertools.cycle(paths), offset, None):
            begin = time.perf_counter()
            if begin >= deadline:
                return
            try:
                status, _ = get(port, path, timeout=30)
                outcome = status
            except OSError as error:
                outcome = type(error).__name__
            with lock:
                records.append((begin - started, (time.perf_counter() - begin) * 1000, outcome))

    threads = [threading.Thread(target=client, args=(index * 3,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return records


def report(title: str, records: list[tuple], seconds: float) -> None:
    ok = [latency for _, latency, outcome in records if outcome == 200]
    errors: dict = {}
    for _, _, outcome in records:
        if outcome != 200:
            errors[outcome] = errors.get(outcome, 0) + 1
    print(
        f"{title}: {len(records)} requests in {seconds:.0f} s, {len(records) / seconds:.1f} req/s; "
        f"p50 {percentile(ok, 0.5):.0f} ms, p95 {percentile(ok, 0.95):.0f} ms, p99 {percentile(ok, 0.99):.0f} ms; "
        f"errors {sum(errors.values())} {errors or ''}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="PostgreSQL URL of a seeded catalogue (loopback).")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--restart-postgresql-at", type=float, default=None, metavar="S")
    parser.add_argument("--pg-cluster", default="15 main", help="version and name for pg_ctlcluster")
    options = parser.parse_args()
    loopback_only(options.database)
    if not 1 <= options.clients <= 200 or not 1 <= options.seconds <= 600:
        parser.error("1 to 200 clients, 1 to 600 seconds")

    paths = ["/formations/?" + urlencode(params, doseq=True) for _, params in mix(date.today(), "organisme-a")]
    with production_server(options.database, workers=options.workers, redis_url=options.redis) as (port, _, _):
        for path in paths:  # warm each worker's search index and caches once
            get(port, path, timeout=120)
        restart: dict = {}
        if options.restart_postgresql_at is not None:

            def restart_postgresql():
                time.sleep(options.restart_postgresql_at)
                version, name = options.pg_cluster.split()
                restart["began"] = time.perf_counter() - started
                subprocess.run(
                    ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart", "--", "-m", "fast"],
                    check=True,
                )
                restart["ended"] = time.perf_counter() - started

            restarter = threading.Thread(target=restart_postgresql)
        started = time.perf_counter()
        if options.restart_postgresql_at is not None:
            restarter.start()
        records = run_clients(port, paths, clients=options.clients, seconds=options.seconds, started=started)
        if options.restart_postgresql_at is not None:
            restarter.join()

    print(
        f"bench/load.py: {options.clients} clients, {options.seconds:.0f} s, {options.workers} gunicorn workers, "
        f"mix of {len(paths)} searches, production settings"
    )
    if "began" not in restart:
        report("whole run", records, options.seconds)
        return 0
    began, ended = restart["began"], restart["ended"]
    # A request belongs to the phase in which it was answered.
    before = [r for r in records if r[0] + r[1] / 1000 < began]
    after = [r for r in records if r[0] + r[1] / 1000 >= began]
    report(f"before the restart (0-{began:.0f} s)", before, began)
    report(f"from the restart on ({began:.0f}-{options.seconds:.0f} s)", after, options.seconds - began)
    failed = [r for r in after if r[2] != 200]
    print(f"PostgreSQL restart: began at {began:.1f} s, pg_ctlcluster returned after {ended - began:.1f} s")
    if failed:
        last_error = max(r[0] + r[1] / 1000 for r in failed)
        statuses = sorted({str(r[2]) for r in failed})
        print(
            f"errors after the restart: {len(failed)} ({', '.join(statuses)}), the last one answered "
            f"{last_error - began:.1f} s after the restart began; recovered in {last_error - began:.1f} s"
        )
    else:
        print("errors after the restart: 0; recovered in 0.0 s")
    settled = began + 10
    with_latency = [r for r in after if r[0] > settled]
    if with_latency:
        report(f"from {settled:.0f} s to the end", with_latency, max(options.seconds - settled, 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
