from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from sessions.models import TrainingSession
from tests.catalogue.factories import ActionFactory


class TrainingSessionFactory(DjangoModelFactory):
    """A published, remote session starting in 30 days and confirmed today; traits for the other states."""

    class Meta:
        model = TrainingSession

    action = factory.SubFactory(ActionFactory)
    is_published = True
    start_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    end_date = factory.LazyAttribute(lambda s: s.start_date + timedelta(days=90) if s.start_date else None)
    capacity = 12
    places_left = 5
    is_remote = True
    confirmed_at = factory.LazyFunction(timezone.now)

    class Params:
        undated = factory.Trait(start_date=None, end_date=None)
        past = factory.Trait(
            start_date=factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=100)),
            end_date=factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10)),
        )
        ongoing = factory.Trait(
            start_date=factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10)),
        )
        stale = factory.Trait(confirmed_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=45)))
        full = factory.Trait(places_left=0)
