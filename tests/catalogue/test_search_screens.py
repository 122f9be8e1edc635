"""What the public pages show (issue 13): clean shareable URLs, chips, the way back from a detail page, suggestions
when nothing matches, the map's remote list, the detail page's facts, French wording."""

import json
import re
from datetime import date

import pytest
from django.http import QueryDict
from django.template import Context, Template
from django.utils import timezone

from catalogue.choices import Level, Pay, level_menu
from catalogue.search.engine import Query, map_content, search
from catalogue.search.shareable import back_to_search, clean_query
from catalogue.views import session_start_text
from organisms.backoffice.offer_forms import FormationForm
from tests.catalogue.factories import ActionFactory, CommuneFactory, TrainingPlaceFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db
SEARCH = "/formations/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def creteil():
    return CommuneFactory(code="94028", name="Créteil", postcodes="94000", latitude=48.7838, longitude=2.4545)


@pytest.fixture
def catalogue(creteil):
    place = TrainingPlaceFactory(commune=creteil, action__formation__title="Développeur web", action__blended=True)
    TrainingSessionFactory(action=place.action, is_remote=False, place=place, places_left=1)
    remote = ActionFactory(remote=True, formation__title="Data analyst")
    TrainingSessionFactory(action=remote)
    return place.action


# Clean URLs ---------------------------------------------------------------------------------------------------


def test_clean_query_keeps_only_what_was_chosen():
    dirty = QueryDict(
        "q=web&lieu=&rayon=20&semaines=&niveau=&duree_max=&departement=&debut_min=&debut_max=&tri=pertinence&page=1"
    )
    assert clean_query(dirty).urlencode() == "q=web"
    assert clean_query(QueryDict("tri=date&rayon=30")).urlencode() == ""  # defaults; a radius without a place
    assert clean_query(QueryDict("tri=date&q=web")).urlencode() == "q=web&tri=date"  # not the default with text
    assert clean_query(QueryDict("commune=94028&rayon=30&page=2")).urlencode() == "commune=94028&rayon=30&page=2"
    assert (
        clean_query(QueryDict("public=femmes&public=femmes&public=qpv&x=1")).urlencode() == "public=femmes&public=qpv"
    )
    again = clean_query(QueryDict("q=web&axe=distance&rayon=20"))
    assert clean_query(again) == again


def test_a_dirty_get_redirects_to_its_clean_url(client, catalogue):
    response = client.get(SEARCH, {"q": "web", "lieu": "", "rayon": "20", "niveau": "", "tri": "pertinence"})
    assert response.status_code == 302
    assert response.url == f"{SEARCH}?q=web"
    assert client.get(response.url).status_code == 200  # no loop
    assert client.get(SEARCH, {"axe": "hybride", "q": "web"}).status_code == 200  # any order is clean


def test_a_live_update_pushes_the_clean_url(client, catalogue):
    response = client.get(SEARCH, {"q": "web", "lieu": "", "rayon": "20", "tri": "pertinence", "axe": ""}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Push-Url"] == f"{SEARCH}?q=web"


# Chips --------------------------------------------------------------------------------------------------------


def test_active_filters_are_chips_that_remove_one_value(client, catalogue):
    html = client.get(SEARCH, {"q": "web", "modalite": ["mixte", "distance"], "commune": "94028"}).content.decode()
    chips = {
        label: href.replace("&amp;", "&")
        for href, label in re.findall(r'<a class="chip chip--remove" href="([^"]*)">([^<]*)<', html)
    }
    assert chips == {
        "Autour de Créteil (20 km)": f"{SEARCH}?q=web&modalite=mixte&modalite=distance",
        "Mixte (présentiel et distance)": f"{SEARCH}?q=web&commune=94028&modalite=distance",
        "À distance": f"{SEARCH}?q=web&commune=94028&modalite=mixte",
    }
    assert f'<a class="chips__clear" href="{SEARCH}?q=web">Effacer tous les filtres</a>' in html


def test_a_typed_place_has_its_chip_in_a_live_update(client, catalogue):
    """The form sends the place as typed (`lieu`); its chip names the commune the search resolved."""
    html = client.get(SEARCH, {"lieu": "Créteil (94000)", "modalite": "distance"}, **HTMX).content.decode()
    assert f'<a class="chip chip--remove" href="{SEARCH}?modalite=distance">Autour de Créteil (20 km)<' in html
    assert f'<a class="chip chip--remove" href="{SEARCH}?commune=94028">À distance<' in html


def test_no_chip_without_filter(client, catalogue):
    html = client.get(SEARCH, {"q": "web"}).content.decode()
    assert "chip--remove" not in html
    assert "Effacer tous les filtres" not in html


# The way back from a detail page --------------------------------------------------------------------------------


def test_result_links_carry_the_search_and_the_detail_page_goes_back_to_it(client, catalogue):
    html = client.get(SEARCH, {"q": "web", "axe": "hybride"}).content.decode()
    link = f"/formations/{catalogue.public_id}/?retour=q%3Dweb%26axe%3Dhybride"
    assert f'href="{link}"' in html
    detail = client.get(link).content.decode()
    assert f'<a href="{SEARCH}?q=web&amp;axe=hybride">Résultats de votre recherche</a>' in detail
    assert f'<link rel="canonical" href="http://testserver/formations/{catalogue.public_id}/">' in detail
    plain = client.get(f"/formations/{catalogue.public_id}/").content.decode()
    assert f'<a href="{SEARCH}">Rechercher une formation</a>' in plain


@pytest.mark.parametrize(
    "retour", ["//evil.example/x", "https://evil.example/", "javascript:alert(1)", "q=web&next=//evil", "\\\\evil"]
)
def test_the_way_back_never_leaves_the_search_page(retour):
    back = back_to_search(retour)
    assert back.startswith(f"{SEARCH}") and "evil" not in back.split("?")[0]
    assert back in (SEARCH, f"{SEARCH}?q=web")


# No result --------------------------------------------------------------------------------------------------


def test_no_result_suggests_what_would_give_results(client, catalogue, creteil):
    html = client.get(SEARCH, {"q": "developpeur", "modalite": "distance"}).content.decode()
    assert "Aucune formation ne correspond" in html
    suggestion = re.search(r'<a href="([^"]*)">Sans le filtre « À distance » : (\d+) formations?</a>', html)
    assert suggestion
    assert suggestion[1] == f"{SEARCH}?q=developpeur"
    # The count is the search without the filter, recounted.
    assert int(suggestion[2]) == search(Query(q="developpeur"), today=timezone.localdate()).total == 1
    assert "rayon de 50 km" not in html  # no place: no radius to widen
    assert 'id="id_tri"' not in html and "Voir ces résultats sur une carte" not in html  # nothing to sort or map


def test_no_result_around_a_place_offers_the_widest_radius(client, catalogue, creteil):
    far = CommuneFactory(code="77284", name="Meaux", postcodes="77100", latitude=48.9601, longitude=2.8788)
    place = TrainingPlaceFactory(commune=far, action__formation__title="Technicien réseaux")
    TrainingSessionFactory(action=place.action, is_remote=False, place=place)
    html = client.get(SEARCH, {"q": "reseaux", "commune": "94028", "rayon": "10"}).content.decode()
    assert "Dans un rayon de 50 km : 1 formation" in html
    assert "Sans le lieu « Autour de Créteil (10 km) » : 1 formation" in html


# Map ----------------------------------------------------------------------------------------------------------


def test_the_map_lists_remote_trainings_and_shows_the_centre(client, catalogue):
    html = client.get("/formations/carte/", {"commune": "94028", "rayon": "30"}).content.decode()
    assert "1 lieu de formation pour votre recherche, et 1 formation à distance" in html
    assert re.search(r'<h2 id="remote-title">1 formation à distance</h2>', html)
    assert "Data analyst" in html
    centre = json.loads(re.search(r'<script id="map-centre" type="application/json">(.*?)</script>', html)[1])
    assert centre == {"lat": 48.7838, "lon": 2.4545, "radius_km": 30, "label": "Créteil"}
    markers = json.loads(re.search(r'<script id="map-markers" type="application/json">(.*?)</script>', html)[1])
    assert [(m["title"], m["places"]) for m in markers] == [("Développeur web", "1 place restante")]
    assert markers[0]["organism"] == catalogue.formation.organism.usual_name
    assert markers[0]["next"].startswith("Prochaine session : ")


def test_map_content_is_one_point_per_place_and_action_with_its_next_session(catalogue):
    content = map_content(Query(), today=timezone.localdate())
    assert [point.action_id for point in content.points] == [catalogue.pk]
    assert content.remote_total == 1 and len(content.remote) == 1


def test_a_remote_only_search_has_no_empty_map(client, catalogue):
    html = client.get("/formations/carte/", {"modalite": "distance"}).content.decode()
    assert "Aucun lieu de formation pour votre recherche, qui trouve 1 formation à distance" in html
    assert 'id="results-map"' not in html


# Detail page ----------------------------------------------------------------------------------------------------


def test_one_badge_per_fact_and_no_hours_in_a_centre_for_a_remote_training(client):
    action = ActionFactory(remote=True, cpf_eligible=True, hours_total=546, hours_centre=546)
    TrainingSessionFactory(action=action)
    html = client.get(f"/formations/{action.public_id}/").content.decode()
    badges = re.findall(r'<li class="badge[^"]*">([^<]*)</li>', html)
    assert "100 % à distance" in badges and "Entièrement à distance" not in badges
    assert "Éligible au CPF" in badges
    assert "546 heures" in html and "en centre" not in html
    assert "L'organisme ne l'a pas indiquée" in html and "Non précisée" not in html


def test_pay_during_training_is_shown_when_the_organisation_says_it(client):
    said, unsaid = ActionFactory(pay=Pay.PAID), ActionFactory()
    for action in (said, unsaid):
        TrainingSessionFactory(action=action)
    html = client.get(f"/formations/{said.public_id}/").content.decode()
    assert "<dt>Rémunération</dt><dd>Rémunération possible pendant la formation</dd>" in html
    assert "<dt>Rémunération</dt>" not in client.get(f"/formations/{unsaid.public_id}/").content.decode()


# Wording -----------------------------------------------------------------------------------------------------------


def render(text: str, **context) -> str:
    return Template(text).render(Context(context))


def test_dates_say_1er_and_months_in_lower_case():
    assert render("{{ d|long_date }}", d=date(2026, 12, 1)) == "1er décembre 2026"
    assert render("{{ d|long_date }}", d=date(2026, 12, 4)) == "4 décembre 2026"
    assert render('{{ d|long_date:"l j F Y" }}', d=date(2027, 3, 1)) == "lundi 1er mars 2027"


@pytest.mark.parametrize(("n", "text"), [(0, "0 place restante"), (1, "1 place restante"), (2, "2 places restantes")])
def test_zero_and_one_are_singular(n, text):
    assert render("{{ n }} place{{ n|pluriel }} restante{{ n|pluriel }}", n=n) == text


def test_the_level_menu_lists_current_levels_first_and_former_ones_apart():
    menu = level_menu()
    groups = [label for label, choices in menu if isinstance(choices, list)]
    assert groups == ["Niveaux européens (cadre national des certifications)", "Anciens niveaux (nomenclature de 1969)"]
    assert menu[2][1][0] == (Level.EU_1.value, Level.EU_1.label)
    assert Level.LEGACY_V.value in [value for value, _ in menu[3][1]]
    html = str(FormationForm()["entry_level"])
    assert html.index('<optgroup label="Niveaux européens') < html.index('<optgroup label="Anciens niveaux')


def test_the_map_says_when_a_session_already_started():
    today = date(2026, 11, 30)
    assert session_start_text(date(2026, 12, 1), today=today) == "Prochaine session : 1er décembre 2026"
    assert session_start_text(date(2026, 10, 1), today=today) == "Session en cours depuis le 1er octobre 2026"
    assert session_start_text(None, today=today) == "Dates à venir"
