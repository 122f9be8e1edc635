"""Emails as tasks (core.mail): recorded with the decision, sent by a worker after commit, retried after an outage
of a real SMTP server, recorded as failed after the last attempt and shown to staff."""

import email
import email.policy
import io
import socket
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.groups import ADMINISTRATOR, ensure_region_groups
from core.models import EmailDelivery
from organisms.models import Organism
from tests.accounts.factories import UserFactory
from tests.organisms.factories import OrganismFactory
from tests.outage import smtp_outage

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "long"]}}


class Recorder:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_settings(port: int) -> dict:
    options = {"host": "127.0.0.1", "port": port, "timeout": 5}
    return {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}}


def run_worker() -> None:
    """The database backend's own worker, in batch mode: every task ready now, then it returns."""
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", "--interval", "0", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_an_smtp_outage_during_a_decision_keeps_it_and_the_worker_sends_the_email_once_smtp_is_back(client):
    agent = UserFactory(region_agent=True)
    agent.groups.add(ensure_region_groups()[ADMINISTRATOR])
    client.force_login(agent)
    organism = OrganismFactory(pending=True, email="contact@atelier.example.org", usual_name="Atelier d'Ivry")
    port = free_port()  # nothing listens there yet: the mail server is down
    with override_settings(TASKS=DATABASE_TASKS, MAILERS=smtp_settings(port), EMAIL_RETRY_DELAYS=[1, 1]):
        response = client.post(reverse("region:organism_decision", args=[organism.slug]), {"decision": "approve"})
        assert response.status_code == 302  # never an error page for the person who acted
        organism.refresh_from_db()
        assert organism.approval_state == Organism.ApprovalState.APPROVED
        delivery = EmailDelivery.objects.get()
        assert delivery.status == EmailDelivery.Status.PENDING and delivery.to == ["contact@atelier.example.org"]
        assert DBTaskResult.objects.filter(task_path="core.mail.deliver_email", status="READY").count() == 1

        run_worker()  # first attempt: connection refused
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (EmailDelivery.Status.RETRYING, 1)
        assert "ConnectionRefusedError" in delivery.last_error
        retry = DBTaskResult.objects.get(status="READY")  # the task enqueued itself again, deferred
        assert retry.run_after is not None and retry.run_after > timezone.now() - timedelta(seconds=1)

        recorder = Recorder()
        server = Controller(recorder, hostname="127.0.0.1", port=port)
        server.start()  # the mail server is back
        try:
            time.sleep(max(0.0, (retry.run_after - timezone.now()).total_seconds()) + 0.1)
            run_worker()
        finally:
            server.stop()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (EmailDelivery.Status.SENT, 2)
    [envelope] = recorder.envelopes
    assert envelope.rcpt_tos == ["contact@atelier.example.org"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == "[Catalogue des formations] Atelier d'Ivry : organisme validé"
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2


@pytest.mark.django_db(transaction=True)
def test_after_the_last_retry_the_failure_is_recorded_and_listed_for_staff(client, caplog):
    organism = OrganismFactory(pending=True, email="contact@atelier.example.org")
    agent = UserFactory(region_agent=True)
    agent.groups.add(ensure_region_groups()[ADMINISTRATOR])
    client.force_login(agent)
    with smtp_outage(), override_settings(EMAIL_RETRY_DELAYS=[0, 0]):
        client.post(reverse("region:organism_decision", args=[organism.slug]), {"decision": "approve"})
        delivery = EmailDelivery.objects.get()
        assert (delivery.status, delivery.attempts) == (EmailDelivery.Status.RETRYING, 1)  # immediate backend
        out = io.StringIO()
        call_command("send_pending_emails", stdout=out)
        assert out.getvalue() == "Courriels : 0 envoyé(s), 1 à réessayer, 0 en échec définitif.\n"
        call_command("send_pending_emails", stdout=out)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (EmailDelivery.Status.FAILED, 3)
    assert mail.outbox == []
    page = client.get(reverse("region:task_queue")).content.decode()
    assert (
        "c***@atelier.example.org" in page
        and "contact@atelier" not in page
        and "Échec définitif" in page
        and "ConnectionRefusedError" in page
    )


@pytest.mark.django_db
def test_old_deliveries_are_forgotten():
    now = timezone.now()
    old_sent = EmailDelivery.objects.create(subject="a", body="b", to=["a@example.org"], status="sent")
    EmailDelivery.objects.filter(pk=old_sent.pk).update(sent_at=now - timedelta(days=31))
    recent = EmailDelivery.objects.create(subject="a", body="b", to=["b@example.org"], status="sent", sent_at=now)
    old_failed = EmailDelivery.objects.create(subject="a", body="b", to=["c@example.org"], status="failed")
    EmailDelivery.objects.filter(pk=old_failed.pk).update(created_at=now - timedelta(days=91))
    call_command("send_pending_emails", stdout=io.StringIO())
    assert list(EmailDelivery.objects.values_list("pk", flat=True)) == [recent.pk]
