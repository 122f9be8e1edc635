"""LHÉO import: every problem reported with its line and path, nothing written on error, hostile XML refused,
a re-import changes nothing, and export then import into an empty database gives the same catalogue."""

import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Action, Formation
from core.models import Job
from exchange.lheo_export import ExportScope, export_lheo
from exchange.lheo_import import ORGANISATION_POLICY, import_lheo
from organisms.models import Organism
from sessions.models import TrainingSession
from tests.catalogue.factories import (
    ActionAudienceFactory,
    ActionFactory,
    ActionFunderFactory,
    CommuneFactory,
    FormationFactory,
    TrainingPlaceFactory,
)
from tests.organisms.factories import MembershipFactory, OrganismFactory
from tests.sessions.factories import TrainingSessionFactory

XSD = Path(__file__).resolve().parents[2].parent / "shared" / "lheo" / "lheo-2.3.xsd"
needs_schema = pytest.mark.skipif(not XSD.exists(), reason="../shared/lheo is absent (CI always has it)")
pytestmark = pytest.mark.django_db


def build_catalogue():
    creteil = CommuneFactory()
    organism = OrganismFactory(
        usual_name="Atelier numérique", street="1 rue Pasteur", postcode="94000", commune=creteil
    )
    for n in range(3):
        action = ActionFactory(
            formation=FormationFactory(organism=organism, title=f"Formation {n}", external_id=f"F-{n}"),
            external_id=f"A-{n}",
            blended=n == 1,
            price="1200.00",
        )
        ActionAudienceFactory(action=action, code="qpv")
        ActionFunderFactory(action=action, code="2", funded_places=8)
        place = TrainingPlaceFactory(action=action, commune=creteil)
        TrainingSessionFactory(action=action, external_id=f"S-{n}-1")
        TrainingSessionFactory(action=action, external_id=f"S-{n}-2", is_remote=False, place=place, places_left=2)
    return organism


def exported() -> str:
    return "".join(export_lheo(ExportScope(), today=timezone.localdate()))


def fingerprint():
    return (
        sorted(Organism.objects.values_list("siret", "usual_name")),
        sorted(Action.objects.values_list("public_id", "external_id", "axis", "teaching_mode", "price", "hours_total")),
        sorted(
            TrainingSession.objects.filter(is_published=True).values_list(
                "public_id", "start_date", "end_date", "places_left", "capacity", "is_remote", "recruitment_state"
            )
        ),
        sorted(Action.objects.values_list("audiences__code", flat=True)),
    )


def empty_catalogue():
    TrainingSession.objects.all().delete()
    Action.objects.all().delete()
    Formation.objects.all().delete()
    Organism.objects.all().delete()


@needs_schema
def test_export_then_import_into_an_empty_database_gives_the_same_catalogue():
    build_catalogue()
    before = fingerprint()
    xml = exported()
    empty_catalogue()
    report = import_lheo(xml.encode(), commit=True)
    assert report.ok and report.written and report.schema_checked, [str(p) for p in report.problems]
    assert report.counts["sessions"].created == 6
    assert fingerprint()[:2] == (before[0], before[1])
    assert fingerprint()[2:] == before[2:]
    assert Organism.objects.get().approval_state == "pending"  # a new organisation waits for the Region


@needs_schema
def test_a_re_import_changes_nothing():
    build_catalogue()
    xml = exported()
    report = import_lheo(xml.encode(), commit=True)
    counts = report.counts
    assert (counts["actions"].created, counts["actions"].updated, counts["actions"].unchanged) == (0, 0, 3)
    assert (counts["sessions"].created, counts["sessions"].updated, counts["sessions"].archived) == (0, 0, 0)


@needs_schema
def test_a_valid_2_2_file_is_read():
    build_catalogue()
    xml = exported().replace("http://lheo.gouv.fr/2.3", "http://www.lheo.org/2.2")
    empty_catalogue()
    report = import_lheo(xml.encode(), commit=True)
    assert report.version == "2.2" and report.ok and report.written
    assert TrainingSession.objects.count() == 6


def test_changes_are_counted_and_missing_sessions_archived():
    organism = build_catalogue()
    xml = exported()
    xml = re.sub(r'(<session numero="S-0-1">.*?</session>)', "", xml, flags=re.S)
    xml = xml.replace(
        "<intitule-formation>Formation 2</intitule-formation>",
        "<intitule-formation>Formation deux</intitule-formation>",
    )
    report = import_lheo(xml.encode(), organism=organism)  # a preview
    assert report.counts["formations"].updated == 1
    assert report.counts["sessions"].archived == 1
    assert not report.written
    assert Formation.objects.filter(title="Formation 2").exists()  # nothing written by a preview
    report = import_lheo(xml.encode(), commit=True, organism=organism)
    assert report.written
    assert not TrainingSession.objects.get(external_id="S-0-1").is_published
    assert Formation.objects.filter(title="Formation deux").exists()


@needs_schema
def test_three_schema_errors_are_all_reported_and_nothing_is_written():
    build_catalogue()
    head, *formations = exported().split("<formation ")
    formations[0] = formations[0].replace("<certifiante>0</certifiante>", "<certifiante>peut-être</certifiante>", 1)
    formations[1] = formations[1].replace("<modalites-enseignement>", "<element-inconnu/><modalites-enseignement>", 1)
    formations[2] = re.sub(r"<debut>\d{8}</debut>", "<debut>2027-01-15</debut>", formations[2], count=1)
    xml = "<formation ".join([head, *formations]).replace("Formation 0", "Formation zéro")
    report = import_lheo(xml.encode(), commit=True)
    assert len(report.problems) == 3, [str(p) for p in report.problems]
    assert all(problem.line and problem.path.startswith("/lheo/offres/formation[") for problem in report.problems)
    assert [p.path.split("/")[3] for p in report.problems] == ["formation[1]", "formation[2]", "formation[3]"]
    assert report.problems[0].path == "/lheo/offres/formation[1]/certifiante"
    assert not report.written
    assert Formation.objects.filter(title="Formation 0").exists()


def test_business_rules_are_checked_too():
    organism = build_catalogue()
    xml = exported().replace(
        '<session numero="S-1-1"><periode><debut>', '<session numero="S-1-1"><periode><debut>2099', 1
    )
    xml = re.sub(r'(<session numero="S-1-1"><periode><debut>)2099(\d{8})', r"\g<1>20991231", xml)
    xml = re.sub(r'(<session numero="S-1-1"><periode><debut>20991231</debut><fin>)\d{8}', r"\g<1>20990101", xml)
    report = import_lheo(xml.encode(), commit=True, organism=organism)
    assert [p.message for p in report.problems] == ["La date de fin doit être postérieure ou égale à la date de début."]
    assert report.problems[0].line and "session" in report.problems[0].path
    other = OrganismFactory()
    report = import_lheo(exported().encode(), commit=True, organism=other)
    assert "pas le vôtre" in report.problems[0].message


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE lheo [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<lheo xmlns="http://lheo.gouv.fr/2.3"><offres><formation><intitule-formation>&secret;</intitule-formation></formation></offres></lheo>"""
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<lheo xmlns="http://lheo.gouv.fr/2.3">&lol3;</lheo>"""


@pytest.mark.parametrize("payload", [XXE, BOMB], ids=["xxe", "entity-bomb"])
def test_hostile_xml_is_refused_and_nothing_written(payload):
    report = import_lheo(payload, commit=True)
    assert report.problems[0].message.startswith("Les déclarations DOCTYPE et ENTITY sont refusées")
    assert not report.written and not Formation.objects.exists()


def test_oversized_and_malformed_files(settings):
    settings.LHEO_IMPORT_MAX_BYTES = 100
    assert "Fichier trop volumineux" in import_lheo(b"<lheo>" + b" " * 200 + b"</lheo>").problems[0].message
    settings.LHEO_IMPORT_MAX_BYTES = 10_000
    problem = import_lheo(b'<?xml version="1.0"?>\n<lheo xmlns="http://lheo.gouv.fr/2.3">\n<offres>').problems[0]
    assert problem.message.startswith("XML mal formé") and problem.line
    assert "Ce n'est pas un document LHÉO" in import_lheo(b"<catalogue/>").problems[0].message


def test_command_is_a_dry_run_unless_commit(tmp_path, capsys):
    build_catalogue()
    path = tmp_path / "flux.xml"
    path.write_text(exported(), encoding="utf-8")
    empty_catalogue()
    call_command("import_lheo", str(path))
    assert "simulation, rien n'est écrit" in capsys.readouterr().out
    assert not Formation.objects.exists()
    call_command("import_lheo", str(path), "--commit")
    assert Formation.objects.count() == 3
    path.write_bytes(XXE)
    with pytest.raises(CommandError, match="rien n'est écrit"):
        call_command("import_lheo", str(path), "--commit")


def test_an_organisation_uploads_previews_then_confirms(client, settings, tmp_path, django_capture_on_commit_callbacks):
    """The upload is checked by a task (run at once here, by the immediate backend), the preview read on the job's
    page, the write confirmed there and run by another task; a refused file says why on the same page."""
    settings.MEDIA_ROOT, settings.JOB_EMAIL_AFTER_SECONDS = str(tmp_path), 0
    organism = build_catalogue()
    client.force_login(MembershipFactory(organism=organism).user)
    xml = exported().replace(
        "<intitule-formation>Formation 2</intitule-formation>",
        "<intitule-formation>Formation deux</intitule-formation>",
    )
    url = reverse("backoffice:import_lheo")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"fichier": SimpleUploadedFile("offre.xml", xml.encode(), "application/xml")})
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("backoffice:job", args=[job.pk])
    html = client.get(response.url).content.decode()
    assert "Aperçu : voici ce que l'import changerait" in html
    assert not Formation.objects.filter(title="Formation deux").exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("backoffice:job_confirm", args=[job.pk]))
    assert response.status_code == 302
    assert Formation.objects.filter(title="Formation deux").exists()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.result["written"] and job.result["run_id"]
    assert "Import terminé : votre offre est à jour" in client.get(response.url).content.decode()
    [told] = mail.outbox  # longer than JOB_EMAIL_AFTER_SECONDS (0 here): its author is emailed the report
    assert told.to == [job.user.email] and told.subject.endswith("Votre import LHÉO « offre.xml » : terminé")
    assert reverse("backoffice:job", args=[job.pk]) in told.body and "formations : 0 créé(s), 1 modifié(s)" in told.body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"fichier": SimpleUploadedFile("bombe.xml", BOMB, "application/xml")})
    html = client.get(response.url).content.decode()
    assert "Le fichier est refusé : 1 problème, rien n'est écrit" in html


def test_a_broken_invariant_is_reported_at_its_element_in_french():
    build_catalogue()
    xml = exported()
    # "hybride" axis on an action taught fully on site: the database's constraint refuses it.
    xml = xml.replace('<extra info="axe">hybride</extra>', '<extra info="axe">hybride</extra>', 1)
    xml = re.sub(
        r"(<action numero=\"A-1\">.*?<modalites-enseignement>)1(</modalites-enseignement>)",
        r"\g<1>0\g<2>",
        xml,
        flags=re.S,
    )
    empty_catalogue()
    report = import_lheo(xml.encode(), commit=True, policy=ORGANISATION_POLICY)  # all or nothing
    assert not report.written and not Formation.objects.exists()
    assert [p.message for p in report.problems] == ["L'axe « formation hybride » suppose une modalité mixte."]
    assert report.problems[0].path == "/lheo/offres/formation[2]/action" and report.problems[0].line
    assert (report.problems[0].record, report.problems[0].numero) == ("action", "A-1")
    report = import_lheo(xml.encode(), commit=True)  # a feed: the other records are written
    assert report.written and [p.message for p in report.problems] == [
        "L'axe « formation hybride » suppose une modalité mixte."
    ]
    assert sorted(Action.objects.values_list("external_id", flat=True)) == ["A-0", "A-2"]
    assert report.counts["actions"].rejected == 1 and report.sessions_rejected == 2


def test_malformed_values_are_problems_not_server_errors():
    build_catalogue()
    xml = exported()
    cases = {
        "a superscript digit": xml.replace('<extra info="places">12</extra>', '<extra info="places">²</extra>', 1),
        "unreadable coordinates": re.sub(r"<latitude>[^<]+</latitude>", "<latitude>abc</latitude>", xml, count=1),
        "no responsible organisation": re.sub(
            r"<organisme-formation-responsable>.*?</organisme-formation-responsable>", "", xml, count=1, flags=re.S
        ),
    }
    for name, variant in cases.items():
        report = import_lheo(variant.encode(), commit=True, organism=None)
        assert not report.written and report.problems, name
        assert report.problems[0].line, name


def test_utf16_files_are_refused_before_parsing():
    report = import_lheo(XXE.decode().encode("utf-16"), commit=True)
    assert report.problems[0].message == "Encodage non pris en charge : enregistrez le fichier en UTF-8."


UTF7 = b"""<?xml version="1.0" encoding="UTF-7"?>
<lheo xmlns="http://lheo.gouv.fr/2.3"><offres><formation numero="1"/></offres></lheo>"""
UTF7_MESSAGE = "Encodage déclaré « UTF-7 » refusé : un fichier LHÉO est en UTF-8 ou en ISO-8859-1."


def foreign_element_file() -> bytes:
    """A valid export with an element from another namespace inside a session: the schema refuses it."""
    build_catalogue()
    xml = exported().replace(
        '<session numero="S-2-1">', '<session numero="S-2-1"><x:note xmlns:x="urn:autre">?</x:note>', 1
    )
    return xml.encode()


@needs_schema
@pytest.mark.parametrize("declared", ["UTF-7", "utf-16", "EBCDIC-FR", "windows-1252"])
def test_declared_encodings_other_than_lheo_s_are_refused(declared):
    data = UTF7.replace(b"UTF-7", declared.encode())
    report = import_lheo(data, commit=True)
    assert not report.ok and report.problems[0].message.startswith(f"Encodage déclaré « {declared} » refusé")


@needs_schema
def test_hostile_encodings_and_foreign_elements_through_the_command(tmp_path, capsys, settings):
    settings.LHEO_XSD_PATH = str(XSD)
    path = tmp_path / "flux.xml"
    path.write_bytes(UTF7)
    with pytest.raises(CommandError, match="rien n'est écrit"):
        call_command("import_lheo", str(path), "--commit")
    assert UTF7_MESSAGE in capsys.readouterr().out
    path.write_bytes(foreign_element_file())
    call_command("import_lheo", str(path), "--max-rejected", "20")  # one session of six refused: the rest previewed
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "urn:autre" in line)
    assert re.match(r"\s+ligne \d+, /lheo/offres/formation\[3\]/action/session\[1\]/note \(session S-2-1\) : ", line)


@needs_schema
def test_hostile_encodings_and_foreign_elements_through_the_upload_page(
    client, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT, settings.LHEO_XSD_PATH = str(tmp_path), str(XSD)
    data = foreign_element_file()
    organism = Organism.objects.get()
    client.force_login(MembershipFactory(organism=organism).user)
    url = reverse("backoffice:import_lheo")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"fichier": SimpleUploadedFile("offre.xml", UTF7, "application/xml")})
    html = client.get(response.url).content.decode()
    assert UTF7_MESSAGE.replace("'", "&#x27;") in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"fichier": SimpleUploadedFile("offre.xml", data, "application/xml")})
    html = client.get(response.url).content.decode()
    assert "Le fichier est refusé : 1 problème, rien n'est écrit" in html
    assert re.search(r"Ligne \d+, <code>/lheo/offres/formation\[3\]/action/session\[1\]/note</code>", html)


@needs_schema
def test_export_then_import_then_export_gives_the_same_file():
    """docs/lheo-mapping.md both ways: what the export writes, the import reads back, and exports alike."""
    organism = build_catalogue()
    action = Action.objects.get(external_id="A-1")
    action.website = "https://atelier.example.org/formations/a1"
    action.cpf_eligible, action.free_for_jobseekers = True, True
    action.save()
    formation = action.formation
    formation.website, formation.contact_name, formation.contact_email = (
        "https://atelier.example.org/f1",
        "Accueil",
        "accueil@atelier.example.org",
    )
    formation.save()
    TrainingSession.objects.filter(external_id="S-1-1").update(
        rolling_entry=True, registration_opens=timezone.localdate(), recruitment_state=3
    )
    first = exported()
    empty_catalogue()
    report = import_lheo(first.encode(), commit=True)
    assert report.written and not report.problems, [str(p) for p in report.problems]
    Organism.objects.update(approval_state=organism.approval_state)  # the Region approves the new organisation
    assert exported() == first
