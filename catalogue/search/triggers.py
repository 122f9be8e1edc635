"""The triggers that renew the search index's version token on every write to the tables it reads (ADR 0003).

Migration `catalogue 0003` creates them. SQLite drops a table's triggers whenever a migration rebuilds that table
(adding a constraint does), so on SQLite they are recreated, if missing, after every `migrate` (catalogue.apps).
"""

from django.db import connections

# Tables whose rows the in-process search index is built from.
INDEXED_TABLES = (
    "training_sessions_trainingsession",
    "catalogue_action",
    "catalogue_actionaudience",
    "catalogue_actionfunder",
    "catalogue_actionlabel",
    "catalogue_formation",
    "catalogue_trainingplace",
    "catalogue_programme",
    "catalogue_commune",
    "catalogue_department",
    "organisms_organism",
)

SQLITE_RENEW = (
    "INSERT INTO catalogue_searchindexversion (id, token, changed_at) "
    "VALUES (1, lower(hex(randomblob(16))), CURRENT_TIMESTAMP) "
    "ON CONFLICT (id) DO UPDATE SET token = excluded.token, changed_at = excluded.changed_at"
)


def sqlite_trigger_statements() -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS renew_search_version_{table}_{operation.lower()} AFTER {operation} ON {table} "
        f"BEGIN {SQLITE_RENEW}; END"
        for table in INDEXED_TABLES
        for operation in ("INSERT", "UPDATE", "DELETE")
    ]


def ensure_sqlite_triggers(using, **kwargs) -> None:
    """post_migrate: on SQLite, recreate the triggers a table rebuild dropped."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for statement in sqlite_trigger_statements():
            cursor.execute(statement)
