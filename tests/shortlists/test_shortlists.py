"""Favourites and shortlists: keeping from the results (htmx and without JavaScript), notes, order, the read-only link
(signed, revocable, expiring), its email, and the comparison."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from lxml import html

from catalogue.choices import Funder, Level, RecruitmentState, TeachingMode
from core.templatetags.french import long_date_text
from shortlists.models import Favourite, SavedSearch, Shortlist, ShortlistItem
from shortlists.services import item_note, share_revoke, share_start, share_token, shortlist_add
from tests.accounts.factories import UserFactory
from tests.candidatures.factories import MeetingFactory
from tests.catalogue.factories import (
    ActionFactory,
    ActionFunderFactory,
    ActionLabelFactory,
    CommuneFactory,
    ProgrammeFactory,
    TrainingPlaceFactory,
)
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


def text(element) -> str:
    """The text a reader gets from an element, a space between its pieces (a <br> too), white space collapsed."""
    return " ".join(" ".join(element.itertext()).split())


def day(value, fmt="j F Y") -> str:
    """A date or a time as the templates write it (in the portal's time zone)."""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return long_date_text(value, fmt)


def card_of(doc, action):
    """The list item holding an action's card (favourites, shortlists), or None."""
    found = doc.xpath(f'//*[@id="card-{action.public_id}"]/ancestor::li[1]')
    return found[0] if found else None


def test_a_favourite_from_the_results_with_htmx_and_without(client, jobseeker):
    action = ActionFactory()
    client.force_login(jobseeker)
    url = reverse("shortlists:favourite", args=[action.public_id]) + "?garder=1&next=/formations/%3Fq%3Dweb"
    fragment = client.post(url, headers={"HX-Request": "true"}).content.decode()
    assert 'aria-pressed="true"' in fragment and "Dans mes favoris" in fragment
    assert Favourite.objects.filter(user=jobseeker, action=action).exists()
    response = client.post(url.replace("garder=1", "garder=0"))
    assert response.status_code == 302 and response.url == "/formations/?q=web"
    assert not Favourite.objects.exists()
    evil = reverse("shortlists:favourite", args=[action.public_id]) + "?garder=1&next=https://evil.example.org/"
    assert client.post(evil).url == reverse("shortlists:favourites")  # no open redirect


def test_notes_order_and_the_read_only_link(client, adviser, django_capture_on_commit_callbacks):
    shortlist = Shortlist.objects.create(owner=adviser, label="Mme D.")
    first, second = ActionFactory(formation__title="Premier"), ActionFactory(formation__title="Second")
    for action in (first, second):
        TrainingSessionFactory(action=action)
        shortlist_add(shortlist=shortlist, action=action)
    assert shortlist_add(shortlist=shortlist, action=first)[1] is False  # once
    client.force_login(adviser)
    item = ShortlistItem.objects.get(action=second)
    client.post(reverse("shortlists:item_note", args=[shortlist.public_id, item.pk]), {"note": "À voir en premier."})
    client.post(reverse("shortlists:item_move", args=[shortlist.public_id, item.pk]), {"sens": "haut"})
    assert list(shortlist.items.values_list("action__formation__title", flat=True)) == ["Second", "Premier"]

    assert client.get(reverse("shortlists:shared", args=[share_token(shortlist)])).status_code == 404  # not shared yet
    client.post(reverse("shortlists:shortlist_share", args=[shortlist.public_id]))
    shortlist.refresh_from_db()
    token = share_token(shortlist)
    client.logout()
    page = client.get(reverse("shortlists:shared", args=[token])).content.decode()
    assert "À voir en premier." in page and page.index("Second") < page.index("Premier")
    assert "Je suis intéressé·e" in page
    assert client.get(reverse("shortlists:shared", args=[token[:-2] + "xx"])).status_code == 404  # tampered

    Shortlist.objects.filter(pk=shortlist.pk).update(shared_until=timezone.now() - timedelta(minutes=1))
    assert "expiré" in client.get(reverse("shortlists:shared", args=[token])).content.decode()
    share_start(shortlist=shortlist, now=timezone.now())
    assert client.get(reverse("shortlists:shared", args=[token])).status_code == 200
    share_revoke(shortlist=shortlist)
    assert "retiré" in client.get(reverse("shortlists:shared", args=[token])).content.decode()

    client.force_login(adviser)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("shortlists:shortlist_email", args=[shortlist.public_id]),
            {"email": "dalila@example.org", "message": "Voici ma sélection."},
        )
    shortlist.refresh_from_db()
    assert mail.outbox[0].to == ["dalila@example.org"]
    assert reverse("shortlists:shared", args=[share_token(shortlist)]) in mail.outbox[0].body


def compare_table(client, ids) -> tuple[list[str], dict[str, list[str]], str]:
    """The compared trainings' titles, each row's cells (its lines joined by spaces) and the page's warning."""
    doc = html.fromstring(client.get(reverse("shortlists:compare"), {"formation": ids}).content)
    warning = " ".join(text(alert) for alert in doc.xpath('//*[@role="alert"]'))
    titles = [text(a) for a in doc.xpath('//table[contains(@class, "table--compare")]/thead//th/a')]
    rows = {
        text(row.xpath("./th")[0]): [text(td) for td in row.xpath("./td")]
        for row in doc.xpath('//table[contains(@class, "table--compare")]/tbody/tr')
    }
    return titles, rows, warning


def test_compare_two_to_four_trainings(client):
    today = timezone.localdate()
    confirmed = timezone.make_aware(datetime.combine(today - timedelta(days=3), datetime.min.time()).replace(hour=12))
    first = ActionFactory(
        formation__title="Formation 0",
        formation__entry_level=Level.EU_3,
        hours_centre=330,
        hours_company=70,
        price=0,
        free_for_jobseekers=True,
        cpf_eligible=True,
    )
    place = TrainingPlaceFactory(action=first, commune=CommuneFactory())
    dated = TrainingSessionFactory(action=first, is_remote=False, place=place, places_left=5, confirmed_at=confirmed)
    ActionFunderFactory(action=first, code=Funder.REGION)
    ActionLabelFactory(action=first, programme=ProgrammeFactory(), granted=True)
    meeting = MeetingFactory(
        action=first,
        starts_at=timezone.make_aware(datetime.combine(today + timedelta(days=9), datetime.min.time())).replace(
            hour=14, minute=30
        ),
    )
    second = ActionFactory(formation__title="Formation 1", remote=True, price=1200, formation__entry_level=Level.NONE)
    full = TrainingSessionFactory(action=second, full=True, confirmed_at=confirmed - timedelta(days=20))
    closed = TrainingSessionFactory(
        action=second,
        start_date=today + timedelta(days=120),
        recruitment_state=RecruitmentState.CLOSED,
        places_left=8,
        confirmed_at=confirmed - timedelta(days=10),
    )
    others = [ActionFactory(formation__title=f"Formation {n}", price=None) for n in range(2, 5)]
    ids = [a.public_id for a in [first, second, *others]]

    titles, rows, warning = compare_table(client, ids[:2])
    assert titles == ["Formation 0", "Formation 1"] and warning == ""
    span = "{} → {}"
    assert rows == {
        "Prochaines dates": [
            span.format(day(dated.start_date), day(dated.end_date)),
            span.format(day(full.start_date), day(full.end_date))
            + " "
            + span.format(day(closed.start_date), day(closed.end_date)),
        ],
        "Durée et rythme": [
            "400 heures, dont 70 en entreprise environ 31 h par semaine",
            "400 heures environ 31 h par semaine",
        ],
        "Lieu ou distance": [f"{TeachingMode.ON_SITE.label} Créteil", TeachingMode.REMOTE.label],
        "Financement et coût": [
            "Gratuite pour les demandeurs d'emploi Gratuit Conseil régional Éligible au CPF",
            "1 200,00 € TTC",
        ],
        "Niveau d'entrée": ["Niveau 3 : CAP, BEP", "Sans niveau spécifique"],
        "Places restantes": ["5 (inscriptions ouvertes)", "Complet 8"],
        "Labels": ["2ème chance numérique Île-de-France", "Aucun"],
        "Dernière confirmation par l'organisme": [day(confirmed), day(confirmed - timedelta(days=10))],
        "Prochaine réunion d'information": [day(meeting.starts_at, "j F Y à H\\hi"), "—"],
    }

    titles, rows, warning = compare_table(client, ids[:4])
    assert titles == ["Formation 0", "Formation 1", "Formation 2", "Formation 3"] and warning == ""
    assert rows["Financement et coût"][2:] == ["Prix non communiqué"] * 2
    assert rows["Prochaines dates"][2:] == ["Aucune session à venir"] * 2

    for chosen in (ids[:1], ids):
        titles, rows, warning = compare_table(client, chosen)
        assert warning == f"Choisissez de 2 à 4 formations à comparer (vous en avez choisi {len(chosen)})."
        assert "Formation 4" not in titles
    draft = ActionFactory(formation__title="Brouillon", draft=True)
    titles, rows, warning = compare_table(client, [first.public_id, draft.public_id])
    assert titles == ["Formation 0"] and "ne sont plus publiées" in warning


def test_the_favourites_page_shows_next_sessions_places_left_and_recruitment_state(client, jobseeker):
    today = timezone.localdate()
    action = ActionFactory(formation__title="Analyste de données")
    later = TrainingSessionFactory(
        action=action, start_date=today + timedelta(days=70), recruitment_state=RecruitmentState.CLOSED
    )
    nearest = TrainingSessionFactory(action=action, start_date=today + timedelta(days=20), places_left=3)
    past = TrainingSessionFactory(action=action, past=True)
    other = ActionFactory(formation__title="Anglais professionnel")
    TrainingSessionFactory(action=other, full=True)
    client.force_login(jobseeker)
    for kept in (action, other):
        url = reverse("shortlists:favourite", args=[kept.public_id])
        assert client.post(url, {"garder": "1"}).status_code == 302

    favourites = reverse("shortlists:favourites")
    doc = html.fromstring(client.get(favourites).content)
    card = card_of(doc, action)
    lines = [text(li) for li in card.xpath('.//ul[@class="sessions"]/li')]
    assert len(lines) == 2  # the past session is not shown
    assert f"Du {day(nearest.start_date)} au {day(nearest.end_date)}" in lines[0]  # the next session first
    assert "Inscriptions ouvertes" in lines[0] and "3 places restantes" in lines[0]
    assert f"Du {day(later.start_date)} au {day(later.end_date)}" in lines[1]
    assert "Inscriptions fermées" in lines[1] and "restante" not in lines[1]
    assert day(past.start_date) not in text(card)
    full = text(card_of(doc, other))
    assert "Complet" in full and "Inscriptions ouvertes" not in full

    # The page's own button lets go of it, and the page comes back without it.
    remove = doc.get_element_by_id(f"favourite-{action.public_id}").get("formaction")
    assert "garder=0" in remove
    response = client.post(remove)
    assert response.status_code == 302 and response.url == favourites
    assert not Favourite.objects.filter(user=jobseeker, action=action).exists()
    doc = html.fromstring(client.get(favourites).content)
    assert card_of(doc, action) is None and "Analyste de données" not in text(doc.find_class("result-list")[0])
    assert card_of(doc, other) is not None


def test_deleting_a_saved_search_is_for_its_owner_only(client, jobseeker):
    mine = SavedSearch.objects.create(user=jobseeker, name="Web à Créteil", query="q=web")
    theirs = SavedSearch.objects.create(user=UserFactory(), name="Données à Meaux", query="q=donn%C3%A9es")
    client.force_login(jobseeker)
    searches = reverse("shortlists:searches")
    doc = html.fromstring(client.get(searches).content)
    assert "Données à Meaux" not in text(doc)
    [action] = doc.xpath(f'//form[contains(@action, "/{mine.public_id}/supprimer/")]/@action')
    assert action == reverse("shortlists:search_delete", args=[mine.public_id])

    assert client.get(action).status_code == 405  # a link followed by a mail scanner deletes nothing
    assert SavedSearch.objects.filter(pk=mine.pk).exists()
    response = client.post(action)
    assert response.status_code == 302 and response.url == searches
    assert not SavedSearch.objects.filter(pk=mine.pk).exists()
    page = client.get(searches).content.decode()
    assert "Recherche « Web à Créteil » supprimée." in page and "Aucune recherche enregistrée." in page

    assert client.post(reverse("shortlists:search_delete", args=[theirs.public_id])).status_code == 404
    assert SavedSearch.objects.filter(pk=theirs.pk).exists()


def test_keeping_from_the_detail_page_comes_back_to_it(client, jobseeker, adviser):
    action = ActionFactory(formation__title="Technicien réseaux")
    TrainingSessionFactory(action=action)
    detail = reverse("action_detail", args=[action.public_id])

    client.force_login(jobseeker)
    button = html.fromstring(client.get(detail).content).get_element_by_id(f"favourite-{action.public_id}")
    assert button.get("aria-pressed") == "false"
    response = client.post(button.get("formaction"))
    assert response.status_code == 302 and response.url == detail
    assert Favourite.objects.filter(user=jobseeker, action=action).exists()
    button = html.fromstring(client.get(detail).content).get_element_by_id(f"favourite-{action.public_id}")
    assert button.get("aria-pressed") == "true" and "Dans mes favoris" in text(button)

    # An adviser without a shortlist yet: the detail page leads to the choice, which comes back to the page.
    client.force_login(adviser)
    doc = html.fromstring(client.get(detail).content)
    [pick] = doc.xpath('//a[contains(@href, "/mon-espace/selections/choisir/")]/@href')
    form = html.fromstring(client.get(pick).content).xpath('//form[contains(@action, "nouvelle")]')[0]
    data = dict(form.form_values()) | {"label": "Mme D., projet réseaux"}
    response = client.post(form.get("action"), data)
    assert response.status_code == 302 and response.url == detail
    shortlist = Shortlist.objects.get(owner=adviser)
    assert list(shortlist.items.values_list("action", flat=True)) == [action.pk]

    # Then the button on the page takes it out of the shortlist and puts it back, each time back to the page.
    button = html.fromstring(client.get(detail).content).get_element_by_id(f"shortlist-{action.public_id}")
    assert button.get("aria-pressed") == "true" and "Dans « Mme D., projet réseaux »" in text(button)
    response = client.post(button.get("formaction"))
    assert response.status_code == 302 and response.url == detail
    assert not shortlist.items.exists()
    button = html.fromstring(client.get(detail).content).get_element_by_id(f"shortlist-{action.public_id}")
    assert button.get("aria-pressed") == "false"
    response = client.post(button.get("formaction"))
    assert response.status_code == 302 and response.url == detail
    assert shortlist.items.filter(action=action).exists()

    # Only a path of this site is followed (no open redirect).
    toggle = reverse("shortlists:shortlist_toggle", args=[shortlist.public_id, action.public_id])
    own_page = reverse("shortlists:shortlist", args=[shortlist.public_id])
    for evil in ("https://evil.example.org/", "//evil.example.org/formations/", "javascript:alert(1)"):
        assert client.post(toggle, {"garder": "1", "next": evil}).url == own_page
        assert client.post(reverse("shortlists:shortlist_pick"), {"selection": shortlist.public_id, "next": evil})[
            "Location"
        ] == reverse("search")
    other_adviser = UserFactory(adviser=True)
    client.force_login(other_adviser)
    assert client.post(toggle + "?garder=1", {"next": detail}).status_code == 404  # not their shortlist
    assert shortlist.items.count() == 1


def test_the_print_page_carries_the_notes_and_the_print_stylesheet_and_is_the_adviser_s_only(client, adviser):
    adviser.first_name, adviser.last_name, adviser.structure = "Jeanne", "Roux", "France Travail Créteil"
    adviser.save()
    shortlist = Shortlist.objects.create(owner=adviser, label="M. K.")
    action = ActionFactory(formation__title="Développeur web", formation__organism__phone="01 23 45 67 89")
    TrainingSessionFactory(action=action, places_left=4)
    item, _ = shortlist_add(shortlist=shortlist, action=action)
    item_note(item=item, note="Réunion d'information conseillée.\nPrévoir le CV.")
    bare = ActionFactory(formation__title="Sans note")
    shortlist_add(shortlist=shortlist, action=bare)
    url = reverse("shortlists:shortlist_print", args=[shortlist.public_id])
    client.force_login(adviser)
    doc = html.fromstring(client.get(url).content)

    [page] = doc.xpath('//article[@class="print-page"]')
    assert "Par Jeanne Roux, France Travail Créteil" in text(page)
    noted = card_of(doc, action)
    [note] = noted.xpath('.//p[@class="note"]')
    assert text(note) == "Note : Réunion d'information conseillée. Prévoir le CV."
    assert note.xpath(".//br")  # the note's line breaks are kept
    assert "4 places restantes" in text(noted) and "01 23 45 67 89" in text(noted)
    assert not card_of(doc, bare).xpath('.//p[@class="note"]')

    # The stylesheet the page links prints it on A4, without the site's header, footer and buttons.
    stylesheets = doc.xpath('//link[@rel="stylesheet"]/@href')
    assert "/static/css/site.css" in stylesheets
    css = Path(finders.find("css/site.css")).read_text()
    assert "@page { size: A4;" in css and ".print-page .result { break-inside: avoid; }" in css
    assert ".no-print" in css.split("@media print")[1].split("}")[0]
    [print_button] = doc.xpath("//button[@data-print]")
    assert print_button.xpath("ancestor::*[contains(@class, 'no-print')]")
    assert print_button.get("hidden") is not None  # print.js shows it; without JavaScript it would do nothing
    assert "/static/js/print.js" in doc.xpath("//script/@src")

    client.force_login(UserFactory(adviser=True))
    assert client.get(url).status_code == 404
