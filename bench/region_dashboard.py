"""Times region staff's dashboard page through the full Django stack and counts its queries. Prints figures.

DATABASE_URL=postgres://postgres@127.0.0.1:5432/catalogue_bench .venv/bin/python bench/region_dashboard.py
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.groups import VIEWER, ensure_region_groups
    from accounts.models import User
    from sessions.models import TrainingSession

    settings.DEBUG = False
    warnings.filterwarnings("ignore", message="No directory at")
    viewer, _ = User.objects.get_or_create(email="bench-viewer@region.example.org", defaults={"kind": "region_agent"})
    viewer.groups.add(ensure_region_groups()[VIEWER])
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(viewer)
    print(f"database: {connection.vendor}, {TrainingSession.objects.count():,} sessions")
    for label, params in (
        ("everything", {}),
        ("programme + department", {"programme": "deuxieme-chance-numerique-idf", "departement": "93"}),
    ):
        client.get("/region/", params)
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            response = client.get("/region/", params)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as captured:
            client.get("/region/", params)
        print(
            f"{label:24s} median {statistics.median(timings):7.1f} ms, min {min(timings):7.1f}, max {max(timings):7.1f} "
            f"over {args.runs} runs; {len(captured)} queries"
        )


if __name__ == "__main__":
    main()
