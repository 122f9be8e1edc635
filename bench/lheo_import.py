"""Times the LHÉO import of a regional feed on PostgreSQL: into an empty catalogue, then again unchanged. Prints
figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_feed .venv/bin/python bench/lheo_import.py --sessions 100000

DESTRUCTIVE: seeds the demo catalogue when the database has none (a third more sessions than --sessions: past ones
are not exported), exports its first --sessions current sessions to a file (whole formations), then each round
empties the catalogue and imports the file (record by record, the feed policy, committed), then imports it again
(nothing changes). Use a benchmark database. Each import runs in a child process, which prints its own time
and peak memory (ru_maxrss), so that the export and the other rounds do not count. Medians over the rounds are
printed with the machine's load average, the machine being shared.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")


def setup():
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False


def child(path: str, stage: str) -> None:
    """One import, in this process: prints {"seconds", "peak_mb", "summary"} as JSON."""
    setup()
    from demo.builder import clear_catalogue
    from exchange.lheo_import import FEED_POLICY, import_lheo

    if stage == "empty":
        clear_catalogue()
    started = time.perf_counter()
    report = import_lheo(Path(path), commit=True, policy=FEED_POLICY, max_bytes=2_000_000_000)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "summary": report.summary(), "ok": report.written}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000, help="size of the demo catalogue seeded if empty")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--child", nargs=2, metavar=("FILE", "STAGE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    setup()
    from django.db import connection
    from django.utils import timezone

    from catalogue.models import Commune
    from catalogue.reference_data import load_reference_data
    from demo.builder import seed_demo
    from exchange.lheo_export import ExportScope, export_lheo
    from organisms.models import Organism
    from sessions.models import TrainingSession

    if TrainingSession.objects.count() < args.sessions:
        if not Commune.objects.exists():
            load_reference_data()
        started = time.perf_counter()
        seed_demo(sessions=args.sessions * 16 // 10, seed=args.seed)
        print(f"seeded {args.sessions * 16 // 10:,} sessions in {time.perf_counter() - started:.1f} s")
    Organism.objects.update(
        approval_state=Organism.ApprovalState.APPROVED
    )  # a previous round's import left them pending
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "flux.xml"
        started = time.perf_counter()
        sessions = formations = 0
        with path.open("w", encoding="utf-8") as out:
            for piece in export_lheo(ExportScope(), today=timezone.localdate()):
                if piece.startswith("<formation"):
                    if sessions >= args.sessions:
                        continue
                    sessions += piece.count("<session ")
                    formations += 1
                out.write(piece)
        print(
            f"database: {connection.vendor} {connection.settings_dict['NAME']}; feed: {path.stat().st_size / 1e6:.0f} MB, "
            f"{formations:,} formations, {sessions:,} sessions, written in {time.perf_counter() - started:.1f} s"
        )
        if sessions < args.sessions:
            print(f"the catalogue has only {sessions:,} current sessions: empty the database to seed a larger one")
        connection.close()
        results = {"empty": [], "again": []}
        for round_number in range(1, args.rounds + 1):
            for stage in ("empty", "again"):
                load = os.getloadavg()[0]
                output = subprocess.run(
                    [sys.executable, __file__, "--child", str(path), stage],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=os.environ,
                ).stdout
                result = json.loads(output.strip().splitlines()[-1])
                result["load"] = load
                results[stage].append(result)
                name = "into an empty catalogue" if stage == "empty" else "again, unchanged"
                print(
                    f"round {round_number}, import {name}: {result['seconds']:.1f} s, peak memory "
                    f"{result['peak_mb']:.0f} MB, load average {load:.1f}; {result['summary']}"
                )
    for stage, name in (("empty", "into an empty catalogue"), ("again", "again, unchanged")):
        runs = results[stage]
        print(
            f"median import {name}: {statistics.median(r['seconds'] for r in runs):.1f} s "
            f"(min {min(r['seconds'] for r in runs):.1f}, max {max(r['seconds'] for r in runs):.1f}); "
            f"peak memory median {statistics.median(r['peak_mb'] for r in runs):.0f} MB "
            f"(max {max(r['peak_mb'] for r in runs):.0f}); load average {statistics.median(r['load'] for r in runs):.1f}"
        )


if __name__ == "__main__":
    main()
