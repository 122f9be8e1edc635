"""Each session rule in its three forms (sessions.state): the Python predicate, the queryset expression and the numpy
mask of the search index give the same answer on one table of edge cases."""

from datetime import date, datetime, time, timedelta

import numpy as np
import pytest
from django.utils import timezone

from catalogue.choices import RecruitmentState
from catalogue.search.index import build_columns
from sessions import state
from sessions.models import TrainingSession
from tests.catalogue.factories import ActionFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def cases(today: date) -> dict[str, dict]:
    """Edge cases around `today`: each a session's dates and flags."""
    return {
        "ends today": {"start_date": today - 10 * DAY, "end_date": today},
        "ended yesterday": {"start_date": today - 10 * DAY, "end_date": today - DAY},
        "started 30 days ago": {"start_date": today - 30 * DAY, "end_date": today + 30 * DAY},
        "started 31 days ago": {"start_date": today - 31 * DAY, "end_date": today + 30 * DAY},
        "started 31 days ago, rolling entry": {
            "start_date": today - 31 * DAY,
            "end_date": today + 30 * DAY,
            "rolling_entry": True,
        },
        "started 200 days ago, rolling, no end": {
            "start_date": today - 200 * DAY,
            "end_date": None,
            "rolling_entry": True,
        },
        "no start": {"start_date": None, "end_date": None},
        "no end": {"start_date": today - 5 * DAY, "end_date": None},
        "starts today": {"start_date": today, "end_date": today + 10 * DAY},
        "starts tomorrow": {"start_date": today + DAY, "end_date": today + 10 * DAY},
        "upcoming, full": {"start_date": today + 9 * DAY, "end_date": today + 20 * DAY, "places_left": 0},
        "upcoming, places unknown": {"start_date": today + 9 * DAY, "end_date": None, "places_left": None},
        "upcoming, recruitment closed": {
            "start_date": today + 9 * DAY,
            "end_date": today + 20 * DAY,
            "recruitment_state": RecruitmentState.CLOSED,
        },
        "upcoming, registration opens tomorrow": {
            "start_date": today + 9 * DAY,
            "end_date": today + 20 * DAY,
            "registration_opens": today + DAY,
        },
        "upcoming, registration closed yesterday": {
            "start_date": today + 9 * DAY,
            "end_date": today + 20 * DAY,
            "registration_closes": today - DAY,
        },
        "upcoming, registration closes today": {
            "start_date": today + 9 * DAY,
            "end_date": today + 20 * DAY,
            "registration_opens": today - 9 * DAY,
            "registration_closes": today,
        },
        "ongoing, rolling, registration open": {
            "start_date": today - 3 * DAY,
            "end_date": today + 60 * DAY,
            "rolling_entry": True,
            "registration_closes": today + 30 * DAY,
        },
        "undated, recruiting": {"start_date": None, "end_date": None, "places_left": None},
    }


def ordinal(value: date | None, unknown: int) -> int:
    return value.toordinal() if value is not None else unknown


def columns_of(sessions: list[TrainingSession]) -> dict[str, np.ndarray]:
    """The sessions encoded as the search index encodes them."""

    def column(get, dtype):
        return np.array([get(s) for s in sessions], dtype=dtype)

    return {
        "start": column(lambda s: ordinal(s.start_date, state.UNKNOWN_HIGH), np.int32),
        "end": column(lambda s: ordinal(s.end_date, state.UNKNOWN_HIGH), np.int32),
        "rolling": column(lambda s: s.rolling_entry, bool),
        "recruiting": column(lambda s: s.recruitment_state == RecruitmentState.OPEN, bool),
        "opens": column(lambda s: ordinal(s.registration_opens, state.UNKNOWN_LOW), np.int32),
        "closes": column(lambda s: ordinal(s.registration_closes, state.UNKNOWN_HIGH), np.int32),
        "places_left": column(lambda s: -1 if s.places_left is None else s.places_left, np.int32),
    }


@pytest.mark.parametrize("offset", [0, 45])
def test_the_three_forms_of_every_rule_agree(offset):
    today = timezone.localdate() + timedelta(days=offset)
    t = today.toordinal()
    now = timezone.make_aware(datetime.combine(today, time(12)))
    action = ActionFactory()
    table = cases(today)
    sessions = [
        TrainingSessionFactory(action=action, **({"capacity": 20, "places_left": 5} | values))
        for values in table.values()
    ]
    names = list(table)
    rows = TrainingSession.objects.filter(pk__in=[s.pk for s in sessions])
    c = columns_of(sessions)

    def by_sql(q) -> set[str]:
        pks = set(rows.filter(q).values_list("pk", flat=True))
        return {name for name, s in zip(names, sessions, strict=True) if s.pk in pks}

    def by_mask(mask) -> set[str]:
        return {name for name, hit in zip(names, mask.tolist(), strict=True) if hit}

    def by_python(predicate) -> set[str]:
        return {name for name, s in zip(names, sessions, strict=True) if predicate(s)}

    checks = {
        "not ended": (
            lambda s: state.is_not_ended(end_date=s.end_date, today=today),
            state.not_ended_q(today),
            state.not_ended_mask(c["end"], t),
        ),
        "registration open": (
            lambda s: s.status(now=now).registration_open,
            state.registration_open_q(today),
            state.registration_open_mask(**c, today=t),
        ),
        "stale": (
            lambda s: s.status(now=now).stale,
            state.stale_q(now, 30),
            None,
        ),
    }
    for include_undated in (False, True):
        checks[f"listed (undated {include_undated})"] = (
            lambda s, u=include_undated: state.is_listed(
                start_date=s.start_date,
                end_date=s.end_date,
                rolling_entry=s.rolling_entry,
                today=today,
                include_undated=u,
            ),
            state.listed_q(today, include_undated=include_undated),
            state.listed_mask(c["start"], c["end"], c["rolling"], t, include_undated=include_undated),
        )
    for timing in state.Timing:
        checks[f"timing {timing.value}"] = (
            lambda s, timing=timing: (
                state.session_timing(start_date=s.start_date, end_date=s.end_date, today=today) == timing
            ),
            state.timing_q(timing, today),
            state.timing_mask(timing, c["start"], c["end"], t),
        )
    for rule, (predicate, q, mask) in checks.items():
        expected = by_python(predicate)
        assert by_sql(q) == expected, rule
        if mask is not None:
            assert by_mask(mask) == expected, rule
    # The table reaches both sides of every rule.
    assert {"ends today", "started 30 days ago", "started 31 days ago, rolling entry"} <= by_python(
        checks["listed (undated False)"][0]
    )
    assert {"ended yesterday", "started 31 days ago", "no start"}.isdisjoint(
        by_python(checks["listed (undated False)"][0])
    )
    assert "upcoming, registration closes today" in by_python(checks["registration open"][0])
    assert "upcoming, registration closed yesterday" not in by_python(checks["registration open"][0])


def test_the_index_reads_the_sessions_as_the_masks_expect():
    """The index's columns are the encoding the masks above were checked on (public sessions, not ended)."""
    today = timezone.localdate()
    action = ActionFactory()
    sessions = [
        TrainingSessionFactory(action=action, **({"capacity": 20, "places_left": 5} | v)) for v in cases(today).values()
    ]
    index = build_columns(today)
    expected = columns_of(sessions)
    kept = [n for n, s in enumerate(sessions) if state.is_not_ended(end_date=s.end_date, today=today)]
    order = np.argsort(index.session_id)
    by_pk = {s.pk: n for n, s in enumerate(sessions)}
    assert sorted(index.session_id.tolist()) == sorted(sessions[n].pk for n in kept)
    for name, values in expected.items():
        got = getattr(index, name)[order]
        want = values[[by_pk[pk] for pk in index.session_id[order].tolist()]]
        assert got.tolist() == want.tolist(), name
