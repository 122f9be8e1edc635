"""Hot pages keep their number of queries at 5 and at 500 candidatures; personal data is downloadable, deleted with
the account (candidatures anonymised, not lost from the counts) and purged after the retention period."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from lxml import html

from accounts.models import User
from candidatures.figures import inbox_counts
from candidatures.models import Booking, Candidature, CandidatureEvent
from core.workdays import answer_deadline
from shortlists.models import Favourite, SavedSearch, Shortlist
from tests.accounts.factories import UserFactory
from tests.candidatures.factories import BookingFactory, CandidatureFactory, MeetingFactory
from tests.organisms.factories import MembershipFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


def more_candidatures(n, *, sessions, organism, adviser, shortlists, start=0):
    now = timezone.now()
    Candidature.objects.bulk_create(
        [
            Candidature(
                session=sessions[i % len(sessions)],
                organism=organism,
                origin=Candidature.Origin.ADVISER,
                adviser=adviser,
                shortlist=shortlists[i % len(shortlists)],
                contact_name=f"Personne {i}",
                state=Candidature.State.values[i % 7],
                consent_at=now,
                answer_due_at=answer_deadline(now),
                public_id=f"c{i:09d}",
            )
            for i in range(start, start + n)
        ]
    )


def count(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def test_adviser_page_and_organisation_inbox_run_the_same_queries_at_5_and_500(client, adviser, member_a):
    organism = member_a.memberships.get().organism
    sessions = [TrainingSessionFactory(action__formation__organism=organism) for _ in range(3)]
    shortlists = Shortlist.objects.bulk_create(
        [Shortlist(owner=adviser, label=f"Personne {n}", public_id=f"l{n:09d}") for n in range(200)]
    )
    more_candidatures(5, sessions=sessions, organism=organism, adviser=adviser, shortlists=shortlists)
    pages = [
        (adviser, reverse("candidatures:candidatures"), None),
        (adviser, reverse("candidatures:candidatures"), {"etat": "sans-reponse", "personne": shortlists[0].public_id}),
        (member_a, reverse("backoffice:candidatures"), None),
        (member_a, reverse("backoffice:candidatures"), {"etat": "tous"}),
        (member_a, reverse("backoffice:session_candidatures", args=[sessions[0].public_id]), {"etat": "tous"}),
    ]
    small = []
    for user, url, params in pages:
        client.force_login(user)
        small.append(count(client, url, params))
    more_candidatures(495, sessions=sessions, organism=organism, adviser=adviser, shortlists=shortlists, start=5)
    assert Candidature.objects.count() == 500
    large = []
    for user, url, params in pages:
        client.force_login(user)
        large.append(count(client, url, params))
    assert large == small
    assert max(small) <= 12, small


def adviser_rows(client, params) -> tuple[dict[str, str], str, list[str]]:
    """The adviser's candidatures page: {candidature id: person column}, the count shown, the state options."""
    doc = html.fromstring(client.get(reverse("candidatures:candidatures"), params).content)
    rows = {}
    for tr in doc.xpath("//table//tbody/tr"):
        href = tr.xpath("./th/a/@href")[0]
        rows[href.rstrip("/").rsplit("/", 1)[1]] = " ".join(" ".join(tr.xpath("./td")[0].itertext()).split())
    shown = " ".join(doc.xpath('//p[@role="status"]')[0].text_content().split())
    options = [" ".join(o.text_content().split()) for o in doc.xpath('//select[@name="etat"]/option')]
    return rows, shown, options


def test_the_adviser_s_candidatures_page_filters_by_state_and_by_person(client, adviser, member_a):
    organism = member_a.memberships.get().organism
    sessions = [TrainingSessionFactory(action__formation__organism=organism) for _ in range(7)]
    clients = Shortlist.objects.bulk_create(
        [Shortlist(owner=adviser, label=label, public_id=f"l{n:09d}") for n, label in enumerate(["Mme D.", "M. K."])]
    )
    # 14 candidatures: each of the 7 first states once for each person (more_candidatures cycles both).
    more_candidatures(14, sessions=sessions, organism=organism, adviser=adviser, shortlists=clients)
    S = Candidature.State
    made = {f"c{i:09d}": (S.values[i % 7], clients[i % 2].label) for i in range(14)}
    withdrawn = CandidatureFactory(
        session=sessions[0],
        origin=Candidature.Origin.SHARED_LIST,
        adviser=adviser,
        shortlist=clients[0],
        person=None,
        state=S.WITHDRAWN,
    )
    made[withdrawn.public_id] = (S.WITHDRAWN, "Mme D. par la personne")
    # Neither another adviser's candidatures nor a jobseeker's own ones are listed, whatever the filter.
    stranger = UserFactory(adviser=True)
    theirs = Shortlist.objects.create(owner=stranger, label="Mme D.")
    more_candidatures(3, sessions=sessions, organism=organism, adviser=stranger, shortlists=[theirs], start=100)
    CandidatureFactory(session=sessions[1])
    client.force_login(adviser)

    def expected(states=None, person=None):
        return {
            pid: column
            for pid, (state, column) in made.items()
            if (states is None or state in states) and (person is None or column.startswith(person))
        }

    rows, shown, options = adviser_rows(client, {})
    assert rows == expected() and shown == "15 candidatures"
    assert options == [
        "Tous (15)",
        "Sans réponse (4)",
        "Envoyée (2)",
        "Lue (2)",
        "Réunion d'information proposée (2)",
        "Entretien proposé (2)",
        "Acceptée (2)",
        "Refusée (2)",
        "Liste d'attente (2)",
        "Retirée (1)",
    ]
    assert adviser_rows(client, {"etat": "sans-reponse"})[0] == expected({S.SENT, S.READ})
    for state in S.values:
        rows, shown, _ = adviser_rows(client, {"etat": state})
        assert rows == expected({state}), state
        assert shown == f"{len(rows)} candidature{'s' if len(rows) > 1 else ''}"
    for shortlist in clients:
        rows, shown, _ = adviser_rows(client, {"personne": shortlist.public_id})
        assert rows == expected(person=shortlist.label) and len(rows) == (8 if shortlist == clients[0] else 7)
    rows, shown, _ = adviser_rows(client, {"personne": clients[1].public_id, "etat": "sans-reponse"})
    assert rows == expected({S.SENT, S.READ}, clients[1].label) and len(rows) == 2
    rows, _, _ = adviser_rows(client, {"personne": clients[0].public_id, "etat": S.WITHDRAWN})
    assert list(rows) == [withdrawn.public_id]
    # An unknown state or another adviser's person filters nothing out and shows nothing of theirs.
    assert adviser_rows(client, {"etat": "n-importe"})[0] == expected()
    assert adviser_rows(client, {"personne": theirs.public_id})[0] == expected()


def test_the_dashboard_counts_unanswered_and_late_candidatures(member_a):
    organism = member_a.memberships.get().organism
    session = TrainingSessionFactory(action__formation__organism=organism)
    CandidatureFactory(session=session)
    CandidatureFactory(session=session, answer_due_at=timezone.now() - timedelta(days=1))
    CandidatureFactory(session=session, state=Candidature.State.ACCEPTED)
    assert inbox_counts(organism, now=timezone.now()) == {"unanswered": 2, "overdue": 1}


def test_a_person_downloads_their_data(client, jobseeker):
    candidature = CandidatureFactory(person=jobseeker, message="Mon projet : développeur.")
    Favourite.objects.create(user=jobseeker, action=candidature.session.action)
    SavedSearch.objects.create(user=jobseeker, name="Web", query="q=web")
    BookingFactory(person=jobseeker)
    client.force_login(jobseeker)
    response = client.get(reverse("account_data"))
    assert response["Content-Disposition"].startswith('attachment; filename="mes-donnees-')
    data = json.loads(response.content)
    assert data["compte"]["courriel"] == "demandeur@example.org"
    assert data["candidatures"][0]["message"] == "Mon projet : développeur."
    assert data["candidatures"][0]["historique"][0]["état"] == "Envoyée"
    assert len(data["favoris"]) == 1 and data["recherches enregistrées"][0]["nom"] == "Web"
    assert len(data["réservations de réunions d'information"]) == 1


def test_deleting_an_account_anonymises_its_candidatures_and_frees_its_seats(client, jobseeker, adviser):
    candidature = CandidatureFactory(person=jobseeker, contact_phone="0612345678")
    booking = BookingFactory(person=jobseeker)
    booking.meeting.seats_taken = 1
    booking.meeting.save()
    Favourite.objects.create(user=jobseeker, action=candidature.session.action)
    client.force_login(jobseeker)
    response = client.post(reverse("account_delete"), {"confirm": "non"})
    assert "Saisissez SUPPRIMER" in response.content.decode()
    response = client.post(reverse("account_delete"), {"confirm": "supprimer"})
    assert response.status_code == 302
    assert not User.objects.filter(email="demandeur@example.org").exists()
    candidature.refresh_from_db()
    assert candidature.person is None and candidature.anonymised_at is not None
    assert (candidature.contact_name, candidature.contact_email, candidature.contact_phone, candidature.message) == (
        "",
        "",
        "",
        "",
    )
    assert not CandidatureEvent.objects.filter(candidature=candidature).exists()
    assert Candidature.objects.filter(organism=candidature.organism).count() == 1  # still counted
    booking.refresh_from_db()
    booking.meeting.refresh_from_db()
    assert booking.state == "cancelled" and booking.person is None and booking.meeting.seats_taken == 0
    assert not Favourite.objects.exists()


def test_purge_anonymises_after_the_retention_period_and_is_a_dry_run_by_default(settings, adviser):
    settings.PERSONAL_DATA_RETENTION_MONTHS = 12
    old = CandidatureFactory(session=TrainingSessionFactory(past=True))
    old.session.end_date = timezone.localdate() - timedelta(days=400)
    old.session.start_date = old.session.end_date - timedelta(days=30)
    old.session.save()
    recent = CandidatureFactory(session=TrainingSessionFactory(past=True))
    old_booking = BookingFactory(meeting=MeetingFactory(starts_at=timezone.now() - timedelta(days=400)))
    out = StringIO()
    call_command("purge_personal_data", stdout=out)
    assert "1 candidature(s) et 1 réservation(s)" in out.getvalue() and "simulation" in out.getvalue()
    old.refresh_from_db()
    assert old.anonymised_at is None
    out = StringIO()
    call_command("purge_personal_data", "--commit", stdout=out)
    assert out.getvalue().startswith("1 candidature(s) et 1 réservation(s) anonymisées")
    old.refresh_from_db()
    recent.refresh_from_db()
    old_booking.refresh_from_db()
    assert old.contact_email == "" and old.person is None and old.anonymised_at is not None
    assert recent.contact_email != "" and recent.anonymised_at is None
    assert old_booking.contact_email == "" and old_booking.person is None
    assert Candidature.objects.count() == 2 and Booking.objects.count() == 1  # the counts stay


def test_every_model_pointing_at_a_person_is_exported_or_emptied():
    """A new model holding a person's data must be added to the download and to the deletion."""

    covered = {
        "shortlists.Favourite",
        "shortlists.SavedSearch",
        "shortlists.Shortlist",
        "candidatures.Candidature",
        "candidatures.Booking",
    }
    outside = {"account.EmailAddress", "organisms.Membership", "organisms.Invitation", "catalogue.ActionLabel"}
    outside |= {"core.AuditEntry", "admin.LogEntry", "auth.Group_user", "account.EmailConfirmation"}
    outside |= {"exchange.ImportRun"}  # who ran an import: an operational record like the audit trail (SET_NULL)
    outside |= {"core.Job"}  # a person's background imports and exports: deleted with the account (CASCADE)
    pointing = {
        model._meta.label
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.is_relation and field.concrete and field.related_model is User
    }
    assert pointing - outside == covered


def test_the_privacy_page_says_what_is_kept(client):
    page = client.get(reverse("privacy")).content.decode()
    for words in ("Qui la voit", "12 mois après la fin de la session", "télécharger vos données", "anonymisées"):
        assert words in page
    MembershipFactory()  # nothing needed to read it
