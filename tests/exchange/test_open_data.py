import csv
import io
import json

import pytest
from django.urls import reverse

from exchange.open_data import COLUMNS
from tests.catalogue.factories import ActionAudienceFactory, ActionFactory, TrainingPlaceFactory
from tests.organisms.factories import OrganismFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    place = TrainingPlaceFactory(action__blended=True, action__formation__title="Développeur web ; option « data »")
    ActionAudienceFactory(action=place.action, code="qpv")
    TrainingSessionFactory(action=place.action, is_remote=False, place=place)
    TrainingSessionFactory(action=place.action, past=True)  # ended: not in the files
    TrainingSessionFactory(action=ActionFactory(formation__organism=OrganismFactory(pending=True)))  # not public
    return place.action


def test_csv_has_the_documented_columns_and_only_current_public_sessions(client, catalogue):
    response = client.get(reverse("open_data_file", args=["csv"]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert list(rows[0]) == [name for name, _ in COLUMNS]
    assert len(rows) == 1
    assert rows[0]["intitule"] == "Développeur web ; option « data »"
    assert rows[0]["axe"] == "hybride" and rows[0]["publics"] == "qpv" and rows[0]["code_insee"] == "94028"


def test_json_carries_the_licence(client, catalogue):
    response = client.get(reverse("open_data_file", args=["json"]))
    data = json.loads(b"".join(response.streaming_content))
    assert data["licence"].startswith("Licence Ouverte")
    assert [s["action"] for s in data["sessions"]] == [catalogue.public_id]


def test_the_page_documents_every_column(client):
    html = client.get(reverse("open_data")).content.decode()
    assert "Licence Ouverte" in html
    for name, description in COLUMNS:
        assert f"<code>{name}</code>" in html
        assert description.replace("'", "&#x27;") in html or description in html


@pytest.mark.parametrize("fmt", ["pdf", "xml", "html", "CSV"])
def test_only_csv_and_json_are_published(client, catalogue, fmt):
    response = client.get(reverse("open_data_file", args=[fmt]))
    assert response.status_code == 404
