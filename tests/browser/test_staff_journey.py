"""A region agent approves an organisation and labels one of its actions; public search follows at once."""

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from accounts.groups import ADMINISTRATOR, ensure_region_groups
from catalogue.models import ActionLabel, SearchIndexVersion
from tests.accounts.factories import PASSWORD, UserFactory
from tests.catalogue.factories import ActionFactory, ActionLabelFactory, FormationFactory, ProgrammeFactory
from tests.organisms.factories import MembershipFactory, OrganismFactory
from tests.sessions.factories import TrainingSessionFactory


@pytest.fixture
def staff_world(transactional_db):
    SearchIndexVersion.objects.get_or_create(pk=1, defaults={"token": "browser"})
    agent = UserFactory(region_agent=True, email="nadia@region.example.org", first_name="Nadia")
    agent.groups.add(ensure_region_groups()[ADMINISTRATOR])
    EmailAddress.objects.create(user=agent, email=agent.email, primary=True, verified=True)
    programme = ProgrammeFactory(
        checklist=["L'action relève d'un des trois axes", "Gratuite pour les demandeurs d'emploi"],
        min_priority_share=50,
    )
    ProgrammeFactory(slug="grande-ecole-du-numerique", name="Grande École du Numérique")
    organism = OrganismFactory(
        pending=True, usual_name="Atelier numérique de Bobigny", email="contact@atelier.example.org"
    )
    MembershipFactory(organism=organism)
    action = ActionFactory(formation=FormationFactory(organism=organism, title="Développeur web hybride"), blended=True)
    TrainingSessionFactory(action=action)
    other = ActionFactory(formation=FormationFactory(title="Technicien support"))
    TrainingSessionFactory(action=other)
    ActionLabelFactory(action=other, programme=programme)  # a request waiting in the queue
    return agent, organism, action, programme


def test_approve_then_label_then_find_it(live_server, page, axe_check, staff_world):
    agent, _organism, action, programme = staff_world
    page.goto(live_server.url + "/compte/login/")
    page.get_by_label("Courriel").fill(agent.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/region/")
    axe_check(page, "staff-dashboard")

    page.get_by_role("link", name="Organismes", exact=True).click()
    axe_check(page, "staff-organisms")
    page.get_by_role("link", name="Atelier numérique de Bobigny").click()
    axe_check(page, "staff-organism")
    page.locator("#id_decision").select_option("approve")
    page.get_by_role("button", name="Enregistrer la décision").click()
    assert "validé" in page.locator(".messages").inner_text()

    page.get_by_role("link", name="Labelliser Développeur web hybride").click()
    axe_check(page, "staff-action-label")
    page.get_by_label("Programme").select_option(programme.slug)
    page.get_by_role("button", name="Labelliser").click()
    assert f"Action labellisée {programme.name}" in page.locator(".messages").inner_text()

    page.goto(live_server.url + f"/formations/?label={programme.slug}")
    results = page.locator("[data-action]")
    assert results.count() == 1
    assert results.first.get_attribute("data-action") == action.public_id
    assert f"Label {programme.name}" in results.first.inner_text()


def test_every_staff_page_has_no_axe_violation(live_server, page, axe_check, staff_world):
    agent, _organism, _action, programme = staff_world
    page.goto(live_server.url + "/compte/login/")
    page.get_by_label("Courriel").fill(agent.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/region/")

    label = ActionLabel.objects.get()
    for name, path in {
        "labels": "/region/labels/",
        "label-detail": f"/region/labels/{label.pk}/",
        "programmes": "/region/programmes/",
        "programme-new": "/region/programmes/nouveau/",
        "programme-edit": f"/region/programmes/{programme.slug}/",
        "dashboard-filtered": f"/region/?programme={programme.slug}&departement=",
    }.items():
        page.goto(live_server.url + path)
        assert page.locator("h1").count() == 1, path
        axe_check(page, f"staff-{name}")
    page.goto(live_server.url + f"/region/labels/{label.pk}/")
    page.get_by_label("Refuser").check()  # no decision is chosen in advance: a radio button per decision
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator("#error-summary")).to_be_visible()
    axe_check(page, "staff-label-errors")
