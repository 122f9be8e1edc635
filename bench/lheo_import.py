"""Times an LHÉO import of a whole catalogue into an empty one, then a re-import (nothing changes). Prints figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_10k .venv/bin/python bench/lheo_import.py

DESTRUCTIVE: exports the catalogue of that database, empties it, imports the export back. Use a benchmark database.
"""

import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")


def main():
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from demo.builder import clear_catalogue
    from exchange.lheo_export import ExportScope, export_lheo
    from exchange.lheo_import import import_lheo
    from sessions.models import TrainingSession

    settings.DEBUG = False
    started = time.perf_counter()
    data = "".join(export_lheo(ExportScope(), today=timezone.localdate())).encode()
    print(f"database: {connection.vendor}; export: {len(data) / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s")
    clear_catalogue()
    started = time.perf_counter()
    report = import_lheo(data, commit=False)
    print(f"preview into an empty catalogue: {time.perf_counter() - started:.1f} s; {report.summary()}")
    started = time.perf_counter()
    report = import_lheo(data, commit=True)
    elapsed = time.perf_counter() - started
    print(f"import into an empty catalogue: {elapsed:.1f} s; {report.summary()}")
    print(f"sessions now: {TrainingSession.objects.count():,}")
    started = time.perf_counter()
    again = import_lheo(data, commit=True)
    print(f"re-import: {time.perf_counter() - started:.1f} s; {again.summary()}")
    print(f"peak memory of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
