"""Information meetings: booking, cancelling, the calendar file, and capacity under concurrent bookings."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import close_old_connections, connection
from django.urls import reverse
from django.utils import timezone

from candidatures.models import Booking, InformationMeeting
from candidatures.services import FULL, BookingError, booking_cancel, meeting_book
from tests.accounts.factories import UserFactory
from tests.candidatures.factories import MeetingFactory
from tests.catalogue.factories import ActionFactory, TrainingPlaceFactory


@pytest.mark.django_db
def test_book_cancel_and_add_to_a_calendar(client, jobseeker):
    meeting = MeetingFactory(capacity=1, details="Apportez un CV.")
    booking = meeting_book(meeting=meeting, person=jobseeker)
    meeting.refresh_from_db()
    assert meeting.seats_taken == 1 and booking.contact_email == jobseeker.email
    with pytest.raises(BookingError, match="déjà une place"):
        meeting_book(meeting=meeting, person=jobseeker)
    with pytest.raises(BookingError, match="Plus aucune place"):
        meeting_book(meeting=meeting, person=UserFactory())
    client.force_login(jobseeker)
    ics = client.get(reverse("candidatures:booking_ical", args=[booking.public_id]))
    body = ics.content.decode()
    assert (
        body.startswith("BEGIN:VCALENDAR")
        and "DTSTART:" in body
        and "LOCATION:12 rue de Paris\\, 94000 Créteil" in body
    )
    booking_cancel(booking=booking)
    meeting.refresh_from_db()
    assert meeting.seats_taken == 0 and Booking.objects.get().state == "cancelled"
    assert meeting_book(meeting=meeting, person=jobseeker).state == "booked"  # may book again


@pytest.mark.django_db
def test_the_detail_page_shows_meetings_and_a_jobseeker_books_from_it(client, jobseeker):
    meeting = MeetingFactory()
    detail = reverse("action_detail", args=[meeting.action.public_id])
    page = client.get(detail).content.decode()
    assert "Réunions d'information" in page and "10 places libres" in page
    assert client.post(reverse("candidatures:book", args=[meeting.public_id])).url.startswith("/compte/login/")
    client.force_login(jobseeker)
    response = client.post(reverse("candidatures:book", args=[meeting.public_id]))
    assert response.url == reverse("candidatures:bookings")
    assert "Vous avez une place" in client.get(detail).content.decode()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_people_booking_the_last_seat_at_once_get_one_seat_and_one_clear_refusal():
    """Two threads, each with its own PostgreSQL connection, book the last seat at the same moment."""
    meeting = MeetingFactory(capacity=1)
    people = [UserFactory(), UserFactory()]
    barrier = threading.Barrier(2)
    outcomes = {}

    def book(person):
        close_old_connections()
        try:
            barrier.wait(timeout=10)
            outcomes[person.pk] = meeting_book(meeting=InformationMeeting.objects.get(pk=meeting.pk), person=person)
        except BookingError as error:
            outcomes[person.pk] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    booked = [o for o in outcomes.values() if isinstance(o, Booking)]
    refused = [o for o in outcomes.values() if isinstance(o, BookingError)]
    assert len(booked) == 1 and len(refused) == 1
    assert str(refused[0]) == FULL
    meeting.refresh_from_db()
    assert meeting.seats_taken == 1 == Booking.objects.filter(meeting=meeting, state="booked").count()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_many_concurrent_bookings_never_exceed_the_capacity():
    meeting = MeetingFactory(capacity=3)
    people = [UserFactory() for _ in range(8)]
    barrier = threading.Barrier(len(people))
    results = []

    def book(person):
        close_old_connections()
        try:
            barrier.wait(timeout=10)
            meeting_book(meeting=InformationMeeting.objects.get(pk=meeting.pk), person=person)
            results.append("booked")
        except BookingError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["booked"] * 3 + ["refused"] * 5
    meeting.refresh_from_db()
    assert meeting.seats_taken == 3 == Booking.objects.filter(meeting=meeting).count()


@pytest.mark.django_db
def test_an_organisation_publishes_then_cancels_a_meeting_and_people_are_told(
    client, member_a, jobseeker, django_capture_on_commit_callbacks
):
    organism = member_a.memberships.get().organism
    action = ActionFactory(formation__organism=organism)
    TrainingPlaceFactory(action=action)
    client.force_login(member_a)
    url = reverse("backoffice:meetings", args=[action.public_id])
    assert "1 rue Pasteur, 94000 Créteil" in client.get(url).content.decode()  # the action's place, prefilled
    starts = (timezone.localtime() + timedelta(days=10)).strftime("%Y-%m-%dT10:00")
    refused = client.post(url, {"starts_at": starts, "duration_minutes": 60, "capacity": 12, "address": ""})
    assert "Indiquez une adresse ou un lien de réunion en ligne." in refused.content.decode()
    response = client.post(
        url, {"starts_at": starts, "duration_minutes": 60, "capacity": 12, "online_url": "https://visio.example.org/r"}
    )
    assert response.status_code == 302
    meeting = InformationMeeting.objects.get(action=action)
    assert meeting.is_online and timezone.localtime(meeting.starts_at).hour == 10
    meeting_book(meeting=meeting, person=jobseeker)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("backoffice:meeting_cancel", args=[meeting.public_id]))
    meeting.refresh_from_db()
    assert meeting.is_cancelled
    assert mail.outbox[0].to == [jobseeker.email] and "annulée" in mail.outbox[0].subject
    assert (
        "Réunions d'information" not in client.get(reverse("action_detail", args=[action.public_id])).content.decode()
    )
