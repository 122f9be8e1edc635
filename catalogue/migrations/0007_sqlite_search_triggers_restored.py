"""SQLite only: put back the search-version triggers that later migrations dropped.

On SQLite, Django applies many schema changes by remaking the table (create a copy, move the rows, drop the
original), which drops the table's triggers: after `training_sessions 0004`, `catalogue 0004` and `0005`, changes to
sessions, actions and programmes no longer renewed the search version token, so the search index and the open data
files missed them until the day turned. This recreates every trigger of 0003 (dropping any left first). PostgreSQL
keeps its triggers through such changes and is not touched. A later migration that remakes an indexed table on
SQLite must run `sqlite_search_triggers` again (tests/catalogue/test_search.py::test_a_change_is_searchable_at_once
fails on SQLite otherwise).
"""

import importlib

from django.db import migrations

search_index = importlib.import_module("catalogue.migrations.0003_search_index")


def sqlite_search_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in search_index.SQLITE_BACKWARDS + search_index.SQLITE_FORWARDS:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0006_auditentry_moves_to_core"),
        ("training_sessions", "0004_session_rules_in_one_place"),
    ]

    operations = [migrations.RunPython(sqlite_search_triggers, migrations.RunPython.noop)]
