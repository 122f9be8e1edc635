"""Personal data of the loop (GDPR): what a person may download, what deleting an account and the retention period
empty. A candidature or a booking keeps, once anonymised, only what the Region's anonymous counts need (session,
organisation, origin, state, dates); its person, contacts, messages and history are gone."""

from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Booking, Candidature, CandidatureEvent
from .services import booking_cancel

CANDIDATURE_PERSONAL_FIELDS = {
    "person": None,
    "adviser": None,
    "shortlist": None,
    "contact_name": "",
    "contact_email": "",
    "contact_phone": "",
    "message": "",
}
BOOKING_PERSONAL_FIELDS = {"person": None, "contact_name": "", "contact_email": ""}


def anonymise(candidatures, bookings, *, now: datetime) -> tuple[int, int]:
    """Empties the personal fields of these candidatures and bookings and deletes the candidatures' history."""
    candidature_ids = list(candidatures.filter(anonymised_at__isnull=True).values_list("pk", flat=True))
    CandidatureEvent.objects.filter(candidature_id__in=candidature_ids).delete()
    done = Candidature.objects.filter(pk__in=candidature_ids).update(**CANDIDATURE_PERSONAL_FIELDS, anonymised_at=now)
    booked = bookings.filter(anonymised_at__isnull=True).update(**BOOKING_PERSONAL_FIELDS, anonymised_at=now)
    return done, booked


def retention_limit(today: date) -> date:
    """Sessions that ended before this day have had their retention period (PERSONAL_DATA_RETENTION_MONTHS)."""
    months = settings.PERSONAL_DATA_RETENTION_MONTHS
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = min(today.day, 28)
    return date(year, month + 1, day)


def expired(queryset, *, session_path: str, sent_field: str, today: date):
    """Rows whose session ended (or, undated, whose sending is) older than the retention period."""
    limit = retention_limit(today)
    ended = Coalesce(f"{session_path}end_date", f"{session_path}start_date")
    return queryset.annotate(ended_on=ended).filter(
        Q(ended_on__lt=limit) | Q(ended_on__isnull=True, **{f"{sent_field}__date__lt": limit})
    )


def purge_candidates(*, today: date):
    candidatures = expired(
        Candidature.objects.filter(anonymised_at__isnull=True),
        session_path="session__",
        sent_field="created_at",
        today=today,
    )
    bookings = Booking.objects.filter(anonymised_at__isnull=True, meeting__starts_at__date__lt=retention_limit(today))
    return candidatures, bookings


@transaction.atomic
def forget_person(user, *, now: datetime) -> tuple[int, int]:
    """Before an account is deleted: future seats are freed, candidatures and bookings anonymised (they stay in the
    organisations' and the Region's counts)."""
    for booking in Booking.objects.filter(person=user, state=Booking.State.BOOKED, meeting__starts_at__gt=now):
        booking_cancel(booking=booking, now=now)
    candidatures = Candidature.objects.filter(Q(person=user) | Q(adviser=user))
    return anonymise(candidatures, Booking.objects.filter(person=user), now=now)


def personal_data(user) -> dict:
    """What the loop keeps about a person, for their download."""

    def when(value):
        return timezone.localtime(value).isoformat() if value else None

    rows = []
    for c in (
        Candidature.objects.filter(Q(person=user) | Q(adviser=user))
        .select_related("session__action__formation__organism", "shortlist")
        .prefetch_related("events")
        .order_by("created_at", "pk")
    ):
        rows.append(
            {
                "identifiant": c.public_id,
                "formation": c.session.action.formation.title,
                "organisme": c.session.action.formation.organism.usual_name,
                "session": c.session.public_id,
                "envoyée par": c.get_origin_display(),
                "sélection": c.shortlist.label if c.shortlist else None,
                "nom": c.contact_name,
                "courriel": c.contact_email,
                "téléphone": c.contact_phone,
                "message": c.message,
                "accord donné le": when(c.consent_at),
                "état": c.get_state_display(),
                "envoyée le": when(c.created_at),
                "historique": [
                    {"état": e.get_state_display(), "message": e.message, "le": when(e.created_at)}
                    for e in c.events.all()
                ],
            }
        )
    bookings = [
        {
            "réunion": b.meeting.public_id,
            "formation": b.meeting.action.formation.title,
            "date": when(b.meeting.starts_at),
            "état": b.get_state_display(),
            "réservée le": when(b.created_at),
        }
        for b in Booking.objects.filter(person=user).select_related("meeting__action__formation").order_by("created_at")
    ]
    return {"candidatures": rows, "réservations de réunions d'information": bookings}
