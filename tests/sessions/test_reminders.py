import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from core.models import AuditEntry
from sessions.models import SessionReminder, TrainingSession
from tests.catalogue.factories import ActionFactory, FormationFactory
from tests.organisms.factories import MembershipFactory
from tests.outage import mail_failures, smtp_outage
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stale_catalogue(organism_a, organism_b, member_a, member_b):
    for organism in (organism_a, organism_b):
        action = ActionFactory(formation=FormationFactory(organism=organism))
        TrainingSessionFactory.create_batch(3, action=action, stale=True)
        TrainingSessionFactory(action=action)  # confirmed today, starts in 30 days: fine
        TrainingSessionFactory(action=action, stale=True, past=True, recruitment_state=2)  # over and closed
    MembershipFactory(organism=organism_a, user__email="collegue-a@example.org")
    return organism_a


def test_dry_run_sends_nothing(stale_catalogue, capsys):
    call_command("send_freshness_reminders")
    assert mail.outbox == []
    assert "2 récapitulatif(s) à envoyer (simulation : ajoutez --send), 6 session(s)." in capsys.readouterr().out


def test_one_digest_per_organisation_once_then_the_link_confirms(stale_catalogue, client, capsys):
    call_command("send_freshness_reminders", "--send", "--base-url", "http://testserver")
    assert len(mail.outbox) == 2
    digest = next(m for m in mail.outbox if "collegue-a@example.org" in m.to)
    assert sorted(digest.to) == sorted(["collegue-a@example.org", "membre-a@example.org"])
    assert "3 session(s) à confirmer" in digest.subject
    call_command("send_freshness_reminders", "--send", "--base-url", "http://testserver")
    assert len(mail.outbox) == 2  # idempotent: one reminder per session per period

    path = re.search(r"http://testserver(/confirmer/\S+/)", digest.body).group(1)
    page = client.get(path)  # opening the link changes nothing
    assert page.status_code == 200 and "Confirmer que ces informations sont à jour" in page.content.decode()
    stale = TrainingSession.objects.stale(timezone.now()).filter(action__formation__organism=stale_catalogue)
    assert stale.count() == 4
    assert client.post(path).status_code == 200
    assert stale.count() == 1  # the past, closed session is not part of the digest
    entries = AuditEntry.objects.filter(organism=stale_catalogue, reason="lien de confirmation reçu par courriel")
    assert entries.count() == 3


def test_a_new_period_reminds_again(stale_catalogue):
    call_command("send_freshness_reminders", "--send")
    session = TrainingSession.objects.filter(action__formation__organism=stale_catalogue).order_by("pk").first()
    session.confirmed_at = timezone.now() - timedelta(days=40)  # confirmed once more, long ago: a new period
    session.save()
    mail.outbox.clear()
    call_command("send_freshness_reminders", "--send")
    assert len(mail.outbox) == 1 and "1 session(s)" in mail.outbox[0].subject


def test_links_are_signed_and_expire(stale_catalogue, client, settings):
    call_command("send_freshness_reminders", "--send", "--base-url", "http://testserver")
    path = re.search(r"http://testserver(/confirmer/\S+/)", mail.outbox[0].body).group(1)
    assert client.post(path[:-3] + "xx/").status_code == 400
    settings.CONFIRMATION_LINK_MAX_AGE_DAYS = -1
    response = client.post(path)
    assert response.status_code == 400 and "Ce lien a expiré" in response.content.decode()


def test_a_mail_server_outage_reminds_nothing_stops_nothing_and_is_retried(stale_catalogue, capsys, caplog):
    with smtp_outage():
        call_command("send_freshness_reminders", "--send")
    out = capsys.readouterr().out
    assert (
        "0 récapitulatif(s) envoyés, 0 session(s) ; 2 en échec (6 session(s)), nouvel essai au prochain passage." in out
    )
    assert not SessionReminder.objects.exists()  # nothing marked as reminded
    failures = mail_failures(caplog)
    assert len(failures) == 2  # the first organisation's failure did not stop the second one's digest
    assert all(isinstance(failure.exc_info[1], ConnectionRefusedError) for failure in failures)
    assert mail.outbox == []

    call_command("send_freshness_reminders", "--send")  # the server is back: both digests, every session
    assert len(mail.outbox) == 2
    assert "2 récapitulatif(s) envoyés, 6 session(s)." in capsys.readouterr().out
    assert SessionReminder.objects.count() == 6
