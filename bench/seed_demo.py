"""Times `seed_demo` (targets: 100,000 sessions in under 2 minutes, 1,000,000 in under 4 on PostgreSQL, on an empty
database: the first run). Prints figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/catalogue_bench .venv/bin/python bench/seed_demo.py

Uses the development settings (DEMO_MODE) and REPLACES the catalogue of the database it is pointed at.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from catalogue.models import Commune
    from catalogue.reference_data import load_reference_data
    from demo.builder import seed_demo

    if not Commune.objects.exists():
        load_reference_data()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; sessions: {args.sessions:,}")
    timings = []
    for run in range(1, args.runs + 1):
        started = time.perf_counter()
        report = seed_demo(sessions=args.sessions, seed=args.seed)
        timings.append(time.perf_counter() - started)
        print(f"run {run}: {timings[-1]:.1f} s ({report.summary()})")
    print(
        f"median: {statistics.median(timings):.1f} s over {len(timings)} runs (min {min(timings):.1f}, max {max(timings):.1f})"
    )


if __name__ == "__main__":
    main()
