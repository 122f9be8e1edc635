from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from catalogue.choices import RecruitmentState
from catalogue.models import feed_source_field, new_public_id
from organisms.models import Organism

from .state import (
    SessionStatus,
    Timing,
    is_stale,
    is_starting_soon,
    listed_q,
    not_ended_q,
    registration_is_open,
    registration_open_q,
    session_timing,
    stale_q,
    timing_q,
)


class TrainingSessionQuerySet(models.QuerySet):
    """Reusable reads; every date rule comes from sessions.state, where its Python and numpy twins live."""

    def public(self):
        """Published sessions of published actions of approved organisations."""
        return self.filter(
            is_published=True,
            action__is_published=True,
            action__formation__organism__approval_state=Organism.ApprovalState.APPROVED,
        )

    def for_organism(self, organism):
        return self.filter(action__formation__organism=organism)

    def undated(self):
        return self.filter(timing_q(Timing.UNDATED, date.min))

    def upcoming(self, today: date):
        return self.filter(timing_q(Timing.UPCOMING, today))

    def ongoing(self, today: date):
        return self.filter(timing_q(Timing.ONGOING, today))

    def past(self, today: date):
        return self.filter(timing_q(Timing.PAST, today))

    def not_ended(self, today: date):
        return self.filter(not_ended_q(today))

    def listed(self, today: date, *, include_undated: bool = False):
        return self.filter(listed_q(today, include_undated=include_undated))

    def registration_open(self, today: date):
        return self.filter(registration_open_q(today))

    def stale(self, now: datetime):
        return self.filter(stale_q(now, settings.SESSION_STALE_AFTER_DAYS))


# Session validation, one home for the web form, the spreadsheet upload and the LHÉO import (all reach it through
# `TrainingSession.clean()` or `session_errors`). The database constraints below carry the same rules and messages, so
# that no write path (admin, SQL, bulk import) can store a session that breaks them.
END_NEEDS_START = "Indiquez la date de début, ou laissez aussi la date de fin vide."
END_AFTER_START = "La date de fin doit être postérieure ou égale à la date de début."
REGISTRATION_ORDER = "La clôture des inscriptions doit suivre leur ouverture."
CLOSES_BY_START = "La clôture des inscriptions doit intervenir au plus tard le jour du début."  # unless rolling entry
PLACES_WITHIN_CAPACITY = "Les places restantes doivent être comprises entre 0 et {capacity}."
PLACES_WITHIN_CAPACITY_DB = "Les places restantes ne peuvent dépasser le nombre de places."
PLACE_OR_REMOTE = "Choisissez un lieu, ou indiquez que la session a lieu entièrement à distance."
PLACE_OF_ACTION = "Ce lieu n'appartient pas à cette action de formation."
ENDED_NOT_PUBLISHED = "Cette session est terminée : elle ne peut plus être publiée."


def session_errors(
    *,
    start_date: date | None,
    end_date: date | None,
    registration_opens: date | None = None,
    registration_closes: date | None = None,
    rolling_entry: bool = False,
    capacity: int | None = None,
    places_left: int | None = None,
    is_remote: bool = True,
    has_place: bool = False,
    **ignored,
) -> dict[str, str]:
    """The rules a session's own values must follow, as {field: French message} (empty when valid)."""
    errors = {}
    if end_date is not None and start_date is None:
        errors["start_date"] = END_NEEDS_START
    elif end_date is not None and end_date < start_date:
        errors["end_date"] = END_AFTER_START
    if registration_opens is not None and registration_closes is not None and registration_closes < registration_opens:
        errors["registration_closes"] = REGISTRATION_ORDER
    elif (
        registration_closes is not None and start_date is not None and registration_closes > start_date
    ) and not rolling_entry:
        errors["registration_closes"] = CLOSES_BY_START
    if places_left is not None and capacity is not None and places_left > capacity:
        errors["places_left"] = PLACES_WITHIN_CAPACITY.format(capacity=capacity)
    if not is_remote and not has_place:
        errors["place"] = PLACE_OR_REMOTE
    return errors


SESSION_VALUE_FIELDS = (
    "start_date",
    "end_date",
    "registration_opens",
    "registration_closes",
    "rolling_entry",
    "capacity",
    "places_left",
    "is_remote",
)


class TrainingSession(models.Model):
    """A dated occurrence of an action (LHÉO `session`)."""

    # What an organisation edits and a feed sets (the back office's form, the spreadsheet, the LHÉO writer).
    EDITABLE_FIELDS = (
        "start_date",
        "end_date",
        "registration_opens",
        "registration_closes",
        "recruitment_state",
        "rolling_entry",
        "capacity",
        "places_left",
        "is_remote",
        "place",
        "is_published",
    )

    objects = TrainingSessionQuerySet.as_manager()

    action = models.ForeignKey(
        "catalogue.Action", verbose_name="action", on_delete=models.CASCADE, related_name="sessions"
    )
    public_id = models.CharField("identifiant public", max_length=12, unique=True, default=new_public_id)
    external_id = models.CharField("identifiant externe (numéro LHÉO)", max_length=100, blank=True)
    source = feed_source_field("la session")
    is_published = models.BooleanField("publiée", default=False)
    start_date = models.DateField("date de début", null=True, blank=True, help_text="Vide si inconnue.")
    end_date = models.DateField("date de fin", null=True, blank=True, help_text="Vide si inconnue.")
    registration_opens = models.DateField("ouverture des inscriptions", null=True, blank=True)
    registration_closes = models.DateField("clôture des inscriptions", null=True, blank=True)
    recruitment_state = models.PositiveSmallIntegerField(
        "état du recrutement", choices=RecruitmentState.choices, default=RecruitmentState.OPEN
    )
    rolling_entry = models.BooleanField("entrées et sorties permanentes", default=False)
    capacity = models.PositiveIntegerField("nombre de places", null=True, blank=True)
    places_left = models.PositiveIntegerField("places restantes", null=True, blank=True)
    is_remote = models.BooleanField("entièrement à distance", default=False)
    place = models.ForeignKey(
        "catalogue.TrainingPlace",
        verbose_name="lieu",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    confirmed_at = models.DateTimeField("confirmée par l'organisme le", null=True, blank=True)

    class Meta:
        verbose_name = "session"
        verbose_name_plural = "sessions"
        ordering = ["start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(start_date__isnull=False),
                name="session_end_needs_start",
                violation_error_message=END_NEEDS_START,
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="session_end_after_start",
                violation_error_message=END_AFTER_START,
            ),
            models.CheckConstraint(
                condition=Q(registration_opens__isnull=True)
                | Q(registration_closes__isnull=True)
                | Q(registration_closes__gte=F("registration_opens")),
                name="session_registration_period_order",
                violation_error_message=REGISTRATION_ORDER,
            ),
            models.CheckConstraint(
                condition=Q(registration_closes__isnull=True)
                | Q(start_date__isnull=True)
                | Q(rolling_entry=True)
                | Q(registration_closes__lte=F("start_date")),
                name="session_registration_closes_by_start",
                violation_error_message=CLOSES_BY_START,
            ),
            models.CheckConstraint(
                condition=Q(places_left__isnull=True) | Q(capacity__isnull=True) | Q(places_left__lte=F("capacity")),
                name="session_places_left_within_capacity",
                violation_error_message=PLACES_WITHIN_CAPACITY_DB,
            ),
            models.CheckConstraint(
                condition=Q(is_remote=True) | Q(place__isnull=False),
                name="session_has_place_or_is_remote",
                violation_error_message=PLACE_OR_REMOTE,
            ),
            models.UniqueConstraint(
                fields=["action", "external_id"],
                condition=~Q(external_id=""),
                name="session_unique_external_id_per_action",
            ),
        ]
        indexes = [
            # Upcoming sessions of an action (search results, detail page), by start date.
            models.Index(fields=["action", "start_date"], name="session_action_start_idx"),
            # Public figures and search windows over published sessions by start date.
            models.Index(fields=["start_date"], condition=Q(is_published=True), name="session_published_start_idx"),
            # Archiving what a feed no longer has: the sessions of one source.
            models.Index(fields=["source"], condition=~Q(source=""), name="session_source_idx"),
        ]

    def __str__(self):
        start = self.start_date.strftime("%d/%m/%Y") if self.start_date else "date à venir"
        return f"{self.action.formation.title} · {start}"

    def clean(self):
        errors = session_errors(**self.values(), has_place=self.place_id is not None)
        if self.place_id and self.action_id and self.place.action_id != self.action_id:
            errors.setdefault("place", PLACE_OF_ACTION)
        if errors:
            raise ValidationError(errors)

    def values(self) -> dict:
        return {name: getattr(self, name) for name in SESSION_VALUE_FIELDS}

    def status(self, *, now: datetime | None = None) -> SessionStatus:
        now = now or timezone.now()
        today = timezone.localdate(now)
        timing = session_timing(start_date=self.start_date, end_date=self.end_date, today=today)
        return SessionStatus(
            timing=timing,
            registration_open=registration_is_open(
                recruitment_open=self.recruitment_state == RecruitmentState.OPEN,
                registration_opens=self.registration_opens,
                registration_closes=self.registration_closes,
                timing=timing,
                rolling_entry=self.rolling_entry,
                places_left=self.places_left,
                today=today,
            ),
            stale=is_stale(confirmed_at=self.confirmed_at, now=now, stale_after_days=settings.SESSION_STALE_AFTER_DAYS),
            full=self.places_left == 0,
            starting_soon=is_starting_soon(start_date=self.start_date, today=today),
            registration_opens_later=self.recruitment_state == RecruitmentState.OPEN
            and self.registration_opens is not None
            and self.registration_opens > today
            and timing != Timing.PAST,
        )

    @property
    def timing(self) -> Timing:
        return session_timing(start_date=self.start_date, end_date=self.end_date, today=timezone.localdate())


class SessionReminder(models.Model):
    """A session named in a freshness reminder, once per period (sessions.reminders.period_of)."""

    session = models.ForeignKey(
        TrainingSession, verbose_name="session", on_delete=models.CASCADE, related_name="reminders"
    )
    period = models.CharField("période", max_length=40)
    sent_at = models.DateTimeField("envoyé le")

    class Meta:
        verbose_name = "rappel de fraîcheur"
        verbose_name_plural = "rappels de fraîcheur"
        constraints = [
            models.UniqueConstraint(fields=["session", "period"], name="sessionreminder_once_per_period"),
        ]

    def __str__(self):
        return f"Rappel {self.session_id} ({self.period})"


class SessionOutcome(models.Model):
    """What a session of a labelled action gave: trainees reached, priority publics, completions, exits at 6 months."""

    session = models.OneToOneField(
        TrainingSession, verbose_name="session", on_delete=models.CASCADE, related_name="outcome"
    )
    enrolled = models.PositiveIntegerField("stagiaires entrés en formation")
    women = models.PositiveIntegerField("dont femmes", default=0)
    under_26 = models.PositiveIntegerField("dont moins de 26 ans", default=0)
    qpv = models.PositiveIntegerField("dont habitants des QPV", default=0)
    disabled = models.PositiveIntegerField("dont personnes handicapées", default=0)
    jobseekers = models.PositiveIntegerField("dont demandeurs d'emploi", default=0)
    priority_public = models.PositiveIntegerField(
        "dont relevant d'au moins un public prioritaire du programme",
        default=0,
        help_text="Chaque personne comptée une fois, même si elle relève de plusieurs publics.",
    )
    completed = models.PositiveIntegerField("stagiaires allés au bout de la formation", default=0)
    exit_job = models.PositiveIntegerField("sorties vers l'emploi à 6 mois", default=0)
    exit_training = models.PositiveIntegerField("sorties vers une autre formation à 6 mois", default=0)
    exit_business = models.PositiveIntegerField("créations d'entreprise à 6 mois", default=0)
    reported_at = models.DateTimeField("déclaré le", auto_now=True)

    class Meta:
        verbose_name = "résultats d'une session"
        verbose_name_plural = "résultats des sessions"
        constraints = [
            models.CheckConstraint(
                condition=Q(women__lte=F("enrolled"))
                & Q(under_26__lte=F("enrolled"))
                & Q(qpv__lte=F("enrolled"))
                & Q(disabled__lte=F("enrolled"))
                & Q(jobseekers__lte=F("enrolled"))
                & Q(priority_public__lte=F("enrolled"))
                & Q(completed__lte=F("enrolled")),
                name="outcome_parts_within_enrolled",
                violation_error_message="Un sous-total ne peut dépasser le nombre de stagiaires entrés.",
            ),
            models.CheckConstraint(
                condition=Q(enrolled__gte=F("exit_job") + F("exit_training") + F("exit_business")),
                name="outcome_exits_within_enrolled",
                violation_error_message="Les sorties positives ne peuvent dépasser le nombre de stagiaires entrés.",
            ),
        ]

    def __str__(self):
        return f"Résultats de la session {self.session_id}"

    @property
    def positive_exits(self) -> int:
        return self.exit_job + self.exit_training + self.exit_business

    def priority_share(self) -> float | None:
        return self.priority_public / self.enrolled if self.enrolled else None
