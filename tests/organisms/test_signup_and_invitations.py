import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail, signing
from django.urls import reverse

from accounts.models import User
from organisms.models import Membership, Organism
from organisms.services import INVITATION_SALT
from tests.catalogue.factories import CommuneFactory
from tests.organisms.factories import OrganismFactory, valid_siret

pytestmark = pytest.mark.django_db


def signup_data(**changes):
    data = {
        "siret": valid_siret(55555555),
        "nda": "11940000001",
        "usual_name": "Atelier numérique de Créteil",
        "legal_name": "Atelier numérique SAS",
        "street": "1 rue Pasteur",
        "postcode": "94000",
        "commune_name": "Créteil",
        "first_name": "Sophie",
        "last_name": "Leroy",
        "email": "sophie@atelier.example.org",
        "password1": "une-phrase-de-passe-2026",
        "password2": "une-phrase-de-passe-2026",
    }
    data.update(changes)
    return data


def test_an_organisation_signs_up_pending_with_its_administrator(client):
    CommuneFactory()
    response = client.post(reverse("organism_signup"), signup_data())
    assert response.status_code == 302
    organism = Organism.objects.get()
    assert organism.approval_state == Organism.ApprovalState.PENDING
    assert organism.commune.code == "94028"
    membership = Membership.objects.get()
    assert membership.role == Membership.Role.ADMIN and membership.user.kind == User.Kind.ORGANISM_MEMBER
    assert not EmailAddress.objects.get().verified
    assert len(mail.outbox) == 1  # the verification email


def test_organisation_signup_errors_are_explained(client):
    CommuneFactory()
    OrganismFactory(siret=valid_siret(55555555))
    response = client.post(
        reverse("organism_signup"),
        signup_data(nda="123", postcode="75001", password2="autre-chose-2026", email="pas-une-adresse"),
    )
    html = response.content.decode()
    assert "Un organisme est déjà inscrit avec ce SIRET" in html
    assert "Le NDA comporte 11 caractères" in html
    assert "Cette commune ne correspond pas au code postal saisi." in html
    assert "Les deux mots de passe ne sont pas identiques." in html
    assert 'value="Atelier numérique de Créteil"' in html  # nothing typed is lost
    bad_checksum = client.post(reverse("organism_signup"), signup_data(siret="55555555500001"))
    assert "Ce SIRET n&#x27;est pas valide" in bad_checksum.content.decode()


def invite(client, member_a, email="nouvelle@example.org"):
    client.force_login(member_a)
    client.post(reverse("backoffice:member_invite"), {"email": email})
    client.logout()
    return re.search(r"http://testserver(/invitation/\S+/)", mail.outbox[-1].body).group(1)


def test_an_invited_person_creates_an_account_and_joins(client, member_a, organism_a):
    path = invite(client, member_a)
    assert organism_a.usual_name in mail.outbox[-1].subject
    response = client.post(
        path,
        {
            "first_name": "Léa",
            "last_name": "Martin",
            "password1": "une-phrase-de-passe-2026",
            "password2": "une-phrase-de-passe-2026",
        },
    )
    assert response.url == reverse("backoffice:dashboard")
    user = User.objects.get(email="nouvelle@example.org")
    assert user.memberships.get().organism == organism_a
    assert EmailAddress.objects.get(user=user).verified
    assert client.get(reverse("backoffice:dashboard")).status_code == 200


def test_an_existing_account_logs_in_to_accept(client, member_a, organism_b, member_b):
    path = invite(client, member_a, email=member_b.email)
    response = client.get(path)
    assert response.url.startswith(reverse("account_login"))
    client.force_login(member_b)
    client.post(path)
    assert set(member_b.memberships.values_list("organism__usual_name", flat=True)) == {
        organism_b.usual_name,
        member_a.memberships.get().organism.usual_name,
    }


def test_an_invitation_is_for_its_address_only_and_expires(client, member_a, jobseeker, settings):
    path = invite(client, member_a)
    client.force_login(jobseeker)
    assert client.get(path).status_code == 403
    token = path.split("/")[2]
    assert client.get(reverse("invitation_accept", args=[token + "x"])).status_code == 400
    settings.INVITATION_MAX_AGE_DAYS = -1
    response = client.get(path)
    assert response.status_code == 400
    assert "Cette invitation a expiré" in response.content.decode()


def test_the_last_administrator_cannot_be_removed(client, member_a):
    client.force_login(member_a)
    own = member_a.memberships.get()
    response = client.post(reverse("backoffice:member_remove", args=[own.pk]), follow=True)
    assert "L&#x27;organisme doit garder au moins un administrateur." in response.content.decode()
    assert Membership.objects.filter(pk=own.pk).exists()


def test_signed_invitation_cannot_be_forged_for_another_organisation(client, organism_b):
    forged = signing.dumps({"o": organism_b.pk, "e": "x@example.org", "by": 1}, salt="another-salt")
    assert client.get(reverse("invitation_accept", args=[forged])).status_code == 400
    assert timedelta(days=7)  # documented validity (settings.INVITATION_MAX_AGE_DAYS)
    assert INVITATION_SALT == "organisms.invitation"


def test_a_removed_member_cannot_come_back_with_the_same_invitation(client, member_a, organism_a):
    path = invite(client, member_a)
    client.post(
        path,
        {
            "first_name": "Léa",
            "last_name": "Martin",
            "password1": "une-phrase-de-passe-2026",
            "password2": "une-phrase-de-passe-2026",
        },
    )
    newcomer = User.objects.get(email="nouvelle@example.org")
    client.force_login(member_a)
    client.post(reverse("backoffice:member_remove", args=[newcomer.memberships.get().pk]))
    client.force_login(newcomer)
    response = client.get(path)
    assert response.status_code == 400
    assert "Cette invitation a été annulée" in response.content.decode()
    assert not newcomer.memberships.exists()


def test_an_invitation_dies_with_its_sender_s_rights(client, member_a, organism_a):
    path = invite(client, member_a)
    member_a.memberships.update(role=Membership.Role.MEMBER)
    response = client.get(path)
    assert response.status_code == 400 and "n&#x27;administre plus" in response.content.decode()
