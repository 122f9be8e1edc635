"""Two hands on one object at once: two attempts to send one email, a cancel and a worker on one job. The second
hand interleaves at the worst moment, called from inside the first (the race run in one thread, deterministic)."""

import pytest
from django.core import mail

from core import jobs
from core import mail as core_mail
from core.mail import BUSY, attempt
from core.models import EmailDelivery, Job
from exchange import jobs as import_jobs
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_two_attempts_at_once_send_one_email(monkeypatch):
    delivery = EmailDelivery.objects.create(subject="Sujet", body="Corps", to=["a@example.org"], headers={})
    other = EmailDelivery.objects.get(pk=delivery.pk)  # what cron's send_pending_emails read at the same moment
    send, answers = core_mail._send, []

    def send_while_the_other_tries(*args):
        if not answers:
            answers.append(attempt(other))  # cron's attempt while the task's SMTP send is under way
        send(*args)

    monkeypatch.setattr(core_mail, "_send", send_while_the_other_tries)
    assert attempt(delivery) == EmailDelivery.Status.SENT
    assert answers == [BUSY]
    assert len(mail.outbox) == 1
    assert EmailDelivery.objects.get(pk=delivery.pk).attempts == 1


def test_a_waiting_job_taken_by_the_worker_is_not_cancelled_once_it_writes():
    job = Job.objects.create(kind=Job.Kind.LHEO_EXPORT, user=UserFactory(), label="Export", stage="export")
    seen_by_the_page = Job.objects.get(pk=job.pk)  # the cancel view read it while it was waiting
    with jobs.running(job.pk) as (running_job, progress):
        progress.writing()
        assert import_jobs.cancel(seen_by_the_page) is False  # too late: the write started
        assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING
        jobs.finish(running_job, Job.Status.DONE)
    assert Job.objects.get(pk=job.pk).status == Job.Status.DONE


def test_a_cancel_just_before_the_write_stops_it():
    job = Job.objects.create(kind=Job.Kind.LHEO_EXPORT, user=UserFactory(), label="Export", stage="export")
    with jobs.running(job.pk) as (running_job, progress):
        assert import_jobs.cancel(Job.objects.get(pk=job.pk)) is True
        with pytest.raises(jobs.Cancelled):
            progress.writing()  # the cancel holds the gate: the write does not start
        assert import_jobs.cancel(Job.objects.get(pk=job.pk)) is True  # asked again: still cancelled
        jobs.finish(running_job, Job.Status.CANCELLED)
