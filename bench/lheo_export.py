"""Times the LHÉO 2.3 export and reports the process's peak memory. Prints figures (targets: 100,000 sessions in
under 60 s, under 300 MB).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/catalogue_bench .venv/bin/python bench/lheo_export.py
"""

import os
import resource
import sys
import tempfile
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

    from exchange.lheo_export import ExportReport, ExportScope, export_lheo

    settings.DEBUG = False
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = ExportReport()
    started = time.perf_counter()
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".xml") as out:
        for piece in export_lheo(ExportScope(), today=timezone.localdate(), report=report):
            out.write(piece)
        out.flush()
        size = os.path.getsize(out.name)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"database: {connection.vendor}; {report.summary()}")
    print(
        f"export: {elapsed:.1f} s, {size / 1e6:.1f} MB of XML; peak memory of the process {peak:.0f} MB ({before:.0f} MB before)"
    )


if __name__ == "__main__":
    main()
