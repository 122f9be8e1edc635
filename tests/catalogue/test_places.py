"""Places of all of France in the search: typed places and suggestions across regions (the home region first), a
training across the regional border found by radius, the home region's departments in the search form."""

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue.forms import resolve_commune, suggest_communes
from catalogue.models import Action, Commune
from catalogue.search.engine import Query, search
from catalogue.search.index import columns
from tests.catalogue.factories import ActionFactory, TrainingPlaceFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def france(reference_data):
    """Places of all of France, loaded once for the test session (tests/conftest.py)."""
    return reference_data


def test_suggestions_cover_france_with_the_home_region_first(france, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert suggest_communes("quimper")[:2] == ["Quimper (29000)", "Quimperlé (29300)"]
    saint_denis = suggest_communes("saint-denis")
    assert saint_denis[0] == "Saint-Denis (93200)"  # the home region's, before La Réunion's (more populated)
    assert "Saint-Denis (97400)" in saint_denis
    assert suggest_communes("lyon 3")[0].startswith("Lyon 3e arrondissement (69003)")
    assert suggest_communes("2930")[:1] and all("(2930" in s for s in suggest_communes("2930"))
    assert suggest_communes("'--") == []


def test_typed_places_across_regions(france):
    assert resolve_commune("Quimperlé").commune.code == "29233"
    assert resolve_commune("quimperle (29300)").commune.code == "29233"
    assert resolve_commune("Saint-Denis").commune.code == "93066"  # a name shared across regions: the home one
    assert resolve_commune("Saint-Denis (97400)").commune.code == "97411"
    assert resolve_commune("13008").commune.code == "13208"  # Marseille 8e, not Marseille
    several = resolve_commune("29300")  # Quimperlé and its neighbours share it
    assert several.commune is None and "29233" in {c.code for c in several.candidates}


def test_a_training_across_the_regional_border_is_found_by_radius(france):
    """Vernon (Eure, Normandie) is 20 km from Mantes-la-Jolie (Yvelines, Île-de-France)."""
    vernon = Commune.objects.get(code="27681")
    action = ActionFactory(formation__title="Technicien support à Vernon")
    place = TrainingPlaceFactory(action=action, commune=vernon, postcode="27200")
    TrainingSessionFactory(action=action, is_remote=False, place=place)
    mantes = Commune.objects.get(code="78361")
    today = timezone.localdate()
    columns(today)  # the index knows the session
    near = search(Query(origin=(mantes.latitude, mantes.longitude), radius_km=30), today=today)
    assert [Action.objects.get(pk=hit.action_id).formation.title for hit in near.hits] == [
        "Technicien support à Vernon"
    ]
    assert not search(Query(origin=(mantes.latitude, mantes.longitude), radius_km=10), today=today).hits


def test_the_search_form_lists_the_home_region_s_departments(france, client, settings):
    html = client.get(reverse("search")).content.decode()
    assert "Val-de-Marne (94)" in html and "Finistère (29)" not in html
    settings.PORTAL_REGION_CODE = "53"
    html = client.get(reverse("search")).content.decode()
    assert "Finistère (29)" in html and "Val-de-Marne (94)" not in html


def test_the_place_field_suggestions_page(france, client):
    response = client.get(reverse("commune_suggestions"), {"lieu": "vern"})
    assert response.status_code == 200
    assert '<option value="Vernon (27200)">' in response.content.decode()
