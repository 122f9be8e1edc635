from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from .validators import validate_siret


class OrganismQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(approval_state=Organism.ApprovalState.APPROVED)


class Organism(models.Model):
    """A training organisation (organisme de formation), responsible for its formations in LHÉO."""

    class ApprovalState(models.TextChoices):
        PENDING = "pending", "En attente de validation"
        APPROVED = "approved", "Validé"
        REJECTED = "rejected", "Refusé"
        SUSPENDED = "suspended", "Suspendu"

    objects = OrganismQuerySet.as_manager()

    siret = models.CharField("SIRET", max_length=14, unique=True, validators=[validate_siret])
    nda = models.CharField(
        "numéro de déclaration d'activité (NDA)",
        max_length=11,
        help_text="11 caractères, par exemple 11755555575.",
    )
    slug = models.SlugField("identifiant public", max_length=80, unique=True)
    usual_name = models.CharField("nom d'usage", max_length=200)
    legal_name = models.CharField("raison sociale", max_length=200)
    street = models.CharField("adresse", max_length=250, blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    commune = models.ForeignKey(
        "catalogue.Commune", verbose_name="commune", on_delete=models.PROTECT, null=True, blank=True
    )
    email = models.EmailField("adresse électronique de contact", blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    website = models.URLField("site web", blank=True)
    approval_state = models.CharField(
        "état de validation", max_length=10, choices=ApprovalState.choices, default=ApprovalState.PENDING
    )
    approval_changed_at = models.DateTimeField("état modifié le", null=True, blank=True)
    qualiopi_certified_on = models.DateField("date de certification Qualiopi", null=True, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "organisme de formation"
        verbose_name_plural = "organismes de formation"
        ordering = ["usual_name"]
        permissions = [("decide_organism", "Valider, refuser, suspendre et rétablir les organismes")]
        constraints = [
            models.CheckConstraint(
                condition=Q(siret__regex=r"^[0-9]{14}$"),
                name="organism_siret_14_digits",
                violation_error_message="Le SIRET doit comporter exactement 14 chiffres.",
            ),
            models.CheckConstraint(
                condition=Q(nda__regex=r"^[0-9]{2}[0-9AB]{2}[0-9]{7}$"),
                name="organism_nda_shape",
                violation_error_message="Le NDA doit comporter 11 caractères (chiffres, A ou B pour la Corse).",
            ),
            models.CheckConstraint(
                condition=Q(postcode="") | Q(postcode__regex=r"^[0-9]{5}$"),
                name="organism_postcode_shape",
                violation_error_message="Le code postal doit comporter 5 chiffres.",
            ),
        ]
        indexes = [
            # Staff queue of organisations by approval state.
            models.Index(fields=["approval_state", "usual_name"], name="organism_state_name_idx"),
        ]

    def __str__(self):
        return self.usual_name

    @property
    def siren(self) -> str:
        return self.siret[:9]


class Membership(models.Model):
    """A person acting for an organisation; the first member is its administrator."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Administrateur"
        MEMBER = "member", "Membre"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="personne", on_delete=models.CASCADE, related_name="memberships"
    )
    organism = models.ForeignKey(
        Organism, verbose_name="organisme", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField("rôle", max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField("depuis le", auto_now_add=True)

    class Meta:
        verbose_name = "appartenance à un organisme"
        verbose_name_plural = "appartenances à un organisme"
        constraints = [
            models.UniqueConstraint(fields=["user", "organism"], name="membership_unique_user_organism"),
        ]

    def __str__(self):
        return f"{self.user} · {self.organism} ({self.get_role_display()})"


class InvitationQuerySet(models.QuerySet):
    def pending(self, now):
        """Invitations waiting for their person, whose link has not expired."""
        return self.filter(
            state=Invitation.State.PENDING, sent_at__gte=now - timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
        )


class Invitation(models.Model):
    """An address invited by an administrator to join an organisation; the emailed link carries its signed id."""

    class State(models.TextChoices):
        PENDING = "pending", "En attente"
        ACCEPTED = "accepted", "Acceptée"
        REVOKED = "revoked", "Annulée"

    objects = InvitationQuerySet.as_manager()

    organism = models.ForeignKey(
        Organism, verbose_name="organisme", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField("adresse invitée")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="invitée par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    state = models.CharField("état", max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    sent_at = models.DateTimeField("envoyée le")  # the latest sending: its link expires INVITATION_MAX_AGE_DAYS later
    accepted_at = models.DateTimeField("acceptée le", null=True, blank=True)
    revoked_at = models.DateTimeField("annulée le", null=True, blank=True)

    class Meta:
        verbose_name = "invitation à rejoindre un organisme"
        verbose_name_plural = "invitations à rejoindre un organisme"
        constraints = [
            # Inviting an address again sends its pending invitation again. The index also serves the members
            # page's list of an organisation's pending invitations.
            models.UniqueConstraint(
                fields=["organism", "email"],
                condition=Q(state="pending"),
                name="invitation_one_pending_per_address",
                violation_error_message="Une invitation attend déjà cette adresse.",
            ),
        ]

    def __str__(self):
        return f"Invitation de {self.email} à rejoindre {self.organism}"

    @property
    def expires_at(self):
        return self.sent_at + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
