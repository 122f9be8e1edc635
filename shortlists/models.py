"""What people keep: a jobseeker's favourites and saved searches (with their alerts), an adviser's shortlists for
the people they accompany. Each object belongs to one person and is read through them (`shortlists.scope`)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from catalogue.models import new_public_id


class Favourite(models.Model):
    """A training action a person keeps."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="personne", on_delete=models.CASCADE, related_name="favourites"
    )
    action = models.ForeignKey("catalogue.Action", verbose_name="action", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField("ajoutée le", auto_now_add=True)

    class Meta:
        verbose_name = "favori"
        verbose_name_plural = "favoris"
        constraints = [
            # Also serves "is this action among the person's favourites" on search and detail pages.
            models.UniqueConstraint(fields=["user", "action"], name="favourite_once_per_action"),
        ]

    def __str__(self):
        return f"Favori {self.action_id} de {self.user_id}"


class SavedSearch(models.Model):
    """The criteria of a public search (its GET parameters), named, with an optional email alert."""

    class Frequency(models.TextChoices):
        DAILY = "daily", "Chaque jour"
        WEEKLY = "weekly", "Chaque semaine"
        NONE = "none", "Pas d'alerte"

    public_id = models.CharField("identifiant public", max_length=12, unique=True, default=new_public_id)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="personne", on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField("nom", max_length=100)
    query = models.CharField("critères (paramètres de la recherche)", max_length=2000, blank=True)
    frequency = models.CharField(
        "alerte par courriel", max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    created_at = models.DateTimeField("enregistrée le", auto_now_add=True)
    alerts_since = models.DateTimeField("alertes depuis le", null=True, blank=True)
    last_checked_at = models.DateTimeField("dernière alerte examinée le", null=True, blank=True)
    unsubscribed_at = models.DateTimeField("désinscrite le", null=True, blank=True)

    class Meta:
        verbose_name = "recherche enregistrée"
        verbose_name_plural = "recherches enregistrées"
        ordering = ["-created_at", "pk"]
        indexes = [
            # The alerts command's list of searches with an alert.
            models.Index(fields=["frequency"], condition=~Q(frequency="none"), name="savedsearch_alert_idx"),
        ]

    def __str__(self):
        return self.name


class SavedSearchMatch(models.Model):
    """A session known to match a saved search: already matching when its alert started (`announced_at` empty), or
    announced by an alert. A session is announced once per saved search, whatever the number of runs."""

    saved_search = models.ForeignKey(
        SavedSearch, verbose_name="recherche enregistrée", on_delete=models.CASCADE, related_name="matches"
    )
    session = models.ForeignKey(
        "training_sessions.TrainingSession", verbose_name="session", on_delete=models.CASCADE, related_name="+"
    )
    announced_at = models.DateTimeField("annoncée le", null=True, blank=True)

    class Meta:
        verbose_name = "session connue d'une recherche enregistrée"
        verbose_name_plural = "sessions connues des recherches enregistrées"
        constraints = [
            # Also serves the alert's "sessions already known to this search".
            models.UniqueConstraint(fields=["saved_search", "session"], name="savedsearchmatch_once"),
        ]

    def __str__(self):
        return f"{self.saved_search_id} · {self.session_id}"


def new_share_key() -> str:
    return secrets.token_urlsafe(12)


class Shortlist(models.Model):
    """An adviser's selection of trainings for one person they accompany, named by a label of their choosing."""

    public_id = models.CharField("identifiant public", max_length=12, unique=True, default=new_public_id)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="conseiller", on_delete=models.CASCADE, related_name="shortlists"
    )
    label = models.CharField(
        "repère de la personne accompagnée",
        max_length=80,
        help_text="Un repère de votre choix (« Mme D., projet web »). Aucun nom ni identifiant n'est demandé.",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    # The read-only link: signed, carries this key; revoked by a new key; valid until `shared_until`.
    share_key = models.CharField("clé du lien de partage", max_length=24, default=new_share_key)
    shared_until = models.DateTimeField("lien de partage valable jusqu'au", null=True, blank=True)

    class Meta:
        verbose_name = "sélection"
        verbose_name_plural = "sélections"
        ordering = ["-updated_at", "pk"]
        indexes = [
            # An adviser's shortlists, the most recent first.
            models.Index(fields=["owner", "-updated_at"], name="shortlist_owner_idx"),
        ]

    def __str__(self):
        return self.label


class ShortlistItem(models.Model):
    """A training in a shortlist, with the adviser's note (shown to the person the list is shared with)."""

    shortlist = models.ForeignKey(Shortlist, verbose_name="sélection", on_delete=models.CASCADE, related_name="items")
    action = models.ForeignKey("catalogue.Action", verbose_name="action", on_delete=models.CASCADE, related_name="+")
    note = models.TextField("note", max_length=1000, blank=True)
    position = models.PositiveIntegerField("rang", default=0)
    added_at = models.DateTimeField("ajoutée le", auto_now_add=True)

    class Meta:
        verbose_name = "formation d'une sélection"
        verbose_name_plural = "formations des sélections"
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["shortlist", "action"], name="shortlistitem_once_per_action"),
        ]

    def __str__(self):
        return f"{self.shortlist_id} · {self.action_id}"
