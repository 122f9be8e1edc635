"""The Content-Security-Policy breaks nothing: on every kind of page (public pages with htmx and maps, accounts,
the organisation's and the Region's back offices, the admin) the browser reports no violation, and the pages'
scripts still run (the live search swaps its results, the map draws, the print button shows)."""

import pytest
from allauth.account.models import EmailAddress

from accounts.groups import ADMINISTRATOR, ensure_region_groups
from catalogue.models import SearchIndexVersion
from tests.accounts.factories import PASSWORD, UserFactory
from tests.catalogue.factories import ActionFactory, FormationFactory, TrainingPlaceFactory
from tests.organisms.factories import MembershipFactory
from tests.sessions.factories import TrainingSessionFactory

# Set before any page script runs (Playwright's init scripts are outside the page's policy).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " " + event.sourceFile + ":" + event.lineNumber);
});
"""


@pytest.fixture
def world(transactional_db):
    SearchIndexVersion.objects.get_or_create(pk=1, defaults={"token": "browser"})
    agent = UserFactory(region_agent=True, is_superuser=True, is_staff=True, email="agent@region.example.org")
    agent.groups.add(ensure_region_groups()[ADMINISTRATOR])
    EmailAddress.objects.create(user=agent, email=agent.email, primary=True, verified=True)
    member = MembershipFactory(user__email="membre@organisme.example.org").user
    EmailAddress.objects.create(user=member, email=member.email, primary=True, verified=True)
    action = ActionFactory(
        formation=FormationFactory(organism=member.memberships.get().organism, title="Développeur web")
    )
    place = TrainingPlaceFactory(action=action)
    TrainingSessionFactory(action=action, is_remote=False, place=place)
    adviser = UserFactory(adviser=True, email="conseillere@francetravail.fr")
    EmailAddress.objects.create(user=adviser, email=adviser.email, primary=True, verified=True)
    return agent, member, action, adviser


def violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations")


def visit(page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return violations(page)


def log_in(page, base: str, email: str):
    page.goto(base + "/compte/login/")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_load_state("networkidle")


def test_no_page_violates_the_policy_and_scripts_still_run(live_server, browser, world):
    agent, member, action, adviser = world
    base = live_server.url
    found: dict[str, list[str]] = {}

    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    for path in (
        "/",
        "/formations/carte/",
        f"/formations/{action.public_id}/",
        "/donnees/",
        "/accessibilite/",
        "/api/v1/",
        "/compte/login/",
        "/compte/signup/",
        "/inscription/organisme/",
        "/admin/login/",
    ):
        found[path] = visit(page, base + path)
    # The scripts the policy lets run: the map is drawn, the print button is shown, the live search swaps results.
    page.goto(base + f"/formations/{action.public_id}/")
    page.wait_for_selector(".leaflet-marker-icon")
    assert page.get_by_role("button", name="Imprimer cette fiche").is_visible()
    page.goto(base + "/formations/")
    page.get_by_label("Métier, compétence ou intitulé").fill("développeur")
    page.wait_for_url("**q=d%C3%A9veloppeur**")
    found["/formations/ (htmx)"] = violations(page)

    log_in(page, base, member.email)
    for path in (
        "/espace-organisme/",
        "/espace-organisme/sessions/tableur/",
        "/espace-organisme/import/lheo/",
        "/espace-organisme/membres/",
        "/espace-organisme/historique/",
        "/espace-organisme/candidatures/",
        f"/espace-organisme/actions/{action.public_id}/reunions/",
        "/mon-espace/",
    ):
        found[path] = visit(page, base + path)
    context.close()

    # The personal space of an adviser (shortlists, candidatures) and the pages of the loop.
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    log_in(page, base, adviser.email)
    for path in (
        "/mon-espace/",
        "/mon-espace/selections/",
        "/mon-espace/candidatures/",
        "/mon-espace/favoris/",
        "/mon-espace/recherches/",
        "/mon-espace/reunions/",
        "/mon-espace/profil/",
        "/confidentialite/",
        f"/comparer/?formation={action.public_id}",
    ):
        found[path] = visit(page, base + path)
    context.close()

    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    log_in(page, base, agent.email)
    for path in (
        "/region/",
        "/region/organismes/",
        "/region/labels/",
        "/region/programmes/",
        "/admin/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{agent.pk}/change/",
        "/admin/catalogue/action/",
    ):
        found[path] = visit(page, base + path)
    context.close()

    assert {path: seen for path, seen in found.items() if seen} == {}
