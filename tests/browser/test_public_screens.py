"""The public pages on a phone (390 by 844) and at work (1280 by 800), issue 13: results first, filters in a panel,
removable chips, clean URLs from the form, no page wider than the screen, the map listing remote trainings, axe."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from catalogue.choices import Audience
from catalogue.models import SearchIndexVersion
from tests.catalogue.factories import ActionAudienceFactory, ActionFactory, CommuneFactory, TrainingPlaceFactory
from tests.sessions.factories import TrainingSessionFactory

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 800}
SIZES = pytest.mark.parametrize("size", [PHONE, WIDE], ids=["phone", "wide"])


@pytest.fixture
def catalogue(transactional_db):
    SearchIndexVersion.objects.get_or_create(pk=1, defaults={"token": "browser"})
    creteil = CommuneFactory(code="94028", name="Créteil", postcodes="94000", latitude=48.7838, longitude=2.4545)
    vitry = CommuneFactory(code="94081", name="Vitry-sur-Seine", postcodes="94400", latitude=48.7875, longitude=2.3928)
    first = None
    for n, (title, commune) in enumerate(
        [
            ("Développeur web et web mobile", vitry),
            ("Technicien d'assistance en informatique", creteil),
            ("Concepteur développeur d'applications", creteil),
            ("Intégrateur web", vitry),
        ]
    ):
        place = TrainingPlaceFactory(commune=commune, action__formation__title=title, action__blended=n % 2 == 0)
        TrainingSessionFactory(
            action=place.action, is_remote=False, place=place, start_date=timezone.localdate() + timedelta(days=10 + n)
        )
        first = first or place.action
    for title in ("Anglais professionnel pour la logistique", "Data analyst à distance"):
        remote = ActionFactory(remote=True, formation__title=title)
        TrainingSessionFactory(action=remote, start_date=timezone.localdate() + timedelta(days=9))
        ActionAudienceFactory(action=remote, code=Audience.YOUNG_16_25)
    return first


def fits_the_screen(page):
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"page {width[0]} px wide on a {width[1]} px screen"


@SIZES
def test_search_results_first_and_within_the_screen(live_server, browser, axe_check, catalogue, size):
    context = browser.new_context(locale="fr-FR", viewport=size)
    page = context.new_page()
    name = "phone" if size is PHONE else "wide"
    page.goto(live_server.url + "/formations/?q=developpeur&commune=94028&public=16-25-ans&modalite=mixte")
    page.goto(live_server.url + "/formations/?commune=94028")
    count = page.locator(".results__count")
    title = page.locator(".result__title").first
    for element in (count, title):
        box = element.bounding_box()
        assert box["y"] + box["height"] <= size["height"], "the count and the first result on the first screen"
    fits_the_screen(page)
    axe_check(page, f"screens-search-{name}")

    # Filters: beside the results at work, in a panel on a phone.
    panel = page.locator("#search-filters")
    if size is PHONE:
        expect(panel).to_be_hidden()
        toggle = page.get_by_role("button", name=re.compile("^Filtres"))
        expect(toggle).to_have_attribute("aria-expanded", "false")
        toggle.click()
        expect(panel).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        page.locator("#id_modalite summary").click()
        page.get_by_label(re.compile(r"^À distance")).check()
        apply = page.get_by_role("button", name="Voir les 2 résultats")
        expect(apply).to_be_visible()  # the count follows the boxes ticked
        fits_the_screen(page)
        axe_check(page, "screens-filters-open-phone")
        apply.click()
        expect(panel).to_be_hidden()
        assert page.evaluate("document.activeElement.id") == "search-results"
        assert page.locator(".results__count").bounding_box()["y"] < size["height"]
    else:
        expect(panel).to_be_visible()
        expect(page.locator("[data-filters-toggle]")).to_be_hidden()
        page.locator("#id_modalite summary").click()
        page.get_by_label(re.compile(r"^À distance")).check()
        expect(page.locator("#result-count")).to_have_text(re.compile(r"^2 "), use_inner_text=True)
    page.wait_for_url(re.compile(r"modalite=distance"))
    assert page.url.endswith("/formations/?commune=94028&modalite=distance")  # the live update pushes a clean URL
    expect(page.locator(".chip--remove")).to_have_count(2)  # the place (sent as typed) and the mode
    context.close()


@SIZES
def test_chips_remove_one_filter_and_clear_all(live_server, browser, axe_check, catalogue, size):
    context = browser.new_context(locale="fr-FR", viewport=size)
    page = context.new_page()
    page.goto(live_server.url + "/formations/?commune=94028&public=16-25-ans&modalite=distance")
    chips = page.locator(".chip--remove")
    labels = chips.evaluate_all("chips => chips.map(chip => chip.firstChild.textContent)")
    assert labels == ["Autour de Créteil (20 km)", "À distance", "Jeunes de 16 à 25 ans"]
    page.get_by_role("link", name="Jeunes de 16 à 25 ans (retirer ce filtre)").click()
    page.wait_for_url(re.compile(r"/formations/\?commune=94028&modalite=distance$"))
    assert page.locator(".chip--remove").count() == 2
    page.get_by_role("link", name="Effacer tous les filtres").click()
    page.wait_for_url(re.compile(r"/formations/$"))
    assert page.locator(".chip--remove").count() == 0
    context.close()


@SIZES
def test_the_form_gives_a_clean_url(live_server, browser, catalogue, size):
    context = browser.new_context(locale="fr-FR", viewport=size)
    page = context.new_page()
    page.goto(live_server.url + "/formations/")
    page.get_by_label("Métier, compétence ou intitulé").fill("web")
    page.get_by_label("Métier, compétence ou intitulé").press("Enter")
    page.wait_for_url(re.compile(r"\?q=web$"))
    assert page.url == live_server.url + "/formations/?q=web"
    context.close()


def test_without_javascript_the_form_and_the_panel_still_work(live_server, browser, catalogue):
    context = browser.new_context(locale="fr-FR", viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/formations/")
    page.get_by_label("Métier, compétence ou intitulé").fill("web")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url(re.compile(r"/formations/\?q=web$"))  # the server sends a dirty GET to its clean URL
    panel = page.locator("#search-filters")
    expect(panel).to_be_hidden()
    page.get_by_role("link", name=re.compile("^Filtres")).click()  # a link to the panel (:target)
    expect(panel).to_be_visible()
    context.close()


@SIZES
def test_no_result_page(live_server, browser, axe_check, catalogue, size):
    context = browser.new_context(locale="fr-FR", viewport=size)
    page = context.new_page()
    page.goto(live_server.url + "/formations/?q=anglais&modalite=presentiel")
    expect(page.get_by_text("Aucune formation ne correspond à tous ces critères.")).to_be_visible()
    suggestion = page.get_by_role("link", name="Sans le filtre « En présentiel » : 1 formation")
    expect(suggestion).to_be_visible()
    assert page.get_by_text("Voir ces résultats sur une carte").count() == 0
    assert page.locator("#id_tri").count() == 0
    fits_the_screen(page)
    axe_check(page, f"screens-no-result-{'phone' if size is PHONE else 'wide'}")
    suggestion.click()
    page.wait_for_url(re.compile(r"/formations/\?q=anglais$"))
    context.close()


@SIZES
def test_map_lists_remote_trainings_and_shows_the_place(live_server, browser, axe_check, catalogue, size):
    context = browser.new_context(locale="fr-FR", viewport=size)
    page = context.new_page()
    name = "phone" if size is PHONE else "wide"
    page.goto(live_server.url + "/formations/carte/?modalite=distance")
    expect(page.get_by_role("heading", name="2 formations à distance")).to_be_visible()
    expect(page.get_by_role("link", name="Data analyst à distance")).to_be_visible()
    fits_the_screen(page)
    axe_check(page, f"screens-map-remote-{name}")

    page.goto(live_server.url + "/formations/carte/?commune=94028&rayon=10")
    page.wait_for_selector(".leaflet-marker-icon")
    assert page.locator("path.leaflet-interactive, path").count() >= 1  # the radius' circle
    expect(page.get_by_text("Autour de Créteil, dans un rayon de 10 km")).to_be_visible()
    expect(page.get_by_role("heading", name="2 formations à distance")).to_be_visible()
    fits_the_screen(page)
    axe_check(page, f"screens-map-place-{name}")
    context.close()


@SIZES
def test_detail_page_within_the_screen_and_back_to_the_search(live_server, browser, axe_check, catalogue, size):
    context = browser.new_context(locale="fr-FR", viewport=size)
    page = context.new_page()
    page.goto(live_server.url + "/formations/?commune=94028&modalite=mixte")
    page.locator(".result__title a").first.click()
    page.wait_for_url(re.compile(r"/formations/\w+/\?retour="))
    page.wait_for_selector("#detail-map .leaflet-marker-icon")  # the small map of its on-site sessions
    fits_the_screen(page)
    axe_check(page, f"screens-detail-{'phone' if size is PHONE else 'wide'}")
    page.get_by_role("link", name="Résultats de votre recherche").click()
    page.wait_for_url(re.compile(r"/formations/\?commune=94028&modalite=mixte$"))
    context.close()
