"""Session validation has one home (sessions.models: `session_errors`, `TrainingSession.clean()` and the database
constraints): one table of bad sessions goes through the web form, the spreadsheet upload and the LHÉO import, and
each path refuses each row with the same French message."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from exchange.lheo_export import ExportScope, export_lheo
from exchange.lheo_import import import_lheo
from exchange.spreadsheet import HEADERS, to_csv, upload_sessions
from sessions.models import TrainingSession
from tests.catalogue.factories import ActionFactory, CommuneFactory, FormationFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db

NS = "{http://lheo.gouv.fr/2.3}"
DAY = timedelta(days=1)


def bad_sessions(today):
    """(what is wrong, the session's values, the message every path gives)."""
    start = today + 30 * DAY
    return [
        (
            "an end without a start",
            {"start_date": None, "end_date": start},
            "Indiquez la date de début, ou laissez aussi la date de fin vide.",
        ),
        (
            "an end before the start",
            {"start_date": start, "end_date": start - DAY},
            "La date de fin doit être postérieure ou égale à la date de début.",
        ),
        (
            "registration closing before it opens",
            {
                "start_date": start,
                "end_date": start + 9 * DAY,
                "registration_opens": today,
                "registration_closes": today - DAY,
            },
            "La clôture des inscriptions doit suivre leur ouverture.",
        ),
        (
            "registration closing after the start",
            {"start_date": start, "end_date": start + 9 * DAY, "registration_closes": start + DAY},
            "La clôture des inscriptions doit intervenir au plus tard le jour du début.",
        ),
        (
            "more places left than places",
            {"start_date": start, "end_date": start + 9 * DAY, "capacity": 10, "places_left": 11},
            "Les places restantes doivent être comprises entre 0 et 10.",
        ),
    ]


def a_good_session(today):
    """Rolling entry: registration may stay open after the start."""
    start = today + 30 * DAY
    return {
        "start_date": start,
        "end_date": start + 60 * DAY,
        "rolling_entry": True,
        "registration_closes": start + 20 * DAY,
    }


def full_values(values: dict) -> dict:
    return {
        "registration_opens": None,
        "registration_closes": None,
        "rolling_entry": False,
        "capacity": 12,
        "places_left": 5,
        **values,
    }


def through_the_web_form(client, action, values) -> str:
    data = {
        name: ("" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value))
        for name, value in full_values(values).items()
    }
    data["rolling_entry"] = "on" if values.get("rolling_entry") else ""
    data |= {"recruitment_state": "1", "is_remote": "on", "place": "", "is_published": "on"}
    response = client.post(reverse("backoffice:session_new", args=[action.public_id]), data)
    return response.content.decode() if response.status_code == 200 else ""


def through_the_spreadsheet(organism, member, action, values) -> str:
    v = full_values(values)

    def day(d):
        return d.strftime("%d/%m/%Y") if d else ""

    row = dict.fromkeys(HEADERS, "")
    row |= {
        "identifiant action": action.public_id,
        "date de début": day(v["start_date"]),
        "date de fin": day(v["end_date"]),
        "ouverture des inscriptions": day(v["registration_opens"]),
        "clôture des inscriptions": day(v["registration_closes"]),
        "état du recrutement": "ouvert",
        "entrées permanentes": "oui" if v["rolling_entry"] else "non",
        "nombre de places": str(v["capacity"]),
        "places restantes": str(v["places_left"]),
        "à distance": "oui",
        "publiée": "oui",
    }
    report = upload_sessions(
        to_csv([[row[h] for h in HEADERS]]), "sessions.csv", organism=organism, by=member, commit=False
    )
    return " ".join(str(error) for error in report.errors) + report.file_error


def lheo_date(value) -> str:
    return value.strftime("%Y%m%d") if value else None


def through_the_lheo_import(organism, exported: bytes, values) -> str:
    """The organisation's own export, its one session given the row's values."""
    v = full_values(values)
    root = etree.fromstring(exported)
    session = root.find(f".//{NS}session")
    session.find(f"{NS}periode/{NS}debut").text = lheo_date(v["start_date"]) or "00000000"
    session.find(f"{NS}periode/{NS}fin").text = lheo_date(v["end_date"]) or "99999999"
    for old in session.findall(f"{NS}periode-inscription"):
        session.remove(old)
    if v["registration_opens"] or v["registration_closes"]:
        registration = etree.Element(f"{NS}periode-inscription")
        period = etree.SubElement(registration, f"{NS}periode")
        etree.SubElement(period, f"{NS}debut").text = lheo_date(v["registration_opens"]) or "00000000"
        etree.SubElement(period, f"{NS}fin").text = lheo_date(v["registration_closes"]) or "99999999"
        session.find(f"{NS}adresse-inscription").addnext(registration)
    extras = session.find(f"{NS}extras")
    for extra in list(extras):
        if extra.get("info") in ("places", "places-restantes", "entrees-permanentes"):
            extras.remove(extra)
    for info, value in (("places", v["capacity"]), ("places-restantes", v["places_left"])):
        etree.SubElement(extras, f"{NS}extra", info=info).text = str(value)
    if v["rolling_entry"]:
        etree.SubElement(extras, f"{NS}extra", info="entrees-permanentes").text = "1"
    report = import_lheo(etree.tostring(root, xml_declaration=True, encoding="UTF-8"), organism=organism, commit=False)
    return " ".join(str(problem) for problem in report.problems)


def test_one_table_of_bad_sessions_gets_the_same_message_on_every_path(client, organism_a, member_a):
    today = timezone.localdate()
    organism_a.commune = CommuneFactory()
    organism_a.street, organism_a.postcode = "1 rue Pasteur", "94000"
    organism_a.save()
    action = ActionFactory(formation=FormationFactory(organism=organism_a, external_id="F-1"), external_id="A-1")
    TrainingSessionFactory(action=action, external_id="S-1")
    exported = "".join(export_lheo(ExportScope(organism=organism_a), today=today)).encode()
    client.force_login(member_a)
    sessions_before = TrainingSession.objects.count()

    for what, values, message in bad_sessions(today):
        with pytest.raises(ValidationError) as refused:
            TrainingSession(action=action, is_remote=True, **full_values(values)).full_clean()
        assert message in str(refused.value), what
        assert message in through_the_web_form(client, action, values), what
        assert message in through_the_spreadsheet(organism_a, member_a, action, values), what
        assert message in through_the_lheo_import(organism_a, exported, values), what
        with pytest.raises(IntegrityError), transaction.atomic():  # and the database refuses it too
            TrainingSession.objects.create(action=action, is_remote=True, **full_values(values))
    assert TrainingSession.objects.count() == sessions_before

    good = a_good_session(today)
    TrainingSession(action=action, is_remote=True, **full_values(good)).full_clean()
    assert through_the_spreadsheet(organism_a, member_a, action, good) == ""
    assert through_the_lheo_import(organism_a, exported, good) == ""
    assert through_the_web_form(client, action, good) == ""  # saved, redirected
    assert TrainingSession.objects.count() == sessions_before + 1
