"""Writes on candidatures and information meetings. Emails leave once the change is committed (core.mail)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from core.mail import mail_on_commit, mail_render
from core.workdays import answer_deadline
from organisms.models import Membership
from sessions.services import session_take_place

from .models import Booking, Candidature, CandidatureEvent, InformationMeeting
from .states import CandidatureError, check_answer, check_withdraw

S = Candidature.State


def organism_recipients(organism) -> list[str]:
    """Who hears about an organisation's candidatures and meetings: its members, else its contact address."""
    emails = list(Membership.objects.filter(organism=organism).values_list("user__email", flat=True))
    return emails or ([organism.email] if organism.email else [])


def link(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


# Sending ------------------------------------------------------------------------------------------------------


def daily_count(*, origin: str, person=None, adviser=None, shortlist=None, now: datetime) -> int:
    since = now - timedelta(days=1)
    recent = Candidature.objects.filter(created_at__gte=since)
    if origin == Candidature.Origin.ADVISER:
        return recent.filter(adviser=adviser, origin=origin).count()
    if person is not None:
        return recent.filter(person=person).count()
    return recent.filter(shortlist=shortlist, origin=origin).count()


def candidature_send(
    *,
    session,
    origin: str,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    message: str = "",
    consent: bool,
    person=None,
    adviser=None,
    shortlist=None,
    now: datetime | None = None,
    request=None,
) -> Candidature:
    """A new candidature to a session whose registration is open; CandidatureError (in French) otherwise."""
    now = now or timezone.now()
    if not consent:
        raise CandidatureError("Votre accord est nécessaire pour transmettre ces informations à l'organisme.")
    if not session.status(now=now).registration_open:
        raise CandidatureError("Les inscriptions à cette session ne sont pas ouvertes : choisissez une autre session.")
    limit = settings.PRESCRIPTIONS_PER_DAY if origin == Candidature.Origin.ADVISER else settings.CANDIDATURES_PER_DAY
    if daily_count(origin=origin, person=person, adviser=adviser, shortlist=shortlist, now=now) >= limit:
        raise CandidatureError(
            f"Vous avez déjà envoyé {limit} candidatures en 24 heures : réessayez demain. Cette limite protège les "
            "organismes des envois abusifs."
        )
    organism = session.action.formation.organism
    candidature = Candidature(
        session=session,
        organism=organism,
        origin=origin,
        person=person,
        adviser=adviser if adviser is not None else (shortlist.owner if shortlist is not None else None),
        shortlist=shortlist,
        contact_name=contact_name.strip(),
        contact_email=contact_email.strip().lower(),
        contact_phone=contact_phone.strip(),
        message=message.strip(),
        consent_at=now,
        answer_due_at=answer_deadline(now),
    )
    candidature.full_clean(exclude=["answer_due_at"], validate_constraints=False)
    try:
        with transaction.atomic():
            candidature.save()
    except IntegrityError as exc:
        raise CandidatureError(
            "Une candidature à cette session est déjà en cours : suivez-la dans votre espace."
            if person is not None
            else "Une candidature à cette session est déjà en cours pour cette personne."
        ) from exc
    CandidatureEvent.objects.create(candidature=candidature, state=S.SENT, message=candidature.message)
    context = {"candidature": candidature, "session": session, "organism": organism}
    mail_on_commit(
        mail_render(
            "candidatures/email/received",
            context | {"inbox_url": link(reverse("backoffice:candidature_detail", args=[candidature.public_id]))},
            to=organism_recipients(organism),
        )
    )
    if candidature.contact_email:
        mail_on_commit(
            mail_render("candidatures/email/sent", context, to=[candidature.contact_email]),
            request=request,
            failure_message="Votre candidature est envoyée, mais le courriel de confirmation n'a pas pu partir.",
        )
    return candidature


# The organisation's answer ------------------------------------------------------------------------------------


def candidature_mark_read(candidature: Candidature, *, now: datetime | None = None) -> None:
    """Opened by the organisation: "envoyée" becomes "lue" (no email: reading is not answering)."""
    if candidature.state != S.SENT:
        return
    now = now or timezone.now()
    updated = Candidature.objects.filter(pk=candidature.pk, state=S.SENT).update(state=S.READ, state_changed_at=now)
    if updated:
        CandidatureEvent.objects.create(candidature=candidature, state=S.READ, by_organism=True)
        candidature.state, candidature.state_changed_at = S.READ, now


def answer_recipients(candidature: Candidature) -> list[str]:
    recipients = [candidature.contact_email]
    if candidature.person_id:
        recipients.append(candidature.person.email)
    if candidature.adviser_id:
        recipients.append(candidature.adviser.email)
    return recipients


@transaction.atomic
def candidature_answer(
    *,
    candidature: Candidature,
    state: str,
    message: str,
    by,
    meeting: InformationMeeting | None = None,
    take_place: bool = False,
    now: datetime | None = None,
    request=None,
) -> Candidature:
    """The organisation's answer: a new state and a message, told by email to the person and their adviser.
    Accepting may take one of the session's places left (asked in the form, never silent)."""
    now = now or timezone.now()
    locked = Candidature.objects.select_for_update().get(pk=candidature.pk)
    check_answer(state=locked.state, target=state, message=message)
    candidature.state, candidature.state_changed_at = state, now
    fields = ["state", "state_changed_at"]
    if locked.answered_at is None:
        candidature.answered_at = now
        fields.append("answered_at")
    candidature.save(update_fields=fields)
    CandidatureEvent.objects.create(
        candidature=candidature, state=state, message=message.strip(), by_organism=True, meeting=meeting
    )
    session = candidature.session
    if state == S.ACCEPTED and take_place:
        session_take_place(
            session=session,
            by=by,
            organism=candidature.organism,
            reason=f"Candidature {candidature.public_id} acceptée",
        )
    context = {
        "candidature": candidature,
        "session": session,
        "organism": candidature.organism,
        "message": message.strip(),
        "meeting": meeting,
        "meeting_url": link(reverse("action_detail", args=[session.action.public_id])) if meeting else "",
    }
    mail_on_commit(
        mail_render("candidatures/email/answered", context, to=answer_recipients(candidature)),
        request=request,
        failure_message="La réponse est enregistrée, mais le courriel n'a pas pu partir : prévenez la personne.",
    )
    return candidature


@transaction.atomic
def candidature_withdraw(*, candidature: Candidature, message: str = "", now: datetime | None = None, request=None):
    """Withdrawn by the person or their adviser; the organisation is told."""
    now = now or timezone.now()
    locked = Candidature.objects.select_for_update().get(pk=candidature.pk)
    check_withdraw(state=locked.state)
    candidature.state, candidature.state_changed_at = S.WITHDRAWN, now
    candidature.save(update_fields=["state", "state_changed_at"])
    CandidatureEvent.objects.create(candidature=candidature, state=S.WITHDRAWN, message=message.strip())
    mail_on_commit(
        mail_render(
            "candidatures/email/withdrawn",
            {"candidature": candidature, "session": candidature.session, "message": message.strip()},
            to=organism_recipients(candidature.organism),
        ),
        request=request,
    )
    return candidature


# Information meetings -----------------------------------------------------------------------------------------


class BookingError(Exception):
    """A refusal, in French."""


FULL = "Plus aucune place n'est libre à cette réunion : une autre personne vient de réserver la dernière."


def meeting_book(*, meeting: InformationMeeting, person, now: datetime | None = None, request=None) -> Booking:
    """Books a seat. Capacity holds under concurrency: one conditional UPDATE takes the seat (the row lock makes a
    second booker of the last seat wait, then find none), and the booking is written in the same transaction."""
    now = now or timezone.now()
    if meeting.is_cancelled or meeting.starts_at <= now:
        raise BookingError("Cette réunion n'est plus ouverte aux réservations.")
    if Booking.objects.filter(meeting=meeting, person=person, state=Booking.State.BOOKED).exists():
        raise BookingError("Vous avez déjà une place à cette réunion.")
    try:
        with transaction.atomic():
            taken = InformationMeeting.objects.filter(
                pk=meeting.pk, is_cancelled=False, seats_taken__lt=F("capacity")
            ).update(seats_taken=F("seats_taken") + 1)
            if not taken:
                raise BookingError(FULL)
            booking = Booking.objects.create(
                meeting=meeting,
                person=person,
                contact_name=person.get_full_name(),
                contact_email=person.email,
            )
    except IntegrityError as exc:
        raise BookingError("Vous avez déjà une place à cette réunion.") from exc
    meeting.refresh_from_db(fields=["seats_taken"])
    mail_on_commit(
        mail_render(
            "candidatures/email/booked",
            {
                "booking": booking,
                "meeting": meeting,
                "action": meeting.action,
                "bookings_url": link(reverse("candidatures:bookings")),
            },
            to=[person.email],
        ),
        request=request,
    )
    return booking


@transaction.atomic
def booking_cancel(*, booking: Booking, now: datetime | None = None) -> None:
    """Frees the seat."""
    now = now or timezone.now()
    updated = Booking.objects.filter(pk=booking.pk, state=Booking.State.BOOKED).update(
        state=Booking.State.CANCELLED, cancelled_at=now
    )
    if updated:
        InformationMeeting.objects.filter(pk=booking.meeting_id, seats_taken__gt=0).update(
            seats_taken=F("seats_taken") - 1
        )
        booking.state, booking.cancelled_at = Booking.State.CANCELLED, now


def meeting_save(*, meeting: InformationMeeting) -> InformationMeeting:
    meeting.full_clean()
    meeting.save()
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: InformationMeeting, request=None) -> int:
    """Cancels a meeting; the people who booked a seat are told. Answers how many were."""
    meeting.is_cancelled = True
    meeting.save(update_fields=["is_cancelled"])
    booked = list(meeting.bookings.filter(state=Booking.State.BOOKED).exclude(contact_email=""))
    for booking in booked:
        mail_on_commit(
            mail_render(
                "candidatures/email/meeting_cancelled",
                {"meeting": meeting, "action": meeting.action, "booking": booking},
                to=[booking.contact_email],
            ),
            request=request,
        )
    return len(booked)


def next_meetings(action_ids, *, now: datetime) -> dict[int, InformationMeeting]:
    """The next meeting with a free seat of each action (one query), for result pages."""
    found: dict[int, InformationMeeting] = {}
    for meeting in (
        InformationMeeting.objects.upcoming(now)
        .filter(action_id__in=list(action_ids), seats_taken__lt=F("capacity"))
        .order_by("action_id", "starts_at", "pk")
    ):
        found.setdefault(meeting.action_id, meeting)
    return found
