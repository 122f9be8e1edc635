"""Candidatures: sending, the state table, answers and their emails, withdrawal, caps, places, deadlines."""

import csv
from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from lxml import html

from candidatures.models import Candidature
from candidatures.services import candidature_answer, candidature_send, candidature_withdraw
from candidatures.states import (
    MESSAGE_REQUIRED,
    ORGANISATION_ANSWERS,
    WITHDRAWABLE,
    CandidatureError,
    answers_from,
    check_answer,
    check_withdraw,
)
from core.workdays import answer_deadline, public_holidays, working_days_after
from shortlists.models import Shortlist
from shortlists.services import shortlist_add
from tests.accounts.factories import UserFactory
from tests.candidatures.factories import CandidatureFactory
from tests.organisms.factories import MembershipFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db
S = Candidature.State


def send(session, person, **kwargs):
    return candidature_send(
        session=session,
        origin=Candidature.Origin.PERSON,
        person=person,
        contact_name="Camille Martin",
        contact_email=person.email,
        consent=True,
        **kwargs,
    )


@pytest.mark.parametrize("state", S.values)
@pytest.mark.parametrize("target", S.values)
def test_every_state_and_answer_through_the_table(state, target):
    allowed = target in ORGANISATION_ANSWERS and state in ORGANISATION_ANSWERS[target]
    message = "Motif" if target in MESSAGE_REQUIRED else ""
    if allowed:
        check_answer(state=state, target=target, message=message)
        assert target in answers_from(state)
    else:
        with pytest.raises(CandidatureError):
            check_answer(state=state, target=target, message=message)
        assert target not in answers_from(state)
    if state in WITHDRAWABLE:
        check_withdraw(state=state)
    else:
        with pytest.raises(CandidatureError):
            check_withdraw(state=state)


def test_a_refusal_needs_a_reason():
    with pytest.raises(CandidatureError, match="motif"):
        check_answer(state=S.SENT, target=S.REFUSED, message="  ")


def test_working_days_and_the_answer_deadline():
    assert date(2026, 4, 6) in public_holidays(2026)  # Easter Monday 2026
    assert {date(2026, 5, 14), date(2026, 5, 25), date(2026, 7, 14)} <= public_holidays(2026)
    assert working_days_after(date(2026, 11, 27), 2) == date(2026, 12, 1)  # Friday → Tuesday
    assert working_days_after(date(2026, 11, 10), 2) == date(2026, 11, 13)  # over 11 November
    friday = timezone.make_aware(datetime(2026, 11, 27, 16, 30))
    assert timezone.localtime(answer_deadline(friday)).strftime("%Y-%m-%d %H:%M") == "2026-12-01 23:59"


def test_sending_tells_the_organisation_and_the_person(jobseeker, django_capture_on_commit_callbacks):
    session = TrainingSessionFactory()
    organism = session.action.formation.organism
    MembershipFactory(organism=organism, user__email="accueil@organisme.example.org")
    with django_capture_on_commit_callbacks(execute=True):
        with_commit = send(session, jobseeker, message="Disponible dès lundi.", contact_phone="06 12 34 56 78")
    assert with_commit.state == S.SENT and with_commit.organism == organism
    assert with_commit.answer_due_at > timezone.now()
    assert list(with_commit.events.values_list("state", "message")) == [("sent", "Disponible dès lundi.")]
    assert sorted(m.to[0] for m in mail.outbox) == ["accueil@organisme.example.org", "demandeur@example.org"]
    received = next(m for m in mail.outbox if m.to == ["accueil@organisme.example.org"])
    assert reverse("backoffice:candidature_detail", args=[with_commit.public_id]) in received.body


def test_one_open_candidature_per_person_and_session_and_a_daily_cap(jobseeker, settings):
    session = TrainingSessionFactory()
    first = send(session, jobseeker)
    with pytest.raises(CandidatureError, match="déjà en cours"):
        send(session, jobseeker)
    candidature_withdraw(candidature=first)
    assert send(session, jobseeker).state == S.SENT  # withdrawn: may apply again
    settings.CANDIDATURES_PER_DAY = 2
    with pytest.raises(CandidatureError, match="2 candidatures en 24 heures"):
        send(TrainingSessionFactory(), jobseeker)


def test_only_when_registration_is_open_and_with_consent(jobseeker):
    with pytest.raises(CandidatureError, match="ne sont pas ouvertes"):
        send(TrainingSessionFactory(full=True), jobseeker)
    with pytest.raises(CandidatureError, match="ne sont pas ouvertes"):
        send(TrainingSessionFactory(recruitment_state=2), jobseeker)
    with pytest.raises(CandidatureError, match="accord"):
        candidature_send(session=TrainingSessionFactory(), origin="person", person=jobseeker, consent=False)
    assert not Candidature.objects.exists()


def test_an_answer_is_emailed_to_the_person_and_the_adviser_and_may_take_a_place(
    adviser, member_a, django_capture_on_commit_callbacks
):
    shortlist = Shortlist.objects.create(owner=adviser, label="Mme D.")
    session = TrainingSessionFactory(action__formation__organism=member_a.memberships.get().organism, places_left=3)
    candidature = candidature_send(
        session=session,
        origin=Candidature.Origin.SHARED_LIST,
        shortlist=shortlist,
        contact_name="Dalila D.",
        contact_email="Dalila@Example.org",
        consent=True,
    )
    assert candidature.adviser == adviser and candidature.contact_email == "dalila@example.org"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        candidature_answer(candidature=candidature, state=S.INTERVIEW, message="Entretien le 12 à 10 h.", by=member_a)
    assert candidature.answered_at is not None
    first_answer = candidature.answered_at
    assert sorted(mail.outbox[0].to) == ["conseiller@francetravail.fr", "dalila@example.org"]
    assert "Entretien proposé." in mail.outbox[0].body and "Entretien le 12 à 10 h." in mail.outbox[0].body
    candidature_answer(candidature=candidature, state=S.ACCEPTED, message="", by=member_a, take_place=True)
    session.refresh_from_db()
    candidature.refresh_from_db()
    assert session.places_left == 2 and candidature.answered_at == first_answer
    with pytest.raises(CandidatureError):
        candidature_answer(candidature=candidature, state=S.WAITLIST, message="", by=member_a)


def test_the_organisation_reads_and_answers_from_its_inbox(client, member_a, jobseeker):
    organism = member_a.memberships.get().organism
    candidature = CandidatureFactory(
        session=TrainingSessionFactory(action__formation__organism=organism, places_left=4)
    )
    client.force_login(member_a)
    dashboard = client.get(reverse("backoffice:dashboard")).content.decode()
    assert "1 candidature sans réponse" in dashboard
    url = reverse("backoffice:candidature_detail", args=[candidature.public_id])
    page = client.get(url).content.decode()
    assert "Camille Martin" in page and "Je suis disponible dès le mois prochain." in page
    candidature.refresh_from_db()
    assert candidature.state == S.READ  # opened, so read; not yet answered
    response = client.post(url, {"state": "accepted", "message": "Bienvenue !"})
    assert "Dites si cette acceptation retire une place restante." in response.content.decode()  # asked, not silent
    response = client.post(url, {"state": "accepted", "message": "Bienvenue !", "take_place": "0"})
    assert response.status_code == 302
    candidature.refresh_from_db()
    candidature.session.refresh_from_db()
    assert candidature.state == S.ACCEPTED and candidature.session.places_left == 4
    csv = client.get(reverse("backoffice:session_candidatures_csv", args=[candidature.session.public_id]))
    text = csv.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Identifiant;Envoyée le;Envoyée par;Nom;Courriel")
    assert "Camille Martin" in text and "Acceptée" in text


def test_the_csv_of_a_session_keeps_formulas_typed_by_the_public_inert(client, member_a):
    organism = member_a.memberships.get().organism
    candidature = CandidatureFactory(
        session=TrainingSessionFactory(action__formation__organism=organism),
        contact_name='=HYPERLINK("http://example.org","clic")',
        message="+33 6 12 34 56 78 ; -moins ; @arobase",
    )
    client.force_login(member_a)
    text = client.get(
        reverse("backoffice:session_candidatures_csv", args=[candidature.session.public_id])
    ).content.decode("utf-8-sig")
    row = list(csv.reader(text.splitlines(), delimiter=";"))[1]
    assert row[3] == '\'=HYPERLINK("http://example.org","clic")'
    assert row[6] == "'+33 6 12 34 56 78 ; -moins ; @arobase"


def test_the_person_follows_and_withdraws(client, jobseeker, django_capture_on_commit_callbacks):
    candidature = CandidatureFactory(person=jobseeker)
    MembershipFactory(organism=candidature.organism, user__email="accueil@organisme.example.org")
    client.force_login(jobseeker)
    page = client.get(reverse("candidatures:candidature", args=[candidature.public_id])).content.decode()
    assert "Envoyée" in page and "Retirer la candidature" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("candidatures:withdraw", args=[candidature.public_id]), {"message": "J'ai trouvé un emploi."}
        )
    candidature.refresh_from_db()
    assert candidature.state == S.WITHDRAWN
    assert mail.outbox[-1].to == ["accueil@organisme.example.org"]
    assert "J'ai trouvé un emploi." in mail.outbox[-1].body


def test_unanswered_candidatures_past_two_working_days_join_the_freshness_digest(
    member_a, django_capture_on_commit_callbacks
):
    organism = member_a.memberships.get().organism
    late = CandidatureFactory(
        session=TrainingSessionFactory(action__formation__organism=organism),
        answer_due_at=timezone.now() - timedelta(hours=1),
    )
    CandidatureFactory(session=TrainingSessionFactory(action__formation__organism=organism))  # not late yet
    with django_capture_on_commit_callbacks(execute=True):  # the digest's delivery task runs once it commits
        call_command("send_freshness_reminders", "--send", stdout=StringIO())
    digest = mail.outbox[-1]
    assert "1 candidature(s) sans réponse depuis plus de deux jours ouvrés" in digest.body
    assert reverse("backoffice:candidature_detail", args=[late.public_id]) in digest.body
    late.refresh_from_db()
    assert late.reminded_at is not None
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_freshness_reminders", "--send", stdout=StringIO())
    assert mail.outbox == []  # reminded once


def facts(doc) -> dict[str, str]:
    """A page's definition lists as {term: description}, white space collapsed."""
    return {
        " ".join(dt.text_content().split()): " ".join(dt.getnext().text_content().split())
        for dt in doc.xpath("//dl/div/dt")
    }


def test_an_adviser_prescribes_with_a_note_and_the_organisation_sees_who_sends_it(
    client, adviser, member_a, member_b, django_capture_on_commit_callbacks
):
    adviser.first_name, adviser.last_name, adviser.structure = "Jeanne", "Roux", "Mission locale de Créteil"
    adviser.save()
    organism = member_a.memberships.get().organism
    session = TrainingSessionFactory(action__formation__organism=organism, action__formation__title="Développeur web")
    elsewhere = TrainingSessionFactory(action__formation__organism=organism)  # not in the shortlist
    shortlist = Shortlist.objects.create(owner=adviser, label="Mme D., projet web")
    shortlist_add(shortlist=shortlist, action=session.action)
    url = reverse("candidatures:prescribe", args=[shortlist.public_id, session.public_id])
    note = "Projet validé en entretien.\nFinancement Région envisagé."
    client.force_login(adviser)

    page = client.get(url).content.decode()
    assert "Proposer la candidature de « Mme D., projet web »" in page and "Mission locale de Créteil" in page
    outside = reverse("candidatures:prescribe", args=[shortlist.public_id, elsewhere.public_id])
    assert client.get(outside).status_code == 404  # a session of a training not in the shortlist
    response = client.post(url, {"message": note, "contact_name": "Dalila D."})  # no consent: nothing is sent
    assert "sans l&#x27;accord de la personne, rien n&#x27;est transmis" in response.content.decode()
    assert not Candidature.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"message": note, "contact_name": "Dalila D.", "consent": "on"})
    candidature = Candidature.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("candidatures:candidature", args=[candidature.public_id])
    assert candidature.origin == Candidature.Origin.ADVISER
    assert (candidature.adviser, candidature.shortlist, candidature.person) == (adviser, shortlist, None)
    assert candidature.message == note.strip() and candidature.organism == organism
    assert [m.to for m in mail.outbox] == [["membre-a@example.org"]]  # no address given: only the organisation
    followed = facts(html.fromstring(client.get(response.url).content))
    assert followed["Envoyée par"] == "Son conseiller (prescription), sélection « Mme D., projet web »"

    detail = reverse("backoffice:candidature_detail", args=[candidature.public_id])
    client.force_login(member_b)
    assert client.get(detail).status_code == 404  # another organisation
    assert client.post(detail, {"state": "refused", "message": "Non."}).status_code == 404
    candidature.refresh_from_db()
    assert candidature.state == S.SENT  # neither read nor answered by a stranger

    client.force_login(member_a)
    doc = html.fromstring(client.get(detail).content)
    seen = facts(doc)
    assert seen["Envoyée par"] == "Son conseiller (prescription)"
    assert seen["Nom"] == "Dalila D." and seen["Courriel"] == "Non transmis"
    assert seen["Conseiller"] == "Jeanne Roux, Mission locale de Créteil (conseiller@francetravail.fr)"
    [quote] = doc.xpath('//blockquote[@class="message-quote"]')
    assert " ".join(quote.itertext()).split() == note.split() and quote.xpath(".//br")

    client.force_login(UserFactory(adviser=True, email="autre@francetravail.fr"))
    assert client.get(url).status_code == 404  # another adviser's shortlist
    assert client.get(reverse("candidatures:candidature", args=[candidature.public_id])).status_code == 404
