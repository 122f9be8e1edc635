"""Favourites and shortlists: keeping from the results (htmx and without JavaScript), notes, order, the read-only link
(signed, revocable, expiring), its email, and the comparison."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from shortlists.models import Favourite, Shortlist, ShortlistItem
from shortlists.services import share_revoke, share_start, share_token, shortlist_add
from tests.catalogue.factories import ActionFactory, ActionFunderFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


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


def test_compare_two_to_four_trainings(client):
    actions = [ActionFactory(formation__title=f"Formation {n}", price=1200 if n else 0) for n in range(5)]
    for action in actions:
        TrainingSessionFactory(action=action)
    ActionFunderFactory(action=actions[0])
    ids = [a.public_id for a in actions]
    page = client.get(reverse("shortlists:compare"), {"formation": ids[:2]}).content.decode()
    assert "Formation 0" in page and "Formation 1" in page and "Conseil régional" in page
    assert "Gratuit" in page and "200,00 € TTC" in page and "environ 31 h par semaine" in page
    assert (
        "Choisissez de 2 à 4 formations"
        in client.get(reverse("shortlists:compare"), {"formation": ids}).content.decode()
    )
    assert "Choisissez de 2 à 4" in client.get(reverse("shortlists:compare"), {"formation": ids[:1]}).content.decode()
