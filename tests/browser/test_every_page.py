"""Every page of the four journeys (tests/browser/journeys.py), at 390 x 844 and 1280 x 800: axe finds no violation,
and no page is wider than the screen.

One seeded demo catalogue (the home region's places, a small catalogue: the shared one of tests/conftest.py lives in a
transaction a live server cannot see), one browser, one page per persona reused from page to page; every problem is
collected and the test fails once with the whole list."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from catalogue.models import SearchIndexVersion
from catalogue.reference_data import load_reference_data
from demo.builder import DEMO_PASSWORD, seed_demo
from exchange.models import ImportRun

from .conftest import SCREENSHOTS
from .journeys import NOT_PAGES, journeys

SIZES = [(390, 844), (1280, 800)]
# The portal's own URL names (allauth's and the admin's pages beyond the account ones are theirs to test).
OWN_NAMESPACES = {"", "backoffice", "region", "shortlists", "candidatures"}
OWN_ACCOUNT_PAGES = {"account_home", "account_profile", "account_data", "account_delete"}


@pytest.fixture
def seeded(transactional_db, settings):
    SearchIndexVersion.objects.get_or_create(pk=1, defaults={"token": "browser"})
    load_reference_data(regions=["11"])
    seed_demo(sessions=300, seed=7)
    ImportRun.objects.create(  # a feed's report, with its problems table
        origin="flux-carif.xml",
        trigger="command",
        started_at=timezone.now(),
        problems=[
            {
                "line": 12,
                "path": "/lheo/offres/formation[1]/action/session[2]",
                "message": "Le 31/02/2027 n'existe pas.",
                "record": "session",
                "numero": "S-2",
            },
        ],
    )
    return journeys()


def own_url_names(patterns=None, namespace="") -> set[str]:
    names = set()
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if inner in OWN_NAMESPACES or pattern.namespace is None:
                names |= own_url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name and namespace in OWN_NAMESPACES:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            if not name.startswith("account_") or name in OWN_ACCOUNT_PAGES:
                names.add(name)
    return names


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/compte/login/")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_load_state()
    assert "/compte/login/" not in page.url, f"{email} could not sign in"


def test_every_page_of_the_four_journeys_at_both_sizes(live_server, browser, seeded):
    visited = {resolve(path.split("?")[0]).view_name for journey in seeded for _, path in journey.pages}
    left_out = own_url_names() - visited - NOT_PAGES
    assert not left_out, f"pages missing from tests/browser/journeys.py: {sorted(left_out)}"

    axe, problems, seen = Axe(), [], 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for journey in seeded:
        context = browser.new_context(locale="fr-FR", viewport={"width": SIZES[0][0], "height": SIZES[0][1]})
        page = context.new_page()
        if journey.email:
            sign_in(page, live_server.url, journey.email)
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            for name, path in journey.pages:
                response = page.goto(live_server.url + path)
                seen += 1
                where = f"{journey.name}/{name} ({path}) at {width} px"
                if response is None or response.status != 200:
                    problems.append(f"{where}: HTTP {response.status if response else '?'}")
                    continue
                wide = page.evaluate("document.documentElement.scrollWidth")
                if wide > width:
                    problems.append(f"{where}: {wide} px wide")
                violations = axe.run(page).response["violations"]
                for violation in violations:
                    targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
                    problems.append(f"{where}: axe {violation['id']} ({violation['impact']}) on {targets}")
                if violations or wide > width:
                    page.screenshot(path=SCREENSHOTS / f"every-page-{journey.name}-{name}-{width}.png", full_page=True)
        context.close()
    assert seen == 2 * sum(len(journey.pages) for journey in seeded)
    assert not problems, f"{len(problems)} problem(s) on {seen} pages:\n" + "\n".join(problems)
