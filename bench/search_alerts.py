"""Times the saved-search alerts: saving a search with its alert (the known sessions are recorded, in the web request)
and one `send_search_alerts` run over many due searches. Prints figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/catalogue_bench .venv/bin/python bench/search_alerts.py

Uses the development settings (DEMO_MODE), REPLACES the catalogue of the database it is pointed at and sends its
emails to the console backend's replacement, the in-memory one.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

# Searches people save with an alert: a place or a job, and a criterion or two (broader ones get no alert).
QUERIES = [
    "q=developpeur&commune=94028",
    "commune=94028&rayon=10&inscription=ouverte",
    "axe=distance&public=16-25-ans&gratuit=1",
    "q=anglais&axe=anglais-pro&inscription=ouverte",
    "departement=93&q=web",
    "q=data&commune=75056&rayon=5",
    "modalite=mixte&commune=77284",
    "q=cybersecurite&places=1",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    from accounts.models import User
    from catalogue.models import Commune
    from catalogue.reference_data import load_reference_data
    from demo.builder import seed_demo
    from sessions.models import TrainingSession
    from shortlists.alerts import run_alerts
    from shortlists.models import SavedSearch
    from shortlists.services import KeepError, saved_search_save

    if not Commune.objects.exists():
        load_reference_data()
    seed_demo(sessions=args.sessions, seed=2026)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; sessions: {args.sessions:,}")
    user = User.objects.get(email__startswith="demandeur@")
    now = timezone.now()
    saving, refused = [], 0
    for n in range(args.searches):
        started = time.perf_counter()
        try:
            saved_search_save(
                saved=SavedSearch(user=user), name=f"R{n}", frequency="daily", query=QUERIES[n % len(QUERIES)], now=now
            )
        except KeepError:
            refused += 1
        saving.append(time.perf_counter() - started)
    print(f"{refused} of {args.searches} searches too broad for an alert")
    print(
        f"saving a search with its alert: median {statistics.median(saving) * 1000:.1f} ms, "
        f"max {max(saving) * 1000:.1f} ms over {len(saving)} searches"
    )
    runs = []
    for run in range(1, args.runs + 1):
        # A day passes and a few sessions are published: every search is due again.
        SavedSearch.objects.update(last_checked_at=now - timedelta(days=run))
        fresh = list(TrainingSession.objects.public().order_by("?")[:20])
        for session in fresh:
            session.pk = None
            session.public_id = f"bench{run}{session.action_id}"[:12]
            session.external_id = ""
        TrainingSession.objects.bulk_create(fresh)
        started = time.perf_counter()
        summary = run_alerts(now=timezone.now(), send=True, base_url="http://127.0.0.1:8000")
        runs.append(time.perf_counter() - started)
        print(
            f"run {run}: {runs[-1]:.1f} s, {summary.examined} searches, {summary.queued} alerts queued, {summary.sessions} sessions"
        )
    print(
        f"alerts run: median {statistics.median(runs):.1f} s for {summary.examined} searches with an alert, {len(runs)} runs"
    )


if __name__ == "__main__":
    main()
