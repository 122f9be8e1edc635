"""Real feeds, as Carif-Oref and national bodies write them (samples written for these tests, tests/exchange/samples.py):
standard LHÉO elements read without portal extras, places across France, record-level import with a threshold,
archiving by source, a second import that changes nothing."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from catalogue.models import Action, Formation, TrainingPlace
from catalogue.search.engine import Query, search
from core.models import AuditEntry
from exchange.lheo_export import ExportScope, export_lheo
from exchange.lheo_import import FEED_POLICY, ORGANISATION_POLICY, Policy, import_lheo
from exchange.models import FeedSource, ImportRun
from organisms.models import Organism
from sessions.models import TrainingSession
from sessions.state import is_listed
from tests.catalogue.factories import CommuneFactory, DepartmentFactory
from tests.exchange import samples
from tests.exchange.samples import VERNON, day, feed
from tests.exchange.samples import Action as A
from tests.exchange.samples import Formation as F
from tests.exchange.samples import Session as S

pytestmark = pytest.mark.django_db


@pytest.fixture
def places():
    """Créteil, Saint-Denis and Mantes-la-Jolie (Île-de-France, the home region), Vernon (Normandie) and Quimperlé
    (Bretagne), with their real centres."""
    return {
        "creteil": CommuneFactory(),
        "saint_denis": CommuneFactory(
            code="93066",
            name="Saint-Denis",
            postcodes="93200 93210",
            latitude=48.92983,
            longitude=2.359167,
            department=DepartmentFactory(code="93", name="Seine-Saint-Denis"),
        ),
        "mantes": CommuneFactory(
            code="78361",
            name="Mantes-la-Jolie",
            postcodes="78200",
            latitude=48.998294,
            longitude=1.694151,
            department=DepartmentFactory(code="78", name="Yvelines"),
        ),
        "vernon": CommuneFactory(
            code="27681",
            name="Vernon",
            postcodes="27200",
            latitude=49.08772,
            longitude=1.48467,
            department=DepartmentFactory(code="27", name="Eure", region_code="28"),
        ),
        "quimperle": CommuneFactory(
            code="29233",
            name="Quimperlé",
            postcodes="29300",
            latitude=47.856092,
            longitude=-3.555129,
            department=DepartmentFactory(code="29", name="Finistère", region_code="53"),
        ),
    }


def approve_all():
    """Organisations a feed creates wait for the Region's approval before their offer is public."""
    Organism.objects.update(approval_state=Organism.ApprovalState.APPROVED)


def titles(query: Query) -> set[str]:
    outcome = search(query, today=timezone.localdate())
    return set(
        Action.objects.filter(pk__in=[h.action_id for h in outcome.hits]).values_list("formation__title", flat=True)
    )


def test_a_training_in_another_region_imports_and_is_found_by_radius(places):
    data = feed(
        [
            F("F-V", [A("A-V", [S("S-V")], places=[VERNON])], title="Support informatique à Vernon"),
            F(
                "F-Q",
                [A("A-Q", [S("S-Q", address=samples.QUIMPERLE)], places=[samples.QUIMPERLE])],
                title="Réseaux à Quimperlé",
            ),
        ]
    )
    report = import_lheo(data, commit=True)
    assert report.written and not report.problems, [str(p) for p in report.problems]
    place = TrainingPlace.objects.get(action__external_id="A-V")
    assert place.commune == places["vernon"] and place.commune.department.region_code == "28"
    # Without an INSEE code, "QUIMPERLÉ" is matched by postcode and name.
    assert TrainingPlace.objects.get(action__external_id="A-Q").commune == places["quimperle"]
    approve_all()
    mantes = places["mantes"]
    assert titles(Query(origin=(mantes.latitude, mantes.longitude), radius_km=30)) == {"Support informatique à Vernon"}
    assert titles(Query(origin=(mantes.latitude, mantes.longitude), radius_km=10)) == set()


def test_a_rolling_entry_session_that_started_months_ago_is_listed(places):
    """`modalites-entrees-sorties` = 1 (standard element, no portal extra): the sessions have rolling entry."""
    data = feed(
        [
            F(
                "F-R",
                [A("A-R", [S("S-R", start=day(-120), end=day(240))], rolling=1)],
                title="Bureautique en entrées permanentes",
            ),
            F(
                "F-D",
                [A("A-D", [S("S-D", start=day(-120), end=day(240))], rolling=0)],
                title="Bureautique à dates fixes",
            ),
        ]
    )
    assert import_lheo(data, commit=True).written
    rolling = TrainingSession.objects.get(external_id="S-R")
    assert rolling.rolling_entry and not TrainingSession.objects.get(external_id="S-D").rolling_entry
    today = timezone.localdate()
    assert is_listed(start_date=rolling.start_date, end_date=rolling.end_date, rolling_entry=True, today=today)
    approve_all()
    assert titles(Query()) == {"Bureautique en entrées permanentes"}


def test_a_plain_feed_marks_a_region_funded_training_free_for_jobseekers(places):
    data = feed(
        [
            F("F-1", [A("A-1", [S("S-1")], funders=[("2", 12)], costs_covered=1)], title="Financée par la Région"),
            F("F-2", [A("A-2", [S("S-2")], funders=[("10", None)], costs_covered=1)], title="Payée par le stagiaire"),
            F("F-3", [A("A-3", [S("S-3")], funders=[("4", 5)], costs_covered=0)], title="Sans prise en charge"),
            F("F-4", [A("A-4", [S("S-4")], funders=[("11", None), ("16", None)])], title="Financée par l'État"),
        ]
    )
    assert import_lheo(data, commit=True).written
    free = dict(Action.objects.values_list("external_id", "free_for_jobseekers"))
    assert free == {"A-1": True, "A-2": False, "A-3": False, "A-4": True}
    approve_all()
    assert titles(Query(free=True)) == {"Financée par la Région", "Financée par l'État"}


def test_lheo_wins_where_it_speaks_and_extras_only_add(places):
    """Where LHÉO and the portal's extras disagree (docs/lheo-mapping.md): a standard element that says yes wins over
    an extra that says no; an extra adds what LHÉO does not say (a single session's rolling entry or remote); "free for
    jobseekers" has no LHÉO element, so the portal's explicit extra is taken over the rule derived from funders."""
    no_remote = '<extra info="a-distance">0</extra><extra info="entrees-permanentes">0</extra>'
    yes_remote = '<extra info="a-distance">1</extra><extra info="entrees-permanentes">1</extra>'
    data = feed(
        [
            F("F-1", [A("A-1", [S("S-1", extras=no_remote)], mode=2, rolling=1)], title="LHÉO dit oui"),
            F("F-2", [A("A-2", [S("S-2", extras=yes_remote)], mode=0, rolling=0)], title="L'extra ajoute"),
            F(
                "F-3",
                [A("A-3", [S("S-3")], funders=[("2", 12)], extras='<extra info="gratuit-demandeurs-emploi">0</extra>')],
                title="Payante malgré la Région",
            ),
            F(
                "F-4",
                [
                    A(
                        "A-4",
                        [S("S-4")],
                        funders=[("10", None)],
                        extras='<extra info="gratuit-demandeurs-emploi">1</extra>',
                    )
                ],
                title="Gratuite selon le portail",
            ),
            F("F-5", [A("A-5", [S("S-5")], funders=[("2", 12)])], title="Gratuite selon la règle"),
        ]
    )
    report = import_lheo(data, commit=True)
    assert report.written and not report.problems, [str(p) for p in report.problems]
    sessions = {s.external_id: s for s in TrainingSession.objects.all()}
    assert sessions["S-1"].is_remote and sessions["S-1"].rolling_entry  # LHÉO's 2 and 1 beat the extras' 0
    assert sessions["S-2"].is_remote and sessions["S-2"].rolling_entry  # the extras add what LHÉO's 0 leaves open
    free = dict(Action.objects.values_list("external_id", "free_for_jobseekers"))
    assert free == {"A-1": True, "A-2": True, "A-3": False, "A-4": True, "A-5": True}


def test_pay_during_training_travels_in_the_portal_s_extra(places):
    """LHÉO has no element for it: the extra `remuneration` ("oui" or "non") carries it both ways; anything else is
    left unknown."""
    data = feed(
        [
            F("F-1", [A("A-1", [S("S-1")], extras='<extra info="remuneration">oui</extra>')], title="Rémunérée"),
            F("F-2", [A("A-2", [S("S-2")], extras='<extra info="remuneration">peut-être</extra>')], title="Illisible"),
            F("F-3", [A("A-3", [S("S-3")])], title="Non dit"),
        ]
    )
    report = import_lheo(data, commit=True)
    assert report.written and not report.problems, [str(p) for p in report.problems]
    assert dict(Action.objects.values_list("external_id", "pay")) == {"A-1": "oui", "A-2": "", "A-3": ""}
    approve_all()
    exported = "".join(export_lheo(ExportScope(), today=timezone.localdate()))
    assert exported.count('<extra info="remuneration">oui</extra>') == 1 and "peut-être" not in exported


def test_standard_elements_are_read(places, client):
    data = feed(
        [
            F(
                "F-1",
                [
                    A(
                        "A-1",
                        [S("S-1", registration=(day(1), day(25)), state=2)],
                        mode=1,
                        audiences=["80006", "81024", "99999"],
                        url="www.centre.example.org/actions/a1",
                        hours=(300, 70, 370),
                    ),
                    A("A-2", [S("S-2")], mode=2, places=[]),
                ],
                contact=("Accueil formation", "01 23 45 67 89", "formation@centre.example.org"),
                url="https://centre.example.org/formations/technicien",
                cpf_code="CPF12345",
                entry_level=13,
                exit_level=14,
            )
        ]
    )
    report = import_lheo(data, commit=True)
    assert report.written and not report.problems, [str(p) for p in report.problems]
    formation = Formation.objects.get()
    assert (formation.contact_name, formation.contact_phone, formation.contact_email) == (
        "Accueil formation",
        "01 23 45 67 89",
        "formation@centre.example.org",
    )
    assert formation.website == "https://centre.example.org/formations/technicien"
    assert (formation.entry_level, formation.exit_level) == (13, 14)
    blended, remote = Action.objects.get(external_id="A-1"), Action.objects.get(external_id="A-2")
    assert blended.teaching_mode == 1 and blended.website == "https://www.centre.example.org/actions/a1"
    assert (blended.hours_centre, blended.hours_company, blended.hours_total) == (300, 70, 370)
    assert sorted(blended.audiences.values_list("code", flat=True)) == ["80006", "81024"]  # codes the portal knows
    assert blended.cpf_eligible and remote.cpf_eligible  # a CPF code of the formation
    session = TrainingSession.objects.get(external_id="S-1")
    assert (session.registration_opens, session.registration_closes) == (
        timezone.localdate() + timedelta(days=1),
        timezone.localdate() + timedelta(days=25),
    )
    assert session.recruitment_state == 2 and not session.is_remote and session.place.commune == places["creteil"]
    # modalites-enseignement = 2: the sessions are remote, wherever one registers.
    assert TrainingSession.objects.get(external_id="S-2").is_remote
    approve_all()
    html = client.get(f"/formations/{blended.public_id}/").content.decode()
    assert "Contactez Accueil formation par courriel à" in html and "01 23 45 67 89" in html
    assert 'href="https://www.centre.example.org/actions/a1"' in html


def test_escaped_html_in_text_elements_becomes_clean_text(places, client):
    """The sample writer escapes text once: "<p>" is "&lt;p&gt;" in the file, as Onisep writes it; "&lt;p&gt;" is
    "&amp;lt;p&amp;gt;", escaped twice."""
    data = feed(
        [
            F(
                "F-1",
                [A("A-1", [S("S-1")], requirements="<p>Savoir lire</p><script>alert(1)</script>")],
                title="Web &amp; mobile",
                objectives="<p>Créer des <strong>sites</strong>.</p><ul><li>HTML</li><li>CSS</li></ul>",
                content="&lt;p&gt;Échappé deux fois&lt;/p&gt;",
            )
        ]
    )
    assert b"&lt;p&gt;Cr" in data and b"&amp;lt;p&amp;gt;" in data
    assert import_lheo(data, commit=True).written
    formation = Formation.objects.get()
    assert formation.title == "Web & mobile"
    assert formation.objectives == "Créer des sites.\n\n- HTML\n- CSS"
    assert formation.content == "Échappé deux fois"
    assert Action.objects.get().entry_requirements == "Savoir lire"
    approve_all()
    html = client.get(f"/formations/{Action.objects.get().public_id}/").content.decode()
    main = html.split("<main")[1]
    assert "Créer des sites." in main and "&lt;" not in main and "<strong>sites" not in main and "alert(1)" not in main


def test_a_feed_of_100_sessions_with_3_bad_ones_writes_97_and_names_the_3(places, tmp_path, capsys):
    path = tmp_path / "flux.xml"
    path.write_bytes(feed(samples.many_sessions(100, bad={7, 42, 93})))
    call_command("import_lheo", str(path), "--commit")
    out = capsys.readouterr().out
    assert TrainingSession.objects.count() == 97
    for numero in ("S007", "S042", "S093"):
        line = next(line for line in out.splitlines() if f"(session {numero})" in line)
        assert re.match(r"\s+ligne \d+, /lheo/offres/formation\[\d+\]/action/session\[\d\] \(session S\d{3}\) : ", line)
        assert "La date de fin doit être postérieure ou égale à la date de début." in line
    assert "sessions : 97 créé(s), 0 modifié(s), 0 inchangé(s), 3 rejeté(s)" in out
    assert "3 session(s) sur 100 rejetée(s)" in out.splitlines()[-1]
    run = ImportRun.objects.get()
    assert (run.status, run.sessions_total, run.sessions_rejected) == ("written", 100, 3)
    assert [p["numero"] for p in run.problems] == ["S007", "S042", "S093"]
    assert run.counts["sessions"]["created"] == 97 and run.finished_at >= run.started_at


def test_a_feed_with_half_its_sessions_bad_writes_nothing(places, tmp_path, capsys):
    path = tmp_path / "flux.xml"
    path.write_bytes(feed(samples.many_sessions(100, bad=set(range(0, 100, 2)))))
    with pytest.raises(CommandError, match="rien n'est écrit"):
        call_command("import_lheo", str(path), "--commit")
    out = capsys.readouterr().out
    assert "50.0 % des sessions sont invalides (50 sur 100), au plus 5 % admis" in out
    assert not TrainingSession.objects.exists() and not Formation.objects.exists()
    assert ImportRun.objects.get().status == "refused"
    # A higher threshold lets the valid half in; all or nothing refuses it whole.
    with pytest.raises(CommandError):
        call_command("import_lheo", str(path), "--commit", "--all-or-nothing", "--max-rejected", "60")
    assert not TrainingSession.objects.exists()
    call_command("import_lheo", str(path), "--commit", "--max-rejected", "60")
    assert TrainingSession.objects.count() == 50


def test_a_second_import_of_the_same_feed_changes_nothing(places):
    data = feed([*samples.many_sessions(20), F("F-V", [A("A-V", [S("S-V")], places=[VERNON])])])
    first = import_lheo(data, commit=True, source="carif")
    assert first.counts["sessions"].created == 21
    entries = AuditEntry.objects.count()
    stamps = sorted(TrainingSession.objects.values_list("pk", "updated_at", "confirmed_at"))
    again = import_lheo(data, commit=True, source="carif")
    assert again.written and not again.problems
    for kind, counts in again.counts.items():
        assert (counts.created, counts.updated, counts.archived, counts.rejected) == (0, 0, 0, 0), kind
    assert again.counts["sessions"].unchanged == 21 and again.counts["formations"].unchanged == 5
    assert AuditEntry.objects.count() == entries
    assert sorted(TrainingSession.objects.values_list("pk", "updated_at", "confirmed_at")) == stamps


def test_a_record_that_disappears_is_archived_and_comes_back(places):
    everything = samples.many_sessions(15)  # three formations of five sessions
    import_lheo(feed(everything), commit=True, source="carif")
    own = TrainingSession.objects.create(  # the organisation's own session, typed in its back office
        action=Action.objects.get(external_id="A000"),
        start_date=timezone.localdate() + timedelta(days=40),
        is_published=True,
        is_remote=True,
    )
    without = [everything[0], everything[2]]
    without[0].actions[0].sessions = without[0].actions[0].sessions[1:]  # S000 goes too
    report = import_lheo(feed(without), commit=True, source="carif")
    assert report.counts["actions"].archived == 1 and report.counts["sessions"].archived == 6
    gone = TrainingSession.objects.filter(external_id__in=["S000", "S005", "S006", "S007", "S008", "S009"])
    assert gone.count() == 6 and not gone.filter(is_published=True).exists()  # archived, not deleted
    assert not Action.objects.get(external_id="A001").is_published
    own.refresh_from_db()
    assert own.is_published  # not the feed's: never archived by it
    entry = AuditEntry.objects.filter(object_id=str(gone.get(external_id="S005").pk)).first()
    assert entry.changes == {"is_published": [True, False]} and "archivée" in entry.reason
    back = import_lheo(feed(samples.many_sessions(15)), commit=True, source="carif")
    assert back.counts["sessions"].updated == 6 and back.counts["actions"].updated == 1
    assert TrainingSession.objects.filter(is_published=True).count() == 16
    assert Action.objects.get(external_id="A001").is_published


def test_a_feed_only_archives_its_own_records(places):
    import_lheo(feed(samples.many_sessions(5)), commit=True, source="carif")
    national = samples.many_sessions(5)
    for formation in national:
        formation.numero = "N" + formation.numero
    import_lheo(feed(national), commit=True, source="onisep")
    report = import_lheo(feed([F("F-X", [A("A-X", [S("S-X")])])]), commit=True, source="carif")
    assert report.counts["sessions"].archived == 5
    assert TrainingSession.objects.filter(source="onisep", is_published=True).count() == 5
    assert not TrainingSession.objects.filter(source="carif", is_published=True).exclude(external_id="S-X").exists()


def test_an_invalid_record_keeps_its_last_version_instead_of_being_archived(places):
    import_lheo(feed(samples.many_sessions(40)), commit=True, source="carif")
    broken = samples.many_sessions(40, bad={3})
    report = import_lheo(feed(broken), commit=True, source="carif")
    assert report.written and report.counts["sessions"].rejected == 1 and report.counts["sessions"].archived == 0
    assert TrainingSession.objects.get(external_id="S003").is_published


def test_an_organisation_upload_stays_all_or_nothing(places):
    organism = Organism.objects.create(
        siret=samples.valid_siret(50_000_001),
        nda="11940000001",
        slug="centre",
        usual_name="Centre",
        legal_name="Centre SAS",
        approval_state="approved",
    )
    report = import_lheo(feed(samples.many_sessions(40, bad={3})), organism=organism, commit=True)
    assert report.policy == ORGANISATION_POLICY and not report.written and not TrainingSession.objects.exists()
    assert [p.numero for p in report.problems] == ["S003"]


def test_progress_is_reported_as_sessions_are_checked_then_written(places):
    seen = []
    import_lheo(
        feed(samples.many_sessions(30)),
        commit=True,
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    assert seen[-1] == ("écriture", 30, 30)
    assert ("vérification", 30, 30) in seen


def test_a_feed_in_lheo_2_2_and_iso_8859_1(places):
    data = feed([F("F-1", [A("A-1", [S("S-1")])], title="Réseaux et télécoms")], version="2.2", encoding="ISO-8859-1")
    report = import_lheo(data, commit=True)
    assert report.version == "2.2" and report.written, [str(p) for p in report.problems]
    assert Formation.objects.get().title == "Réseaux et télécoms"


def test_a_threshold_is_a_share_of_sessions(places):
    data = feed(samples.many_sessions(20, bad={1}))  # 5 %
    assert import_lheo(data, policy=Policy(all_or_nothing=False, max_rejected_percent=5)).ok
    assert not import_lheo(data, policy=Policy(all_or_nothing=False, max_rejected_percent=4)).ok
    assert FEED_POLICY.max_rejected_percent == 5


def test_the_command_names_its_source(places, tmp_path, capsys):
    FeedSource.objects.create(name="carif", label="Carif-Oref", path=str(tmp_path / "flux.xml"))
    path = tmp_path / "flux.xml"
    path.write_bytes(feed(samples.many_sessions(5)))
    call_command("import_lheo", str(path), "--commit", "--source", "carif")
    assert set(TrainingSession.objects.values_list("source", flat=True)) == {"carif"}
    assert ImportRun.objects.get().source.name == "carif"
    with pytest.raises(CommandError, match="Flux inconnu : inconnu"):
        call_command("import_lheo", str(path), "--source", "inconnu")
    with pytest.raises(CommandError, match="Fichier introuvable"):
        call_command("import_lheo", str(Path(tmp_path) / "absent.xml"))


def test_a_feed_broken_everywhere_keeps_a_bounded_report(places, monkeypatch):
    monkeypatch.setattr("exchange.lheo_reader.MAX_PROBLEMS", 10)
    report = import_lheo(feed(samples.many_sessions(30, bad=set(range(25)))), commit=True)
    assert not report.ok and len(report.problems) == 10 and report.more_problems == 15
    assert "25 problème(s), dont 15 non détaillé(s)." in report.summary()
