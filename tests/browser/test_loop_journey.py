"""From a search to a place in training, in Chromium, wide (1280 by 800) and narrow (390 by 844), axe on every page:
an adviser builds a shortlist for a client from two searches and shares it; the client opens the link on a phone and
says "je suis intéressé·e"; the organisation answers; the adviser sees the new state. A jobseeker saves a search,
keeps a favourite and books an information meeting."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from candidatures.models import Booking, Candidature
from catalogue.models import SearchIndexVersion
from shortlists.models import Favourite, SavedSearch, Shortlist, ShortlistItem
from shortlists.services import share_start, share_token, shortlist_add, unsubscribe_token
from tests.accounts.factories import PASSWORD, UserFactory
from tests.candidatures.factories import CandidatureFactory, MeetingFactory
from tests.catalogue.factories import ActionFactory, CommuneFactory, FormationFactory, TrainingPlaceFactory
from tests.organisms.factories import MembershipFactory, OrganismFactory
from tests.sessions.factories import TrainingSessionFactory

WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 390, "height": 844}


def verified(user):
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user


@pytest.fixture
def loop(transactional_db):
    SearchIndexVersion.objects.get_or_create(pk=1, defaults={"token": "loop"})
    CommuneFactory()
    organism = OrganismFactory(usual_name="Atelier numérique de Créteil", email="contact@atelier.example.org")
    member = verified(MembershipFactory(organism=organism, user__email="sophie@atelier.example.org").user)
    web = ActionFactory(formation=FormationFactory(organism=organism, title="Développeur web et web mobile"))
    place = TrainingPlaceFactory(action=web)
    TrainingSessionFactory(
        action=web, is_remote=False, place=place, start_date=timezone.localdate() + timedelta(days=20)
    )
    english = ActionFactory(
        remote=True, formation=FormationFactory(organism=organism, title="Anglais professionnel pour la logistique")
    )
    TrainingSessionFactory(action=english, start_date=timezone.localdate() + timedelta(days=12))
    meeting = MeetingFactory(action=web, capacity=8, details="Présentation du métier et du recrutement.")
    adviser = verified(
        UserFactory(
            adviser=True,
            email="karim@francetravail.fr",
            first_name="Karim",
            last_name="Benali",
            structure="France Travail Créteil",
        )
    )
    jobseeker = verified(UserFactory(email="camille@example.org"))
    return {
        "member": member,
        "adviser": adviser,
        "jobseeker": jobseeker,
        "web": web,
        "english": english,
        "meeting": meeting,
    }


def log_in(page, live_server, user, landing="**/mon-espace/"):
    page.goto(live_server.url + "/compte/login/")
    page.get_by_label("Courriel").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(landing)


def new_page(browser, viewport):
    context = browser.new_context(locale="fr-FR", viewport=viewport)
    return context, context.new_page()


def test_adviser_shortlist_shared_client_interest_organisation_answer(live_server, browser, axe_check, loop):
    # The adviser, on a wide screen, builds a shortlist for a client from two searches.
    context, page = new_page(browser, WIDE)
    log_in(page, live_server, loop["adviser"])
    axe_check(page, "loop-adviser-home")
    page.goto(live_server.url + "/formations/?q=developpeur")
    axe_check(page, "loop-adviser-search")
    page.get_by_role("link", name=re.compile("Ajouter à une sélection : Développeur web")).click()
    page.wait_for_url("**/mon-espace/selections/choisir/**")
    axe_check(page, "loop-adviser-pick")
    page.get_by_label("Repère de la personne accompagnée").fill("Mme D., projet web")
    page.get_by_role("button", name="Créer la sélection avec cette formation").click()
    page.wait_for_url("**/formations/?q=developpeur")
    assert "« Développeur web et web mobile » ajoutée" in page.locator(".messages").inner_text() or "créée" in (
        page.locator(".messages").inner_text()
    )
    assert page.locator("#shortlist-" + loop["web"].public_id).get_attribute("aria-pressed") == "true"

    page.goto(live_server.url + "/formations/?q=anglais")
    button = page.locator("#shortlist-" + loop["english"].public_id)
    assert button.get_attribute("aria-pressed") == "false"
    button.click()  # htmx: no reload, the button comes back pressed and keeps the focus
    expect(page.locator("#shortlist-" + loop["english"].public_id)).to_have_attribute("aria-pressed", "true")
    assert page.url.endswith("/formations/?q=anglais")
    assert page.evaluate("document.activeElement.id") == "shortlist-" + loop["english"].public_id

    page.get_by_role("link", name="« Mme D., projet web »").click()
    page.wait_for_url("**/mon-espace/selections/*/")
    assert page.locator(".result").count() == 2
    page.get_by_label("Note pour la personne sur Anglais professionnel pour la logistique").fill(
        "100 % à distance, compatible avec la garde des enfants."
    )
    page.get_by_role("button", name="Enregistrer la note sur Anglais professionnel pour la logistique").click()
    page.wait_for_url("**/mon-espace/selections/*/#item-*")
    page.get_by_role("button", name="Descendre Développeur web et web mobile").click()
    page.wait_for_load_state()
    assert page.locator(".result h3").first.inner_text() == "Anglais professionnel pour la logistique"
    page.get_by_role("button", name="Créer le lien de partage").click()
    page.wait_for_url("**#partage")
    link = page.locator("#share-url").input_value()
    assert "/selection/" in link
    axe_check(page, "loop-adviser-shortlist")
    page.goto(page.url.split("#")[0] + "imprimer/")
    page.wait_for_selector("button[data-print]:not([hidden])")  # print.js shows it (hidden without JavaScript)
    axe_check(page, "loop-adviser-print")
    context.close()

    # The client opens the link on a phone, without an account, and says "je suis intéressé·e".
    context, phone = new_page(browser, NARROW)
    phone.goto(link)
    assert phone.locator("h1").inner_text() == "Formations sélectionnées pour vous"
    assert "100 % à distance, compatible avec la garde des enfants." in phone.locator("main").inner_text()
    axe_check(phone, "loop-client-shared-narrow")
    phone.get_by_role("link", name=re.compile("Je suis intéressé·e")).first.click()
    phone.wait_for_url("**/interet/")
    phone.get_by_role("button", name="Envoyer à l'organisme").click()
    assert phone.locator("#error-summary").is_visible()  # nothing sent without a name, an address and consent
    axe_check(phone, "loop-client-interest-errors-narrow")
    phone.get_by_label("Vos nom et prénom").fill("Dalila D.")
    phone.get_by_label("Votre courriel").fill("dalila@example.org")
    phone.get_by_label("Votre message à l'organisme").fill("Disponible dès lundi.")
    phone.get_by_label("J'accepte que ces informations soient transmises").check()
    phone.get_by_role("button", name="Envoyer à l'organisme").click()
    phone.wait_for_url("**/selection/**")
    assert "Intérêt transmis à l'organisme" in phone.locator("main").inner_text()
    axe_check(phone, "loop-client-sent-narrow")
    context.close()
    candidature = Candidature.objects.get()
    assert candidature.adviser == loop["adviser"] and candidature.origin == "shared_list"
    assert {m.to[0] for m in mail.outbox} >= {"sophie@atelier.example.org", "dalila@example.org"}

    # The organisation answers from its inbox.
    context, page = new_page(browser, WIDE)
    log_in(page, live_server, loop["member"], landing="**/espace-organisme/")
    assert "1 candidature sans réponse" in page.locator(".attention").inner_text()
    page.get_by_role("link", name="1 candidature sans réponse").click()
    page.wait_for_url("**/espace-organisme/candidatures/**")
    axe_check(page, "loop-organisation-inbox")
    page.get_by_role("link", name="Dalila D.").click()
    page.wait_for_url(f"**/candidatures/{candidature.public_id}/")
    assert (
        "Karim Benali" in page.locator("main").inner_text()
        and "France Travail Créteil" in page.locator("main").inner_text()
    )
    axe_check(page, "loop-organisation-candidature")
    page.get_by_label("Entretien proposé").check()
    page.get_by_label("Message à la personne").fill("Entretien jeudi à 10 h, au 1 rue Pasteur.")
    page.get_by_role("button", name="Envoyer la réponse").click()
    page.wait_for_url("**/espace-organisme/candidatures/")
    assert "Réponse enregistrée : entretien proposé." in page.locator(".messages").inner_text()
    page.goto(live_server.url + f"/espace-organisme/actions/{loop['web'].public_id}/reunions/")
    axe_check(page, "loop-organisation-meetings")
    context.close()
    answer = mail.outbox[-1]
    assert sorted(answer.to) == ["dalila@example.org", "karim@francetravail.fr"]

    # The adviser sees the new state.
    context, page = new_page(browser, WIDE)
    log_in(page, live_server, loop["adviser"])
    page.goto(live_server.url + "/mon-espace/candidatures/")
    assert "Entretien proposé" in page.locator("table").inner_text()
    axe_check(page, "loop-adviser-candidatures")
    page.get_by_role("link", name="Anglais professionnel pour la logistique").or_(
        page.get_by_role("link", name="Développeur web et web mobile")
    ).first.click()
    assert "Entretien jeudi à 10 h" in page.locator("main").inner_text()
    axe_check(page, "loop-adviser-candidature")
    context.close()


def test_a_jobseeker_saves_a_search_keeps_a_favourite_and_books_a_meeting(live_server, browser, axe_check, loop):
    context, page = new_page(browser, NARROW)
    log_in(page, live_server, loop["jobseeker"])
    axe_check(page, "loop-jobseeker-home-narrow")
    page.goto(live_server.url + "/formations/?q=developpeur")
    favourite = page.locator("#favourite-" + loop["web"].public_id)
    favourite.click()
    expect(page.locator("#favourite-" + loop["web"].public_id)).to_have_attribute("aria-pressed", "true")
    assert Favourite.objects.filter(user=loop["jobseeker"]).count() == 1
    assert "Prochaine réunion d'information" in page.locator(".result").first.inner_text()
    axe_check(page, "loop-jobseeker-search-narrow")
    page.get_by_role("link", name="Enregistrer cette recherche et recevoir une alerte").click()
    page.wait_for_url("**/mon-espace/recherches/enregistrer/**")
    axe_check(page, "loop-jobseeker-save-search-narrow")
    page.get_by_label("Nom de la recherche").fill("Développeur")
    page.get_by_label("Chaque jour").check()
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/mon-espace/recherches/")
    assert SavedSearch.objects.get(user=loop["jobseeker"]).frequency == "daily"
    axe_check(page, "loop-jobseeker-searches-narrow")

    page.goto(live_server.url + f"/formations/{loop['web'].public_id}/")
    axe_check(page, "loop-jobseeker-detail-narrow")
    page.get_by_role("button", name=re.compile("Réserver une place")).click()
    page.wait_for_url("**/mon-espace/reunions/")
    assert "Place réservée" in page.locator(".messages").inner_text()
    axe_check(page, "loop-jobseeker-bookings-narrow")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Ajouter à mon agenda")).click()
    assert download.value.suggested_filename.endswith(".ics")
    assert Booking.objects.get(person=loop["jobseeker"]).state == "booked"

    page.goto(live_server.url + f"/formations/{loop['web'].public_id}/")
    page.get_by_role("link", name=re.compile("Je suis intéressé·e")).first.click()
    page.get_by_label("J'accepte que ces informations soient transmises").check()
    page.get_by_role("button", name="Envoyer à l'organisme").click()
    page.wait_for_url("**/mon-espace/candidatures/*/")
    axe_check(page, "loop-jobseeker-candidature-narrow")
    page.goto(live_server.url + "/mon-espace/favoris/")
    axe_check(page, "loop-jobseeker-favourites-narrow")
    context.close()


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["wide", "narrow"])
def test_every_page_of_the_loop_has_no_axe_violation(live_server, browser, axe_check, loop, viewport):
    size = "wide" if viewport == WIDE else "narrow"
    session = loop["web"].sessions.first()
    english_session = loop["english"].sessions.first()
    candidature = CandidatureFactory(session=session, person=loop["jobseeker"])
    shortlist = Shortlist.objects.create(owner=loop["adviser"], label="M. K.")
    shortlist_add(shortlist=shortlist, action=loop["english"])
    ShortlistItem.objects.filter(shortlist=shortlist).update(note="Compatible avec un emploi à temps partiel.")
    share_start(shortlist=shortlist, now=timezone.now())
    token = share_token(shortlist)
    saved = SavedSearch.objects.create(user=loop["jobseeker"], name="Web", query="q=web", frequency="weekly")
    Favourite.objects.create(user=loop["jobseeker"], action=loop["english"])
    context, page = new_page(browser, viewport)
    for path, name in [
        (f"/selection/{token}/", "shared"),
        (f"/selection/{token}/sessions/{english_session.public_id}/interet/", "shared-interest"),
        (f"/alertes/desinscription/{unsubscribe_token(saved)}/", "unsubscribe"),
        (f"/formations/{loop['web'].public_id}/", "detail-with-meetings"),
        ("/confidentialite/", "privacy"),
        (f"/comparer/?formation={loop['web'].public_id}&formation={loop['english'].public_id}", "compare"),
        ("/selection/lien-faux/", "shared-invalid"),
    ]:
        page.goto(live_server.url + path)
        axe_check(page, f"loop-{name}-{size}")
    log_in(page, live_server, loop["jobseeker"])
    for path, name in [
        ("/mon-espace/favoris/", "jobseeker-favourites"),
        ("/mon-espace/recherches/", "jobseeker-searches"),
        ("/mon-espace/recherches/enregistrer/?q=web", "jobseeker-search-save"),
        (f"/mon-espace/recherches/{saved.public_id}/", "jobseeker-search-edit"),
        (
            f"/formations/{loop['english'].public_id}/sessions/{english_session.public_id}/interet/",
            "jobseeker-interest",
        ),
        ("/mon-espace/candidatures/", "jobseeker-candidatures"),
        (f"/mon-espace/candidatures/{candidature.public_id}/", "jobseeker-candidature"),
        ("/mon-espace/reunions/", "jobseeker-bookings"),
        ("/mon-espace/profil/", "jobseeker-profile"),
        ("/mon-espace/supprimer-mon-compte/", "jobseeker-delete"),
    ]:
        page.goto(live_server.url + path)
        assert page.locator("h1").count() == 1, path
        axe_check(page, f"loop-{name}-{size}")
    context.close()
    context, page = new_page(browser, viewport)
    log_in(page, live_server, loop["adviser"])
    for path, name in [
        ("/mon-espace/", "adviser-home"),
        ("/mon-espace/selections/", "adviser-shortlists"),
        (f"/mon-espace/selections/{shortlist.public_id}/", "adviser-shortlist"),
        (f"/mon-espace/selections/{shortlist.public_id}/imprimer/", "adviser-print"),
        (f"/mon-espace/selections/{shortlist.public_id}/prescrire/{english_session.public_id}/", "adviser-prescribe"),
        (f"/mon-espace/selections/choisir/?formation={loop['web'].public_id}", "adviser-pick"),
        ("/formations/?q=web", "adviser-search"),
        ("/mon-espace/candidatures/", "adviser-candidatures"),
        ("/mon-espace/profil/", "adviser-profile"),
    ]:
        page.goto(live_server.url + path)
        axe_check(page, f"loop-{name}-{size}")
    context.close()
    context, page = new_page(browser, viewport)
    log_in(page, live_server, loop["member"], landing="**/espace-organisme/")
    axe_check(page, f"loop-organisation-dashboard-{size}")
    for path, name in [
        ("/espace-organisme/candidatures/", "organisation-inbox"),
        (f"/espace-organisme/candidatures/{candidature.public_id}/", "organisation-candidature"),
        (f"/espace-organisme/reunions/{loop['meeting'].public_id}/", "organisation-meeting"),
        (f"/espace-organisme/actions/{loop['web'].public_id}/reunions/", "organisation-meetings"),
        (f"/espace-organisme/sessions/{session.public_id}/candidatures/", "organisation-session-inbox"),
    ]:
        page.goto(live_server.url + path)
        axe_check(page, f"loop-{name}-{size}")
    context.close()
