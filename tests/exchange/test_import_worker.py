"""An organisation's LHÉO import run by a real worker process (`manage.py db_worker`), killed with SIGKILL in the
middle of its write: the catalogue is unchanged, the job is found stale and marked failed, and its retry succeeds."""

import os
import signal

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from catalogue.models import Action, Formation
from catalogue.reference_data import load_reference_data
from core import jobs
from core.models import Job
from exchange.models import ImportRun
from sessions.models import TrainingSession
from tests.core.workers import DATABASE_TASKS, db_worker, wait_for
from tests.exchange.generated import organisation_offer_file
from tests.organisms.factories import MembershipFactory

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def catalogue():
    return (
        Formation.objects.count(),
        Action.objects.count(),
        TrainingSession.objects.count(),
        sorted(Formation.objects.values_list("external_id", "title")),
    )


def job_status(job):
    job.refresh_from_db()
    return job.status


def test_a_worker_killed_during_an_import_leaves_the_catalogue_unchanged_and_the_retry_succeeds(
    client, settings, tmp_path
):
    assert connection.vendor == "postgresql"
    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)
    load_reference_data(regions=["11"])
    organism, total = organisation_offer_file(tmp_path / "offre.xml", sessions=5000)
    assert total > 3000
    client.force_login(MembershipFactory(organism=organism).user)
    with override_settings(TASKS=DATABASE_TASKS), (tmp_path / "offre.xml").open("rb") as upload:
        response = client.post(reverse("backoffice:import_lheo"), {"fichier": upload})
    job = Job.objects.get()
    assert response.url == reverse("backoffice:job", args=[job.pk])
    before = catalogue()
    assert before[:3] == (0, 0, 0)

    with db_worker(media) as worker:
        wait_for(lambda: job_status(job) == Job.Status.CHECKED, what="the preview")
        assert job.result["sessions_total"] == total
        with override_settings(TASKS=DATABASE_TASKS):
            client.post(reverse("backoffice:job_confirm", args=[job.pk]))
        # Killed once the write has begun and a first batch is written (inside the import's transaction).
        wait_for(
            lambda: (p := jobs.read_progress(job)).get("stage") == "write" and p.get("done", 0) > 0,
            every=0.005,
            what="the write",
        )
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    assert catalogue() == before
    assert job_status(job) == Job.Status.RUNNING  # nobody knows yet
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.RUNNING

    with override_settings(JOB_STALE_SECONDS=2):
        wait_for(lambda: jobs.is_stale(job), timeout=10, what="staleness")
        page = client.get(reverse("backoffice:job", args=[job.pk])).content.decode()
    assert "L'import a échoué" in page and "Relancer l'import" in page
    assert job_status(job) == Job.Status.FAILED and job.stage == "write"
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert DBTaskResult.objects.get(id=job.task_id).status == "FAILED"
    assert catalogue() == before

    with override_settings(TASKS=DATABASE_TASKS):
        client.post(reverse("backoffice:job_retry", args=[job.pk]))
    assert job_status(job) == Job.Status.WAITING
    with db_worker(media):
        wait_for(lambda: job_status(job) not in Job.ACTIVE, what="the retried import")
    assert job.status == Job.Status.DONE, job.error
    assert TrainingSession.objects.filter(action__formation__organism=organism).count() == total
    assert ImportRun.objects.filter(status=ImportRun.Status.WRITTEN).count() == 1
    page = client.get(reverse("backoffice:job", args=[job.pk])).content.decode()
    assert "Import terminé : votre offre est à jour" in page


def test_the_person_cancels_while_the_worker_checks_and_nothing_is_written(client, settings, tmp_path):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)
    load_reference_data(regions=["11"])
    organism, _total = organisation_offer_file(tmp_path / "offre.xml", sessions=5000)
    client.force_login(MembershipFactory(organism=organism).user)
    with override_settings(TASKS=DATABASE_TASKS), (tmp_path / "offre.xml").open("rb") as upload:
        client.post(reverse("backoffice:import_lheo"), {"fichier": upload})
    job = Job.objects.get()
    with db_worker(media):
        wait_for(lambda: jobs.read_progress(job).get("done", 0) > 0, every=0.005, what="the check")
        response = client.post(reverse("backoffice:job_cancel", args=[job.pk]))
        assert response.status_code == 302
        wait_for(lambda: job_status(job) not in Job.ACTIVE, what="the cancel")
    assert job.status == Job.Status.CANCELLED
    page = client.get(reverse("backoffice:job", args=[job.pk])).content.decode()
    assert "Import annulé :" in page and "rien n'est écrit" in page
    assert catalogue()[:3] == (0, 0, 0) and not ImportRun.objects.exists()
    assert not (media / job.input_path).exists()  # the file is forgotten
