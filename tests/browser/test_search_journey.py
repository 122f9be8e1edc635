"""An adviser's search, as a person does it: place and radius, audience, axis, a detail page, the calendar file."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from catalogue.choices import Audience
from catalogue.models import SearchIndexVersion
from tests.catalogue.factories import ActionAudienceFactory, ActionFactory, CommuneFactory, TrainingPlaceFactory
from tests.sessions.factories import TrainingSessionFactory


@pytest.fixture
def catalogue(transactional_db):
    SearchIndexVersion.objects.get_or_create(pk=1, defaults={"token": "browser"})
    creteil = CommuneFactory(code="94028", name="Créteil", postcodes="94000", latitude=48.7838, longitude=2.4545)
    vitry = CommuneFactory(code="94081", name="Vitry-sur-Seine", postcodes="94400", latitude=48.7875, longitude=2.3928)
    meaux = CommuneFactory(code="77284", name="Meaux", postcodes="77100", latitude=48.9601, longitude=2.8788)

    def on_site(title, commune, **action_fields):
        place = TrainingPlaceFactory(commune=commune, action__formation__title=title, **action_fields)
        TrainingSessionFactory(action=place.action, is_remote=False, place=place)
        return place.action

    young_blended = on_site("Développeur web et web mobile", vitry, action__blended=True)
    ActionAudienceFactory(action=young_blended, code=Audience.YOUNG_16_25)
    on_site("Technicien d'assistance en informatique", creteil)
    ActionAudienceFactory(action=on_site("Data analyst", meaux, action__blended=True), code=Audience.YOUNG_16_25)
    remote = ActionFactory(remote=True, formation__title="Anglais professionnel pour la logistique")
    TrainingSessionFactory(action=remote, start_date=timezone.localdate() + timedelta(days=9))
    ActionAudienceFactory(action=remote, code=Audience.YOUNG_16_25)
    return young_blended


def count_text(page) -> str:
    return page.locator("#result-count").inner_text().strip()


def test_an_adviser_finds_a_training_near_creteil(live_server, page, axe_check, catalogue):
    page.goto(live_server.url + "/formations/")
    assert count_text(page) == "4 formations trouvées"
    axe_check(page, "search-empty")

    page.get_by_label("Commune ou code postal").fill("Créteil")
    page.get_by_label("Commune ou code postal").press("Enter")
    expect(page.locator("#result-count")).to_have_text(re.compile(r"^3 "), use_inner_text=True)
    assert re.search(r"commune=94028", page.url)  # the shareable URL names the commune by its INSEE code

    page.get_by_label("Dans un rayon de").select_option("10")
    page.wait_for_url(re.compile(r"rayon=10"))

    page.locator("#id_public summary").click()
    page.get_by_label(re.compile(r"^Jeunes de 16 à 25 ans")).check()
    expect(page.locator("#result-count")).to_have_text(re.compile(r"^2 "), use_inner_text=True)
    focused = page.evaluate("document.activeElement && document.activeElement.id")
    assert focused == "id_public_16-25-ans"  # focus stays on the box just ticked after the live update

    # Keyboard only: the axis box is reached and ticked without the mouse.
    page.locator("#id_axe_hybride").focus()
    page.keyboard.press("Space")
    expect(page.locator("#result-count")).to_have_text(re.compile(r"^1 "), use_inner_text=True)
    assert page.evaluate("document.activeElement.id") == "id_axe_hybride"
    assert "public=16-25-ans" in page.url and "axe=hybride" in page.url
    results = page.locator("[data-action]")
    assert results.count() == 1
    assert results.first.get_attribute("data-action") == catalogue.public_id
    assert "Vitry-sur-Seine" in results.first.inner_text()
    axe_check(page, "search-filtered")

    shared = page.url
    page.goto(shared)  # the URL sent to the jobseeker gives the same answer
    assert count_text(page) == "1 formation trouvée"

    page.get_by_role("link", name="Développeur web et web mobile").click()
    page.wait_for_url(f"**/formations/{catalogue.public_id}/?retour=*")
    expect(page.locator("h1")).to_have_text("Développeur web et web mobile")
    axe_check(page, "detail")
    back = page.locator(".breadcrumb").get_by_role("link", name="Résultats de votre recherche")
    assert back.get_attribute("href") == "/formations/?" + shared.split("?", 1)[1]  # back to the search it came from

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Ajouter à mon agenda")).first.click()
    download = download_info.value
    content = Path(download.path()).read_text(encoding="utf-8")
    assert content.startswith("BEGIN:VCALENDAR")
    assert "SUMMARY:Développeur web et web mobile" in content
    assert download.suggested_filename.endswith(".ics")


def test_no_result_and_bad_input(live_server, page, axe_check, catalogue):
    page.goto(live_server.url + "/formations/?q=boulangerie")
    assert count_text(page) == "Aucune formation trouvée"
    assert page.get_by_text("Aucune formation ne correspond à tous ces critères.").is_visible()
    axe_check(page, "search-no-result")
    page.goto(live_server.url + "/formations/?lieu=Atlantide&debut_min=2027-02-31")
    assert page.locator("#error-summary").is_visible()
    assert page.locator("#id_lieu").input_value() == "Atlantide"
    axe_check(page, "search-errors")


def test_map_view(live_server, page, axe_check, catalogue):
    page.goto(live_server.url + "/formations/carte/?axe=hybride")
    page.wait_for_selector(".leaflet-marker-icon")
    assert page.locator(".leaflet-marker-icon").count() == 2
    axe_check(page, "map")


def test_narrow_screen(live_server, page, axe_check, catalogue):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + "/formations/?commune=94028&public=16-25-ans")
    expect(page.locator("[data-action]").first).to_be_in_viewport()  # the results come before the filters
    axe_check(page, "search-narrow")
