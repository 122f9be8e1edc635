"""What goes from a person to an organisation: candidatures to a session (sent by the person, from a shortlist
shared with them, or by their adviser) and seats booked at information meetings. A candidature is seen only by its
person, its adviser and the organisation concerned; its personal fields are emptied when the account is deleted or
when the retention period ends (`candidatures.privacy`), the row staying for the Region's anonymous counts."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from catalogue.models import new_public_id


class MeetingQuerySet(models.QuerySet):
    def upcoming(self, now):
        return self.filter(starts_at__gt=now, is_cancelled=False)


def person_field(verbose_name: str, *, related_name: str):
    """A person a record is about or from; emptied, not deleted, when the person's account goes (GDPR)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name=related_name,
    )


class InformationMeeting(models.Model):
    """An information meeting ("réunion d'information collective") an organisation publishes for an action."""

    objects = MeetingQuerySet.as_manager()

    public_id = models.CharField("identifiant public", max_length=12, unique=True, default=new_public_id)
    action = models.ForeignKey(
        "catalogue.Action", verbose_name="action", on_delete=models.CASCADE, related_name="meetings"
    )
    starts_at = models.DateTimeField("date et heure")
    duration_minutes = models.PositiveIntegerField("durée (minutes)", default=90)
    address = models.CharField("adresse", max_length=250, blank=True, help_text="Vide pour une réunion en ligne.")
    online_url = models.URLField("lien de la réunion en ligne", blank=True)
    details = models.TextField("informations pratiques", max_length=1000, blank=True)
    capacity = models.PositiveIntegerField("nombre de places")
    seats_taken = models.PositiveIntegerField("places réservées", default=0)
    is_cancelled = models.BooleanField("annulée", default=False)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "réunion d'information"
        verbose_name_plural = "réunions d'information"
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity")),
                name="meeting_seats_within_capacity",
                violation_error_message="Plus aucune place n'est libre à cette réunion.",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="meeting_capacity_positive",
                violation_error_message="Une réunion a au moins une place.",
            ),
            models.CheckConstraint(
                condition=~Q(address="") | ~Q(online_url=""),
                name="meeting_place_or_link",
                violation_error_message="Indiquez une adresse ou un lien de réunion en ligne.",
            ),
        ]
        indexes = [
            # Next meetings of the actions of a result page or a detail page.
            models.Index(fields=["action", "starts_at"], name="meeting_action_start_idx"),
        ]

    def __str__(self):
        return f"Réunion du {self.starts_at:%d/%m/%Y %H:%M} ({self.action_id})"

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def is_online(self) -> bool:
        return not self.address


class Booking(models.Model):
    """A seat booked at an information meeting."""

    class State(models.TextChoices):
        BOOKED = "booked", "Réservée"
        CANCELLED = "cancelled", "Annulée"

    public_id = models.CharField("identifiant public", max_length=12, unique=True, default=new_public_id)
    meeting = models.ForeignKey(
        InformationMeeting, verbose_name="réunion", on_delete=models.CASCADE, related_name="bookings"
    )
    person = person_field("personne", related_name="bookings")
    contact_name = models.CharField("nom", max_length=150, blank=True)
    contact_email = models.EmailField("adresse électronique", blank=True)
    state = models.CharField("état", max_length=10, choices=State.choices, default=State.BOOKED)
    created_at = models.DateTimeField("réservée le", auto_now_add=True)
    cancelled_at = models.DateTimeField("annulée le", null=True, blank=True)
    anonymised_at = models.DateTimeField("anonymisée le", null=True, blank=True)

    class Meta:
        verbose_name = "réservation"
        verbose_name_plural = "réservations"
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "person"],
                condition=Q(state="booked"),
                name="booking_one_seat_per_person",
                violation_error_message="Vous avez déjà une place à cette réunion.",
            ),
        ]

    def __str__(self):
        return f"Réservation {self.public_id}"


class CandidatureQuerySet(models.QuerySet):
    def unanswered(self):
        return self.filter(state__in=UNANSWERED_STATES)

    def overdue(self, now):
        return self.unanswered().filter(answer_due_at__lt=now)


class Candidature(models.Model):
    """A person's candidature to a session ("je suis intéressé·e"), or an adviser's prescription for a client."""

    class State(models.TextChoices):
        SENT = "sent", "Envoyée"
        READ = "read", "Lue"
        MEETING = "meeting", "Réunion d'information proposée"
        INTERVIEW = "interview", "Entretien proposé"
        ACCEPTED = "accepted", "Acceptée"
        REFUSED = "refused", "Refusée"
        WAITLIST = "waitlist", "Liste d'attente"
        WITHDRAWN = "withdrawn", "Retirée"

    class Origin(models.TextChoices):
        PERSON = "person", "La personne"
        SHARED_LIST = "shared_list", "La personne, depuis la sélection de son conseiller"
        ADVISER = "adviser", "Son conseiller (prescription)"

    objects = CandidatureQuerySet.as_manager()

    public_id = models.CharField("identifiant public", max_length=12, unique=True, default=new_public_id)
    session = models.ForeignKey(
        "training_sessions.TrainingSession",
        verbose_name="session",
        on_delete=models.CASCADE,
        related_name="candidatures",
    )
    organism = models.ForeignKey(
        "organisms.Organism", verbose_name="organisme", on_delete=models.CASCADE, related_name="candidatures"
    )
    origin = models.CharField("envoyée par", max_length=12, choices=Origin.choices)
    person = person_field("personne", related_name="candidatures")
    adviser = person_field("conseiller", related_name="prescriptions")
    shortlist = models.ForeignKey(
        "shortlists.Shortlist",
        verbose_name="sélection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidatures",
    )
    contact_name = models.CharField("nom de la personne", max_length=150, blank=True)
    contact_email = models.EmailField("adresse électronique de la personne", blank=True)
    contact_phone = models.CharField("téléphone de la personne", max_length=20, blank=True)
    message = models.TextField("message", max_length=2000, blank=True)
    consent_at = models.DateTimeField("accord pour transmettre ces informations le", null=True, blank=True)
    state = models.CharField("état", max_length=10, choices=State.choices, default=State.SENT)
    created_at = models.DateTimeField("envoyée le", auto_now_add=True)
    state_changed_at = models.DateTimeField("état modifié le", auto_now_add=True)
    answer_due_at = models.DateTimeField("réponse attendue avant le")
    answered_at = models.DateTimeField("première réponse le", null=True, blank=True)
    reminded_at = models.DateTimeField("rappelée à l'organisme le", null=True, blank=True)
    anonymised_at = models.DateTimeField("anonymisée le", null=True, blank=True)

    class Meta:
        verbose_name = "candidature"
        verbose_name_plural = "candidatures"
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "session"],
                condition=Q(person__isnull=False) & ~Q(state__in=["refused", "withdrawn"]),
                name="candidature_one_open_per_person",
                violation_error_message="Une candidature à cette session est déjà en cours.",
            ),
            models.UniqueConstraint(
                fields=["shortlist", "session"],
                condition=Q(shortlist__isnull=False) & ~Q(state__in=["refused", "withdrawn"]),
                name="candidature_one_open_per_shortlist",
                violation_error_message="Une candidature à cette session est déjà en cours pour cette personne.",
            ),
            models.UniqueConstraint(
                fields=["contact_email", "session"],
                condition=~Q(contact_email="") & ~Q(state__in=["refused", "withdrawn"]),
                name="candidature_one_open_per_email",
                violation_error_message="Une candidature à cette session est déjà en cours pour cette adresse.",
            ),
        ]
        indexes = [
            # The organisation's inbox by state, newest first, and its count of unanswered candidatures.
            models.Index(fields=["organism", "state", "-created_at"], name="candidature_inbox_idx"),
            # An adviser's candidatures page.
            models.Index(fields=["adviser", "-created_at"], name="candidature_adviser_idx"),
            # The retention purge: candidatures not yet anonymised.
            models.Index(fields=["session"], condition=Q(anonymised_at__isnull=True), name="candidature_purge_idx"),
        ]

    def __str__(self):
        return f"Candidature {self.public_id}"

    @property
    def is_open(self) -> bool:
        return self.state not in CLOSED_STATES

    @property
    def is_answered(self) -> bool:
        return self.state not in UNANSWERED_STATES


UNANSWERED_STATES = (Candidature.State.SENT, Candidature.State.READ)
CLOSED_STATES = (Candidature.State.REFUSED, Candidature.State.WITHDRAWN)


class CandidatureEvent(models.Model):
    """A change of a candidature's state, with the message sent with it."""

    candidature = models.ForeignKey(
        Candidature, verbose_name="candidature", on_delete=models.CASCADE, related_name="events"
    )
    state = models.CharField("état", max_length=10, choices=Candidature.State.choices)
    message = models.TextField("message", max_length=2000, blank=True)
    by_organism = models.BooleanField("par l'organisme", default=False)
    meeting = models.ForeignKey(
        InformationMeeting,
        verbose_name="réunion proposée",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "étape d'une candidature"
        verbose_name_plural = "étapes des candidatures"
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.candidature_id} → {self.state}"
