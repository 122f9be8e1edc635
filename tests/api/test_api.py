"""The read-only API: same filters and answers as the web search, OpenAPI schema, throttling, and a bounded
schemathesis run against the schema."""

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue.search.engine import Query, search
from tests.catalogue.factories import ActionAudienceFactory, ActionFactory, TrainingPlaceFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    place = TrainingPlaceFactory(action__blended=True, action__formation__title="Développeur web")
    ActionAudienceFactory(action=place.action, code="qpv")
    TrainingSessionFactory(action=place.action, is_remote=False, place=place)
    TrainingSessionFactory(action=place.action)
    for n in range(25):
        TrainingSessionFactory(action=ActionFactory(remote=True, formation__title=f"Data analyst {n}"))
    return place.action


def test_actions_with_the_web_search_s_filters_and_paging(client, catalogue):
    data = client.get(reverse("api_actions"), {"axe": "hybride", "public": "qpv"}).json()
    assert data["count"] == search(Query(axes=["hybride"], publics=["qpv"]), today=timezone.localdate()).total == 1
    assert data["results"][0]["id"] == catalogue.public_id
    everything = client.get(reverse("api_actions")).json()
    assert (everything["count"], everything["pages"], len(everything["results"])) == (26, 2, 20)
    assert everything["next"].endswith("page=2") and everything["previous"] is None
    second = client.get(everything["next"]).json()
    assert len(second["results"]) == 6 and second["next"] is None


def test_action_detail_and_sessions(client, catalogue):
    detail = client.get(reverse("api_action", args=[catalogue.public_id])).json()
    assert detail["publics"] == ["qpv"] and len(detail["sessions"]) == 2
    assert {s["a_distance"] for s in detail["sessions"]} == {True, False}
    sessions = client.get(reverse("api_sessions"), {"q": "developpeur"}).json()
    assert sessions["count"] == 2
    assert client.get(reverse("api_action", args=["inconnu123"])).status_code == 404


def test_invalid_criteria_are_a_400_in_french(client, catalogue):
    response = client.get(reverse("api_actions"), {"axe": "lune", "debut_min": "hier"})
    assert response.status_code == 400
    assert response.json()["axe"] == ["Sélectionnez un choix valide. lune n\u2019en fait pas partie."]
    assert "debut_min" in response.json()
    assert client.get(reverse("api_actions"), {"rayon": ""}).json() == {
        "rayon": ["Valeur vide : omettez ce paramètre pour ne pas filtrer."]
    }
    assert client.get(reverse("api_actions"), {"gratuit": "peut-être"}).status_code == 400


def test_anonymous_requests_are_throttled(client, catalogue, settings):
    settings.API_ANONYMOUS_RATE = "3/minute"
    statuses = [client.get(reverse("api_actions")).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_schema_and_documentation(client, catalogue):
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/actions/", "/api/v1/actions/{public_id}/", "/api/v1/sessions/"} <= set(schema["paths"])
    html = client.get(reverse("api_documentation")).content.decode()
    assert "GET /api/v1/actions/" in html and "<code>commune</code>" in html


def test_well_formed_references_that_match_nothing_give_no_result(client, catalogue):
    for criteria in (
        {"commune": "99999"},
        {"organisme": "inconnu"},
        {"label": "inconnu"},
        {"departement": "2A"},
        {"debut_min": "2027-05-01", "debut_max": "2027-01-01"},
    ):
        response = client.get(reverse("api_actions"), criteria)
        assert response.status_code == 200, criteria
        assert response.json()["count"] == 0, criteria


def test_a_forged_forwarded_for_header_does_not_escape_the_throttle(client, catalogue, settings):
    settings.API_ANONYMOUS_RATE = "2/minute"
    statuses = [
        client.get(reverse("api_actions"), headers={"X-Forwarded-For": f"10.0.0.{n}"}).status_code for n in range(4)
    ]
    assert statuses == [200, 200, 429, 429]
