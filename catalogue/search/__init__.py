"""Public search: one entry point (`catalogue.search.engine.search`), PostgreSQL first, SQLite fallback (ADR 0003)."""
