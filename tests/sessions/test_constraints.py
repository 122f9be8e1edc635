from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.catalogue.factories import ActionFactory, TrainingPlaceFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


def test_end_before_start_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingSessionFactory(end_date=timezone.localdate(), start_date=timezone.localdate() + timedelta(days=1))


def test_end_before_start_message_in_french():
    session = TrainingSessionFactory.build(
        action=ActionFactory(), start_date=timezone.localdate(), end_date=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(ValidationError) as error:
        session.full_clean()
    assert "La date de fin doit être postérieure ou égale à la date de début." in str(error.value)


def test_unknown_end_is_allowed():
    assert TrainingSessionFactory(end_date=None).pk


def test_places_left_cannot_exceed_capacity():
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingSessionFactory(capacity=10, places_left=11)


def test_registration_closes_after_it_opens():
    today = timezone.localdate()
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingSessionFactory(registration_opens=today, registration_closes=today - timedelta(days=1))


def test_a_session_is_remote_or_has_a_place():
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingSessionFactory(is_remote=False, place=None)
    place = TrainingPlaceFactory()
    assert TrainingSessionFactory(action=place.action, is_remote=False, place=place).pk


def test_the_place_must_belong_to_the_action():
    other_place = TrainingPlaceFactory()
    session = TrainingSessionFactory.build(action=ActionFactory(), is_remote=False, place=other_place)
    with pytest.raises(ValidationError) as error:
        session.full_clean()
    assert "Ce lieu n'appartient pas à cette action de formation." in str(error.value)


def test_external_id_unique_per_action():
    session = TrainingSessionFactory(external_id="S-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingSessionFactory(action=session.action, external_id="S-1")
    assert TrainingSessionFactory(external_id="S-1").pk  # another action may reuse it
    assert TrainingSessionFactory(action=session.action, external_id="").pk
    assert TrainingSessionFactory(action=session.action, external_id="").pk
