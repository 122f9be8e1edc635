"""Backup and restore drill: dump a PostgreSQL database with pg_dump, restore the dump into a new database with
pg_restore, and compare the rows of every table, the sequences and the extensions between the two.

    .venv/bin/python ops/backup_drill.py --seed 2000                  # a seeded database of its own (then dropped)
    .venv/bin/python ops/backup_drill.py --source postgres://.../catalogue   # a real database (left untouched)

The restored database is dropped at the end unless --keep. Prints one line per table, the dump's size and times,
and a summary line; exits 1 when anything differs. The dump is the backup format the README recommends
(`pg_dump --format=custom`), restored as an operator would (`pg_restore --no-owner --exit-on-error`).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("DRILL_SERVER", "postgres://postgres@127.0.0.1:5432")
PREFIX = os.environ.get(
    "DRILL_PREFIX", "catalogue_drill"
)  # the databases it creates: PREFIX_source_*, PREFIX_restore_*


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def admin(sql: str) -> None:
    connection = psycopg2.connect(with_database(SERVER, "postgres"))
    connection.autocommit = True  # CREATE and DROP DATABASE run outside any transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def snapshot(url: str) -> dict:
    """Exact row counts of every table, the value of every sequence, the extensions."""
    connection = psycopg2.connect(url)
    with connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') "
            "ORDER BY 1, 2"
        )
        tables = cursor.fetchall()
        counts = {}
        for schema, table in tables:
            cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')
            counts[f"{schema}.{table}"] = cursor.fetchone()[0]
        cursor.execute("SELECT schemaname, sequencename, last_value FROM pg_sequences ORDER BY 1, 2")
        sequences = {f"{schema}.{name}": value for schema, name, value in cursor.fetchall()}
        cursor.execute("SELECT extname FROM pg_extension ORDER BY 1")
        extensions = [name for (name,) in cursor.fetchall()]
        # The search's triggers and indexes (GIN, trigram) must come back too, not only the rows.
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1")
        structure = [f"trigger {name}" for (name,) in cursor.fetchall()]
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")
        structure += [f"index {name}" for (name,) in cursor.fetchall()]
    connection.close()
    return {"tables": counts, "sequences": sequences, "extensions": extensions, "structure": structure}


def seed(url: str, sessions: int) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    for args in (
        ["migrate", "--no-input", "--verbosity", "0"],
        ["load_reference_data"],
        ["seed_demo", "--sessions", str(sessions)],
    ):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", help="URL of the database to back up (left untouched).")
    parser.add_argument(
        "--seed", type=int, metavar="SESSIONS", help="Seed a database of its own with this many sessions."
    )
    parser.add_argument("--keep", action="store_true", help="Keep the restored database (and the dump file).")
    options = parser.parse_args()
    if bool(options.source) == bool(options.seed):
        parser.error("give --source URL or --seed SESSIONS")

    run = uuid.uuid4().hex[:8]
    created = []
    if options.seed:
        source_name = f"{PREFIX}_source_{run}"
        admin(f"CREATE DATABASE {source_name}")
        created.append(source_name)
        source = with_database(SERVER, source_name)
        started = time.perf_counter()
        seed(source, options.seed)
        print(f"seeded {source_name} with {options.seed} sessions in {time.perf_counter() - started:.1f} s")
    else:
        source = options.source
    target_name = f"{PREFIX}_restore_{run}"
    target = with_database(SERVER, target_name)
    dump = Path(tempfile.mkdtemp(prefix="backup-drill-")) / "catalogue.dump"
    failures = 0
    try:
        before = snapshot(source)
        started = time.perf_counter()
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source], check=True)
        dump_seconds = time.perf_counter() - started
        admin(f"CREATE DATABASE {target_name}")
        created.append(target_name)
        started = time.perf_counter()
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={target}", str(dump)], check=True)
        restore_seconds = time.perf_counter() - started
        after = snapshot(target)

        print(f"{'table':<55} {'source':>10} {'restored':>10}")
        for table in sorted(set(before["tables"]) | set(after["tables"])):
            a, b = before["tables"].get(table), after["tables"].get(table)
            same = a == b
            failures += not same
            print(f"{table:<55} {a!s:>10} {b!s:>10}{'' if same else '  DIFFERENT'}")
        differing_sequences = [
            name
            for name in set(before["sequences"]) | set(after["sequences"])
            if before["sequences"].get(name) != after["sequences"].get(name)
        ]
        failures += len(differing_sequences)
        if differing_sequences:
            print("sequences that differ:", ", ".join(sorted(differing_sequences)))
        missing = sorted(set(before["structure"]) ^ set(after["structure"]))
        failures += len(missing)
        if missing:
            print("triggers or indexes that differ:", ", ".join(missing))
        if before["extensions"] != after["extensions"]:
            failures += 1
            print(f"extensions differ: {before['extensions']} / {after['extensions']}")
        rows = sum(before["tables"].values())
        print(
            f"backup drill: {len(before['tables'])} tables, {rows} rows, {len(before['sequences'])} sequences, "
            f"{len(before['structure'])} triggers and indexes, "
            f"extensions {', '.join(before['extensions'])}; dump {dump.stat().st_size / 1e6:.1f} MB in "
            f"{dump_seconds:.1f} s, restore in {restore_seconds:.1f} s; "
            + ("identical" if not failures else f"{failures} DIFFERENCE(S)")
        )
    finally:
        if not options.keep:
            for name in created:
                admin(f"DROP DATABASE IF EXISTS {name}")
            dump.unlink(missing_ok=True)
        else:
            print(f"kept: {', '.join(created)} and {dump}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
