"""The LHÉO 2.3 export validates against the official schema (../shared/lheo/lheo-2.3.xsd, always there in CI)."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from accounts.models import User
from catalogue.models import Programme
from exchange.lheo_export import NAMESPACE, ExportReport, ExportScope, export_lheo
from organisms.models import Membership, Organism
from sessions.models import TrainingSession

XSD = Path(__file__).resolve().parents[2].parent / "shared" / "lheo" / "lheo-2.3.xsd"
NS = {"l": NAMESPACE}
needs_schema = pytest.mark.skipif(not XSD.exists(), reason="../shared/lheo is absent (CI always has it)")


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(XSD))) if XSD.exists() else None


@pytest.fixture
def catalogue(demo_catalogue):
    """The demo catalogue shared by the test session (tests/conftest.py), each test's changes rolled back."""
    return demo_catalogue


def export(scope=None) -> tuple[bytes, ExportReport]:
    report = ExportReport()
    xml = "".join(export_lheo(scope or ExportScope(), today=timezone.localdate(), report=report)).encode()
    return xml, report


@needs_schema
@pytest.mark.django_db
def test_the_demo_catalogue_export_is_valid(catalogue, schema):
    xml, report = export()
    document = etree.fromstring(xml)
    assert schema.validate(document), "\n".join(f"{e.line} {e.path}: {e.message}" for e in schema.error_log)
    assert report.sessions == len(document.findall(".//l:session", NS)) > 100
    public = TrainingSession.objects.public().filter(end_date__gte=timezone.localdate()).count()
    assert report.sessions >= public  # every public session that has not ended (and the undated ones)
    numbers = [a.get("numero") for a in document.findall(".//l:action", NS)]
    assert len(numbers) == len(set(numbers))


@needs_schema
@pytest.mark.django_db
def test_portal_data_travel_in_extras(catalogue, schema):
    xml, _ = export(ExportScope(programme=Programme.objects.get(slug="deuxieme-chance-numerique-idf")))
    document = etree.fromstring(xml)
    assert schema.validate(document)
    actions = document.findall(".//l:action", NS)
    assert actions
    for action in actions:
        infos = {e.get("info") for e in action.findall("l:extras/l:extra", NS)}
        assert {"axe", "label", "identifiant-public"} <= infos
    codes = {e.text for e in document.findall(".//l:code-public-vise", NS)}
    assert not codes & {"neet", "qpv", "zrr"}  # LHÉO codes only; the portal's own go in extras


@needs_schema
@pytest.mark.django_db
def test_one_organisation_and_one_department(catalogue, schema):
    organism = Organism.objects.approved().order_by("pk").first()
    xml, report = export(ExportScope(organism=organism))
    assert schema.validate(etree.fromstring(xml))
    assert report.organisms == {organism.pk}
    xml, _ = export(ExportScope(department_code="93"))
    document = etree.fromstring(xml)
    assert schema.validate(document)
    departments = {e.text for e in document.findall(".//l:lieu-de-formation//l:departement", NS)}
    assert departments  # sessions in Seine-Saint-Denis bring their actions' places


@pytest.mark.django_db
def test_command_and_downloads(catalogue, client, tmp_path, capsys):
    target = tmp_path / "lheo.xml"
    call_command("export_lheo", "-o", str(target), "--programme", "grande-ecole-du-numerique")
    assert target.read_text(encoding="utf-8").startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert "Export LHÉO 2.3 :" in capsys.readouterr().err

    member = User.objects.get(email="organisme-a@demo.catalogue.test")
    client.force_login(member)
    response = client.get(reverse("backoffice:export_lheo"))
    body = b"".join(response.streaming_content)
    organism = member.memberships.get().organism
    document = etree.parse(io.BytesIO(body))
    sirets = {e.text for e in document.findall(".//l:SIRET-organisme-formation/l:SIRET", NS)}
    assert sirets == {organism.siret}


@pytest.mark.django_db
def test_nothing_to_export_is_said_not_written_as_an_invalid_file(client):
    organism = Organism.objects.create(
        siret="73282932000074", nda="11755555575", slug="vide", usual_name="Vide", legal_name="Vide SAS"
    )
    user = User.objects.create_user(email="vide@example.org", kind="organism_member")
    Membership.objects.create(user=user, organism=organism, role="admin")
    client.force_login(user)
    response = client.get(reverse("backoffice:export_lheo"))
    assert response.status_code == 404
    assert "Aucune offre publiée à exporter" in response.content.decode()

    with pytest.raises(CommandError, match="Aucune offre publiée"):
        call_command("export_lheo", "--organisme", "vide")
