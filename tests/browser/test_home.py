import pytest

from tests.catalogue.factories import ActionFactory
from tests.sessions.factories import TrainingSessionFactory


@pytest.fixture
def catalogue(transactional_db):
    TrainingSessionFactory.create_batch(3, action=ActionFactory(blended=True))
    TrainingSessionFactory(action=ActionFactory(remote=True))


@pytest.mark.parametrize("width", [1280, 375], ids=["wide", "narrow"])
def test_home_page_has_no_axe_violation(live_server, page, axe_check, catalogue, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + "/")
    assert page.title().startswith("Accueil")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("main#contenu").count() == 1
    assert page.locator(".figure__value").nth(2).inner_text() == "4"  # upcoming public sessions
    axe_check(page, f"home-{width}")


def test_keyboard_reaches_the_skip_link_then_the_search(live_server, page, catalogue):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("element => element === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    page.locator("#home-q").fill("développeur")
    page.locator("#home-q").press("Enter")
    page.wait_for_url("**/formations/?q=d*")
    assert "développeur" in page.content()


def test_accessibility_statement_has_no_axe_violation(live_server, page, axe_check):
    page.goto(live_server.url + "/accessibilite/")
    axe_check(page, "accessibility")
