"""The audit trail moved to the `core` app (ADR 0006): only Django's state changes, the table stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0005_programme_criteria"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEntry")],
            database_operations=[],
        ),
    ]
