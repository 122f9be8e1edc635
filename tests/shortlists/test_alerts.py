"""Saved searches and their alerts, run across days with the real command: a new matching session gives one email, a
second run none, an unsubscribe stops them."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from catalogue.models import SearchIndexVersion
from shortlists.models import SavedSearch, SavedSearchMatch
from shortlists.searches import describe, normalise_query
from shortlists.services import KeepError, saved_search_save
from tests.accounts.factories import UserFactory
from tests.catalogue.factories import ActionFactory, CommuneFactory
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


def run(*args):
    out = StringIO()
    call_command("send_search_alerts", *args, stdout=out)
    return out.getvalue()


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


def test_a_new_session_is_announced_once_and_unsubscribe_stops_the_alerts(saved, client):
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
    summary = run("--send")
    assert summary.startswith("  demandeur@example.org : « Développeur », 1 nouvelle(s) session(s)")
    assert "1 recherche(s) examinée(s), 1 alerte(s) envoyée(s), 1 session(s) annoncée(s)" in summary
    assert len(mail.outbox) == 1
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
    assert run("--send").startswith("0 recherche(s) examinée(s), 0 alerte(s) envoyée(s)")
    a_day_passes(saved)
    assert "1 recherche(s) examinée(s), 0 alerte(s) envoyée(s)" in run("--send")
    assert len(mail.outbox) == 1

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


def test_weekly_searches_wait_a_week_and_failed_digests_are_sent_next_time(jobseeker):
    weekly = saved_search_save(
        saved=SavedSearch(user=jobseeker), name="Tout", frequency="weekly", query="", now=timezone.now()
    )
    TrainingSessionFactory()
    a_day_passes(weekly, 3)
    assert "0 recherche(s) examinée(s)" in run("--send")
    a_day_passes(weekly, 4)
    with smtp_outage():
        assert "1 en échec" in run("--send")
    assert not SavedSearchMatch.objects.filter(announced_at__isnull=False).exists()  # nothing recorded
    assert "1 alerte(s) envoyée(s), 1 session(s) annoncée(s)" in run("--send")
    assert len(mail.outbox) == 1


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
