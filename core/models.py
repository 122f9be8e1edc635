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


class EmailDelivery(models.Model):
    """One email of the portal on its way (core.mail): written in the transaction of the decision it reports, sent by
    a task once that transaction commits, retried after each failure (settings.EMAIL_RETRY_DELAYS), then recorded as
    failed for staff to see (admin: « Courriels »)."""

    class Status(models.TextChoices):
        PENDING = "pending", "À envoyer"
        RETRYING = "retrying", "Nouvel essai prévu"
        SENT = "sent", "Envoyé"
        FAILED = "failed", "Échec définitif"

    created_at = models.DateTimeField("créé le", auto_now_add=True)
    subject = models.CharField("objet", max_length=300)
    body = models.TextField("texte")
    to = models.JSONField("destinataires", default=list)
    headers = models.JSONField("en-têtes", default=dict, blank=True)
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("essais", default=0)
    last_error = models.TextField("dernière erreur", blank=True)
    next_attempt_at = models.DateTimeField("prochain essai", null=True, blank=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)

    class Meta:
        verbose_name = "courriel"
        verbose_name_plural = "courriels"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="emaildelivery_due_idx")]

    def __str__(self):
        return f"{self.subject} ({', '.join(self.to)})"


class Job(models.Model):
    """A long piece of work started by a person (an import, an export) and run by a task in the background: its state,
    its progress as the worker reports it, and its result (core.jobs)."""

    class Kind(models.TextChoices):
        LHEO_IMPORT = "lheo_import", "Import LHÉO"
        SESSIONS_UPLOAD = "sessions_upload", "Import d'un tableur de sessions"
        LHEO_EXPORT = "lheo_export", "Export LHÉO"

    class Status(models.TextChoices):
        WAITING = "waiting", "En attente"
        RUNNING = "running", "En cours"
        CHECKED = "checked", "Vérifié, en attente de votre confirmation"
        DONE = "done", "Terminé"
        REFUSED = "refused", "Refusé, rien n'est écrit"
        CANCELLED = "cancelled", "Annulé"
        FAILED = "failed", "Échec"

    ACTIVE = (Status.WAITING, Status.RUNNING)

    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="demandé par", on_delete=models.CASCADE, related_name="jobs"
    )
    organism = models.ForeignKey(
        "organisms.Organism",
        verbose_name="organisme",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="jobs",
    )
    label = models.CharField("intitulé", max_length=250)
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.WAITING)
    stage = models.CharField("étape", max_length=20, blank=True)  # "check" or "write" for imports
    params = models.JSONField("paramètres", default=dict, blank=True)
    input_path = models.CharField("fichier reçu", max_length=300, blank=True)
    output_path = models.CharField("fichier produit", max_length=300, blank=True)
    result = models.JSONField("résultat", default=dict, blank=True)
    error = models.TextField("erreur", blank=True)
    task_id = models.CharField("tâche", max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField("essais", default=0)
    cancel_requested = models.BooleanField("annulation demandée", default=False)
    created_at = models.DateTimeField("demandé le", auto_now_add=True)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        verbose_name = "travail en arrière-plan"
        verbose_name_plural = "travaux en arrière-plan"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="job_user_idx")]

    def __str__(self):
        return self.label

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE
