from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class EmailUserManager(UserManager):
    """Users log in with their email address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("Une adresse électronique est obligatoire.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("kind", User.Kind.REGION_AGENT)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person. `kind` says what they are; memberships say for which organisation they act (ADR 0002)."""

    class Kind(models.TextChoices):
        JOBSEEKER = "jobseeker", "Demandeur ou demandeuse d'emploi"
        ADVISER = "adviser", "Conseiller ou conseillère (France Travail, Mission locale, Cap emploi)"
        ORGANISM_MEMBER = "organism_member", "Membre d'un organisme de formation"
        REGION_AGENT = "region_agent", "Agent de la Région"

    objects = EmailUserManager()

    username = None
    email = models.EmailField("adresse électronique", unique=True)
    kind = models.CharField("type de compte", max_length=20, choices=Kind.choices, default=Kind.JOBSEEKER)
    adviser_requested = models.BooleanField(
        "demande un accès conseiller",
        default=False,
        help_text="Adresse hors des domaines reconnus : un agent de la Région décide.",
    )
    structure = models.CharField(
        "structure",
        max_length=150,
        blank=True,
        help_text="Pour un conseiller : France Travail, Mission locale ou Cap emploi, et son agence.",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["email"]
        indexes = [
            # Region staff's queue of adviser requests.
            models.Index(
                fields=["adviser_requested"],
                condition=models.Q(adviser_requested=True),
                name="user_adviser_request_idx",
            ),
        ]

    def __str__(self):
        full_name = self.get_full_name()
        return f"{full_name} <{self.email}>" if full_name else self.email

    @property
    def is_organism_member(self) -> bool:
        return self.kind == self.Kind.ORGANISM_MEMBER
