"""The audit trail moves here from `catalogue` (ADR 0006): the table keeps its name, only Django's state moves."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalogue", "0005_programme_criteria"),
        ("organisms", "0002_decide_permission"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="le")),
                        (
                            "actor_label",
                            models.CharField(blank=True, max_length=254, verbose_name="auteur (au moment du changement)"),
                        ),
                        (
                            "verb",
                            models.CharField(
                                choices=[
                                    ("create", "Création"),
                                    ("update", "Modification"),
                                    ("delete", "Suppression"),
                                    ("decision", "Décision"),
                                ],
                                max_length=10,
                                verbose_name="opération",
                            ),
                        ),
                        ("object_id", models.CharField(max_length=64, verbose_name="identifiant de l'objet")),
                        ("object_repr", models.CharField(max_length=255, verbose_name="objet")),
                        ("changes", models.JSONField(blank=True, default=dict, verbose_name="changements (avant, après)")),
                        ("reason", models.TextField(blank=True, verbose_name="motif")),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="par",
                            ),
                        ),
                        (
                            "content_type",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                to="contenttypes.contenttype",
                                verbose_name="type d'objet",
                            ),
                        ),
                        (
                            "organism",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="audit_entries",
                                to="organisms.organism",
                                verbose_name="organisme concerné",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "entrée du journal",
                        "verbose_name_plural": "journal des modifications",
                        "ordering": ["-created_at", "-id"],
                        "db_table": "catalogue_auditentry",
                        "indexes": [
                            models.Index(fields=["content_type", "object_id", "-created_at"], name="audit_object_idx"),
                            models.Index(fields=["organism", "-created_at"], name="audit_organism_idx"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
