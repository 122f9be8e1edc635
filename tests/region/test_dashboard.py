"""The dashboard's figures equal counts computed independently, in Python, on a seeded catalogue."""

from collections import Counter, defaultdict
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.groups import VIEWER, ensure_region_groups
from catalogue.choices import Axis
from catalogue.models import Action, ActionLabel, Department, Programme
from organisms.models import Organism
from region.dashboard import Filters, region_dashboard
from sessions.models import SessionOutcome, TrainingSession
from tests.accounts.factories import UserFactory


@pytest.fixture
def catalogue(demo_catalogue):
    """The demo catalogue shared by the test session (tests/conftest.py), each test's changes rolled back."""
    return demo_catalogue


def active(label, today):
    return (
        label.state == "granted"
        and label.valid_from <= today
        and (label.valid_until is None or label.valid_until >= today)
    )


def independent(filters: Filters, now, today):
    labels = list(ActionLabel.objects.select_related("programme"))
    public = [
        a
        for a in Action.objects.select_related("formation__organism")
        if a.is_published and a.formation.organism.approval_state == "approved"
    ]
    if filters.programme:
        public = [
            a
            for a in public
            if any(
                active(lab, today) and lab.action_id == a.pk and lab.programme_id == filters.programme.pk
                for lab in labels
            )
        ]
    public_ids = {a.pk for a in public}
    sessions = [
        s
        for s in TrainingSession.objects.select_related("place__commune__department")
        if s.is_published and s.action_id in public_ids
    ]

    def in_scope(s):
        if filters.department and (s.place is None or s.place.commune.department_id != filters.department.pk):
            return False
        if filters.start and (s.start_date is None or s.start_date < filters.start):
            return False
        return not (filters.end and (s.start_date is None or s.start_date > filters.end))

    organisms = Counter(o.approval_state for o in Organism.objects.all())
    axis_total = Counter(a.axis for a in public)
    axis_labelled = Counter(
        a.axis
        for a in public
        if any(
            active(lab, today)
            and lab.action_id == a.pk
            and (not filters.programme or lab.programme_id == filters.programme.pk)
            for lab in labels
        )
    )
    departments = defaultdict(lambda: [0, 0])
    for s in sessions:
        if in_scope(s) and (filters.start or (s.start_date and s.start_date > today)):
            key = s.place.commune.department.code if s.place else None
            departments[key][0] += 1
            departments[key][1] += s.places_left or 0
    limit = now - timedelta(days=30)
    fresh = total = 0
    for s in sessions:
        if in_scope(s) and (s.end_date is None or s.end_date >= today):
            total += 1
            fresh += s.confirmed_at is not None and s.confirmed_at >= limit
    outcomes = defaultdict(lambda: [0, 0, 0])
    for outcome in SessionOutcome.objects.select_related("session__place__commune"):
        for label in labels:
            if label.action_id == outcome.session.action_id and label.state in ("granted", "withdrawn"):
                if filters.programme and label.programme_id != filters.programme.pk:
                    continue
                if filters.department and (
                    outcome.session.place is None
                    or outcome.session.place.commune.department_id != filters.department.pk
                ):
                    continue
                row = outcomes[label.programme.name]
                row[0] += outcome.enrolled
                row[1] += outcome.positive_exits
                row[2] += 1
    return organisms, axis_total, axis_labelled, departments, (fresh, total), outcomes


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["everything", "programme", "department", "period"])
def test_figures_match_independent_counts(catalogue, case):
    today = timezone.localdate()
    now = timezone.make_aware(datetime.combine(today, time(12)))
    filters = {
        "everything": Filters(),
        "programme": Filters(programme=Programme.objects.get(slug="deuxieme-chance-numerique-idf")),
        "department": Filters(department=Department.objects.get(code="93")),
        "period": Filters(start=today, end=today + timedelta(days=90)),
    }[case]
    organisms_t, actions_t, _, departments_t, freshness_t, outcomes_t, below_t, *_loop = region_dashboard(
        filters, now=now, today=today
    )
    organisms, axis_total, axis_labelled, departments, (fresh, total), outcomes = independent(filters, now, today)
    if case in ("everything", "period"):
        assert {row[0]: row[1] for row in organisms_t.rows} == {
            s.label: organisms.get(s.value, 0) for s in Organism.ApprovalState
        }
    if case in ("everything", "programme"):
        expected = {axis.label: [axis_total.get(axis.value, 0), axis_labelled.get(axis.value, 0)] for axis in Axis}
        expected["Sans axe du programme"] = [axis_total.get("", 0), axis_labelled.get("", 0)]
        assert {row[0]: row[1:] for row in actions_t.rows} == expected
    got = {row[0]: row[1:] for row in departments_t.rows}
    for code, (count, places) in departments.items():
        name = "À distance" if code is None else next(k for k in got if k.endswith(f"({code})"))
        assert got[name] == [count, places], (case, code)
    assert sum(row[1] for row in departments_t.rows) == sum(v[0] for v in departments.values())
    assert sum(row[1] for row in freshness_t.rows) == total
    assert sum(row[2] for row in freshness_t.rows) == fresh
    assert total > 0
    if case != "period":
        assert {row[0]: (row[2], row[7], row[1]) for row in outcomes_t.rows} == {
            k: tuple(v) for k, v in outcomes.items()
        }
        assert outcomes or case == "department"
        # The sessions listed under their quota are as many as the per-programme counts say.
        assert len(below_t.rows) == sum(row[9] for row in outcomes_t.rows)


@pytest.mark.django_db
def test_the_page_has_a_bounded_number_of_queries(catalogue, client):
    viewer = UserFactory(region_agent=True)
    viewer.groups.add(ensure_region_groups()[VIEWER])
    client.force_login(viewer)
    url = reverse("region:dashboard")
    with CaptureQueriesContext(connection) as everything:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as filtered:
        assert client.get(url, {"programme": "grande-ecole-du-numerique", "departement": "93"}).status_code == 200
    assert len(everything) <= 22  # 18 for the offer, 4 for the loop's two tables (tests/region/test_loop_figures.py)
    assert len(filtered) == len(everything) + 2  # the form looks up the chosen programme and department
