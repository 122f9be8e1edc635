"""An organisation uploads a 5,000-session LHÉO file (made by the portal's own exporter from a seeded catalogue): a
real worker process checks it in the background, the member watches the progress move, confirms, leaves for the
dashboard, comes back through « Vos imports » and reads the report; axe on each page, wide and on a phone."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.test import override_settings
from playwright.sync_api import expect

from catalogue.models import SearchIndexVersion
from catalogue.reference_data import load_reference_data
from core.models import Job
from sessions.models import TrainingSession
from tests.accounts.factories import PASSWORD
from tests.core.workers import DATABASE_TASKS, db_worker
from tests.exchange.generated import organisation_offer_file
from tests.organisms.factories import MembershipFactory

pytestmark = pytest.mark.postgresql

COUNT = re.compile(r"(\d[\d\s]*) sessions (?:vérifiées|comparées à votre offre actuelle|écrites) sur (\d[\d\s]*\d)")


def number(text: str) -> int:
    return int(re.sub(r"\D", "", text))


@pytest.fixture
def offer(transactional_db, tmp_path):
    SearchIndexVersion.objects.get_or_create(pk=1, defaults={"token": "browser"})
    load_reference_data(regions=["11"])
    organism, total = organisation_offer_file(tmp_path / "offre-5000.xml", sessions=7000)
    assert total >= 5000
    membership = MembershipFactory(organism=organism, user__email="sophie@atelier.example.org")
    user = membership.user
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user, tmp_path / "offre-5000.xml", total


def watch(page, seen: set, *, until: str, timeout: float = 120):
    """Reads the live status every 50 ms, keeping each "N … sur M" seen, until `until` is on the page."""
    deadline = page.evaluate("Date.now()") + timeout * 1000
    while page.evaluate("Date.now()") < deadline:
        text = page.locator("#job-status").inner_text()
        for done, total in COUNT.findall(text):
            seen.add((number(done), number(total)))
        if until in text:
            return text
        page.wait_for_timeout(50)
    raise AssertionError(f"never saw {until!r}; last: {text!r}")


def test_upload_watch_the_progress_leave_come_back_and_read_the_report(
    live_server, page, axe_check, offer, settings, tmp_path
):
    user, path, total = offer
    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)
    with override_settings(TASKS=DATABASE_TASKS), db_worker(media):
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(live_server.url + "/compte/login/")
        page.get_by_label("Courriel").fill(user.email)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Connexion").click()
        page.wait_for_url("**/espace-organisme/")

        page.get_by_role("link", name="Importer un fichier LHÉO").click()
        page.get_by_label("Fichier LHÉO (XML, version 2.2 ou 2.3)").set_input_files(path)
        page.get_by_role("button", name="Vérifier le fichier").click()
        page.wait_for_url(re.compile(r".*/espace-organisme/travaux/\d+/$"))
        job_url = page.url
        assert page.locator("#job-status").get_attribute("aria-live") == "polite"
        seen: set = set()
        watch(page, seen, until="sessions")  # the worker has started
        axe_check(page, "import-progress-wide")
        watch(page, seen, until="Aperçu : voici ce que l'import changerait")
        # Swapped in by the polling: the page's own cancel button and refresh link go, the preview's buttons stay.
        expect(page.get_by_role("button", name="Annuler l'import")).to_have_count(0)
        expect(page.get_by_role("link", name="Actualiser la page")).to_have_count(0)
        report = page.locator("#job-status").inner_text()
        assert re.search(rf"Sessions\s+{total // 1000}\D?{total % 1000:03d}\s", report), report
        axe_check(page, "import-preview-wide")

        page.get_by_role("button", name="Confirmer l'import").click()
        page.wait_for_url(job_url)
        watch(page, seen, until="sessions écrites")  # the write has started
        # The progress moved: several different counts seen, all out of the file's sessions.
        assert len(seen) >= 2, seen
        assert {t for _, t in seen} == {total} and min(d for d, _ in seen) < total

        page.get_by_role("link", name="Tableau de bord").click()  # the member leaves
        page.wait_for_url("**/espace-organisme/")
        page.get_by_role("link", name="Vos imports").click()
        page.wait_for_url("**/espace-organisme/travaux/")
        axe_check(page, "import-list-wide")
        page.get_by_role("link", name="Import LHÉO « offre-5000.xml »").click()
        page.wait_for_url(job_url)
        text = watch(page, seen, until="Import terminé : votre offre est à jour")
        assert f"sessions : {total} créé(s)" in text
        axe_check(page, "import-report-wide")
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        axe_check(page, "import-report-phone")
    assert Job.objects.get().status == Job.Status.DONE
    assert TrainingSession.objects.count() == total
