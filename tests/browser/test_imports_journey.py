"""A region agent follows the night's feed: the feed and its last run, the run's counts and the records it rejected,
the report as CSV; wide and on a phone."""

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.groups import VIEWER, ensure_region_groups
from catalogue.models import SearchIndexVersion
from exchange.feeds import feed_policy, run_import
from exchange.models import FeedSource, ImportRun
from tests.accounts.factories import PASSWORD, UserFactory
from tests.catalogue.factories import CommuneFactory
from tests.exchange import samples


@pytest.fixture
def feed_world(transactional_db):
    SearchIndexVersion.objects.get_or_create(pk=1, defaults={"token": "browser"})
    CommuneFactory()
    agent = UserFactory(region_agent=True, email="yann@region.example.org")
    agent.groups.add(ensure_region_groups()[VIEWER])
    EmailAddress.objects.create(user=agent, email=agent.email, primary=True, verified=True)
    feed = FeedSource.objects.create(
        name="dokelio-idf", label="DOKELIO Île-de-France (Carif-Oref)", url="https://flux.example.org/lheo.xml"
    )
    data = samples.feed(samples.many_sessions(60, bad={4, 31}))
    run, report = run_import(
        data, feed=feed, policy=feed_policy(feed), commit=True, trigger=ImportRun.Trigger.SYNC, origin=feed.url
    )
    assert report.written
    return agent, run


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["wide", "phone"])
def test_follow_the_night_s_feed(live_server, page, axe_check, feed_world, viewport):
    agent, run = feed_world
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    name = "wide" if viewport[0] > 1000 else "phone"
    page.goto(live_server.url + "/compte/login/")
    page.get_by_label("Courriel").fill(agent.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/region/")

    page.get_by_role("link", name="Imports LHÉO").click()
    page.wait_for_url("**/region/imports/")
    assert "DOKELIO Île-de-France (Carif-Oref)" in page.locator("main").inner_text()
    axe_check(page, f"region-imports-{name}")

    page.get_by_role("link", name=timezone.localtime(run.started_at).strftime("%d/%m/%Y %H:%M")).first.click()
    page.wait_for_url(f"**/region/imports/{run.pk}/")
    main = page.locator("main").inner_text()
    assert "Problèmes (2)" in main and "S004" in main and "S031" in main
    assert "La date de fin doit être postérieure ou égale à la date de début." in main
    axe_check(page, f"region-import-run-{name}")

    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le rapport complet (CSV)").click()
    report = download.value.path().read_bytes().decode("utf-8-sig")
    assert report.splitlines()[0] == "Fiche;Numéro;Ligne;Élément;Problème"
    assert len(report.splitlines()) == 3
