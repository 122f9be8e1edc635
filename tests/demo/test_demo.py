from datetime import date, datetime, time

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from candidatures.models import Booking, Candidature, InformationMeeting
from catalogue.choices import Audience, Axis, TeachingMode
from catalogue.models import Action, ActionAudience, ActionLabel, Department, Formation, Programme, TrainingPlace
from demo.builder import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD, seed_demo
from organisms.models import Organism
from sessions.models import TrainingSession
from sessions.state import Timing
from shortlists.models import Favourite, SavedSearch, Shortlist

TODAY = date(2026, 11, 23)  # the determinism test's own small catalogues: same seed, same day


@pytest.fixture
def demo(demo_catalogue):
    """The session's shared demo catalogue (tests/conftest.py): its report and the day it was built around."""
    return demo_catalogue


def fingerprint() -> list[tuple]:
    return list(
        TrainingSession.objects.order_by("action__public_id", "external_id").values_list(
            "action__public_id", "action__formation__title", "start_date", "end_date", "places_left", "is_remote"
        )
    )


@pytest.mark.django_db
def test_counts(demo):
    assert demo.report.sessions == TrainingSession.objects.count() == 2000
    assert demo.report.actions == Action.objects.count() == 500
    assert demo.report.formations == Formation.objects.count()
    assert demo.report.organisms == Organism.objects.count() >= 6
    assert demo.report.labels == ActionLabel.objects.count() > 0


@pytest.mark.django_db
def test_every_axis_teaching_mode_and_audience(demo):
    published = Action.objects.published()
    assert set(published.values_list("axis", flat=True)) == {*Axis.values, ""}
    assert set(published.values_list("teaching_mode", flat=True)) == set(TeachingMode.values)
    assert set(ActionAudience.objects.values_list("code", flat=True)) == set(Audience.values)
    english = published.filter(axis=Axis.PRO_ENGLISH)
    assert set(english.values_list("english_sector", flat=True)) == {"logistique", "tourisme", "restauration"}


@pytest.mark.django_db
def test_every_department_has_organisations_and_places(demo):
    """Every department of the home region, and none elsewhere: the demo is the home region's catalogue."""
    codes = set(Department.objects.filter(region_code="11").values_list("code", flat=True))
    assert set(Organism.objects.values_list("commune__department__code", flat=True)) == codes
    assert set(TrainingPlace.objects.values_list("commune__department__code", flat=True)) == codes


@pytest.mark.django_db
def test_sessions_in_every_state(demo):
    now_counts = dict.fromkeys(Timing, 0)
    stale = full = past_still_open = 0

    now = timezone.make_aware(datetime.combine(demo.today, time(12)))
    for session in TrainingSession.objects.all():
        status = session.status(now=now)
        now_counts[status.timing] += 1
        stale += status.stale
        full += status.full
        past_still_open += status.timing == Timing.PAST and session.recruitment_state == 1
    assert all(count > 50 for count in now_counts.values()), now_counts
    assert 100 < stale < 1500
    assert full > 50
    assert past_still_open > 0
    assert TrainingSession.objects.filter(start_date__isnull=False, end_date__isnull=True).exists()


@pytest.mark.django_db
def test_programmes_and_labels(demo):
    assert set(Programme.objects.values_list("name", flat=True)) == {
        "2ème chance numérique Île-de-France",
        "Grande École du Numérique",
    }
    granted = ActionLabel.objects.active(demo.today).values("programme__slug").annotate(n=Count("id"))
    assert {row["programme__slug"]: row["n"] > 5 for row in granted} == {
        "deuxieme-chance-numerique-idf": True,
        "grande-ecole-du-numerique": True,
    }
    assert ActionLabel.objects.filter(state=ActionLabel.State.REQUESTED).exists()
    second_chance = ActionLabel.objects.filter(programme__slug="deuxieme-chance-numerique-idf")
    assert not second_chance.filter(action__axis="").exists()


@pytest.mark.django_db
def test_realistic_french_content(demo):
    titles = set(Formation.objects.values_list("title", flat=True))
    assert {"Développeur web et web mobile", "Anglais professionnel pour la logistique"} <= titles
    assert Formation.objects.filter(rome_codes__code="M1855").exists()
    assert not Formation.objects.annotate(n=Count("rome_codes")).filter(n__gt=5).exists()


@pytest.mark.django_db
def test_one_account_per_persona(demo, client):
    accounts = User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")
    assert sorted(accounts.values_list("kind", flat=True)) == sorted(
        ["jobseeker", "adviser", "organism_member", "organism_member", "region_agent"]
    )
    members = accounts.filter(kind=User.Kind.ORGANISM_MEMBER)
    organisms = {m.memberships.get().organism for m in members}
    assert len(organisms) == 2
    assert all(o.approval_state == Organism.ApprovalState.APPROVED for o in organisms)
    agent = accounts.get(kind=User.Kind.REGION_AGENT)
    assert agent.is_staff and not agent.is_superuser
    assert client.login(email=agent.email, password=DEMO_PASSWORD)
    assert client.get("/admin/catalogue/action/").status_code == 200
    client.logout()
    member = members.first()
    response = client.post("/compte/login/", {"login": member.email, "password": DEMO_PASSWORD})
    assert response.url == "/espace-organisme/"  # verified address: the demo accounts log in at once


@pytest.mark.django_db
def test_same_seed_same_catalogue(reference_data):
    seed_demo(sessions=300, seed=11, today=TODAY)
    first = fingerprint()
    seed_demo(sessions=300, seed=11, today=TODAY)
    assert fingerprint() == first
    seed_demo(sessions=300, seed=12, today=TODAY)
    assert fingerprint() != first
    assert User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").count() == 5


@pytest.mark.django_db
def test_keep_existing_leaves_the_catalogue_alone(demo, capsys):
    before = TrainingSession.objects.count()
    call_command("seed_demo", sessions=10, keep_existing=True)
    assert TrainingSession.objects.count() == before
    out = capsys.readouterr().out
    assert "Catalogue déjà présent" in out
    assert f"organisme-a@{DEMO_EMAIL_DOMAIN}" in out
    assert DEMO_PASSWORD in out


@pytest.mark.django_db
def test_demo_organisations_pass_their_own_validation(demo):
    """Every demo organisation is valid as a person would enter it (contact address and website included)."""
    for organism in Organism.objects.all():
        organism.full_clean()


@pytest.mark.django_db
def test_the_loop_is_there_at_once(demo):
    adviser = User.objects.get(email=f"conseiller@{DEMO_EMAIL_DOMAIN}")
    jobseeker = User.objects.get(email=f"demandeur@{DEMO_EMAIL_DOMAIN}")
    shortlists = Shortlist.objects.filter(owner=adviser)
    assert shortlists.count() == 2
    assert all(s.items.exclude(note="").exists() for s in shortlists)
    states = set(Candidature.objects.filter(adviser=adviser).values_list("state", flat=True))
    assert {"sent", "interview", "accepted", "refused", "waitlist"} <= states
    assert Favourite.objects.filter(user=jobseeker).count() >= 2
    assert SavedSearch.objects.filter(user=jobseeker).exists()
    assert Candidature.objects.filter(person=jobseeker).exists()
    assert Booking.objects.filter(person=jobseeker, state="booked").exists()
    member = User.objects.get(email=f"organisme-a@{DEMO_EMAIL_DOMAIN}")
    organism = member.memberships.get().organism
    assert InformationMeeting.objects.filter(action__formation__organism=organism).exists()
    assert Candidature.objects.filter(organism=organism).unanswered().exists()
