"""Feeds and import runs (ADR 0010).

A feed source is an LHÉO file that arrives again and again (a Carif-Oref's nightly export, a national body's file,
an organisation's own tool): its records are read one by one, the valid ones written, the invalid ones reported,
and what a new version no longer has is archived. An import run records one import: where the file came from,
when, what it changed and every problem found.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, URLValidator
from django.db import models
from django.db.models import Q


class FeedSource(models.Model):
    """A configured feed: an HTTP(S) address or a file path, owned by one organisation or by none (a Carif-Oref or
    national feed describing many organisations)."""

    name = models.SlugField(
        "nom",
        max_length=50,
        unique=True,
        help_text="Identifiant court et stable (par exemple dokelio-idf) : les fiches créées par le flux le portent.",
    )
    label = models.CharField("intitulé", max_length=200, help_text="Par exemple : DOKELIO Île-de-France (Carif-Oref).")
    url = models.URLField(
        "adresse du flux", max_length=500, blank=True, validators=[URLValidator(schemes=["http", "https"])]
    )
    path = models.CharField("chemin du fichier", max_length=500, blank=True, help_text="Sur le serveur du portail.")
    organism = models.ForeignKey(
        "organisms.Organism",
        verbose_name="organisme propriétaire",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feed_sources",
        help_text="Vide : Carif-Oref ou organisme national, dont le flux décrit l'offre de plusieurs organismes.",
    )
    max_rejected_percent = models.PositiveSmallIntegerField(
        "part maximale de sessions invalides (%)",
        default=5,
        validators=[MaxValueValidator(100)],
        help_text="Au-delà, rien n'est écrit : le flux est tenu pour cassé.",
    )
    is_active = models.BooleanField("synchronisé", default=True)
    etag = models.CharField("ETag de la dernière version lue", max_length=200, blank=True, editable=False)
    last_modified = models.CharField(
        "Last-Modified de la dernière version lue", max_length=100, blank=True, editable=False
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "flux LHÉO"
        verbose_name_plural = "flux LHÉO"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(url="") & ~Q(path="")) | (~Q(url="") & Q(path="")),
                name="feedsource_url_or_path",
                violation_error_message="Indiquez soit l'adresse du flux, soit le chemin du fichier.",
            ),
            models.CheckConstraint(
                condition=Q(max_rejected_percent__lte=100),
                name="feedsource_rejected_percent",
                violation_error_message="Une part est comprise entre 0 et 100 %.",
            ),
        ]

    def __str__(self):
        return f"{self.label} ({self.name})"

    @property
    def location(self) -> str:
        return self.url or self.path


class ImportRun(models.Model):
    """One import of an LHÉO file: its source, its file or address, when, its counts and its full report."""

    class Trigger(models.TextChoices):
        COMMAND = "command", "Commande import_lheo"
        SYNC = "sync", "Synchronisation (sync_feeds)"
        UPLOAD = "upload", "Dépôt par l'organisme"

    class Status(models.TextChoices):
        RUNNING = "running", "En cours"
        WRITTEN = "written", "Écrit"
        REFUSED = "refused", "Refusé, rien n'est écrit"
        NOT_MODIFIED = "not_modified", "Flux inchangé depuis la dernière lecture"
        FAILED = "failed", "Échec de la lecture du flux"

    source = models.ForeignKey(
        FeedSource, verbose_name="flux", on_delete=models.SET_NULL, null=True, blank=True, related_name="runs"
    )
    organism = models.ForeignKey(
        "organisms.Organism",
        verbose_name="organisme",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_runs",
        help_text="L'organisme dont le fichier ne décrit que l'offre.",
    )
    origin = models.CharField("fichier ou adresse", max_length=500)
    trigger = models.CharField("déclenchement", max_length=10, choices=Trigger.choices)
    all_or_nothing = models.BooleanField("tout ou rien", default=False)
    started_at = models.DateTimeField("début")
    finished_at = models.DateTimeField("fin", null=True, blank=True)
    status = models.CharField("état", max_length=12, choices=Status.choices, default=Status.RUNNING)
    version = models.CharField("version LHÉO", max_length=3, blank=True)
    counts = models.JSONField("effets, par type de fiche", default=dict, blank=True)
    sessions_total = models.PositiveIntegerField("sessions dans le fichier", default=0)
    sessions_rejected = models.PositiveIntegerField("sessions rejetées", default=0)
    problems = models.JSONField("problèmes", default=list, blank=True)
    summary = models.TextField("résumé", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="par", on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        verbose_name = "import LHÉO"
        verbose_name_plural = "imports LHÉO"
        ordering = ["-started_at", "-id"]
        indexes = [
            # Region staff's list of runs, newest first, and one source's history.
            models.Index(fields=["-started_at"], name="importrun_started_idx"),
            models.Index(fields=["source", "-started_at"], name="importrun_source_idx"),
        ]

    def __str__(self):
        return f"Import du {self.started_at:%d/%m/%Y %H:%M} ({self.origin})"

    KINDS = ("organismes", "formations", "actions", "sessions")

    @property
    def count_rows(self) -> list[tuple[str, dict]]:
        """The counts by kind of record, in the order of the offer (JSON keeps no order)."""
        return [(kind, self.counts[kind]) for kind in self.KINDS if kind in self.counts]

    @property
    def session_counts(self) -> dict[str, int]:
        """Sessions created, updated, unchanged, archived and rejected (zeros for a run that read nothing)."""
        return {
            "created": 0,
            "updated": 0,
            "unchanged": 0,
            "archived": 0,
            "rejected": 0,
            **self.counts.get("sessions", {}),
        }

    @property
    def duration_seconds(self) -> float | None:
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at else None
