import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.groups import ADMINISTRATOR, ensure_region_groups
from core.models import AuditEntry, EmailDelivery
from sessions.models import SessionReminder, TrainingSession
from sessions.reminders import due_digests, queue_digest
from tests.accounts.factories import UserFactory
from tests.catalogue.factories import ActionFactory, FormationFactory
from tests.organisms.factories import MembershipFactory
from tests.outage import mail_failures, smtp_outage
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def remind(django_capture_on_commit_callbacks):
    """Runs the command as cron does: each digest's transaction commits, then its delivery task runs (immediate
    backend in tests)."""

    def run(*args):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_freshness_reminders", *args)

    return run


@pytest.fixture
def stale_catalogue(organism_a, organism_b, member_a, member_b):
    for organism in (organism_a, organism_b):
        action = ActionFactory(formation=FormationFactory(organism=organism))
        TrainingSessionFactory.create_batch(3, action=action, stale=True)
        TrainingSessionFactory(action=action)  # confirmed today, starts in 30 days: fine
        TrainingSessionFactory(action=action, stale=True, past=True, recruitment_state=2)  # over and closed
    MembershipFactory(organism=organism_a, user__email="collegue-a@example.org")
    return organism_a


def test_dry_run_sends_nothing(stale_catalogue, capsys, remind):
    remind()
    assert mail.outbox == []
    assert not EmailDelivery.objects.exists() and not SessionReminder.objects.exists()  # nothing written
    assert "2 récapitulatif(s) à envoyer (simulation : ajoutez --send), 6 session(s)." in capsys.readouterr().out


def test_one_digest_per_organisation_once_then_the_link_confirms(stale_catalogue, client, capsys, remind):
    remind("--send", "--base-url", "http://testserver")
    assert "2 récapitulatif(s) mis en file d'envoi, 6 session(s)." in capsys.readouterr().out
    assert len(mail.outbox) == 2
    assert list(EmailDelivery.objects.values_list("status", flat=True)) == ["sent", "sent"]
    digest = next(m for m in mail.outbox if "collegue-a@example.org" in m.to)
    assert sorted(digest.to) == sorted(["collegue-a@example.org", "membre-a@example.org"])
    assert "3 session(s) à confirmer" in digest.subject
    remind("--send", "--base-url", "http://testserver")
    assert len(mail.outbox) == 2  # idempotent: one reminder per session per period
    assert EmailDelivery.objects.count() == 2
    assert "0 récapitulatif(s) mis en file d'envoi, 0 session(s)." in capsys.readouterr().out

    path = re.search(r"http://testserver(/confirmer/\S+/)", digest.body).group(1)
    page = client.get(path)  # opening the link changes nothing
    assert page.status_code == 200 and "Confirmer que ces informations sont à jour" in page.content.decode()
    stale = TrainingSession.objects.stale(timezone.now()).filter(action__formation__organism=stale_catalogue)
    assert stale.count() == 4
    assert client.post(path).status_code == 200
    assert stale.count() == 1  # the past, closed session is not part of the digest
    entries = AuditEntry.objects.filter(organism=stale_catalogue, reason="lien de confirmation reçu par courriel")
    assert entries.count() == 3


def test_a_new_period_reminds_again(stale_catalogue, remind):
    remind("--send")
    session = TrainingSession.objects.filter(action__formation__organism=stale_catalogue).order_by("pk").first()
    session.confirmed_at = timezone.now() - timedelta(days=40)  # confirmed once more, long ago: a new period
    session.save()
    mail.outbox.clear()
    remind("--send")
    assert len(mail.outbox) == 1 and "1 session(s)" in mail.outbox[0].subject


def test_links_are_signed_and_expire(stale_catalogue, client, settings, remind):
    remind("--send", "--base-url", "http://testserver")
    path = re.search(r"http://testserver(/confirmer/\S+/)", mail.outbox[0].body).group(1)
    assert client.post(path[:-3] + "xx/").status_code == 400
    settings.CONFIRMATION_LINK_MAX_AGE_DAYS = -1
    response = client.post(path)
    assert response.status_code == 400 and "Ce lien a expiré" in response.content.decode()


def test_a_mail_server_outage_stops_nothing_the_task_retries_and_staff_see_the_failure(
    stale_catalogue, capsys, caplog, remind, client, settings
):
    settings.EMAIL_RETRY_DELAYS = [0, 0]
    with smtp_outage():
        remind("--send")
        out = capsys.readouterr().out
        assert "2 récapitulatif(s) mis en file d'envoi, 6 session(s)." in out
        assert SessionReminder.objects.count() == 6  # recorded with their deliveries: reminded once per period
        failures = mail_failures(caplog)
        assert len(failures) == 2  # the first organisation's failure did not stop the second one's digest
        assert all(isinstance(failure.exc_info[1], ConnectionRefusedError) for failure in failures)
        deliveries = EmailDelivery.objects.order_by("pk")
        assert [(d.status, d.attempts) for d in deliveries] == [("retrying", 1)] * 2
        assert "3 session(s) à confirmer" in deliveries[0].subject

        remind("--send")  # the next run does not remind them again: the task retries the deliveries
        assert "0 récapitulatif(s) mis en file d'envoi, 0 session(s)." in capsys.readouterr().out
        assert EmailDelivery.objects.count() == 2
        call_command("send_pending_emails")  # the retries (the worker's deferred tasks, or this cron safety net)
        call_command("send_pending_emails")
    assert [(d.status, d.attempts) for d in EmailDelivery.objects.all()] == [("failed", 3)] * 2
    assert mail.outbox == []
    agent = UserFactory(region_agent=True)
    agent.groups.add(ensure_region_groups()[ADMINISTRATOR])
    client.force_login(agent)
    page = client.get(reverse("region:task_queue")).content.decode()
    assert (
        "m***@example.org" in page
        and "membre-a@" not in page
        and "Échec définitif" in page
        and "ConnectionRefusedError" in page
    )


def test_a_retry_sends_the_digest_once_the_server_is_back(stale_catalogue, remind, settings):
    settings.EMAIL_RETRY_DELAYS = [0, 0]
    with smtp_outage():
        remind("--send")
    assert mail.outbox == [] and SessionReminder.objects.count() == 6
    call_command("send_pending_emails")  # the server is back
    assert len(mail.outbox) == 2
    assert [(d.status, d.attempts) for d in EmailDelivery.objects.all()] == [("sent", 2)] * 2


def test_two_runs_at_once_remind_a_session_once(stale_catalogue, django_capture_on_commit_callbacks):
    # Both runs found the same digests before either recorded them: the second records and sends nothing.
    now = timezone.now()
    first, second = (due_digests(now=now, today=timezone.localdate(now)) for _ in range(2))
    with django_capture_on_commit_callbacks(execute=True):
        assert [queue_digest(digest=d, base_url="http://testserver", now=now) for d in first] == [True, True]
        assert [queue_digest(digest=d, base_url="http://testserver", now=now) for d in second] == [False, False]
    assert len(mail.outbox) == 2 and EmailDelivery.objects.count() == 2 and SessionReminder.objects.count() == 6


def test_the_json_summary_counts_the_digests_queued(stale_catalogue, capsys, remind):
    remind("--send", "--json")
    assert json.loads(capsys.readouterr().out) == {
        "command": "send_freshness_reminders",
        "send": True,
        "queued": 2,
        "sessions": 6,
    }
    assert EmailDelivery.objects.count() == 2
