from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class AuditEntry(models.Model):
    """Who changed what, when, with the values before and after."""

    class Verb(models.TextChoices):
        CREATE = "create", "Création"
        UPDATE = "update", "Modification"
        DELETE = "delete", "Suppression"
        DECISION = "decision", "Décision"

    created_at = models.DateTimeField("le", auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="par", on_delete=models.SET_NULL, null=True, blank=True
    )
    actor_label = models.CharField("auteur (au moment du changement)", max_length=254, blank=True)
    verb = models.CharField("opération", max_length=10, choices=Verb.choices)
    content_type = models.ForeignKey(ContentType, verbose_name="type d'objet", on_delete=models.PROTECT)
    object_id = models.CharField("identifiant de l'objet", max_length=64)
    object_repr = models.CharField("objet", max_length=255)
    organism = models.ForeignKey(
        "organisms.Organism",
        verbose_name="organisme concerné",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    changes = models.JSONField("changements (avant, après)", default=dict, blank=True)
    reason = models.TextField("motif", blank=True)

    class Meta:
        # The table kept its name when the model moved here from `catalogue` (ADR 0006).
        db_table = "catalogue_auditentry"
        verbose_name = "entrée du journal"
        verbose_name_plural = "journal des modifications"
        ordering = ["-created_at", "-id"]
        indexes = [
            # History of one object, newest first.
            models.Index(fields=["content_type", "object_id", "-created_at"], name="audit_object_idx"),
            # History of one organisation's records, newest first.
            models.Index(fields=["organism", "-created_at"], name="audit_organism_idx"),
        ]

    def __str__(self):
        return f"{self.get_verb_display()} de {self.object_repr}"
