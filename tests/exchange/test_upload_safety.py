"""Hostile uploads: a zip bomb, a file whose extension lies, too many rows, a slow file, an organisation not
approved, a body too large. Each is refused with a French message, and the site keeps answering."""

import io
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exchange.spreadsheet import HEADERS, MAX_ROWS, FileError, read_table, to_csv, to_xlsx
from exchange.upload_safety import MAX_MEMBER_BYTES, check_zip
from tests.catalogue.factories import ActionFactory, FormationFactory, TrainingPlaceFactory
from tests.exchange.uploads import upload_and_check
from tests.organisms.factories import MembershipFactory, OrganismFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db

ROW = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'


def bomb(rows: int = 2_000_000) -> bytes:
    """The portal's own template with its first sheet replaced by `rows` rows: a few hundred KB on the wire, over
    100 MB once inflated (the attack run's file held 2 million rows in 290 KB)."""
    template = zipfile.ZipFile(io.BytesIO(to_xlsx([])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for item in template.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(item, template.read(item.filename))
                continue
            with archive.open(item.filename, "w", force_zip64=True) as sheet:
                sheet.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/')
                sheet.write(b'spreadsheetml/2006/main"><sheetData>')
                block = ROW * 10_000
                for _ in range(rows // 10_000):
                    sheet.write(block)
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


@pytest.fixture(scope="module")
def zip_bomb():
    return bomb()


@pytest.fixture
def logged_in(client, member_a):
    client.force_login(member_a)
    return client


def upload(client, name, data):
    return upload_and_check(client, {"fichier": SimpleUploadedFile(name, data)})


def test_the_zip_bomb_is_small_and_would_inflate_far_beyond_the_limit(zip_bomb):
    archive = zipfile.ZipFile(io.BytesIO(zip_bomb))
    sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    assert len(zip_bomb) < 1_000_000 and sheet.file_size > 4 * MAX_MEMBER_BYTES


def test_a_zip_bomb_is_refused_in_under_two_seconds_and_the_site_keeps_answering(logged_in, zip_bomb):
    started = time.perf_counter()
    response = upload(logged_in, "sessions.xlsx", zip_bomb)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert "Ce classeur est refusé : une fois décompressé" in response.content.decode()
    assert elapsed < 2, f"{elapsed:.2f} s"
    assert logged_in.get(reverse("search"), {"q": "développeur"}).status_code == 200


def test_a_zip_bomb_named_csv_is_refused_too(logged_in, zip_bomb):
    html = upload(logged_in, "sessions.csv", zip_bomb).content.decode()
    assert "porte l&#x27;extension .csv mais contient une archive" in html


def test_an_xlsx_that_is_not_a_workbook_is_refused(logged_in):
    html = upload(logged_in, "sessions.xlsx", to_csv([])).content.decode()
    assert "porte l&#x27;extension .xlsx mais n&#x27;est pas un classeur XLSX" in html


def test_a_member_that_lies_about_its_size_stops_at_its_declared_size():
    """zipfile never inflates beyond the declared size: a forged small size makes the file unreadable, not big."""
    data = bytearray(bomb(rows=200_000))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    # Rewrite the uncompressed size, wherever it is written (zip64 field of the local header, central directory),
    # to a small value.
    forged = bytes(data)
    for width in (8, 4):
        assert sheet.file_size.to_bytes(width, "little") in forged
        forged = forged.replace(sheet.file_size.to_bytes(width, "little"), (1000).to_bytes(width, "little"))
    assert zipfile.ZipFile(io.BytesIO(forged)).getinfo("xl/worksheets/sheet1.xml").file_size == 1000
    check_zip(forged)  # the declared sizes pass the check...
    started = time.perf_counter()
    with pytest.raises(FileError):  # ...and reading stops at 1,000 bytes: the sheet is then unreadable
        read_table(forged, "sessions.xlsx")
    assert time.perf_counter() - started < 2


@pytest.fixture
def action(organism_a):
    action = ActionFactory(formation=FormationFactory(organism=organism_a))
    TrainingPlaceFactory(action=action)
    TrainingSessionFactory(action=action)
    return action


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_one_row_over_the_limit_is_refused_without_reading_further(logged_in, action, fmt):
    row = ["", action.public_id, "", "", "", "", "", "ouvert", "non", "", "", "oui", "", "oui"]
    rows = [row] * (MAX_ROWS + 1)
    data = to_csv(rows) if fmt == "csv" else to_xlsx(rows)
    html = upload(logged_in, f"sessions.{fmt}", data).content.decode()
    assert f"Plus de {MAX_ROWS} lignes : {MAX_ROWS} au plus par fichier." in html
    html = upload(logged_in, f"sessions.{fmt}", (to_csv if fmt == "csv" else to_xlsx)(rows[:MAX_ROWS])).content
    assert "5000 sessions à créer" in html.decode()


def test_reading_stops_when_the_time_budget_is_spent(logged_in, action, settings):
    settings.SPREADSHEET_READ_SECONDS = 0
    html = upload(logged_in, "sessions.csv", to_csv([])).content.decode()
    assert "La lecture de ce fichier dépasse 0 secondes" in html
    assert HEADERS


@pytest.mark.parametrize("state", ["pending", "suspended"])
@pytest.mark.parametrize("name", ["backoffice:sessions_upload", "backoffice:import_lheo"])
def test_only_approved_organisations_upload(client, state, name):
    member = MembershipFactory(organism=OrganismFactory(**{state: True})).user
    client.force_login(member)
    for response in (
        client.get(reverse(name)),
        client.post(reverse(name), {"fichier": SimpleUploadedFile("a.csv", b"x")}),
    ):
        assert response.status_code == 403
        assert "validés par la Région" in response.content.decode()


def test_a_body_over_the_cap_is_refused_before_it_is_read(logged_in, settings):
    settings.REQUEST_MAX_BYTES = 1000
    response = logged_in.generic(
        "POST", reverse("backoffice:sessions_upload"), b"x" * 10, CONTENT_TYPE="text/plain", CONTENT_LENGTH="200000000"
    )
    assert response.status_code == 413
    assert "Envoi trop volumineux : 200 Mo" in response.content.decode()
