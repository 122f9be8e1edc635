"""Search benchmark over HTTP: gunicorn with the production settings, PostgreSQL, the demo catalogues. Prints figures.

    .venv/bin/python bench/search.py \\
        --catalogue 10k=postgres://postgres@127.0.0.1:5432/catalogue_bench_10k \\
        --catalogue 100k=postgres://postgres@127.0.0.1:5432/catalogue_bench_100k \\
        --catalogue 1m=postgres://postgres@127.0.0.1:5432/catalogue_bench_1m \\
        --rounds 12 --throughput 100k

Each catalogue (seeded beforehand: migrate, load_reference_data, seed_demo --sessions N --seed 2026) is served by its
own gunicorn (2 sync workers, `config.settings.base`). Measured, in this order:

1. cold: a new worker's first search (a gunicorn of one worker started afresh, its first page timed), three times;
2. quiet and under writes, in alternating rounds so that both see the same machine load: each round fetches the
   fixed mix of 12 searches once from every catalogue; in a "writes" round a writer edits random sessions of every
   catalogue at 2 per second (dates, places, recruitment, publication: plain SQL, as any write path), and a probe
   measures how long a write takes to show in the results of both workers;
3. throughput: 50 concurrent clients fetching the mix for 60 s from one catalogue, pages per second and errors;
4. memory of each worker (RSS, and PSS: shared pages counted once per process sharing them).

Targets (issue 12): at 100,000 sessions p50 <= 20 ms and p95 <= 40 ms quiet; under writes p95 <= 1.2 x quiet p95 and
writes visible within 1 s; at 1,000,000 sessions p95 <= 120 ms, <= 300 MB per worker, first search <= 2 s;
>= 150 pages/s at 100,000 sessions. The machine is shared: the load average is printed with the figures.
"""

import argparse
import asyncio
import atexit
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlparse

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
# The production settings need a shared cache; the benchmark's own Redis database unless REDIS_URL says otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def mix(today: date) -> list[tuple[str, dict]]:
    """The fixed mix: text, axes, place and radius, dates, deep page."""
    return [
        ("empty", {}),
        ("text", {"q": "développeur web"}),
        ("text misspelt", {"q": "developeur"}),
        ("axis", {"axe": "hybride"}),
        ("axis and audience", {"axe": "distance", "public": "16-25-ans"}),
        ("radius 10 km", {"commune": "94028", "rayon": "10"}),
        ("radius 30 km, axis, by distance", {"commune": "77284", "rayon": "30", "axe": "hybride", "tri": "distance"}),
        ("department", {"departement": "93"}),
        ("within 4 weeks", {"semaines": "4"}),
        ("start window", {"debut_min": str(today + timedelta(30)), "debut_max": str(today + timedelta(120))}),
        ("open, places, free", {"inscription": "ouverte", "places": "1", "gratuit": "1"}),
        ("deep page", {"page": "40"}),
    ]


# Servers -------------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A gunicorn serving one catalogue with the production settings."""

    def __init__(self, database_url: str, *, workers: int, index_dir: Path):
        self.port = free_port()
        env = {
            "SEARCH_INDEX_DIR": str(index_dir),
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_SECRET_KEY": "benchmark-only-not-a-secret",
            "REDIS_URL": REDIS_URL,
            "DJANGO_SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback, as from the TLS proxy
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            "PYTHONUNBUFFERED": "1",
        }
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                f"--workers={workers}",
                f"--bind=127.0.0.1:{self.port}",
                "--timeout=120",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=env,
        )
        atexit.register(self.stop)  # also when the benchmark fails half-way
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.05)

    def workers(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)


def get(port: int, path: str, params: dict | None = None) -> tuple[float, int, bytes]:
    """One page over a new connection (gunicorn's sync workers close each one): milliseconds, status, body."""
    query = urlencode(params or {}, doseq=True)
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", f"{path}?{query}" if query else path, headers={"Host": "127.0.0.1"})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return (time.perf_counter() - started) * 1000, response.status, body


def memory(pid: int) -> dict[str, float]:
    """RSS, PSS and peak RSS of a process, in MB."""
    values = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("Rss", "Pss"):
                values[key.lower()] = int(rest.split()[0]) / 1024
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                values["peak"] = int(line.split()[1]) / 1024
    return values


# Writes ----------------------------------------------------------------------------------------------------------


class Writer:
    """Session edits at a steady rate, through plain SQL (any write path is seen the same way by the index)."""

    def __init__(self, database_url: str, rate: float, seed: int):
        self.url = database_url
        self.rate = rate
        self.rng = random.Random(seed)
        self.stop_event = threading.Event()
        self.running = threading.Event()
        self.writes = 0
        self.connection = connect(database_url)
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT min(id), max(id) FROM training_sessions_trainingsession")
            self.low, self.high = cursor.fetchone()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        interval = 1 / self.rate
        next_at = time.monotonic()
        while not self.stop_event.is_set():
            if not self.running.wait(timeout=0.1):
                next_at = time.monotonic()
                continue
            self.write_one()
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))

    def write_one(self):
        pk = self.rng.randint(self.low, self.high)
        kind = self.rng.randrange(4)
        statements = [
            (
                "UPDATE training_sessions_trainingsession SET places_left = %s, updated_at = now() WHERE id = %s",
                [self.rng.choice((0, 1, 5, None)), pk],
            ),
            (
                "UPDATE training_sessions_trainingsession SET recruitment_state = %s, confirmed_at = now() WHERE id = %s",
                [self.rng.choice((1, 1, 2)), pk],
            ),
            (
                "UPDATE training_sessions_trainingsession SET start_date = start_date + %s, end_date = end_date + %s, "
                "registration_closes = NULL, registration_opens = NULL WHERE id = %s AND start_date IS NOT NULL",
                [self.rng.choice((-7, 7, 14)), 0, pk],
            ),
            ("UPDATE training_sessions_trainingsession SET is_published = NOT is_published WHERE id = %s", [pk]),
        ]
        sql, params = statements[kind]
        if kind == 2:
            params[1] = params[0]
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
        self.connection.commit()
        self.writes += 1

    def close(self):
        self.stop_event.set()
        self.thread.join()
        self.connection.close()


def connect(url: str):
    parsed = urlparse(url)
    return psycopg2.connect(
        dbname=parsed.path.lstrip("/"),
        user=parsed.username,
        password=parsed.password,
        host=parsed.hostname,
        port=parsed.port or 5432,
    )


def result_count(body: bytes) -> int:
    """The number of results a page announces (its live region)."""
    text = re.search(rb'id="result-count"[^>]*>([^<]*)', body).group(1).decode()
    digits = re.sub(r"\D", "", text.split("formation")[0])
    return int(digits) if digits else 0


def visibility(server: Server, database_url: str, *, tries: int) -> list[float]:
    """Seconds from a write's commit until every worker shows it: the only session of an action is made full, then
    not full, and both workers are polled (two requests at a time) until ten answers in a row count it so."""
    connection = connect(database_url)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.id, o.slug FROM training_sessions_trainingsession s "
            "JOIN catalogue_action a ON a.id = s.action_id JOIN catalogue_formation f ON f.id = a.formation_id "
            "JOIN organisms_organism o ON o.id = f.organism_id "
            "WHERE o.approval_state = 'approved' AND a.is_published AND s.is_published "
            "AND s.start_date > current_date + 10 AND (SELECT count(*) FROM training_sessions_trainingsession t "
            "WHERE t.action_id = a.id AND t.is_published AND (t.end_date IS NULL OR t.end_date >= current_date)) = 1 "
            "ORDER BY s.id LIMIT 1"
        )
        session_id, slug = cursor.fetchone()
    params = {"organisme": slug, "places": "1"}
    lags = []
    for n in range(tries):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE training_sessions_trainingsession SET places_left = 5 WHERE id = %s", [session_id])
        connection.commit()
        time.sleep(0.3)
        with_place = result_count(get(server.port, "/formations/", params)[2])
        full = n % 2 == 0
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE training_sessions_trainingsession SET places_left = %s WHERE id = %s",
                [0 if full else 3, session_id],
            )
        connection.commit()
        committed = time.perf_counter()
        expected = with_place - 1 if full else with_place
        streak, seen_at = 0, None
        while streak < 10:
            answers: list[int] = []

            def ask(answers=answers):
                answers.append(result_count(get(server.port, "/formations/", params)[2]))

            threads = [threading.Thread(target=ask) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if all(count == expected for count in answers):
                seen_at = seen_at or time.perf_counter()
                streak += 1
            else:
                streak, seen_at = 0, None
            if time.perf_counter() - committed > 30:
                raise RuntimeError(f"a write was not visible after 30 s: {answers} instead of {expected}")
        lags.append(seen_at - committed)
    connection.close()
    return lags


# Throughput ------------------------------------------------------------------------------------------------------


def throughput(port: int, pages: list[dict], *, clients: int, seconds: float) -> dict:
    """Clients fetching random pages of the mix as fast as they are answered: asyncio coroutines on raw sockets (a
    thread per client would spend the machine's CPU on the load generator itself)."""
    return asyncio.run(_throughput(port, pages, clients=clients, seconds=seconds))


async def _throughput(port: int, pages: list[dict], *, clients: int, seconds: float) -> dict:
    requests = [
        f"GET /formations/?{urlencode(params, doseq=True)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        for params in pages
    ]
    counts = {"ok": 0, "errors": 0}
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    cpu = time.process_time()

    async def client(seed: int):
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(rng.choice(requests))
                await writer.drain()
                response = await reader.read()
                writer.close()
                ok = response.startswith(b"HTTP/1.1 200")
            except OSError:
                ok = False
            counts["ok" if ok else "errors"] += 1
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.monotonic()
    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.monotonic() - started
    return {
        "pages_per_second": counts["ok"] / elapsed,
        "errors": counts["errors"],
        "pages": counts["ok"],
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 0.95),
        "seconds": elapsed,
        "client_cpu_seconds": time.process_time() - cpu,
    }


# Figures ---------------------------------------------------------------------------------------------------------


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def load_average() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalogue", action="append", required=True, help="label=database URL (several)")
    parser.add_argument("--rounds", type=int, default=12, help="rounds of the mix, quiet and under writes each")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--writes-per-second", type=float, default=2.0)
    parser.add_argument("--cold", type=int, default=4, help="new workers timed per catalogue (the first builds)")
    parser.add_argument("--visibility", type=int, default=6, help="writes whose visibility is timed per catalogue")
    parser.add_argument("--throughput", default="", help="label of the catalogue to load with concurrent clients")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--json", help="write every figure to this file")
    args = parser.parse_args()

    catalogues = dict(item.split("=", 1) for item in args.catalogue)
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        check=True,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_SECRET_KEY": "benchmark",
            "REDIS_URL": REDIS_URL,
            "DATABASE_URL": next(iter(catalogues.values())),
        },
    )
    today = date.today()
    pages = mix(today)
    figures = {"load": {"start": load_average()}, "catalogues": {}}
    print(f"load average at start: {figures['load']['start']}", flush=True)

    # 1. Cold: the first search of a new worker, with no snapshot of the index (it reads the catalogue), then with
    # the snapshot the first one wrote (it maps it and applies the changes since).
    index_dirs = {label: Path(tempfile.mkdtemp(prefix=f"search-bench-{label}-")) for label in catalogues}
    for folder in index_dirs.values():
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    for label, url in catalogues.items():
        runs = []
        for _ in range(args.cold):
            server = Server(url, workers=1, index_dir=index_dirs[label])
            boot, _, _ = get(server.port, "/formations/inconnue/")  # the worker has started (Django loaded)
            ms, status, _ = get(server.port, "/formations/")
            assert status == 200, status
            worker = server.workers()[0]
            runs.append((ms, boot, memory(worker)))
            server.stop()
        figures["catalogues"][label] = {
            "build_ms": runs[0][0],
            "cold_ms": [ms for ms, _, _ in runs[1:]],
            "boot_ms": [boot for _, boot, _ in runs],
            "cold_memory": runs[-1][2],
        }
        print(
            f"{label}: first search of a new worker: {runs[0][0]:.0f} ms building the index, then from its snapshot "
            f"{', '.join(f'{r[0]:.0f}' for r in runs[1:])} ms; worker start and a first 404 "
            f"{statistics.median(r[1] for r in runs):.0f} ms; memory after it: {runs[-1][2]}",
            flush=True,
        )

    # 2. Quiet and under writes, alternating.
    servers = {
        label: Server(url, workers=args.workers, index_dir=index_dirs[label]) for label, url in catalogues.items()
    }
    writers = {label: Writer(url, args.writes_per_second, seed=n) for n, (label, url) in enumerate(catalogues.items())}
    for server in servers.values():  # every worker builds its index before measuring
        for _ in range(4 * args.workers):
            for _, params in pages:
                get(server.port, "/formations/", params)
    samples = {label: {"quiet": [], "writes": [], "404": []} for label in catalogues}
    per_page = {label: {"quiet": {}, "writes": {}} for label in catalogues}
    loads = []
    for round_number in range(args.rounds):
        for phase in ("quiet", "writes"):
            for writer in writers.values():
                (writer.running.set if phase == "writes" else writer.running.clear)()
            if phase == "writes":
                time.sleep(1)  # the writes are going on
            for label, server in servers.items():
                for name, params in pages:
                    ms, status, _ = get(server.port, "/formations/", params)
                    assert status == 200, (label, name, status)
                    samples[label][phase].append(ms)
                    per_page[label][phase].setdefault(name, []).append(ms)
                if phase == "quiet":
                    ms, status, _ = get(server.port, "/formations/inconnue/")
                    samples[label]["404"].append(ms)
        loads.append(load_average())
        print(f"round {round_number + 1}/{args.rounds} (load {loads[-1]})", flush=True)
    for writer in writers.values():
        writer.running.clear()
    figures["load"]["rounds"] = loads
    for label, server in servers.items():
        lags = visibility(server, catalogues[label], tries=args.visibility)
        data = figures["catalogues"][label]
        data["visibility_s"] = lags
        data["writes"] = writers[label].writes
        data["memory"] = {pid: memory(pid) for pid in server.workers()}
        for phase in ("quiet", "writes", "404"):
            values = samples[label][phase]
            data[phase] = {"p50": statistics.median(values), "p95": percentile(values, 0.95), "n": len(values)}
        data["pages"] = {
            phase: {name: statistics.median(values) for name, values in per_page[label][phase].items()}
            for phase in ("quiet", "writes")
        }

    # 3. Throughput.
    if args.throughput:
        figures["load"]["before_throughput"] = load_average()
        result = throughput(
            servers[args.throughput].port, [params for _, params in pages], clients=args.clients, seconds=args.seconds
        )
        figures["throughput"] = {"catalogue": args.throughput, **result, "load": load_average()}
    for writer in writers.values():
        writer.close()
    for server in servers.values():
        server.stop()
    figures["load"]["end"] = load_average()

    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))

    # Report.
    print()
    print(
        "| catalogue | quiet p50 / p95 | under writes p50 / p95 (ratio of p95) | write visible in (max) | "
        "404 p50 | first search of a new worker (median) | memory per worker RSS / PSS (MB) |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, data in figures["catalogues"].items():
        quiet, writes = data["quiet"], data["writes"]
        rss = max(m["rss"] for m in data["memory"].values())
        pss = max(m["pss"] for m in data["memory"].values())
        print(
            f"| {label} | {quiet['p50']:.1f} / {quiet['p95']:.1f} ms | {writes['p50']:.1f} / {writes['p95']:.1f} ms "
            f"(x{writes['p95'] / quiet['p95']:.2f}) | {max(data['visibility_s']):.2f} s | {data['404']['p50']:.1f} ms "
            f"| {data['build_ms']:.0f} ms (from a snapshot {statistics.median(data['cold_ms']):.0f} ms) "
            f"| {rss:.0f} / {pss:.0f} |"
        )
    if "throughput" in figures:
        t = figures["throughput"]
        print(
            f"\nthroughput at {t['catalogue']}: {t['pages_per_second']:.1f} pages/s with {args.clients} clients for "
            f"{t['seconds']:.0f} s, {t['errors']} errors, p50 {t['p50']:.0f} ms, p95 {t['p95']:.0f} ms "
            f"(load average {t['load']}; the load generator used {t['client_cpu_seconds']:.1f} s of CPU)"
        )
    print(
        f"\nload average: start {figures['load']['start']}, end {figures['load']['end']}; per round: "
        f"{'; '.join(figures['load']['rounds'])}"
    )
    print("\nper page, median (ms), quiet / under writes:")
    for label, data in figures["catalogues"].items():
        cells = [f"{name} {data['pages']['quiet'][name]:.0f}/{data['pages']['writes'][name]:.0f}" for name, _ in pages]
        print(f"  {label}: " + "; ".join(cells))


if __name__ == "__main__":
    main()
