"""Search benchmark through the full Django stack (test client, views, templates, PostgreSQL). Prints figures.

    .venv/bin/python bench/search.py --small postgres://postgres@127.0.0.1:5432/bench_10k \
                                     --large postgres://postgres@127.0.0.1:5432/bench_100k --seed-if-empty

Each database gets a worker process; the driver alternates rounds of the fixed mix between them, so that both
sizes are measured side by side under the same machine load. A database is seeded (10,000 and 100,000 sessions)
when --seed-if-empty is given and it has no catalogue. Targets (issue #3): median < 50 ms and p95 < 150 ms per
page, at most 12 queries per page, and the 100,000-session mix at most twice as slow as the 10,000 one.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def mix(today, organism_slug: str) -> list[tuple[str, dict]]:
    """The fixed mix: text, each filter, place and radius, combinations, deep pages."""
    return [
        ("empty", {}),
        ("text", {"q": "développeur web"}),
        ("text typo", {"q": "developeur"}),
        ("text two words", {"q": "analyste cybersécurité"}),
        ("text english", {"q": "anglais logistique"}),
        ("axis", {"axe": "hybride"}),
        ("axis + audience", {"axe": "distance", "public": "16-25-ans"}),
        ("audience QPV", {"public": "qpv"}),
        ("radius 10 km", {"commune": "94028", "rayon": "10"}),
        ("radius 5 km by distance", {"commune": "75115", "rayon": "5", "tri": "distance"}),
        ("radius 30 km + axis", {"commune": "77284", "rayon": "30", "axe": "hybride"}),
        ("department", {"departement": "93"}),
        ("within 4 weeks", {"semaines": "4"}),
        (
            "start window",
            {"debut_min": (today + timedelta(30)).isoformat(), "debut_max": (today + timedelta(120)).isoformat()},
        ),
        ("registration open, places", {"inscription": "ouverte", "places": "1"}),
        ("free + funder", {"gratuit": "1", "financeur": "region"}),
        ("certifying + level", {"certifiante": "1", "niveau": "4"}),
        ("duration", {"duree_max": "150"}),
        ("label", {"label": "deuxieme-chance-numerique-idf"}),
        (
            "adviser combination",
            {"q": "data", "commune": "93066", "rayon": "20", "public": "demandeurs-emploi", "inscription": "ouverte"},
        ),
        ("deep page", {"page": "40"}),
        ("deep text page", {"q": "web", "page": "25"}),
        ("undated + remote", {"sans_date": "on", "modalite": "distance"}),
        ("organisation", {"organisme": organism_slug}),
        ("funders + audiences + axes", {"financeur": "cpf", "public": "femmes", "axe": ["hybride", "distance"]}),
    ]


def worker(database_url: str, seed_sessions: int | None) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from catalogue.models import Commune
    from catalogue.search import engine
    from catalogue.search.engine import select
    from organisms.models import Organism
    from sessions.models import TrainingSession

    settings.DEBUG = False
    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic needed to measure searches
    if seed_sessions and not TrainingSession.objects.exists():
        from catalogue.reference_data import load_reference_data
        from demo.builder import seed_demo

        if not Commune.objects.exists():
            load_reference_data()
        seed_demo(sessions=seed_sessions, seed=2026)
    today = timezone.localdate()
    organism = Organism.objects.approved().order_by("pk").values_list("slug", flat=True).first()
    pages = mix(today, organism)
    client = Client(HTTP_HOST="127.0.0.1")
    sessions = TrainingSession.objects.count()

    def get(params):
        response = client.get("/formations/", params)
        assert response.status_code == 200, (params, response.status_code)
        return response

    started = time.perf_counter()
    get({})  # builds the index
    build_ms = (time.perf_counter() - started) * 1000
    for _, params in pages:
        get(params)
    out = {"sessions": sessions, "build_ms": build_ms}
    print(json.dumps(out), flush=True)

    for line in sys.stdin:
        command = line.strip()
        if command == "round":
            timings = {}
            for name, params in pages:
                t0 = time.perf_counter()
                get(params)
                timings[name] = (time.perf_counter() - t0) * 1000
            print(json.dumps(timings), flush=True)
        elif command == "details":
            queries, cold_text, facets = {}, {}, {}
            for name, params in pages:
                with CaptureQueriesContext(connection) as captured:
                    get(params)
                queries[name] = len(
                    [q for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
                )
                if "q" in params:
                    engine._text_cache.clear()
                    t0 = time.perf_counter()
                    get(params)
                    cold_text[name] = (time.perf_counter() - t0) * 1000
            from django.http import QueryDict

            from catalogue.forms import SearchForm
            from catalogue.search.index import columns

            for name, params in pages:
                data = QueryDict(mutable=True)
                for key, value in params.items():
                    data.setlist(key, value if isinstance(value, list) else [value])
                query = SearchForm(data, columns=columns(today)).to_query()
                sel = select(query, today=today)
                runs = []
                for _ in range(5):
                    t0 = time.perf_counter()
                    engine.facet_counts(sel)
                    runs.append((time.perf_counter() - t0) * 1000)
                facets[name] = statistics.median(runs)
            with connection.cursor() as cursor:
                cursor.execute(
                    "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id, ts_rank(search_vector, query) "
                    "FROM catalogue_action, to_tsquery('french_unaccent', %s) AS query "
                    "WHERE is_published AND search_vector @@ query",
                    ["(developpeur:*) & (web:*)"],
                )
                explain = [row[0] for row in cursor.fetchall()]
            print(
                json.dumps({"queries": queries, "cold_text": cold_text, "facets": facets, "explain": explain}),
                flush=True,
            )
        elif command == "quit":
            return


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", required=True, help="database URL of the 10,000-session catalogue")
    parser.add_argument("--large", required=True, help="database URL of the 100,000-session catalogue")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--seed-if-empty", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--seed-sessions", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    workers = {}
    for label, url, size in (("10k", args.small, 10_000), ("100k", args.large, 100_000)):
        command = [sys.executable, __file__, "--small", "-", "--large", "-", "--worker", url]
        if args.seed_if_empty:
            command += ["--seed-sessions", str(size)]
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        workers[label] = process
    info = {label: json.loads(process.stdout.readline()) for label, process in workers.items()}
    for label, data in info.items():
        print(f"{label}: {data['sessions']:,} sessions; index built in {data['build_ms']:.0f} ms (first request)")

    samples = {label: [] for label in workers}
    per_page = {label: {} for label in workers}
    round_totals = {label: [] for label in workers}
    for _ in range(args.rounds):
        for label, process in workers.items():  # alternate: both sizes see the same machine load
            process.stdin.write("round\n")
            process.stdin.flush()
            timings = json.loads(process.stdout.readline())
            samples[label].extend(timings.values())
            round_totals[label].append(sum(timings.values()))
            for name, ms in timings.items():
                per_page[label].setdefault(name, []).append(ms)
    details = {}
    for label, process in workers.items():
        process.stdin.write("details\nquit\n")
        process.stdin.flush()
        details[label] = json.loads(process.stdout.readline())
        process.wait()

    print(f"\nPer page, median of {args.rounds} rounds (ms) | queries | facets alone (ms) | cold text (ms)")
    names = list(per_page["100k"])
    for name in names:
        cells = []
        for label in workers:
            d = details[label]
            cold = d["cold_text"].get(name)
            cells.append(
                f"{label} {statistics.median(per_page[label][name]):6.1f} | {d['queries'][name]:2d} q | "
                f"{d['facets'][name]:5.1f}" + (f" | cold {cold:5.1f}" if cold is not None else "")
            )
        print(f"  {name:28s} " + "   ".join(cells))
    print()
    for label in workers:
        values = samples[label]
        print(
            f"{label}: median {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms, "
            f"max {max(values):.1f} ms over {len(values)} pages; max queries per page "
            f"{max(details[label]['queries'].values())}; facets alone median "
            f"{statistics.median(details[label]['facets'].values()):.1f} ms"
        )
    ratio = statistics.median(round_totals["100k"]) / statistics.median(round_totals["10k"])
    print(f"mix at 100k / mix at 10k (median of round totals): {ratio:.2f}")
    print("\nEXPLAIN of the text query at 100k:")
    for line in details["100k"]["explain"]:
        print("  " + line)


if __name__ == "__main__":
    if "--worker" in sys.argv:
        index = sys.argv.index("--worker")
        seed = int(sys.argv[sys.argv.index("--seed-sessions") + 1]) if "--seed-sessions" in sys.argv else None
        worker(sys.argv[index + 1], seed)
    else:
        main()
