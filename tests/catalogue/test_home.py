import pytest
from django.urls import reverse

from catalogue.choices import Axis
from catalogue.figures import catalogue_figures
from tests.catalogue.factories import ActionFactory
from tests.organisms.factories import OrganismFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db

# Three reads (sessions by axis, organisations, actions) and the savepoint and release of ATOMIC_REQUESTS.
HOME_QUERIES = 5


@pytest.fixture
def catalogue():
    """Upcoming public sessions: 2 blended, 1 remote, 1 on-site; and sessions that must not count."""
    blended = ActionFactory(blended=True)
    TrainingSessionFactory.create_batch(2, action=blended)
    TrainingSessionFactory(action=ActionFactory(remote=True))
    TrainingSessionFactory(action=ActionFactory())
    TrainingSessionFactory(action=blended, past=True)  # over
    TrainingSessionFactory(action=blended, undated=True)  # no date yet
    TrainingSessionFactory(action=blended, is_published=False)  # draft session
    TrainingSessionFactory(action=ActionFactory(blended=True, draft=True))  # draft action
    TrainingSessionFactory(action=ActionFactory(blended=True, formation__organism=OrganismFactory(pending=True)))
    TrainingSessionFactory(action=ActionFactory(blended=True, formation__organism=OrganismFactory(suspended=True)))


def test_figures_count_only_public_upcoming_sessions(catalogue):
    figures = catalogue_figures()
    assert figures.upcoming_sessions == 4
    assert {f.value: f.upcoming_sessions for f in figures.by_axis} == {
        Axis.BLENDED: 2,
        Axis.REMOTE: 1,
        Axis.PRO_ENGLISH: 0,
        "": 1,
    }
    assert figures.actions == 3  # published actions of approved organisations
    assert figures.organisms == 4  # the pending and suspended ones are not counted


def test_home_page_shows_the_figures_in_french(client, catalogue, django_assert_num_queries):
    with django_assert_num_queries(HOME_QUERIES):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert 'href="#contenu"' in html and 'id="contenu"' in html
    assert "Formation hybride (blended learning)" in html
    assert 'action="/formations/"' in html
    assert reverse("accessibility") in html
    assert response.context["figures"].upcoming_sessions == 4


def test_home_page_on_an_empty_catalogue(client, django_assert_num_queries):
    with django_assert_num_queries(HOME_QUERIES):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["figures"].upcoming_sessions == 0


def test_accessibility_statement(client):
    response = client.get(reverse("accessibility"))
    assert response.status_code == 200
    assert "Déclaration d'accessibilité" in response.content.decode()
    assert "RGAA" in response.content.decode()


def test_search_entry_keeps_the_query(client):
    response = client.get(reverse("search"), {"q": "développeur web"})
    assert response.status_code == 200
    assert "développeur web" in response.content.decode()


def test_pages_refuse_post(client):
    assert client.post(reverse("home")).status_code == 405


def test_error_pages_are_in_french(client, settings):
    settings.DEBUG = False
    response = client.get("/formations/inexistante123/")
    assert response.status_code == 404 and "Page introuvable" in response.content.decode()


def test_the_accessibility_statement_gives_a_contact(client):
    html = client.get(reverse("accessibility")).content.decode()
    assert "mailto:" in html and "Contenus non accessibles" in html
