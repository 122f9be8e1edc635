from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from candidatures.models import Booking, Candidature, CandidatureEvent, InformationMeeting
from core.workdays import answer_deadline
from tests.accounts.factories import UserFactory
from tests.catalogue.factories import ActionFactory
from tests.sessions.factories import TrainingSessionFactory


class MeetingFactory(DjangoModelFactory):
    """An information meeting in a week, 10 seats, at an address."""

    class Meta:
        model = InformationMeeting

    action = factory.SubFactory(ActionFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    address = "12 rue de Paris, 94000 Créteil"
    capacity = 10


class CandidatureFactory(DjangoModelFactory):
    """A jobseeker's candidature sent now, with its first event."""

    class Meta:
        model = Candidature
        skip_postgeneration_save = True

    session = factory.SubFactory(TrainingSessionFactory)
    organism = factory.LazyAttribute(lambda c: c.session.action.formation.organism)
    origin = Candidature.Origin.PERSON
    person = factory.SubFactory(UserFactory)
    contact_name = "Camille Martin"
    contact_email = factory.LazyAttribute(lambda c: c.person.email if c.person else "personne@example.org")
    message = "Je suis disponible dès le mois prochain."
    consent_at = factory.LazyFunction(timezone.now)
    answer_due_at = factory.LazyFunction(lambda: answer_deadline(timezone.now()))

    @factory.post_generation
    def sent_event(obj, create, extracted, **kwargs):
        if create:
            CandidatureEvent.objects.create(candidature=obj, state=Candidature.State.SENT, message=obj.message)


class BookingFactory(DjangoModelFactory):
    class Meta:
        model = Booking

    meeting = factory.SubFactory(MeetingFactory)
    person = factory.SubFactory(UserFactory)
    contact_name = "Camille Martin"
    contact_email = factory.LazyAttribute(lambda b: b.person.email)
