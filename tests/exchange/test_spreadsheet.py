import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from exchange.spreadsheet import HEADERS, upload_sessions
from sessions.models import TrainingSession
from tests.catalogue.factories import ActionFactory, FormationFactory, TrainingPlaceFactory
from tests.exchange.uploads import confirm_upload, upload_and_check
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(organism_a):
    action = ActionFactory(formation=FormationFactory(organism=organism_a, title="Développeur web"))
    place = TrainingPlaceFactory(action=action)
    TrainingSessionFactory(action=action, is_remote=False, place=place, rolling_entry=True)
    TrainingSessionFactory(action=action, undated=True)
    TrainingSessionFactory(action=action, registration_opens=timezone.localdate(), capacity=15, places_left=0)
    return action


@pytest.fixture
def logged_in(client, member_a):
    client.force_login(member_a)
    return client


def download(client, kind, fmt) -> bytes:
    return client.get(reverse("backoffice:sessions_spreadsheet", args=[kind, fmt])).content


def upload(client, name, data, **extra):
    return upload_and_check(client, {"fichier": SimpleUploadedFile(name, data)} | extra)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_current_sessions_upload_back_unchanged(logged_in, records, fmt):
    data = download(logged_in, "sessions", fmt)
    before = list(TrainingSession.objects.order_by("pk").values())
    html = upload(logged_in, f"sessions.{fmt}", data).content.decode()
    assert "Aperçu : 0 session à créer, 0 à modifier, 3 inchangées" in html
    confirm_upload(logged_in)
    assert list(TrainingSession.objects.order_by("pk").values()) == before
    assert not AuditEntry.objects.exists()


def test_template_then_new_and_changed_sessions(logged_in, records, member_a):
    start = timezone.localdate() + timedelta(days=40)
    rows = list(csv.reader(io.StringIO(download(logged_in, "sessions", "csv").decode("utf-8-sig")), delimiter=";"))
    rows[1][10] = "2"  # places left of the first session
    rows.append(
        [
            "",
            records.public_id,
            "",
            start.strftime("%d/%m/%Y"),
            "",
            "",
            "",
            "ouvert",
            "non",
            "12",
            "12",
            "oui",
            "",
            "oui",
        ]
    )
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    html = upload(logged_in, "sessions.csv", buffer.getvalue().encode()).content.decode()
    assert "Aperçu : 1 session à créer, 1 à modifier, 2 inchangées" in html
    confirm_upload(logged_in)
    assert TrainingSession.objects.filter(start_date=start, capacity=12, is_remote=True).exists()
    assert TrainingSession.objects.get(public_id=rows[1][0]).places_left == 2
    assert AuditEntry.objects.filter(actor=member_a).count() == 2
    template = download(logged_in, "modele", "csv").decode("utf-8-sig")
    assert template.strip() == ";".join(HEADERS)


def test_errors_on_several_rows_are_all_reported_and_nothing_is_written(logged_in, records, organism_a):
    rows = [
        HEADERS,
        ["", records.public_id, "", "31/02/2027", "", "", "", "ouvert", "non", "", "", "oui", "", "oui"],
        ["", "inconnue", "", "01/03/2027", "01/02/2027", "", "", "peut-être", "non", "10", "12", "oui", "", "oui"],
        ["", records.public_id, "", "01/03/2027", "", "", "", "ouvert", "non", "", "", "non", "Rue inconnue", "oui"],
    ]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    report = upload_sessions(buffer.getvalue().encode(), "s.csv", organism=organism_a, by=None, commit=True)
    messages = [str(error) for error in report.errors]
    assert messages[0] == "ligne 2, colonne « date de début » : Le 31/02/2027 n'existe pas."
    assert any(m.startswith("ligne 3, colonne « identifiant action »") for m in messages)
    assert any(m.startswith("ligne 3, colonne « date de fin »") for m in messages)
    assert any(m.startswith("ligne 3, colonne « état du recrutement »") for m in messages)
    assert any(m.startswith("ligne 3, colonne « places restantes »") for m in messages)
    assert any(m.startswith("ligne 4, colonne « lieu »") for m in messages)
    assert not report.written and TrainingSession.objects.count() == 3


def test_wrong_encoding_or_delimiter_is_explained(logged_in, records):
    utf16 = ";".join(HEADERS).encode("utf-16")
    html = upload(logged_in, "sessions.csv", utf16).content.decode()
    assert "Encodage non reconnu" in html
    pipes = "|".join(HEADERS).encode("utf-8")
    html = upload(logged_in, "sessions.csv", pipes).content.decode()
    assert "Séparateur non reconnu" in html
    rows = list(csv.reader(io.StringIO(download(logged_in, "sessions", "csv").decode("utf-8-sig")), delimiter=";"))
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=",").writerows(rows)  # a comma-separated file, quoted where needed
    commas = buffer.getvalue().encode()
    assert (
        "Aperçu : 0 session à créer, 0 à modifier, 3 inchangées" in upload(logged_in, "s.csv", commas).content.decode()
    )
    html = upload(logged_in, "sessions.csv", b"nom;prenom\nA;B").content.decode()
    assert "La première ligne doit reprendre les colonnes du modèle" in html


def test_excel_french_csv_in_windows_1252_is_read(logged_in, records, organism_a):
    data = download(logged_in, "sessions", "csv").decode("utf-8-sig").encode("cp1252")
    report = upload_sessions(data, "s.csv", organism=organism_a, by=None, commit=False)
    assert report.ok and report.unchanged == 3


def test_a_preview_replaces_the_previous_file(logged_in, records, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    data = download(logged_in, "sessions", "csv")
    upload(logged_in, "a.csv", data)
    upload(logged_in, "b.csv", data)
    assert len(list((tmp_path / "imports").iterdir())) == 1
