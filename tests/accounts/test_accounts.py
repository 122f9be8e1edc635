"""Accounts with allauth: email login, mandatory verification, kinds and where each lands, rate limits."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import PASSWORD, UserFactory
from tests.organisms.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def verified(user):
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user


def signup(client, email, profile="jobseeker"):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "password1": "une-phrase-de-passe-2026",
            "password2": "une-phrase-de-passe-2026",
            "first_name": "Karim",
            "last_name": "Benali",
            "profile": profile,
        },
    )


def confirm_from_email(client):
    link = re.search(r"https?://\S+/compte/confirm-email/\S+", mail.outbox[-1].body).group(0)
    path = link.split("testserver", 1)[1]
    return client.post(path)


def test_signup_requires_verification_then_lands_on_the_home(client):
    response = signup(client, "camille@example.org")
    assert response.status_code == 302
    user = User.objects.get(email="camille@example.org")
    assert user.kind == User.Kind.JOBSEEKER and not user.adviser_requested
    assert len(mail.outbox) == 1 and "confirm" in mail.outbox[0].body
    assert (
        not client.login(email="camille@example.org", password="une-phrase-de-passe-2026")
        or not EmailAddress.objects.get(user=user).verified
    )
    response = confirm_from_email(client)
    assert EmailAddress.objects.get(user=user).verified
    assert response.url == reverse("account_home")


def test_unverified_account_cannot_log_in(client):
    signup(client, "camille@example.org")
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "camille@example.org", "password": "une-phrase-de-passe-2026"}
    )
    assert response.url == reverse("account_email_verification_sent")
    assert client.get(reverse("account_home")).url.startswith(reverse("account_login"))


def test_an_adviser_address_makes_an_adviser(client, settings):
    signup(client, "karim.benali@francetravail.fr", profile="adviser")
    user = User.objects.get()
    assert user.kind == User.Kind.JOBSEEKER and user.adviser_requested
    confirm_from_email(client)
    user.refresh_from_db()
    assert user.kind == User.Kind.ADVISER and not user.adviser_requested


def test_another_domain_waits_for_the_region(client):
    signup(client, "karim@gmail.com", profile="adviser")
    confirm_from_email(client)
    user = User.objects.get()
    assert user.kind == User.Kind.JOBSEEKER and user.adviser_requested
    html = client.get(reverse("account_home")).content.decode()
    assert "Votre demande d&#x27;accès conseiller est en cours d&#x27;examen" in html or "en cours d'examen" in html


@pytest.mark.parametrize(
    ("kind", "landing"),
    [
        ("jobseeker", "account_home"),
        ("adviser", "account_home"),
        ("organism_member", "backoffice:dashboard"),
        ("region_agent", "region:dashboard"),
    ],
)
def test_each_kind_lands_on_its_own_home(client, kind, landing):
    user = verified(UserFactory(kind=kind, is_staff=kind == "region_agent"))
    if kind == "organism_member":
        MembershipFactory(user=user)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse(landing)


def test_password_reset_sends_a_french_email(client):
    verified(UserFactory(email="camille@example.org"))
    response = client.post(reverse("account_reset_password"), {"email": "camille@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("[Catalogue des formations]")
    assert "/compte/password/reset/key/" in mail.outbox[0].body


def test_failed_logins_are_rate_limited(client):
    user = verified(UserFactory(email="camille@example.org"))
    statuses = [
        client.post(reverse("account_login"), {"login": user.email, "password": "mauvais"}).status_code
        for _ in range(12)
    ]
    assert statuses[0] == 200
    assert (
        429 in statuses
        or "Trop de tentatives"
        in client.post(reverse("account_login"), {"login": user.email, "password": "mauvais"}).content.decode()
    )


def test_login_page_is_in_french_in_the_portal_layout(client):
    html = client.get(reverse("account_login")).content.decode()
    assert '<html lang="fr">' in html and 'href="#contenu"' in html
    assert "Connexion" in html
    assert 'for="id_login"' in html and 'for="id_password"' in html
