from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from catalogue.choices import RecruitmentState
from sessions.models import TrainingSession
from sessions.state import Timing, is_stale, registration_is_open, session_timing
from tests.sessions.factories import TrainingSessionFactory

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (None, None, Timing.UNDATED),
        (TODAY + timedelta(days=1), TODAY + timedelta(days=30), Timing.UPCOMING),
        (TODAY, TODAY + timedelta(days=30), Timing.ONGOING),
        (TODAY - timedelta(days=30), TODAY, Timing.ONGOING),
        (TODAY - timedelta(days=30), None, Timing.ONGOING),  # unknown end (LHÉO 99999999) never ends
        (TODAY - timedelta(days=30), TODAY - timedelta(days=1), Timing.PAST),
    ],
)
def test_session_timing(start, end, expected):
    assert session_timing(start_date=start, end_date=end, today=TODAY) == expected


def test_stale_after_the_period_and_when_never_confirmed():
    now = timezone.make_aware(datetime(2026, 11, 23, 12))
    assert is_stale(confirmed_at=None, now=now, stale_after_days=30)
    assert not is_stale(confirmed_at=now - timedelta(days=29), now=now, stale_after_days=30)
    assert is_stale(confirmed_at=now - timedelta(days=31), now=now, stale_after_days=30)


def open_kwargs(**overrides):
    kwargs = {
        "recruitment_open": True,
        "registration_opens": None,
        "registration_closes": None,
        "timing": Timing.UPCOMING,
        "rolling_entry": False,
        "places_left": 3,
        "today": TODAY,
    }
    return kwargs | overrides


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, True),
        ({"recruitment_open": False}, False),
        ({"places_left": 0}, False),
        ({"places_left": None}, True),
        ({"timing": Timing.PAST}, False),
        ({"timing": Timing.ONGOING}, False),
        ({"timing": Timing.ONGOING, "rolling_entry": True}, True),
        ({"registration_opens": TODAY + timedelta(days=1)}, False),
        ({"registration_closes": TODAY - timedelta(days=1)}, False),
        ({"registration_closes": TODAY}, True),
    ],
)
def test_registration_is_open(overrides, expected):
    assert registration_is_open(**open_kwargs(**overrides)) is expected


@pytest.mark.django_db
def test_querysets_agree_with_the_pure_function():
    """The SQL twins select exactly the sessions the Python rule puts in each state."""
    sessions = [
        TrainingSessionFactory(undated=True),
        TrainingSessionFactory(),
        TrainingSessionFactory(past=True),
        TrainingSessionFactory(ongoing=True),
        TrainingSessionFactory(ongoing=True, end_date=None),
        TrainingSessionFactory(stale=True),
        TrainingSessionFactory(confirmed_at=None),
    ]
    now = timezone.now()
    today = timezone.localdate(now)
    by_timing = {
        Timing.UNDATED: TrainingSession.objects.undated(),
        Timing.UPCOMING: TrainingSession.objects.upcoming(today),
        Timing.ONGOING: TrainingSession.objects.ongoing(today),
        Timing.PAST: TrainingSession.objects.past(today),
    }
    for timing, queryset in by_timing.items():
        expected = {s.pk for s in sessions if s.status(now=now).timing == timing}
        assert set(queryset.values_list("pk", flat=True)) == expected, timing
    expected_stale = {s.pk for s in sessions if s.status(now=now).stale}
    assert set(TrainingSession.objects.stale(now).values_list("pk", flat=True)) == expected_stale
    assert len(expected_stale) == 2


@pytest.mark.django_db
def test_status_of_a_full_session():
    session = TrainingSessionFactory(full=True, recruitment_state=RecruitmentState.OPEN)
    status = session.status()
    assert status.full
    assert not status.registration_open
