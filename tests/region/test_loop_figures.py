"""The loop's figures on the Region's dashboard, recounted independently: candidatures, answers within two working
days, acceptances, seats booked and the median answer time, by organisation and by programme, with the filters."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.groups import VIEWER, ensure_region_groups
from candidatures.models import Candidature
from region.dashboard import Filters, loop_by_organism_table, loop_by_programme_table
from tests.accounts.factories import UserFactory
from tests.candidatures.factories import BookingFactory, CandidatureFactory, MeetingFactory
from tests.catalogue.factories import ActionLabelFactory, DepartmentFactory
from tests.organisms.factories import OrganismFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


def answered(candidature, *, after_hours, state="accepted"):
    Candidature.objects.filter(pk=candidature.pk).update(
        state=state, answered_at=candidature.created_at + timedelta(hours=after_hours)
    )


@pytest.fixture
def loop():
    quick = OrganismFactory(usual_name="Rapide")
    slow = OrganismFactory(usual_name="Lent")
    labelled = TrainingSessionFactory(action__formation__organism=quick)
    ActionLabelFactory(action=labelled.action, granted=True)
    a, b, _unanswered = (CandidatureFactory(session=labelled) for _ in range(3))
    answered(a, after_hours=5)
    answered(b, after_hours=24, state="refused")
    far = TrainingSessionFactory(action__formation__organism=slow)
    d = CandidatureFactory(session=far)
    Candidature.objects.filter(pk=d.pk).update(answer_due_at=d.created_at + timedelta(days=2))
    answered(d, after_hours=24 * 6, state="interview")
    meeting = MeetingFactory(action=labelled.action)
    BookingFactory(meeting=meeting)
    BookingFactory(meeting=meeting)
    BookingFactory(meeting=meeting, state="cancelled")
    return {"quick": quick, "slow": slow, "labelled": labelled, "far": far}


def test_by_organisation_recounted(loop):
    today = timezone.localdate()
    table = loop_by_organism_table(Filters(), today)
    rows = {row[0]: row[1:] for row in table.rows}
    assert rows["Rapide"] == [3, 2, "67 %", 1, 2, "0,6 j"]  # median of 5 h and 24 h
    assert rows["Lent"] == [1, 0, "0 %", 0, 0, "6,0 j"]
    assert table.rows[0][0] == "Lent"  # the least responsive first
    assert sum(row[1] for row in table.rows) == Candidature.objects.count()


def test_by_programme_and_filters(loop):
    today = timezone.localdate()
    programme_rows = loop_by_programme_table(Filters(), today).rows
    assert [row[:6] for row in programme_rows] == [["2ème chance numérique Île-de-France", 3, 2, "67 %", 1, 2]]
    department = DepartmentFactory(code="93", name="Seine-Saint-Denis")
    in_93 = loop_by_organism_table(Filters(department=department), today).rows
    assert in_93 == [["Rapide", 0, 0, "—", 0, 2, "—"]]  # no candidature there; seats are not by department
    start = timezone.localdate() + timedelta(days=400)
    assert loop_by_organism_table(Filters(start=start), today).rows == []


def test_the_dashboard_shows_and_exports_them(loop, client):
    viewer = UserFactory(region_agent=True)
    viewer.groups.add(ensure_region_groups()[VIEWER])
    client.force_login(viewer)
    page = client.get(reverse("region:dashboard")).content.decode()
    assert "Candidatures et réponses, par organisme" in page and "Délai médian de première réponse" in page
    csv = client.get(reverse("region:export", args=["candidatures-par-organisme", "csv"])).content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("Organisme;Candidatures envoyées;Répondues en deux jours ouvrés")
    assert "Rapide;3;2;67 %;1;2;0,6 j" in csv
