"""Saved searches and their alerts, run across days with the real command: a new matching session gives one email, a
second run none, an unsubscribe stops them."""

import email
import email.policy
import json
import re
import time
from datetime import timedelta
from io import StringIO

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.management import call_command
from django.http import QueryDict
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.groups import ADMINISTRATOR, ensure_region_groups
from catalogue.models import SearchIndexVersion
from core.models import EmailDelivery
from shortlists.models import SavedSearch, SavedSearchMatch
from shortlists.searches import describe, normalise_query
from shortlists.services import KeepError, saved_search_save
from tests.accounts.factories import UserFactory
from tests.catalogue.factories import ActionFactory, CommuneFactory
from tests.core.test_email_deliveries import DATABASE_TASKS, Recorder, free_port, run_worker, smtp_settings
from tests.outage import smtp_outage
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def index_version(db):
    SearchIndexVersion.objects.get_or_create(pk=1, defaults={"token": "alerts"})


def a_day_passes(saved: SavedSearch, days: int = 1):
    """Moves the saved search's clock back, as if `days` had passed since it was last examined."""
    SavedSearch.objects.filter(pk=saved.pk).update(
        created_at=saved.created_at - timedelta(days=days),
        last_checked_at=SavedSearch.objects.get(pk=saved.pk).last_checked_at - timedelta(days=days),
    )


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Runs the command as cron does: each search's transaction commits, then its alert's delivery task runs
    (immediate backend in tests)."""

    def run(*args):
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_search_alerts", *args, stdout=out)
        return out.getvalue()

    return run


@pytest.fixture
def saved(jobseeker):
    web = ActionFactory(formation__title="Développeur web et web mobile")
    TrainingSessionFactory(action=web)  # matches already when the search is saved: never announced
    return saved_search_save(
        saved=SavedSearch(user=jobseeker),
        name="Développeur",
        frequency=SavedSearch.Frequency.DAILY,
        query=QueryDict("q=developpeur&page=3&tri=date&lieu="),
        now=timezone.now(),
    )


def test_the_query_is_kept_without_page_sort_or_empty_values(saved):
    assert saved.query == "q=developpeur"
    assert normalise_query(QueryDict("public=femmes&public=16-25-ans&axe=&csrfmiddlewaretoken=x")) == (
        "public=16-25-ans&public=femmes"
    )
    assert describe("q=web&public=femmes&gratuit=1", today=timezone.localdate()) == (
        "« web » · Femmes · Gratuite pour les demandeurs d'emploi"
    )


def test_a_new_session_is_announced_once_and_unsubscribe_stops_the_alerts(saved, client, run):
    # Day 0: saved; what matched then is known, nothing is sent the same day.
    assert SavedSearchMatch.objects.filter(saved_search=saved, announced_at__isnull=True).count() == 1
    assert "1 recherche(s) examinée(s)" not in run("--send")
    assert mail.outbox == []

    # Day 1: a new matching session, and one that does not match.
    a_day_passes(saved)
    new = TrainingSessionFactory(action__formation__title="Développeur Python")
    TrainingSessionFactory(action__formation__title="Comptabilité")
    dry = run()
    assert "« Développeur », 1 nouvelle(s) session(s)" in dry and mail.outbox == []  # a dry run sends nothing
    assert not EmailDelivery.objects.exists()  # and writes nothing
    assert not SavedSearchMatch.objects.filter(announced_at__isnull=False).exists()
    summary = run("--send")
    assert summary.startswith("  demandeur@example.org : « Développeur », 1 nouvelle(s) session(s)")
    assert "1 recherche(s) examinée(s), 1 alerte(s) mise(s) en file d'envoi, 1 session(s) annoncée(s)" in summary
    assert len(mail.outbox) == 1
    assert EmailDelivery.objects.get().status == EmailDelivery.Status.SENT
    a_day_passes(saved)
    TrainingSessionFactory(action__formation__title="Développeur Java")
    assert json.loads(run("--send", "--json")) == {
        "command": "send_search_alerts",
        "send": True,
        "examined": 1,
        "queued": 1,
        "sessions": 1,
        "forgotten": 0,
    }
    assert len(mail.outbox) == 2
    mail.outbox.pop()
    email = mail.outbox[0]
    assert email.to == ["demandeur@example.org"]
    assert email.subject == "[Catalogue des formations] 1 nouvelle session pour « Développeur »"
    assert "Développeur Python" in email.body and "Comptabilité" not in email.body
    assert reverse("action_detail", args=[new.action.public_id]) in email.body
    assert "/formations/?q=developpeur" in email.body
    unsubscribe = re.search(r"(http://\S+/alertes/desinscription/\S+/)", email.body).group(1)
    assert email.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Same day, second run: nothing. Next day, nothing new: nothing.
    assert run("--send").startswith("0 recherche(s) examinée(s), 0 alerte(s) mise(s) en file d'envoi")
    a_day_passes(saved)
    assert "1 recherche(s) examinée(s), 0 alerte(s) mise(s) en file d'envoi" in run("--send")
    assert len(mail.outbox) == 1 and EmailDelivery.objects.count() == 2  # the first alert and the JSON run's

    # One click from the email (RFC 8058: the mail client posts, no login, no CSRF token).
    path = unsubscribe.split("://", 1)[1].split("/", 1)[1]
    assert "Arrêter l'alerte" in client.get("/" + path).content.decode()  # a GET changes nothing
    assert SavedSearch.objects.get(pk=saved.pk).frequency == "daily"
    client.handler.enforce_csrf_checks = True
    response = client.post("/" + path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "Alerte arrêtée" in response.content.decode()
    saved.refresh_from_db()
    assert saved.frequency == "none" and saved.unsubscribed_at is not None

    a_day_passes(saved)
    TrainingSessionFactory(action__formation__title="Développeur mobile")
    run("--send")
    assert len(mail.outbox) == 1


def test_weekly_searches_wait_a_week_and_a_refused_alert_is_retried_by_the_task_then_listed_as_failed(
    jobseeker, run, settings, client
):
    settings.EMAIL_RETRY_DELAYS = [0, 0]
    weekly = saved_search_save(
        saved=SavedSearch(user=jobseeker), name="Tout", frequency="weekly", query="", now=timezone.now()
    )
    TrainingSessionFactory()
    a_day_passes(weekly, 3)
    assert "0 recherche(s) examinée(s)" in run("--send")
    a_day_passes(weekly, 4)
    with smtp_outage():
        assert "1 alerte(s) mise(s) en file d'envoi, 1 session(s) annoncée(s)" in run("--send")
        assert SavedSearchMatch.objects.filter(announced_at__isnull=False).count() == 1  # recorded with the delivery
        delivery = EmailDelivery.objects.get()
        assert (delivery.status, delivery.attempts) == (EmailDelivery.Status.RETRYING, 1)
        assert delivery.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        a_day_passes(weekly, 7)
        # The next run does not announce it again: the task retries it.
        assert "1 recherche(s) examinée(s), 0 alerte(s) mise(s) en file d'envoi" in run("--send")
        call_command("send_pending_emails", stdout=StringIO())
        call_command("send_pending_emails", stdout=StringIO())
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (EmailDelivery.Status.FAILED, 3)
    assert mail.outbox == [] and EmailDelivery.objects.count() == 1
    agent = UserFactory(region_agent=True)
    agent.groups.add(ensure_region_groups()[ADMINISTRATOR])
    client.force_login(agent)
    page = client.get(reverse("region:task_queue")).content.decode()
    assert (
        "d***@example.org" in page
        and "demandeur@" not in page
        and "Échec définitif" in page
        and "ConnectionRefusedError" in page
    )


@pytest.mark.django_db(transaction=True)
def test_an_smtp_outage_during_the_run_records_the_announcement_and_the_worker_sends_the_alert_once_smtp_is_back(
    saved,
):
    a_day_passes(saved)
    TrainingSessionFactory(action__formation__title="Développeur Python")
    port = free_port()  # nothing listens there yet: the mail server is down
    with override_settings(TASKS=DATABASE_TASKS, MAILERS=smtp_settings(port), EMAIL_RETRY_DELAYS=[1, 1]):
        out = StringIO()
        call_command("send_search_alerts", "--send", stdout=out)
        assert "1 alerte(s) mise(s) en file d'envoi, 1 session(s) annoncée(s)" in out.getvalue()
        assert SavedSearchMatch.objects.filter(saved_search=saved, announced_at__isnull=False).count() == 1
        delivery = EmailDelivery.objects.get()
        assert delivery.status == EmailDelivery.Status.PENDING and delivery.to == ["demandeur@example.org"]
        assert DBTaskResult.objects.filter(task_path="core.mail.deliver_email", status="READY").count() == 1

        run_worker()  # first attempt: connection refused
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (EmailDelivery.Status.RETRYING, 1)
        assert "ConnectionRefusedError" in delivery.last_error
        retry = DBTaskResult.objects.get(status="READY")  # the task enqueued itself again, deferred

        recorder = Recorder()
        server = Controller(recorder, hostname="127.0.0.1", port=port)
        server.start()  # the mail server is back
        try:
            time.sleep(max(0.0, (retry.run_after - timezone.now()).total_seconds()) + 0.1)
            run_worker()
        finally:
            server.stop()

        a_day_passes(saved)  # the next day's run: nothing new, the session is not announced again
        out = StringIO()
        call_command("send_search_alerts", "--send", stdout=out)
        assert "1 recherche(s) examinée(s), 0 alerte(s) mise(s) en file d'envoi" in out.getvalue()
        run_worker()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (EmailDelivery.Status.SENT, 2)
    assert EmailDelivery.objects.count() == 1
    [envelope] = recorder.envelopes
    assert envelope.rcpt_tos == ["demandeur@example.org"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == "[Catalogue des formations] 1 nouvelle session pour « Développeur »"
    assert "Développeur Python" in message.get_content()
    unsubscribe = re.search(r"(http://\S+/alertes/desinscription/\S+/)", message.get_content()).group(1)
    assert message["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_tampered_unsubscribe_link_is_refused(client, saved):
    response = client.post(reverse("shortlists:unsubscribe", args=["abc:def"]))
    assert response.status_code == 400
    saved.refresh_from_db()
    assert saved.frequency == "daily"


def test_too_broad_a_search_gets_no_alert(jobseeker, settings):
    settings.SEARCH_ALERT_MAX_SESSIONS = 2
    TrainingSessionFactory.create_batch(3)
    with pytest.raises(KeepError, match="3 sessions"):
        saved_search_save(
            saved=SavedSearch(user=jobseeker), name="Tout", frequency="daily", query="", now=timezone.now()
        )
    assert saved_search_save(
        saved=SavedSearch(user=jobseeker), name="Tout", frequency="none", query="", now=timezone.now()
    ).pk


def test_a_search_with_too_many_criteria_is_refused_in_french(client, jobseeker):
    client.force_login(jobseeker)
    url = reverse("shortlists:search_save") + "?q=web&organisme=" + "o" * 2100
    response = client.post(url, {"name": "Trop", "frequency": "none"})
    assert response.status_code == 200 and "trop de critères" in response.content.decode()
    assert not SavedSearch.objects.exists()


def test_saving_from_the_search_page(client, jobseeker):
    CommuneFactory()
    TrainingSessionFactory(action__formation__title="Développeur web")
    client.force_login(jobseeker)
    url = reverse("shortlists:search_save") + "?q=web&commune=94028&page=2"
    page = client.get(url).content.decode()
    assert "« web » · Créteil (20 km)" in page
    response = client.post(url, {"name": "Web près de chez moi", "frequency": "weekly"})
    assert response.status_code == 302
    saved = SavedSearch.objects.get(user=jobseeker)
    assert (saved.name, saved.query, saved.frequency) == ("Web près de chez moi", "commune=94028&q=web", "weekly")
    assert "Web près de chez moi" in client.get(reverse("shortlists:searches")).content.decode()
    UserFactory()  # another person's searches are not listed
