"""Open data downloads against search: search latency alone, then while N clients download the open data files
over and over, then alone again, in one run on one server (gunicorn, production settings, PostgreSQL, Redis).
Loopback only; bounded by --seconds per phase.

    .venv/bin/python bench/open_data_downloads.py --database postgres://postgres@127.0.0.1:5432/bench_100k \
        --downloads 20 --seconds 30

The files are published first (publish_open_data --commit), as cron does; each download then reads them from
disk. The server runs config/gunicorn.py as production does (2 workers x 16 threads unless told otherwise).
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

from bench.load import percentile
from bench.production_server import ROOT, get, loopback_only, production_server
from bench.search import mix


def searches(port: int, paths: list[str], seconds: float) -> list[float]:
    """One client searching the mix in turn for `seconds`; the latency of each page in ms."""
    latencies = []
    deadline = time.perf_counter() + seconds
    for path in itertools.cycle(paths):
        begin = time.perf_counter()
        if begin >= deadline:
            return latencies
        status, _ = get(port, path)
        assert status == 200, (path, status)
        latencies.append((time.perf_counter() - begin) * 1000)
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--downloads", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16, help="gunicorn threads per worker (production: 16)")
    parser.add_argument("--rate", type=float, default=5.0, help="MB/s per download, a person's connection (5)")
    options = parser.parse_args()
    loopback_only(options.database)
    paths = ["/formations/?" + urlencode(params, doseq=True) for _, params in mix(date.today(), "organisme-a")]
    extra = {"GUNICORN_THREADS": str(options.threads)}
    with production_server(options.database, workers=options.workers, redis_url=options.redis, extra_env=extra) as (
        port,
        env,
        _,
    ):
        started = time.perf_counter()
        subprocess.run([sys.executable, "manage.py", "publish_open_data", "--commit"], cwd=ROOT, env=env, check=True)
        print(f"published in {time.perf_counter() - started:.1f} s")
        for path in paths:
            get(port, path, timeout=120)

        phases = {}
        phases["search alone (before)"] = (searches(port, paths, options.seconds), [])
        stop = threading.Event()
        downloaded: list[tuple[float, int]] = []

        def downloader(index: int):
            path = "/donnees/sessions.csv" if index % 2 == 0 else "/donnees/sessions.json"
            while not stop.is_set():
                begin = time.perf_counter()
                status, size = get(port, path, timeout=300, rate=options.rate * 1e6)
                assert status == 200
                downloaded.append((time.perf_counter() - begin, size))

        threads = [threading.Thread(target=downloader, args=(index,)) for index in range(options.downloads)]
        for thread in threads:
            thread.start()
        time.sleep(1)
        during = searches(port, paths, options.seconds)
        stop.set()
        for thread in threads:
            thread.join()
        phases[f"search during {options.downloads} downloads"] = (during, list(downloaded))
        phases["search alone (after)"] = (searches(port, paths, options.seconds), [])

    print(
        f"bench/open_data_downloads.py: {options.workers} workers x {options.threads} threads, "
        f"{options.seconds:.0f} s per phase, mix of {len(paths)} searches, downloads at {options.rate:g} MB/s each"
    )
    for title, (latencies, downloads) in phases.items():
        line = (
            f"{title}: {len(latencies)} pages, median {percentile(latencies, 0.5):.0f} ms, "
            f"p95 {percentile(latencies, 0.95):.0f} ms"
        )
        if downloads:
            total = sum(size for _, size in downloads)
            median_seconds = sorted(seconds for seconds, _ in downloads)[len(downloads) // 2]
            line += (
                f"; {len(downloads)} files downloaded ({total / 1e6:.0f} MB), median {median_seconds:.1f} s per file"
            )
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
