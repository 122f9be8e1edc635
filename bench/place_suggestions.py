"""The place field's suggestions on all of France (about 35,000 communes), through the full Django stack (test
client, view, template, PostgreSQL). Prints figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_places .venv/bin/python bench/place_suggestions.py

Loads the reference data of all of France when the database has no commune (non-destructive otherwise). Each round
types a fixed list of names and postcodes as a person does, one more character at a time, and times every request
of the suggestions endpoint; the same lists are run through the previous implementation (every commune read and
folded in Python), side by side in each round, so that both see the same machine load.
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

TYPED = ["créteil", "saint-denis", "quimperlé", "marseille 8", "vernon", "le kremlin-bicêtre", "94000", "29300"]


def prefixes(text: str) -> list[str]:
    return [text[:n] for n in range(2, len(text) + 1)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from catalogue.forms import commune_label
    from catalogue.models import Commune
    from catalogue.reference_data import load_reference_data
    from catalogue.search.text import simplify

    settings.DEBUG = False
    warnings.filterwarnings("ignore", message="No directory at")
    if not Commune.objects.exists():
        started = time.perf_counter()
        print(load_reference_data().summary(), f"({time.perf_counter() - started:.1f} s)")
    print(f"database: {connection.vendor}; communes: {Commune.objects.count():,}; load: {os.getloadavg()}")

    def before(text: str, limit: int = 10) -> list[str]:
        """The previous implementation: every commune read, folded and compared in Python."""
        communes = Commune.objects.only("name", "postcodes", "kind").order_by("-population", "name")
        if text.isdigit():
            found = []
            for commune in communes.filter(postcodes__contains=text):
                found.extend(f"{commune.name} ({code})" for code in commune.postcode_list if code.startswith(text))
            return found[:limit]
        name = simplify(text)
        return [commune_label(c) for c in communes if simplify(c.name).startswith(name)][:limit]

    client = Client(HTTP_HOST="127.0.0.1")
    requests = [p for text in TYPED for p in prefixes(text)]
    with CaptureQueriesContext(connection) as queries:
        client.get("/formations/communes/", {"lieu": "saint"})
    print(f"queries per suggestion request: {len(queries)}; requests per round: {len(requests)}")
    now, old = [], []
    for _ in range(args.rounds):
        for text in requests:
            t0 = time.perf_counter()
            response = client.get("/formations/communes/", {"lieu": text})
            now.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
            t0 = time.perf_counter()
            before(text)
            old.append((time.perf_counter() - t0) * 1000)

    def line(name, timings):
        timings = sorted(timings)
        p95 = timings[int(len(timings) * 0.95) - 1]
        return f"{name}: median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms"

    print(line("suggestions (HTTP view, indexed query)", now))
    print(line("previous implementation (function alone)", old))
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
