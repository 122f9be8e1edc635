import csv
import math
from pathlib import Path

import pytest
from django.core.management import call_command

from catalogue.models import Commune, Department, RomeCode
from catalogue.reference_data import load_reference_data

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

pytestmark = pytest.mark.django_db


def distance_km(lat1, lon1, lat2, lon2):
    """Great-circle distance (haversine) on a 6,371 km sphere."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(a))


@pytest.fixture
def loaded(reference_data):
    """The reference data loaded once for the test session (tests/conftest.py): the report of that first load."""
    return reference_data


def test_counts(loaded):
    assert (loaded.departments, loaded.communes, loaded.arrondissements) == (8, 1266, 20)
    assert Department.objects.count() == 8
    assert Commune.objects.filter(kind=Commune.Kind.COMMUNE).count() == 1266
    assert Commune.objects.filter(kind=Commune.Kind.ARRONDISSEMENT).count() == 20
    assert RomeCode.objects.count() == loaded.rome_codes == 1584
    assert not Commune.objects.filter(postcodes="").exists()


def test_idempotent(loaded):
    assert loaded.created == loaded.departments + loaded.communes + loaded.arrondissements + loaded.rome_codes
    assert loaded.updated == 0
    again = load_reference_data(region_code="11")
    assert (again.created, again.updated) == (0, 0)
    assert Commune.objects.count() == 1286


def test_paris_and_its_arrondissements(loaded):
    paris = Commune.objects.get(code="75056")
    assert paris.arrondissements.count() == 20
    fifteenth = Commune.objects.get(code="75115")
    assert fifteenth.parent == paris
    assert fifteenth.postcode_list == ["75015"]
    assert "75116" in paris.postcode_list
    assert RomeCode.objects.get(code="M1855").label


def test_command_prints_a_summary(loaded, capsys):
    call_command("load_reference_data")
    out = capsys.readouterr().out
    assert "8 départements, 1266 communes, 20 arrondissements, 1584 codes ROME (0 créés, 0 mis à jour)" in out


def test_unknown_region_is_refused():
    with pytest.raises(ValueError, match="Région inconnue : 99"):
        load_reference_data(region_code="99")


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is absent (CI always has it)")
def test_cross_check_with_shared_reference_tables(loaded):
    """Same commune codes as shared/data, every centre within 2 km, same ROME codes."""
    with (SHARED_DATA / "communes_idf.csv").open(encoding="utf-8") as handle:
        reference = {row["insee"]: row for row in csv.DictReader(handle)}
    ours = {c.code: c for c in Commune.objects.all()}
    assert set(ours) == set(reference)
    far = {
        code: round(
            distance_km(c.latitude, c.longitude, float(reference[code]["lat"]), float(reference[code]["lon"])), 1
        )
        for code, c in ours.items()
        if distance_km(c.latitude, c.longitude, float(reference[code]["lat"]), float(reference[code]["lon"])) > 2
    }
    assert far == {}
    assert {c.name for c in ours.values()} == {row["name"] for row in reference.values()}
    with (SHARED_DATA / "departements_idf.csv").open(encoding="utf-8") as handle:
        departments = {row["code"]: row["name"] for row in csv.DictReader(handle)}
    assert dict(Department.objects.values_list("code", "name")) == departments
    with (SHARED_DATA / "rome4_fiches.csv").open(encoding="utf-8") as handle:
        rome = {row["code_rome"] for row in csv.DictReader(handle)}
    assert set(RomeCode.objects.values_list("code", flat=True)) == rome
