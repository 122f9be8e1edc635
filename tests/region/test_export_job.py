"""The Region's LHÉO export prepared by a task and offered for download when ready, to its requester only."""

import pytest
from django.urls import reverse

from accounts.groups import ADMINISTRATOR, VIEWER, ensure_region_groups
from core.models import Job
from tests.accounts.factories import UserFactory
from tests.catalogue.factories import ActionFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


def agent(group):
    user = UserFactory(region_agent=True)
    user.groups.add(ensure_region_groups()[group])
    return user


def test_prepared_in_the_background_then_downloaded_by_its_requester_only(
    client, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    action = ActionFactory()
    sessions = [TrainingSessionFactory(action=action) for _ in range(3)]
    requester = agent(VIEWER)
    client.force_login(requester)
    with django_capture_on_commit_callbacks(execute=True):  # the task runs once the request commits
        response = client.post(reverse("region:export_lheo_prepare"))
    job = Job.objects.get()
    assert response.url == reverse("region:export_job", args=[job.pk])
    assert (job.kind, job.status, job.user) == (Job.Kind.LHEO_EXPORT, Job.Status.DONE, requester)
    page = client.get(response.url).content.decode()
    assert "Le fichier est prêt" in page and "3 sessions" in page
    download = client.get(reverse("region:export_job_download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/xml"
    body = b"".join(download.streaming_content).decode()
    assert body.startswith("<?xml") and all(s.public_id in body for s in sessions)

    client.force_login(agent(ADMINISTRATOR))  # another agent, even an administrator: not theirs
    assert client.get(reverse("region:export_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("region:export_job_download", args=[job.pk])).status_code == 404


def test_not_offered_before_it_is_ready(client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    requester = agent(VIEWER)
    client.force_login(requester)
    response = client.post(reverse("region:export_lheo_prepare"))  # its task waits for the commit: never here
    job = Job.objects.get()
    assert job.status == Job.Status.WAITING
    page = client.get(response.url).content.decode()
    assert "En attente" in page and 'aria-live="polite"' in page and "every 1s" in page
    assert client.get(reverse("region:export_job_download", args=[job.pk])).status_code == 404
