"""The designs weighed for issue 12, measured side by side on one catalogue, in alternating rounds (ADR 0011).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/catalogue_bench_100k .venv/bin/python bench/search_alternatives.py

1. Following a write: the change log applied by the process (one session, one action changed) against the full
   rebuild every process did before (the version token);
2. Answering a search with its facet counts: the in-process numpy index against PostgreSQL over a narrow
   denormalised table (one row per public session with its action's criteria, indexed), the same counts computed
   with `count(DISTINCT action) FILTER (...)`, one query per facet group (each group leaves itself out);
3. The steps of a page (in-process, test client): form, engine with facets, cards read and rendered, cards from the
   cache, the whole page, and a 404 through the same stack.

Uses the development settings (no server), creates the table `bench_narrow_session` in the database it is pointed
at (dropped at the end) and writes to one session and one action (then restores them). The machine is shared: the
load average is printed.
"""

import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("SEARCH_INDEX_DIR", "")  # every build reads the catalogue: no snapshot

NARROW = """
CREATE TABLE bench_narrow_session AS
SELECT s.id AS session_id, a.id AS action_id, coalesce(a.axis, '') AS axis, a.teaching_mode AS mode,
       a.free_for_jobseekers AS free, a.cpf_eligible AS cpf, f.is_certifying AS certifying,
       f.entry_level AS level, a.hours_total AS hours,
       coalesce((SELECT array_agg(code) FROM catalogue_actionaudience x WHERE x.action_id = a.id), '{}') AS audiences,
       coalesce((SELECT array_agg(code) FROM catalogue_actionfunder x WHERE x.action_id = a.id), '{}') AS funders,
       s.start_date, s.end_date, s.rolling_entry, s.is_remote, s.places_left, d.code AS department
FROM training_sessions_trainingsession s
JOIN catalogue_action a ON a.id = s.action_id
JOIN catalogue_formation f ON f.id = a.formation_id
JOIN organisms_organism o ON o.id = f.organism_id
LEFT JOIN catalogue_trainingplace p ON p.id = s.place_id
LEFT JOIN catalogue_commune c ON c.id = p.commune_id
LEFT JOIN catalogue_department d ON d.id = c.department_id
WHERE s.is_published AND a.is_published AND o.approval_state = 'approved'
  AND (s.end_date IS NULL OR s.end_date >= current_date)
"""
NARROW_INDEXES = [
    "CREATE INDEX ON bench_narrow_session (action_id)",
    "CREATE INDEX ON bench_narrow_session (start_date)",
    "CREATE INDEX ON bench_narrow_session (axis)",
    "CREATE INDEX ON bench_narrow_session (department)",
    "CREATE INDEX ON bench_narrow_session USING gin (audiences)",
    "ANALYZE bench_narrow_session",
]
LISTED = (
    "(start_date IS NOT NULL AND (rolling_entry OR start_date >= current_date - 30)) "
    "AND (end_date IS NULL OR end_date >= current_date)"
)
# Facet groups: the options' conditions over the narrow table (a sample of each kind: action and session criteria).
GROUPS = {
    "axe": {v: f"axis = '{v}'" for v in ("hybride", "distance", "anglais-pro")},
    "modalite": {str(m): f"mode = {m}" for m in (0, 1, 2)},
    "public": {v: f"audiences @> ARRAY['{v}']::varchar[]" for v in ("80006", "81024", "81018", "81020", "neet", "qpv")},
    "financeur": {v: f"funders @> ARRAY['{v}']::varchar[]" for v in ("2", "4", "3", "7", "16")},
    "gratuit": {"1": "free"},
    "certifiante": {"1": "certifying"},
    "duree_max": {str(h): f"hours <= {h}" for h in (35, 70, 150, 400, 800)},
    "semaines": {str(w): f"start_date <= current_date + {7 * w}" for w in (2, 4, 8, 12)},
    "places": {"1": "(places_left IS NULL OR places_left > 0)"},
    "departement": {d: f"(is_remote OR department = '{d}')" for d in ("75", "77", "78", "91", "92", "93", "94", "95")},
}


def sql_search(cursor, filters: dict[str, str]) -> tuple[int, dict]:
    """Total, the page's 20 actions, and every group's counts with the other groups' filters: in SQL."""
    where = " AND ".join([LISTED, *filters.values()])
    cursor.execute(
        f"SELECT action_id FROM bench_narrow_session WHERE {where} GROUP BY action_id ORDER BY min(start_date), "
        "action_id LIMIT 20"
    )
    cursor.fetchall()
    cursor.execute(f"SELECT count(DISTINCT action_id) FROM bench_narrow_session WHERE {where}")
    total = cursor.fetchone()[0]
    counts = {}
    for group, options in GROUPS.items():
        others = " AND ".join([LISTED, *(c for g, c in filters.items() if g != group)])
        aggregates = ", ".join(f"count(DISTINCT action_id) FILTER (WHERE {c})" for c in options.values())
        cursor.execute(f"SELECT {aggregates} FROM bench_narrow_session WHERE {others}")
        counts[group] = dict(zip(options, cursor.fetchone(), strict=True))
    return total, counts


def load_average() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def timed(function, *args, **kwargs) -> float:
    started = time.perf_counter()
    function(*args, **kwargs)
    return (time.perf_counter() - started) * 1000


def main():
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from catalogue.forms import SearchForm
    from catalogue.search import engine, index, results
    from catalogue.search.engine import Query
    from sessions.models import TrainingSession

    settings.DEBUG = False
    warnings.filterwarnings("ignore")
    rounds = int(os.environ.get("ROUNDS", "7"))
    today = timezone.localdate()
    load = [load_average()]
    print(f"database {connection.settings_dict['NAME']}; load average {load[0]}", flush=True)

    # The index of this process, and its size.
    started = time.perf_counter()
    c = index.columns(today)
    first = (time.perf_counter() - started) * 1000
    nbytes = sum(v.nbytes for v in vars(c).values() if hasattr(v, "nbytes"))
    print(
        f"index: {c.sizes[0]:,} sessions, {c.sizes[1]:,} actions; first build {first:.0f} ms (no snapshot); "
        f"columns {nbytes / 2**20:.0f} MB",
        flush=True,
    )

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_narrow_session")
        started = time.perf_counter()
        cursor.execute(NARROW)
        for statement in NARROW_INDEXES:
            cursor.execute(statement)
        narrow_ms = (time.perf_counter() - started) * 1000
    print(f"narrow table built in {narrow_ms:.0f} ms", flush=True)

    session = TrainingSession.objects.filter(is_published=True, start_date__gt=today).order_by("pk").first()
    action = session.action
    queries = {
        "nothing": (Query(), {}),
        "axis": (Query(axes=["hybride"]), {"axe": "axis = 'hybride'"}),
        "audience, free": (Query(publics=["qpv"], free=True), {"public": GROUPS["public"]["qpv"], "gratuit": "free"}),
        "department, weeks": (
            Query(department="93", weeks=8),
            {"departement": GROUPS["departement"]["93"], "semaines": GROUPS["semaines"]["8"]},
        ),
    }
    figures = {
        key: []
        for key in (
            "apply session",
            "apply action",
            "rebuild",
            *(f"numpy {q}" for q in queries),
            *(f"sql {q}" for q in queries),
        )
    }
    store = index.store_for(index.index_alias())
    for _ in range(rounds):
        # 1. A write, then the next search's refresh: applied (change log) or rebuilt (the token design).
        TrainingSession.objects.filter(pk=session.pk).update(places_left=session.places_left)
        figures["apply session"].append(timed(index.columns, today))
        type(action).objects.filter(pk=action.pk).update(hours_total=action.hours_total)
        figures["apply action"].append(timed(index.columns, today))
        figures["rebuild"].append(timed(index.build_columns, today))
        # 2. Search and facets: numpy, then SQL, alternately.
        with connection.cursor() as cursor:
            for name, (query, filters) in queries.items():
                figures[f"numpy {name}"].append(timed(engine.search, query, today=today))
                figures[f"sql {name}"].append(timed(sql_search, cursor, filters))
        load.append(load_average())
    assert store.builds == 1, "the index followed the writes without rebuilding"

    # 3. The steps of a page.
    client = Client(HTTP_HOST="127.0.0.1")
    params = {"axe": "hybride", "public": "demandeurs-emploi"}
    steps = {
        key: []
        for key in (
            "form",
            "engine and facets",
            "cards read and rendered",
            "cards cached",
            "page",
            "page, cards cached",
            "404",
        )
    }
    for _ in range(rounds):
        results.CARDS.clear()
        steps["page"].append(timed(client.get, "/formations/", params))
        steps["page, cards cached"].append(timed(client.get, "/formations/", params))
        steps["404"].append(timed(client.get, "/formations/inconnue/"))
        form_started = time.perf_counter()
        with index.reading(today) as c:
            form = SearchForm(params, columns=c)
            query = form.to_query()
        steps["form"].append((time.perf_counter() - form_started) * 1000)
        started = time.perf_counter()
        outcome = engine.search(query, today=today)
        steps["engine and facets"].append((time.perf_counter() - started) * 1000)
        results.CARDS.clear()
        steps["cards read and rendered"].append(timed(results.page_cards, outcome, today=today))
        steps["cards cached"].append(timed(results.page_cards, outcome, today=today))

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_narrow_session")

    print(f"\nmedians of {rounds} alternating rounds (ms):")
    for name, values in figures.items():
        print(f"  {name:28s} {statistics.median(values):8.1f}   (min {min(values):.1f}, max {max(values):.1f})")
    print("\nsteps of a page (ms, medians):")
    for name, values in steps.items():
        print(f"  {name:28s} {statistics.median(values):8.1f}")
    print(f"\nload average per round: {'; '.join(load)}")


if __name__ == "__main__":
    main()
