
import django.db.models.functions.datetime
import importlib

from django.db import migrations, models

SEARCH_INDEX = importlib.import_module("catalogue.migrations.0003_search_index")
INDEXED_TABLES = SEARCH_INDEX.INDEXED_TABLES


# PostgreSQL: every write to a table the search index reads appends the ids it changed to catalogue_searchchange,
# with its transaction id, from statement-level triggers over the statement's transition tables (one INSERT per
# statement, whatever the number of rows). Each process applies the changes it has not seen (ADR 0008). The version
# token and its triggers (migration 0003) are dropped on PostgreSQL: every writing transaction updated that one row
# and held its lock until commit, so that a long import blocked every other write. SQLite keeps the token.

XID = "pg_current_xact_id()::text::bigint"
# More rows changed by one statement than this: one rebuild marker instead of the ids (seeding, a national feed).
ROW_LIMIT = 1000
# Each logging statement prunes changes older than a day with this probability (cheap, no cron needed).
PRUNE_CHANCE = 0.002

# table -> (kind of change, ids changed, from a transition table named {rows})
LOGGED = {
    "training_sessions_trainingsession": ("S", "SELECT id FROM {rows}"),
    "catalogue_action": ("A", "SELECT id FROM {rows}"),
    "catalogue_actionaudience": ("A", "SELECT action_id FROM {rows}"),
    "catalogue_actionfunder": ("A", "SELECT action_id FROM {rows}"),
    "catalogue_actionlabel": ("A", "SELECT action_id FROM {rows}"),
    "catalogue_trainingplace": ("A", "SELECT action_id FROM {rows}"),
    "catalogue_formation": ("A", "SELECT a.id FROM catalogue_action a JOIN {rows} r ON a.formation_id = r.id"),
    "organisms_organism": (
        "A",
        "SELECT a.id FROM catalogue_action a JOIN catalogue_formation f ON a.formation_id = f.id "
        "JOIN {rows} r ON f.organism_id = r.id",
    ),
}
# Reference tables: a real change rebuilds the index (rare: loading reference data). A new commune changes nothing.
REBUILT_ON = {
    "catalogue_programme": ("INSERT", "UPDATE", "DELETE"),
    "catalogue_department": ("INSERT", "UPDATE", "DELETE"),
    "catalogue_commune": ("UPDATE", "DELETE"),
}
TRANSITIONS = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
}
PRUNE = f"""CREATE OR REPLACE FUNCTION catalogue_prune_search_changes(keep interval) RETURNS void AS $$
    DECLARE horizon bigint;
    BEGIN
      IF NOT pg_try_advisory_xact_lock(hashtext('catalogue_prune_search_changes')) THEN RETURN; END IF;
      WITH gone AS (DELETE FROM catalogue_searchchange WHERE changed_at < now() - keep RETURNING txid)
      SELECT max(txid) INTO horizon FROM gone;
      IF horizon IS NOT NULL THEN
        UPDATE catalogue_searchindexversion SET pruned_below = greatest(coalesce(pruned_below, 0), horizon + 1) WHERE id = 1;
      END IF;
    END $$ LANGUAGE plpgsql"""
MAYBE_PRUNE = f"IF random() < {PRUNE_CHANCE} THEN PERFORM catalogue_prune_search_changes(interval '1 day'); END IF;"


def logging_function(table, operation):
    kind, ids = LOGGED[table]
    if operation == "UPDATE":
        changed = f"{ids.format(rows='new_rows')} UNION {ids.format(rows='old_rows')}"
    else:
        changed = "SELECT DISTINCT * FROM (" + ids.format(rows="new_rows" if operation == "INSERT" else "old_rows") + ") x"
    return f"""CREATE OR REPLACE FUNCTION catalogue_log_{table}_{operation.lower()}() RETURNS trigger AS $$
    BEGIN
      WITH ids(id) AS ({changed}), counted AS (SELECT count(*) AS n FROM ids)
      INSERT INTO catalogue_searchchange (kind, row_id, txid)
      SELECT '{kind}', id, {XID} FROM ids WHERE (SELECT n FROM counted) <= {ROW_LIMIT}
      UNION ALL SELECT 'R', NULL, {XID} FROM counted WHERE n > {ROW_LIMIT};
      {MAYBE_PRUNE}
      RETURN NULL;
    END $$ LANGUAGE plpgsql"""


def rebuild_function(operation):
    changed = {
        "INSERT": "EXISTS (SELECT 1 FROM new_rows)",
        "DELETE": "EXISTS (SELECT 1 FROM old_rows)",
        "UPDATE": "EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON n.id = o.id WHERE n IS DISTINCT FROM o)",
        "TRUNCATE": "true",
    }[operation]
    return f"""CREATE OR REPLACE FUNCTION catalogue_log_rebuild_{operation.lower()}() RETURNS trigger AS $$
    BEGIN
      IF {changed} THEN INSERT INTO catalogue_searchchange (kind, row_id, txid) VALUES ('R', NULL, {XID}); END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql"""


def trigger(table, operation, function):
    transition = TRANSITIONS.get(operation, "")
    return (
        f"CREATE TRIGGER search_log_{operation.lower()} AFTER {operation} ON {table} {transition} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
    )


POSTGRESQL_FORWARDS = (
    [f"DROP TRIGGER IF EXISTS renew_search_version ON {table}" for table in INDEXED_TABLES]
    + ["DROP FUNCTION IF EXISTS catalogue_renew_search_version()", PRUNE]
    + [rebuild_function(operation) for operation in ("INSERT", "UPDATE", "DELETE", "TRUNCATE")]
    + [
        statement
        for table in LOGGED
        for operation in ("INSERT", "UPDATE", "DELETE")
        for statement in (
            logging_function(table, operation),
            trigger(table, operation, f"catalogue_log_{table}_{operation.lower()}"),
        )
    ]
    + [trigger(table, operation, f"catalogue_log_rebuild_{operation.lower()}") for table, ops in REBUILT_ON.items() for operation in ops]
    + [trigger(table, "TRUNCATE", "catalogue_log_rebuild_truncate") for table in INDEXED_TABLES]
)
POSTGRESQL_BACKWARDS = (
    [
        f"DROP TRIGGER IF EXISTS search_log_{operation} ON {table}"
        for table in INDEXED_TABLES
        for operation in ("insert", "update", "delete", "truncate")
    ]
    + [f"DROP FUNCTION IF EXISTS catalogue_log_{table}_{operation}()" for table in LOGGED for operation in ("insert", "update", "delete")]
    + [f"DROP FUNCTION IF EXISTS catalogue_log_rebuild_{operation}()" for operation in ("insert", "update", "delete", "truncate")]
    + ["DROP FUNCTION IF EXISTS catalogue_prune_search_changes(interval)"]
    + [statement for statement in SEARCH_INDEX.POSTGRESQL_FORWARDS if "renew_search_version" in statement]
)


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0007_feeds_and_places'),
    ]

    operations = [
        migrations.AddField(
            model_name='searchindexversion',
            name='pruned_below',
            field=models.BigIntegerField(null=True, verbose_name='journal des changements élagué avant la transaction'),
        ),
        migrations.CreateModel(
            name='SearchChange',
            fields=[
                ('seq', models.BigAutoField(primary_key=True, serialize=False)),
                ('kind', models.CharField(choices=[('S', 'session'), ('A', "action (ou ce qu'elle affiche : formation, organisme, lieux, publics, financeurs, labels)"), ('R', 'reconstruction complète (données de référence, écriture massive, TRUNCATE)')], max_length=1, verbose_name='nature')),
                ('row_id', models.BigIntegerField(null=True, verbose_name='identifiant de la ligne')),
                ('txid', models.BigIntegerField(verbose_name='transaction (xid8)')),
                ('changed_at', models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), verbose_name='modifiée le')),
            ],
            options={
                'verbose_name': 'changement indexé',
                'verbose_name_plural': 'journal des changements indexés',
                'indexes': [models.Index(fields=['txid'], name='searchchange_txid_idx'), models.Index(fields=['changed_at'], name='searchchange_changed_at_idx')],
            },
        ),
        migrations.RunPython(run(POSTGRESQL_FORWARDS), run(POSTGRESQL_BACKWARDS)),
    ]
