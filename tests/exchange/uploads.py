"""Spreadsheet uploads in tests: the check and the write run as tasks (exchange.jobs), on the immediate backend."""

from django.test import TestCase
from django.urls import reverse

from core.models import Job


def upload_and_check(client, data: dict):
    """Posts an upload (its check runs as a task once the request commits: at once here, immediate backend) and
    answers the job's page it leads to (or the form's page when the form refused it)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("backoffice:sessions_upload"), data)
    return client.get(response.url) if response.status_code == 302 else response


def confirm_upload(client):
    job = Job.objects.filter(kind=Job.Kind.SESSIONS_UPLOAD, status=Job.Status.CHECKED).latest("pk")
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("backoffice:job_confirm", args=[job.pk]))
