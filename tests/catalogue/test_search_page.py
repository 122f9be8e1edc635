import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalogue.search.engine import Query, search
from catalogue.search.results import card_key
from organisms.models import Organism
from sessions.models import TrainingSession
from tests.catalogue.factories import (
    ActionFactory,
    ActionLabelFactory,
    CommuneFactory,
    DepartmentFactory,
    ProgrammeFactory,
    TrainingPlaceFactory,
)
from tests.organisms.factories import OrganismFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db
SEARCH = "/formations/"


@pytest.fixture
def creteil():
    CommuneFactory(code="94028", name="Créteil", postcodes="94000", latitude=48.7838, longitude=2.4545)
    CommuneFactory(code="94068", name="Saint-Maur-des-Fossés", postcodes="94100 94210", latitude=48.79, longitude=2.49)
    return CommuneFactory(code="94028")


@pytest.fixture
def catalogue(creteil):
    place = TrainingPlaceFactory(commune=creteil, action__formation__title="Développeur web", action__blended=True)
    TrainingSessionFactory(action=place.action, is_remote=False, place=place)
    TrainingSessionFactory(action=ActionFactory(remote=True, formation__title="Data analyst"))
    TrainingSessionFactory(action=ActionFactory(formation__title="Cybersécurité"), stale=True, full=True)
    return place.action


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_results_carry_the_count_and_public_ids(client, catalogue):
    html = html_of(client.get(SEARCH))
    assert re.search(r'id="result-count"[^>]*aria-live="polite"[^>]*>\s*3 formations trouvées', html)
    assert html.count('data-action="') == 3
    assert f'data-action="{catalogue.public_id}"' in html
    assert reverse("action_detail", args=[catalogue.public_id]) in html


def test_stale_full_and_state_labels_are_shown(client, catalogue):
    html = html_of(client.get(SEARCH, {"q": "cybersecurite"}))
    assert "Non confirmée par l'organisme depuis plus de 30 jours" in html
    assert "Complet" in html
    html = html_of(client.get(SEARCH, {"q": "developpeur"}))
    assert "Inscriptions ouvertes" in html
    assert "Non confirmée" not in html


def test_registration_opening_later_is_announced(client, catalogue):
    opens = timezone.localdate() + timedelta(days=5)
    TrainingSessionFactory(action=ActionFactory(formation__title="Anglais"), registration_opens=opens)
    html = html_of(client.get(SEARCH, {"q": "anglais"}))
    assert f"Inscriptions à partir du {opens.day}" in html
    assert "Inscriptions fermées" not in html


def test_options_without_result_are_disabled_not_hidden(client, catalogue):
    html = html_of(client.get(SEARCH))
    assert re.search(r'value="anglais-pro" id="id_axe_anglais-pro" disabled', html)
    assert "Anglais professionnel 100 % à distance" in html
    assert re.search(r'value="hybride" id="id_axe_hybride">', html)


def test_a_typed_place_redirects_to_the_shareable_url(client, catalogue):
    response = client.get(SEARCH, {"q": "web", "lieu": "Créteil (94000)", "rayon": "10"})
    assert response.status_code == 302
    assert response.url == f"{SEARCH}?q=web&commune=94028&rayon=10"  # the criteria table's order
    html = html_of(client.get(response.url))
    assert 'value="Créteil (94000)"' in html
    assert "Autour de Créteil, dans un rayon de 10 km" in html


def test_a_live_update_pushes_the_shareable_url(client, catalogue):
    response = client.get(SEARCH, {"lieu": "94000"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Push-Url"] == f"{SEARCH}?commune=94028"


def test_an_ambiguous_place_offers_the_communes(client, catalogue):
    CommuneFactory(code="94080", name="Vincennes", postcodes="94300", latitude=48.85, longitude=2.44)
    CommuneFactory(code="94081", name="Vitry-sur-Seine", postcodes="94400", latitude=48.79, longitude=2.39)
    html = html_of(client.get(SEARCH, {"lieu": "vi"}))
    assert "Plusieurs communes correspondent : choisissez-en une dans la liste." in html
    assert "commune=94080" in html and "commune=94081" in html
    assert "3 formations trouvées" in html  # the other criteria still apply


def test_an_unknown_place_is_unknown_in_all_of_france(client, catalogue, settings):
    """Places are known nationwide: the message does not send people back to the portal's region."""
    settings.PORTAL_REGION_NAME = "Bretagne"
    html = html_of(client.get(SEARCH, {"lieu": "Atlantis"}))
    assert "Commune introuvable : vérifiez l&#x27;orthographe ou saisissez un code postal." in html
    assert "Bretagne" not in html.split("<main")[1].split("</main>")[0]


def test_bad_input_is_explained_in_french_and_the_rest_still_applies(client, catalogue):
    html = html_of(
        client.get(SEARCH, {"lieu": "Atlantis", "debut_min": "32/13/2027", "axe": ["hybride", "lune"], "q": "analyst"})
    )
    assert "Certains critères n'ont pas pu être appliqués" in html
    assert "Commune introuvable" in html
    assert "Saisissez une date valide, par exemple 15/03/2027 ou 2027-03-15." in html
    assert "Sélectionnez un choix valide. lune n\u2019en fait pas partie." in html
    assert 'href="#id_lieu"' in html and 'aria-invalid="true"' in html
    assert 'value="analyst"' in html  # nothing typed is lost
    assert "1 formation trouvée" in html


def test_an_inverted_period_is_refused(client, catalogue):
    start = timezone.localdate() + timedelta(days=60)
    html = html_of(
        client.get(SEARCH, {"debut_min": start.isoformat(), "debut_max": (start - timedelta(1)).isoformat()})
    )
    assert "La date de fin de la période doit suivre sa date de début." in html


def test_unknown_organisation_and_page(client, catalogue):
    html = html_of(client.get(SEARCH, {"organisme": "inconnu", "page": "0"}))
    assert "Cet organisme n&#x27;est pas dans le catalogue." in html
    assert "3 formations trouvées" in html


def test_organisation_filter_shows_a_removable_criterion(client, catalogue):
    organism = catalogue.formation.organism
    html = html_of(client.get(SEARCH, {"organisme": organism.slug}))
    assert "1 formation trouvée" in html
    assert f"Organisme : {organism.usual_name}" in html


def test_query_count_is_bounded(client, catalogue, creteil, django_assert_max_num_queries):
    for n in range(30):
        TrainingSessionFactory(action=ActionFactory(formation__title=f"Développeur {n}"))
    criteria = {"q": "developpeur", "commune": "94028", "tri": "distance"}  # a clean URL (others redirect to theirs)
    client.get(SEARCH, criteria | {"axe": "hybride"})  # builds the index after the writes above
    with django_assert_max_num_queries(12):
        html = html_of(client.get(SEARCH, criteria))
    assert "31 formations trouvées" in html


def test_a_page_shown_again_reads_only_the_index_s_changes(client, catalogue):
    """Its cards come from the cache (per version of what they show): one query, the change log (or token)."""
    criteria = {"axe": "hybride", "public": "demandeurs-emploi"}
    first = html_of(client.get(SEARCH, criteria))
    with CaptureQueriesContext(connection) as captured:
        again = html_of(client.get(SEARCH, criteria))
    queries = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(queries) == 1, queries
    assert again == first


def test_a_card_follows_what_it_shows(client, catalogue):
    """Cached cards change with their session, action, organisation, label, or the staleness of a session."""
    html_of(client.get(SEARCH))
    session = catalogue.sessions.get()
    TrainingSession.objects.filter(pk=session.pk).update(places_left=0)
    assert "Complet" in html_of(client.get(SEARCH, {"q": "developpeur"}))
    Organism.objects.filter(pk=catalogue.formation.organism_id).update(usual_name="Nouveau nom")
    assert "Nouveau nom" in html_of(client.get(SEARCH, {"q": "developpeur"}))
    ActionLabelFactory(action=catalogue, programme=ProgrammeFactory(name="Programme P"), granted=True)
    assert "Label Programme P" in html_of(client.get(SEARCH, {"q": "developpeur"}))
    # Staleness turns with time alone: the card's key says whether each session is stale now.
    TrainingSession.objects.filter(pk=session.pk).update(confirmed_at=timezone.now() - timedelta(days=30, seconds=-2))
    assert "Non confirmée" not in html_of(client.get(SEARCH, {"q": "developpeur"}))
    outcome = search(Query(q="developpeur"), today=timezone.localdate())
    now = timezone.now()
    hit = outcome.hits[0]
    assert card_key(hit, outcome, today=now.date(), now=now) != card_key(
        hit, outcome, today=now.date(), now=now + timedelta(seconds=3)
    )


def test_commune_suggestions(client, creteil):
    html = html_of(client.get(reverse("commune_suggestions"), {"lieu": "cré"}))
    assert '<option value="Créteil (94000)">' in html
    html = html_of(client.get(reverse("commune_suggestions"), {"lieu": "9421"}))
    assert '<option value="Saint-Maur-des-Fossés (94210)">' in html


def test_search_refuses_post(client):
    assert client.post(SEARCH).status_code == 405


# Detail page -----------------------------------------------------------------------------------------------


def test_detail_page(client, catalogue):
    TrainingSessionFactory(action=catalogue, past=True)
    upcoming = catalogue.sessions.get(end_date__gte=timezone.localdate())
    html = html_of(client.get(reverse("action_detail", args=[catalogue.public_id])))
    assert "<h1" in html and "Développeur web" in html
    assert html.count('class="session-card"') == 1  # the ended session is not shown
    assert reverse("session_ical", args=[catalogue.public_id, upcoming.public_id]) in html
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "Course"
    assert data["name"] == "Développeur web"
    assert data["hasCourseInstance"][0]["courseMode"] == "blended"
    assert data["hasCourseInstance"][0]["location"]["address"]["addressLocality"] == "Créteil"
    assert 'id="detail-map"' in html and "leaflet/leaflet.js" in html


@pytest.mark.parametrize("case", ["unpublished", "pending", "suspended", "unknown"])
def test_detail_page_of_a_non_public_action_is_404(client, case):
    organism = OrganismFactory(approval_state={"pending": "pending", "suspended": "suspended"}.get(case, "approved"))
    action = ActionFactory(is_published=case != "unpublished", formation__organism=organism)
    public_id = "inconnu123" if case == "unknown" else action.public_id
    assert client.get(reverse("action_detail", args=[public_id])).status_code == 404


def test_icalendar_file(client, catalogue):
    session = catalogue.sessions.get()
    response = client.get(reverse("session_ical", args=[catalogue.public_id, session.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert f"DTSTART;VALUE=DATE:{session.start_date:%Y%m%d}" in body
    assert f"DTEND;VALUE=DATE:{session.end_date + timedelta(days=1):%Y%m%d}" in body
    assert "SUMMARY:Développeur web" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_icalendar_only_for_a_dated_session_of_this_action(client, catalogue):
    undated = TrainingSessionFactory(action=catalogue, undated=True)
    other = TrainingSessionFactory()
    assert client.get(reverse("session_ical", args=[catalogue.public_id, undated.public_id])).status_code == 404
    assert client.get(reverse("session_ical", args=[catalogue.public_id, other.public_id])).status_code == 404


def test_map_of_the_results(client, catalogue):
    html = html_of(client.get(reverse("search_map")))
    markers = json.loads(re.search(r'<script id="map-markers" type="application/json">(.*?)</script>', html, re.S)[1])
    assert [m["title"] for m in markers] == ["Développeur web"]  # remote trainings have no place on the map
    assert markers[0]["url"] == reverse("action_detail", args=[catalogue.public_id])
    assert "Revenir à la liste des résultats" in html


def test_department_filter_on_the_page(client, catalogue):
    DepartmentFactory(code="77", name="Seine-et-Marne")
    html = html_of(client.get(SEARCH, {"departement": "77"}))
    assert "2 formations trouvées" in html  # the two remote ones


def test_links_keep_every_criterion(client, catalogue):
    """The map, paging and "remove" links carry the whole query (no doubled "?" eating the first parameter)."""
    for n in range(25):
        TrainingSessionFactory(action=ActionFactory(remote=True, formation__title=f"Data {n}"))
    html = html_of(client.get(SEARCH, {"axe": "distance", "public": "qpv", "sans_date": "on"}))
    assert "??" not in html
    html = html_of(client.get(SEARCH, {"axe": "distance", "modalite": "distance"}))
    assert "??" not in html
    assert 'href="/formations/carte/?axe=distance&amp;modalite=distance"' in html
    assert 'href="?axe=distance&amp;modalite=distance&amp;page=2#search-results"' in html  # keeps the reader there
