"""An organisation member keeps the records current, in a real browser, with axe on every page."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from catalogue.models import SearchIndexVersion
from tests.accounts.factories import PASSWORD
from tests.catalogue.factories import ActionFactory, CommuneFactory, FormationFactory, TrainingPlaceFactory
from tests.organisms.factories import MembershipFactory, OrganismFactory
from tests.sessions.factories import TrainingSessionFactory


@pytest.fixture
def member(transactional_db):
    SearchIndexVersion.objects.get_or_create(pk=1, defaults={"token": "browser"})
    CommuneFactory()
    organism = OrganismFactory(usual_name="Atelier numérique de Créteil")
    membership = MembershipFactory(organism=organism, user__email="sophie@atelier.example.org")
    EmailAddress.objects.create(user=membership.user, email=membership.user.email, primary=True, verified=True)
    action = ActionFactory(formation=FormationFactory(organism=organism, title="Développeur web"))
    TrainingPlaceFactory(action=action)
    today = timezone.localdate()
    for n in range(12):
        TrainingSessionFactory(action=action, stale=True, start_date=today + timedelta(days=20 + 7 * n))
    return membership.user, action


def log_in(page, live_server, user):
    page.goto(live_server.url + "/compte/login/")
    page.get_by_label("Courriel").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/espace-organisme/")


def test_a_member_updates_sessions_and_the_public_page_follows(live_server, page, axe_check, member):
    user, action = member
    log_in(page, live_server, user)
    assert page.locator("h1").inner_text().startswith("Espace organisme")
    axe_check(page, "backoffice-dashboard")

    first = action.sessions.order_by("start_date").first()
    page.locator(f'a[href="/espace-organisme/sessions/{first.public_id}/"]').first.click()
    page.wait_for_url(f"**/sessions/{first.public_id}/")
    axe_check(page, "backoffice-session")
    new_start = timezone.localdate() + timedelta(days=45)
    page.get_by_label("Date de début").fill(new_start.isoformat())
    page.get_by_label("Date de fin").fill((new_start - timedelta(days=1)).isoformat())
    page.get_by_label("Places restantes").fill("3")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#error-summary")).to_be_visible()  # end before start: refused, nothing lost
    assert page.get_by_label("Places restantes").input_value() == "3"
    axe_check(page, "backoffice-session-errors")
    page.get_by_label("Date de fin").fill((new_start + timedelta(days=60)).isoformat())
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/espace-organisme/")
    assert "Session enregistrée" in page.locator(".messages").inner_text()

    boxes = page.locator('tr:has(.badge--stale) input[name="sessions"]')
    assert boxes.count() == 11
    for n in range(10):
        boxes.nth(n).check()
    page.get_by_label("Opération").select_option("confirmer")
    page.get_by_role("button", name="Appliquer").click()
    page.wait_for_url("**/espace-organisme/")
    assert "10 sessions confirmées." in page.locator(".messages").inner_text()
    stale_left = action.sessions.filter(confirmed_at__lt=timezone.now() - timedelta(days=30)).count()
    assert stale_left == 1

    page.goto(live_server.url + f"/formations/{action.public_id}/")
    card = page.locator(".session-card").filter(has_text=new_start.strftime("%Y")).filter(has_text="3 restantes")
    assert card.count() == 1
    assert re.search(r"3 places restantes", page.locator(".session-cards").inner_text())


def test_every_backoffice_page_has_no_axe_violation(live_server, page, axe_check, member):
    user, action = member
    log_in(page, live_server, user)
    session = action.sessions.first()
    pages = {
        "formation-new": "/espace-organisme/formations/nouvelle/",
        "formation-edit": f"/espace-organisme/formations/{action.formation_id}/",
        "action-new": f"/espace-organisme/formations/{action.formation_id}/actions/nouvelle/",
        "action-edit": f"/espace-organisme/actions/{action.public_id}/",
        "session-new": f"/espace-organisme/actions/{action.public_id}/sessions/nouvelle/",
        "session-duplicate": f"/espace-organisme/sessions/{session.public_id}/dupliquer/",
        "history": "/espace-organisme/historique/",
        "members": "/espace-organisme/membres/",
        "account-home-redirect": "/mon-espace/",
    }
    for name, path in pages.items():
        page.goto(live_server.url + path)
        assert page.locator("h1").count() == 1, path
        axe_check(page, f"backoffice-{name}")
    page.goto(live_server.url + "/espace-organisme/formations/nouvelle/")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#error-summary")).to_be_visible()
    axe_check(page, "backoffice-formation-errors")


def test_account_and_signup_pages_have_no_axe_violation(live_server, page, axe_check, member):
    for name, path in {
        "login": "/compte/login/",
        "signup": "/compte/signup/",
        "password-reset": "/compte/password/reset/",
        "organism-signup": "/inscription/organisme/",
    }.items():
        page.goto(live_server.url + path)
        axe_check(page, f"account-{name}")
    page.goto(live_server.url + "/inscription/organisme/")
    page.get_by_role("button", name="Inscrire l'organisme").click()
    expect(page.locator("#error-summary")).to_be_visible()
    axe_check(page, "account-organism-signup-errors")


def test_the_reminder_link_page(live_server, page, axe_check, member):
    call_command("send_freshness_reminders", "--send", "--base-url", live_server.url)
    link = re.search(r"(http://\S+/confirmer/\S+/)", mail.outbox[0].body).group(1)
    page.goto(link)
    axe_check(page, "confirm-link")
    page.get_by_role("button", name="Confirmer que ces informations sont à jour").click()
    expect(page.locator("h1")).to_have_text("Sessions confirmées")


def test_exchange_pages_have_no_axe_violation(live_server, page, axe_check, member):
    user, _action = member
    log_in(page, live_server, user)
    for name, path in {
        "sessions-upload": "/espace-organisme/sessions/tableur/",
        "lheo-upload": "/espace-organisme/import/lheo/",
    }.items():
        page.goto(live_server.url + path)
        axe_check(page, f"backoffice-{name}")
    page.goto(live_server.url + "/espace-organisme/sessions/tableur/")
    page.get_by_label("Fichier de sessions (CSV ou XLSX)").set_input_files(
        files=[{"name": "sessions.csv", "mimeType": "text/csv", "buffer": b"nom|prenom\nA|B"}]
    )
    page.get_by_role("button", name="Vérifier le fichier").click()
    assert "Séparateur non reconnu" in page.locator("#error-summary").inner_text()
    axe_check(page, "backoffice-sessions-upload-refused")
    for name, path in {"open-data": "/donnees/", "api-documentation": "/api/v1/"}.items():
        page.goto(live_server.url + path)
        axe_check(page, name)


def test_the_dashboard_on_a_phone_pages_selects_all_and_confirms_in_one_click(live_server, browser, member):
    user, action = member
    today = timezone.localdate()
    for n in range(60):
        TrainingSessionFactory(action=action, start_date=today + timedelta(days=100 + n))
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, live_server, user)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    rows = page.locator('input[name="sessions"]')
    assert rows.count() == 50  # 72 sessions: the first page
    box = rows.first.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24
    page.get_by_label("Tout cocher sur cette page").check()
    assert page.locator('input[name="sessions"]:checked').count() == 50
    rows.first.uncheck()
    assert page.get_by_label("Tout cocher sur cette page").evaluate("box => box.indeterminate")

    page.get_by_label("Sessions", exact=True).select_option("non-confirmees")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url("**periode=non-confirmees**")
    assert page.locator('input[name="sessions"]').count() == 12
    assert page.get_by_role("link", name="Page suivante").count() == 0

    first = action.sessions.filter(start_date__lte=today + timedelta(days=30)).order_by("start_date").first()
    page.get_by_role("button", name=re.compile(f"Confirmer la session .*{first.public_id}")).click()
    item = page.locator(f"#confirm-{first.public_id}")
    expect(item).to_contain_text("confirmée.")
    expect(item).to_be_focused()  # htmx swapped the item in and moved the focus to it
    first.refresh_from_db()
    assert not first.status().stale
    context.close()
