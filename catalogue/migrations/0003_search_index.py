"""Search support that Django's model layer does not express (ADR 0003).

- PostgreSQL: the `unaccent` and `pg_trgm` extensions, a `french_unaccent` text-search configuration, a stored
  generated `search_vector` column (the weighted document of each action) with its GIN index, a trigram index on
  the lexicon. The column is not a model field: only the PostgreSQL text query reads it.
- Both engines: triggers that renew the search index version token on every write to the tables the index reads.
"""

from django.db import migrations

# Tables whose rows the in-process search index is built from.
INDEXED_TABLES = [
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
]

# The weighted document of an action: title and job titles (A) first, then the rest (B).
ACTION_VECTOR = (
    "(setweight(to_tsvector('french_unaccent'::regconfig, search_title), 'A')"
    " || setweight(to_tsvector('french_unaccent'::regconfig, search_body), 'B'))"
)

POSTGRESQL_FORWARDS = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """DO $$ BEGIN
         IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'french_unaccent') THEN
           CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = french);
           ALTER TEXT SEARCH CONFIGURATION french_unaccent
             ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
         END IF;
       END $$""",
    # The weighted document, stored (ranking reads it for every match) and kept current by PostgreSQL itself.
    f"ALTER TABLE catalogue_action ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({ACTION_VECTOR}) STORED",
    # Text search over published actions (catalogue.search.text.text_matches).
    "CREATE INDEX action_search_vector_idx ON catalogue_action USING gin (search_vector)",
    # Correction of misspelt query words against the lexicon (similarity, %).
    "CREATE INDEX searchword_trgm_idx ON catalogue_searchword USING gin (word gin_trgm_ops)",
    # Prefix look-ups in the lexicon (word LIKE 'abc%'), whatever the database collation.
    "CREATE INDEX searchword_prefix_idx ON catalogue_searchword (word varchar_pattern_ops)",
    """CREATE OR REPLACE FUNCTION catalogue_renew_search_version() RETURNS trigger AS $$
       BEGIN
         INSERT INTO catalogue_searchindexversion (id, token, changed_at)
         VALUES (1, md5(random()::text || clock_timestamp()::text), now())
         ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token, changed_at = EXCLUDED.changed_at;
         RETURN NULL;
       END $$ LANGUAGE plpgsql""",
] + [
    f"CREATE TRIGGER renew_search_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION catalogue_renew_search_version()"
    for table in INDEXED_TABLES
]

POSTGRESQL_BACKWARDS = [f"DROP TRIGGER IF EXISTS renew_search_version ON {table}" for table in INDEXED_TABLES] + [
    "DROP FUNCTION IF EXISTS catalogue_renew_search_version()",
    "DROP INDEX IF EXISTS searchword_prefix_idx",
    "DROP INDEX IF EXISTS searchword_trgm_idx",
    "DROP INDEX IF EXISTS action_search_vector_idx",
    "ALTER TABLE catalogue_action DROP COLUMN IF EXISTS search_vector",
]

SQLITE_RENEW = (
    "INSERT INTO catalogue_searchindexversion (id, token, changed_at) "
    "VALUES (1, lower(hex(randomblob(16))), CURRENT_TIMESTAMP) "
    "ON CONFLICT (id) DO UPDATE SET token = excluded.token, changed_at = excluded.changed_at"
)
SQLITE_FORWARDS = [
    f"CREATE TRIGGER renew_search_version_{table}_{operation.lower()} AFTER {operation} ON {table} "
    f"BEGIN {SQLITE_RENEW}; END"
    for table in INDEXED_TABLES
    for operation in ("INSERT", "UPDATE", "DELETE")
]
SQLITE_BACKWARDS = [
    f"DROP TRIGGER IF EXISTS renew_search_version_{table}_{operation.lower()}"
    for table in INDEXED_TABLES
    for operation in ("INSERT", "UPDATE", "DELETE")
]


def run(statements_by_vendor):
    def operation(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return operation


def create_version_row(apps, schema_editor):
    apps.get_model("catalogue", "SearchIndexVersion").objects.update_or_create(id=1, defaults={"token": "initial"})


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0002_initial"),
        ("organisms", "0001_initial"),
        ("training_sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRESQL_FORWARDS, "sqlite": SQLITE_FORWARDS}),
            run({"postgresql": POSTGRESQL_BACKWARDS, "sqlite": SQLITE_BACKWARDS}),
        ),
        migrations.RunPython(create_version_row, migrations.RunPython.noop),
    ]
