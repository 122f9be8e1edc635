"""Region staff see every import run, the configured feeds with their last run, each run's full report and its CSV."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.groups import VIEWER, ensure_region_groups
from exchange.feeds import feed_policy, run_import
from exchange.models import FeedSource, ImportRun
from region.dashboard import Filters, departments_table
from tests.accounts.factories import UserFactory
from tests.catalogue.factories import ActionFactory, CommuneFactory, DepartmentFactory, TrainingPlaceFactory
from tests.exchange import samples
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(client):
    user = UserFactory(region_agent=True)
    user.groups.add(ensure_region_groups()[VIEWER])
    client.force_login(user)
    return user


@pytest.fixture
def runs():
    CommuneFactory()
    carif = FeedSource.objects.create(name="carif", label="Carif-Oref", url="https://flux.example.org/a.xml")
    onisep = FeedSource.objects.create(name="onisep", label="Onisep", path="/srv/flux/onisep.xml")
    made = []
    for feed, bad in ((carif, {2}), (onisep, set()), (carif, {3, 7})):
        data = samples.feed(samples.many_sessions(40, bad=bad))
        run, _ = run_import(
            data, feed=feed, policy=feed_policy(feed), commit=True, trigger="sync", origin=feed.location
        )
        made.append(run)
    return made


def test_the_list_shows_runs_and_feeds_in_a_bounded_number_of_queries(client, viewer, runs):
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("region:import_runs")).content.decode()
    assert len(queries) <= 12
    assert "Carif-Oref" in html and "Onisep" in html and "/srv/flux/onisep.xml" in html
    for run in runs:
        assert reverse("region:import_run", args=[run.pk]) in html
    filtered = client.get(reverse("region:import_runs"), {"flux": "onisep"}).context["page"].object_list
    assert [run.source.name for run in filtered] == ["onisep"]
    feeds = {feed.name: feed.last_run for feed in client.get(reverse("region:import_runs")).context["feeds"]}
    assert feeds == {"carif": runs[2], "onisep": runs[1]}


def test_a_run_shows_its_counts_and_every_problem(client, viewer, runs):
    run = runs[2]
    html = client.get(reverse("region:import_run", args=[run.pk])).content.decode()
    assert "Problèmes (2)" in html and "S003" in html and "S007" in html
    assert html.index('<th scope="row">Organismes</th>') < html.index('<th scope="row">Sessions</th>')


def test_the_report_downloads_as_csv(client, viewer, runs):
    response = client.get(reverse("region:import_run_report", args=[runs[2].pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(f'attachment; filename="import-{runs[2].pk}-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Fiche", "Numéro", "Ligne", "Élément", "Problème"]
    assert [row[:2] for row in rows[1:]] == [["Session", "S003"], ["Session", "S007"]]
    assert rows[1][3].startswith("/lheo/offres/formation[1]/action/session[4]")


def test_a_numero_that_looks_like_a_formula_is_not_one_in_the_report(client, viewer):
    run = ImportRun.objects.create(
        origin="flux.xml",
        trigger="command",
        started_at=timezone.now(),
        problems=[{"line": 3, "path": "/lheo", "message": "=1+1", "record": "session", "numero": "=HYPERLINK(1)"}],
    )
    body = client.get(reverse("region:import_run_report", args=[run.pk])).content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in body and "'=1+1" in body


def test_the_dashboard_counts_sessions_in_other_regions_on_one_line():
    remote_action = ActionFactory()
    TrainingSessionFactory(action=remote_action)
    vernon = CommuneFactory(
        code="27681",
        name="Vernon",
        postcodes="27200",
        department=DepartmentFactory(code="27", name="Eure", region_code="28"),
    )
    place = TrainingPlaceFactory(commune=vernon, postcode="27200")
    TrainingSessionFactory(action=place.action, is_remote=False, place=place, places_left=4)
    table = departments_table(Filters(), timezone.localdate())
    rows = {row[0]: row[1:] for row in table.rows}
    assert rows["Hors de la région"] == [1, 4] and rows["À distance"][0] == 1
    assert not any("Eure" in name for name in rows)
