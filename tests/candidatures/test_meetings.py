"""Information meetings: booking, cancelling, the calendar file, and capacity under concurrent bookings."""

import threading

import pytest
from django.db import close_old_connections, connection
from django.urls import reverse

from candidatures.models import Booking, InformationMeeting
from candidatures.services import FULL, BookingError, booking_cancel, meeting_book
from tests.accounts.factories import UserFactory
from tests.candidatures.factories import MeetingFactory


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
