import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail, signing
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.models import AuditEntry
from organisms.models import Invitation, Membership, Organism
from organisms.services import INVITATION_SALT, invitation_read, invitation_send
from tests.accounts.factories import PASSWORD
from tests.catalogue.factories import CommuneFactory
from tests.organisms.factories import InvitationFactory, OrganismFactory, valid_siret
from tests.outage import mail_failures, smtp_outage

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


@pytest.fixture
def invite(client, member_a, django_capture_on_commit_callbacks):
    """member_a invites an address; the path of the emailed link (the email leaves when the request commits)."""

    def send(email="nouvelle@example.org"):
        client.force_login(member_a)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("backoffice:member_invite"), {"email": email})
        client.logout()
        return re.search(r"http://testserver(/invitation/\S+/)", mail.outbox[-1].body).group(1)

    return send


def test_an_invited_person_creates_an_account_and_joins(client, member_a, organism_a, invite):
    path = invite()
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


def test_an_existing_account_logs_in_to_accept(client, member_a, organism_b, member_b, invite):
    path = invite(email=member_b.email)
    response = client.get(path)
    assert response.url.startswith(reverse("account_login"))
    client.force_login(member_b)
    client.post(path)
    assert set(member_b.memberships.values_list("organism__usual_name", flat=True)) == {
        organism_b.usual_name,
        member_a.memberships.get().organism.usual_name,
    }


def test_an_invitation_is_for_its_address_only_and_expires(client, member_a, jobseeker, settings, invite):
    path = invite()
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


def test_a_removed_member_cannot_come_back_with_the_same_invitation(client, member_a, organism_a, invite):
    path = invite()
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


def test_an_invitation_dies_with_its_sender_s_rights(client, member_a, organism_a, invite):
    path = invite()
    member_a.memberships.update(role=Membership.Role.MEMBER)
    response = client.get(path)
    assert response.status_code == 400 and "n&#x27;administre plus" in response.content.decode()


@pytest.mark.django_db(transaction=True)  # real commits: the email leaves when the request's transaction commits
def test_a_mail_server_outage_keeps_the_invitation_and_says_so(client, member_a, organism_a, caplog):
    assert connection.settings_dict["ATOMIC_REQUESTS"]  # the warning is added when the request's transaction commits
    client.force_login(member_a)
    with smtp_outage():
        response = client.post(reverse("backoffice:member_invite"), {"email": "nouvelle@example.org"})
    assert response.status_code == 302 and response.url == reverse("backoffice:members")
    invitation = Invitation.objects.get()
    assert (invitation.organism, invitation.email, invitation.state) == (organism_a, "nouvelle@example.org", "pending")
    page = client.get(response.url).content.decode()
    assert (
        "L&#x27;invitation est enregistrée, mais le courriel à nouvelle@example.org n&#x27;a pas pu partir : "
        "renvoyez-la plus tard depuis cette page." in page
    )
    assert "Invitation envoyée" not in page
    assert reverse("backoffice:invitation_revoke", args=[invitation.pk]) in page  # listed as pending
    [failure] = mail_failures(caplog)
    assert isinstance(failure.exc_info[1], ConnectionRefusedError)
    assert "nouvelle@example.org" in failure.getMessage()
    assert mail.outbox == []

    response = client.post(reverse("backoffice:member_invite"), {"email": "nouvelle@example.org"}, follow=True)
    assert "Invitation envoyée à nouvelle@example.org." in response.content.decode()
    assert Invitation.objects.get().pk == invitation.pk  # sent again, still one invitation
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_the_invitation_email_leaves_after_commit_with_its_link(member_a, organism_a):
    with transaction.atomic():
        invitation = invitation_send(
            organism=organism_a, email="Nouvelle@Example.org", by=member_a, base_url="http://testserver/"
        )
        assert mail.outbox == []  # not while the invitation could still be rolled back
    [email] = mail.outbox
    token = re.search(r"http://testserver/invitation/(\S+)/\n", email.body).group(1)
    assert email.to == ["nouvelle@example.org"]
    assert email.subject == "[Catalogue des formations] Invitation à rejoindre Académie du code Créteil"
    assert email.body == (
        "Bonjour,\n\nCamille Martin vous invite à tenir à jour les formations de Académie du code Créteil sur le "
        "catalogue régional.\n\nPour accepter, ouvrez ce lien (valable 7 jours) :\n"
        f"http://testserver/invitation/{token}/\n\nLe catalogue régional des formations au numérique\n"
    )
    assert invitation_read(token) == invitation

    with pytest.raises(RuntimeError), transaction.atomic():
        invitation_send(organism=organism_a, email="autre@example.org", by=member_a, base_url="http://testserver/")
        raise RuntimeError("the request fails after the invitation")
    assert len(mail.outbox) == 1 and not Invitation.objects.filter(email="autre@example.org").exists()


def test_an_administrator_sees_and_revokes_pending_invitations(client, member_a, organism_a, organism_b, invite):
    path = invite()
    accepted_path = invite(email="acceptee@example.org")
    InvitationFactory(organism=organism_b, email="ailleurs@example.org")
    InvitationFactory(organism=organism_a, email="expiree@example.org", sent_at=timezone.now() - timedelta(days=8))
    client.post(
        accepted_path, {"first_name": "Léa", "last_name": "Petit", "password1": PASSWORD, "password2": PASSWORD}
    )
    client.force_login(member_a)
    page = client.get(reverse("backoffice:members")).content.decode()
    pending = Invitation.objects.get(email="nouvelle@example.org")
    assert "Invitations en attente" in page and "nouvelle@example.org" in page
    assert reverse("backoffice:invitation_revoke", args=[pending.pk]) in page
    assert Invitation.objects.count() == 4  # the accepted one, another organisation's and an expired one: not listed
    for other in Invitation.objects.exclude(pk=pending.pk):
        assert reverse("backoffice:invitation_revoke", args=[other.pk]) not in page
    assert "expiree@example.org" not in page and "ailleurs@example.org" not in page
    response = client.post(reverse("backoffice:invitation_revoke", args=[pending.pk]), follow=True)
    assert "L&#x27;invitation de nouvelle@example.org est annulée" in response.content.decode()
    pending.refresh_from_db()
    assert pending.state == Invitation.State.REVOKED and pending.revoked_at is not None
    assert AuditEntry.objects.filter(object_id=str(pending.pk), actor=member_a, changes__state=["pending", "revoked"])
    client.logout()
    response = client.get(path)
    assert response.status_code == 400 and "Cette invitation a été annulée" in response.content.decode()
    # Only pending invitations of one's own organisation can be revoked.
    client.force_login(member_a)
    accepted = Invitation.objects.get(email="acceptee@example.org")
    assert client.post(reverse("backoffice:invitation_revoke", args=[accepted.pk])).status_code == 404
    elsewhere = Invitation.objects.get(email="ailleurs@example.org")
    assert client.post(reverse("backoffice:invitation_revoke", args=[elsewhere.pk])).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.state == Invitation.State.PENDING


def test_an_invitation_is_used_once_and_removal_revokes_the_address_s_invitations(client, member_a, organism_a, invite):
    path = invite()
    client.post(path, {"first_name": "Léa", "last_name": "Petit", "password1": PASSWORD, "password2": PASSWORD})
    invitation = Invitation.objects.get()
    assert invitation.state == Invitation.State.ACCEPTED and invitation.accepted_at is not None
    response = client.get(path)
    assert response.status_code == 400 and "Cette invitation a déjà été acceptée" in response.content.decode()
    newcomer = User.objects.get(email="nouvelle@example.org")
    second_path = invite(email="nouvelle@example.org")  # a second invitation to the same address, while a member
    client.force_login(member_a)
    client.post(reverse("backoffice:member_remove", args=[newcomer.memberships.get().pk]))
    assert set(Invitation.objects.values_list("state", flat=True)) == {Invitation.State.REVOKED}
    client.force_login(newcomer)
    for link in (path, second_path):
        response = client.get(link)
        assert response.status_code == 400 and "Cette invitation a été annulée" in response.content.decode()


def test_a_link_of_the_previous_kind_is_refused_plainly(client, organism_a, member_a):
    legacy = signing.dumps({"o": organism_a.pk, "e": "x@example.org", "by": member_a.pk, "t": 0}, salt=INVITATION_SALT)
    response = client.get(reverse("invitation_accept", args=[legacy]))
    assert response.status_code == 400
    assert "Ce lien d&#x27;invitation n&#x27;est plus valable" in response.content.decode()
