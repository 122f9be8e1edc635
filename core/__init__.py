"""The base every app may use: the audit trail, emails, decision tables and spreadsheet cells (ADR 0006)."""
