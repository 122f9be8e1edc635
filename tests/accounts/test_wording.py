"""One word for email on account pages, messages and emails: « courriel » (never « e-mail » nor « adresse
électronique »); no sign-in message showing a raw address."""

import gettext
import re
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

OTHER_WORDS = re.compile(r"(?i)\be-?mail\b|adresses? électroniques?|adresse mail")
PASSWORD = "un-mot-de-passe-solide-2026"
LOCALE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"


def visible_text(html: str) -> str:
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    attributes = " ".join(re.findall(r'(?:placeholder|aria-label|title|alt)="([^"]*)"', html))
    return re.sub(r"<[^>]+>", " ", html) + " " + attributes


@pytest.fixture
def person(db):
    user = UserFactory(email="karim.benali@example.org", first_name="Karim", last_name="Benali")
    user.set_password(PASSWORD)
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user


@pytest.mark.parametrize(
    "name", ["account_login", "account_signup", "account_reset_password", "account_reset_password_done"]
)
def test_entrance_pages_say_courriel(client, name):
    text = visible_text(client.get(reverse(name)).content.decode())
    assert "ourriel" in text
    assert not OTHER_WORDS.search(text), OTHER_WORDS.search(text)


def test_signed_in_pages_say_courriel_and_the_welcome_shows_no_address(client, person):
    response = client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD}, follow=True)
    html = response.content.decode()
    assert "Connexion réussie : bonjour Karim." in html
    assert "karim.benali@example.org" not in html.split('class="messages"', 1)[1].split("</div>", 1)[0]
    for name in ("account_email", "account_change_password", "account_home", "account_delete"):
        text = visible_text(client.get(reverse(name)).content.decode())
        assert not OTHER_WORDS.search(text), (name, OTHER_WORDS.search(text))
    assert (
        "Les courriels suivants sont associés à votre compte" in client.get(reverse("account_email")).content.decode()
    )


def test_verification_page_says_courriel(client):
    client.post(
        reverse("account_signup"),
        {"email": "nouvelle@example.org", "password1": PASSWORD, "password2": PASSWORD, "kind": "jobseeker"},
        follow=True,
    )
    text = visible_text(client.get(reverse("account_email_verification_sent")).content.decode())
    assert "Vérifiez votre courriel" in text
    assert not OTHER_WORDS.search(text)


def test_the_compiled_catalogue_matches_its_source():
    """locale/fr/LC_MESSAGES/django.mo is compiled from django.po (msgfmt): every entry translates as written."""
    source = (LOCALE / "django.po").read_text()
    with (LOCALE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    entries = re.findall(r'msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', source)
    assert len(entries) > 40

    def text(block: str) -> str:
        return "".join(re.findall(r'"(.*)"', block)).encode().decode("unicode_escape").encode("latin-1").decode()

    for msgid, msgstr in entries[1:]:  # the first is the header
        assert compiled.gettext(text(msgid)) == text(msgstr)
    with translation.override("fr"):
        assert translation.gettext("Email address") == "Courriel"
