"""Facet counts equal the totals obtained by applying each option, with the other filters active."""

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import numpy as np
import pytest
from django.utils import timezone

from catalogue.models import Commune
from catalogue.search.criteria import CRITERIA
from catalogue.search.engine import Query, facet_counts, search, select
from catalogue.search.index import columns, listed_sessions, registration_open_sessions
from sessions.models import TrainingSession
from sessions.state import is_listed, registration_is_open, session_timing

# Applying a facet option: the query with that group's criterion replaced by the option alone.
APPLY = {
    "axe": lambda q, v: replace(q, axes=[v]),
    "modalite": lambda q, v: replace(q, modes=[v]),
    "public": lambda q, v: replace(q, publics=[v]),
    "financeur": lambda q, v: replace(q, funders=[v]),
    "gratuit": lambda q, v: replace(q, free=True),
    "certifiante": lambda q, v: replace(q, certifying=True),
    "niveau": lambda q, v: replace(q, level=v),
    "duree_max": lambda q, v: replace(q, max_hours=int(v)),
    "rayon": lambda q, v: replace(q, radius_km=int(v)),
    "departement": lambda q, v: replace(q, department=v),
    "semaines": lambda q, v: replace(q, weeks=int(v)),
    "inscription": lambda q, v: replace(q, registration_open=True),
    "places": lambda q, v: replace(q, places=True),
}


@pytest.fixture
def catalogue(demo_catalogue):
    """The demo catalogue shared by the test session (tests/conftest.py), each test's changes rolled back."""
    return demo_catalogue


def criteria(slug_to_programme):
    creteil = Commune.objects.get(code="94028")
    near_creteil = (creteil.latitude, creteil.longitude)
    return {
        "nothing": Query(),
        "audience and free": Query(publics=["qpv", "16-25-ans"], free=True),
        "axis, place and dates": Query(axes=["hybride", "distance"], origin=near_creteil, radius_km=20, weeks=12),
        "text and funders": Query(q="web", funders=["region", "cpf"], registration_open=True),
        "department, level, undated": Query(department="93", level="4", include_undated=True, places=True),
        "label": Query(programmes=[slug_to_programme["deuxieme-chance-numerique-idf"]], modes=["distance"]),
    }


@pytest.mark.django_db
def test_facet_counts_equal_the_totals_of_each_option(catalogue):
    today = timezone.localdate()
    programmes = {slug: pk for pk, slug, _ in columns(today).programme_options}
    checked = 0
    for name, query in criteria(programmes).items():
        outcome = search(query, today=today)
        assert outcome.total > 0, name
        for group, counts in outcome.facets.items():
            for value, count in counts.items():
                if group == "label_slug":
                    applied = replace(query, programmes=[programmes[value]])
                elif group == "departement" and query.origin is not None:
                    continue  # a commune and a department are not combined
                else:
                    applied = APPLY[group](query, value)
                assert search(applied, today=today).total == count, (name, group, value)
                checked += 1
    assert checked > 200


@pytest.mark.django_db
def test_counters_give_what_each_option_s_mask_gives(catalogue):
    """A criterion counting all its options in one pass (departments) agrees with its mask, option by option."""
    today = timezone.localdate()
    programmes = {slug: pk for pk, slug, _ in columns(today).programme_options}
    queries = [*criteria(programmes).values(), Query(include_undated=True), Query(q="data", places=True)]
    assert any(criterion.counter for criterion in CRITERIA)
    compared = 0
    for query in queries:
        sel = select(query, today=today)
        fast, slow = facet_counts(sel), facet_counts(sel, counters=False)
        assert fast == slow, query
        compared += sum(len(counts) for counts in fast.values())
    assert compared > 300


@pytest.mark.django_db
def test_choosing_an_audience_updates_the_axis_counts(catalogue):
    today = timezone.localdate()
    everyone = search(Query(), today=today).facets["axe"]
    qpv = search(Query(publics=["qpv"]), today=today).facets["axe"]
    assert all(qpv[axis] <= everyone[axis] for axis in everyone)
    assert qpv != everyone


@pytest.mark.django_db
def test_the_three_freshness_rules_agree(catalogue):
    """sessions.state (Python), TrainingSessionQuerySet (SQL) and the search index (numpy) list the same sessions."""
    for offset in (0, 40, -20):
        day = timezone.localdate() + timedelta(days=offset)
        c = columns(day)
        for undated in (False, True):
            by_index = set(c.session_id[listed_sessions(c, day.toordinal(), undated)].tolist())
            public = TrainingSession.objects.filter(pk__in=c.session_id.tolist())
            by_sql = set(public.listed(day, include_undated=undated).values_list("pk", flat=True))
            by_python = {
                s.pk
                for s in public
                if is_listed(
                    start_date=s.start_date,
                    end_date=s.end_date,
                    rolling_entry=s.rolling_entry,
                    today=day,
                    include_undated=undated,
                )
            }
            assert by_index == by_sql == by_python, (offset, undated)
            assert by_index
        open_by_index = set(c.session_id[registration_open_sessions(c, day.toordinal())].tolist())
        open_by_sql = set(public.registration_open(day).values_list("pk", flat=True))
        now = timezone.make_aware(datetime.combine(day, time(12)))
        open_by_python = {s.pk for s in public if s.status(now=now).registration_open}
        assert open_by_index == open_by_sql == open_by_python, offset
        assert open_by_index


def test_registration_rule_for_an_undated_session():
    day = date(2026, 11, 23)
    timing = session_timing(start_date=None, end_date=None, today=day)
    assert registration_is_open(
        recruitment_open=True,
        registration_opens=None,
        registration_closes=None,
        timing=timing,
        rolling_entry=False,
        places_left=None,
        today=day,
    )
    assert np.iinfo(np.int32).max > day.toordinal()
