"""Region staff: decisions on organisations and labels, programmes, outcomes, and the dashboard's figures."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.groups import ADMINISTRATOR, LABELLER, ensure_region_groups
from catalogue.models import ActionLabel, Programme
from catalogue.search.engine import Query, search
from core.models import AuditEntry
from organisms.models import Organism
from organisms.services import organism_decide
from sessions.models import SessionOutcome
from tests.accounts.factories import UserFactory
from tests.catalogue.factories import ActionFactory, ActionLabelFactory, FormationFactory, ProgrammeFactory
from tests.organisms.factories import MembershipFactory, OrganismFactory
from tests.outage import mail_failures, smtp_outage
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(client):
    user = UserFactory(region_agent=True, email="agent@region.example.org")
    user.groups.add(ensure_region_groups()[ADMINISTRATOR])
    client.force_login(user)
    return user


def found(**criteria) -> int:
    return search(Query(**criteria), today=timezone.localdate()).total


def test_approval_emails_the_organisation_and_opens_search(client, administrator, django_capture_on_commit_callbacks):
    organism = OrganismFactory(pending=True, email="contact@atelier.example.org")
    MembershipFactory(organism=organism, user__email="sophie@atelier.example.org")
    TrainingSessionFactory(action=ActionFactory(formation__organism=organism))
    assert found() == 0
    with django_capture_on_commit_callbacks(execute=True):  # the email leaves when the request commits
        client.post(reverse("region:organism_decision", args=[organism.slug]), {"decision": "approve"})
    organism.refresh_from_db()
    assert organism.approval_state == Organism.ApprovalState.APPROVED
    assert found() == 1
    assert sorted(mail.outbox[0].to) == ["contact@atelier.example.org", "sophie@atelier.example.org"]
    assert "organisme validé" in mail.outbox[0].subject
    entry = AuditEntry.objects.get(verb=AuditEntry.Verb.DECISION)
    assert entry.actor == administrator and entry.changes["approval_state"] == ["pending", "approved"]


def test_suspension_needs_a_reason_and_hides_sessions_until_reinstated(
    client, administrator, django_capture_on_commit_callbacks
):
    organism = OrganismFactory(email="contact@atelier.example.org")
    TrainingSessionFactory(action=ActionFactory(formation__organism=organism))
    url = reverse("region:organism_decision", args=[organism.slug])
    response = client.post(url, {"decision": "suspend", "reason": ""})
    assert "Indiquez le motif : il est communiqué à l&#x27;organisme." in response.content.decode()
    assert found() == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "suspend", "reason": "Sessions fictives signalées par des conseillers."})
    assert found() == 0  # at once
    assert "Motif : Sessions fictives signalées" in mail.outbox[-1].body
    client.post(url, {"decision": "reinstate"})
    assert found() == 1
    page = client.get(reverse("region:organism_detail", args=[organism.slug])).content.decode()
    assert "Sessions fictives signalées par des conseillers." in page  # the decision is visible on the object
    assert "(état de validation : Validé → Suspendu)" in page  # in French


def test_rejection_only_from_pending(client, administrator):
    organism = OrganismFactory()
    response = client.post(
        reverse("region:organism_decision", args=[organism.slug]), {"decision": "reject", "reason": "Doublon"}
    )
    assert "Sélectionnez un choix valide" in response.content.decode()
    organism.refresh_from_db()
    assert organism.approval_state == "approved"


def test_programme_creation_and_validation(client, administrator):
    data = {
        "name": "Pass numérique jeunes",
        "slug": "pass-numerique-jeunes",
        "axes": ["hybride"],
        "checklist_text": "Gratuite\n\n  Moins de 400 heures  ",
        "priority_audiences": ["neet", "81024"],
        "min_priority_share": "150",
        "valid_from": "2027-01-01",
        "valid_until": "2026-01-01",
    }
    response = client.post(reverse("region:programme_new"), data)
    html = response.content.decode()
    assert "Une part est comprise entre 0 et 100 %." in html
    assert "La fin de validité doit suivre le début." in html
    response = client.post(
        reverse("region:programme_new"), data | {"min_priority_share": "50", "valid_until": "2029-12-31"}
    )
    assert response.status_code == 302
    programme = Programme.objects.get(slug="pass-numerique-jeunes")
    assert programme.checklist == ["Gratuite", "Moins de 400 heures"]
    assert programme.priority_audiences == ["neet", "81024"]
    assert AuditEntry.objects.filter(object_id=str(programme.pk), actor=administrator).exists()


def test_label_request_decision_and_search(client, member_a, organism_a):
    programme = ProgrammeFactory(checklist=["Gratuite pour les demandeurs d'emploi", "Tutorat"])
    action = ActionFactory(formation=FormationFactory(organism=organism_a, title="Développeur web"), blended=True)
    TrainingSessionFactory(action=action)
    client.force_login(member_a)
    url = reverse("backoffice:label_request", args=[action.public_id])
    client.post(url, {"programme": programme.slug, "justification": "Axe hybride, gratuite."})
    again = client.post(url, {"programme": programme.slug, "justification": "Encore."})
    assert "a déjà un label" in again.content.decode()
    label = ActionLabel.objects.get()
    assert label.state == ActionLabel.State.REQUESTED

    labeller = UserFactory(region_agent=True)
    labeller.groups.add(ensure_region_groups()[LABELLER])
    client.force_login(labeller)
    queue = client.get(reverse("region:labels")).content.decode()
    assert reverse("region:label_detail", args=[label.pk]) in queue
    detail = reverse("region:label_detail", args=[label.pk])
    assert "Tutorat" in client.get(detail).content.decode()
    refused = client.post(detail, {"decision": "refuse", "reason": ""})
    assert "Indiquez le motif du refus" in refused.content.decode()
    today = timezone.localdate()
    client.post(
        detail,
        {
            "decision": "grant",
            "valid_from": today.isoformat(),
            "valid_until": (today + timedelta(365)).isoformat(),
            "checks": ["Tutorat"],
        },
    )
    label.refresh_from_db()
    assert label.state == ActionLabel.State.GRANTED and label.decided_by == labeller
    assert found(programmes=[programme.pk]) == 1
    entry = AuditEntry.objects.filter(verb=AuditEntry.Verb.DECISION).get()
    assert entry.changes["criteres_verifies"] == [None, ["Tutorat"]]
    public = client.get(reverse("action_detail", args=[action.public_id])).content.decode()
    assert f"Label {programme.name}" in public

    client.post(reverse("region:label_withdraw", args=[label.pk]), {"reason": "Conditions plus remplies."})
    label.refresh_from_db()
    assert label.state == ActionLabel.State.WITHDRAWN
    assert found(programmes=[programme.pk]) == 0


def test_staff_may_label_directly(client, administrator):
    programme = ProgrammeFactory()
    action = ActionFactory()
    TrainingSessionFactory(action=action)
    response = client.post(
        reverse("region:action_label", args=[action.public_id]),
        {"programme": programme.slug, "valid_from": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    assert found(programmes=[programme.pk]) == 1


def test_labels_expire_by_themselves(client, administrator):
    programme = ProgrammeFactory()
    action = ActionFactory()
    TrainingSessionFactory(action=action)
    today = timezone.localdate()
    ActionLabelFactory(
        action=action,
        programme=programme,
        state="granted",
        valid_from=today - timedelta(400),
        valid_until=today - timedelta(1),
    )
    assert found(programmes=[programme.pk]) == 0
    assert (
        f"Label {programme.name}" not in client.get(reverse("action_detail", args=[action.public_id])).content.decode()
    )


def test_outcomes_are_reported_validated_and_flagged_below_quota(client, member_a, organism_a, administrator):
    programme = ProgrammeFactory(min_priority_share=50)
    action = ActionFactory(formation__organism=organism_a)
    ActionLabelFactory(action=action, programme=programme, granted=True)
    session = TrainingSessionFactory(action=action, past=True)
    other = TrainingSessionFactory(action=ActionFactory(formation__organism=organism_a), past=True)
    client.force_login(member_a)
    assert client.get(reverse("backoffice:session_outcome", args=[other.public_id])).status_code == 404
    url = reverse("backoffice:session_outcome", args=[session.public_id])
    data = {
        "enrolled": "10",
        "women": "4",
        "under_26": "12",
        "qpv": "0",
        "disabled": "0",
        "jobseekers": "8",
        "priority_public": "4",
        "completed": "9",
        "exit_job": "5",
        "exit_training": "4",
        "exit_business": "3",
    }
    html = client.post(url, data).content.decode()
    assert "Ne peut dépasser le nombre de stagiaires entrés (10)." in html
    assert "Les sorties positives (12) ne peuvent dépasser les stagiaires entrés (10)." in html
    assert client.post(url, data | {"under_26": "6", "exit_business": "0"}).status_code == 302
    assert SessionOutcome.objects.get().positive_exits == 9
    client.force_login(administrator)
    page = client.get(reverse("region:dashboard")).content.decode()
    # Positive exits on trainees, then the number of sessions below the programme's 50 % quota.
    assert '9 sur 10</td><td class="num">1</td></tr>' in page
    assert "4 sur 10 (40 %)" in page  # and the session is listed, to follow up


def test_exports_in_csv_and_xlsx(client, administrator):
    OrganismFactory.create_batch(3)
    OrganismFactory(pending=True)
    response = client.get(reverse("region:export", args=["organismes", "csv"]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["État", "Organismes"]
    assert ["Validé", "3"] in rows and ["En attente de validation", "1"] in rows
    response = client.get(reverse("region:export", args=["organismes", "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1] == ["État", "Organismes"] and ["Validé", 3] in values
    assert client.get(reverse("region:export", args=["inconnu", "csv"])).status_code == 404


def test_a_decided_label_cannot_be_decided_again(client, administrator):
    label = ActionLabelFactory(granted=True)
    detail = reverse("region:label_detail", args=[label.pk])
    response = client.post(detail, {"decision": "refuse", "reason": "Par erreur"})
    assert "il n&#x27;y a pas de demande à décider" in response.content.decode()
    label.refresh_from_db()
    assert label.state == ActionLabel.State.GRANTED


@pytest.mark.django_db(transaction=True)  # real commits: the email leaves when the request's transaction commits
def test_a_mail_server_outage_keeps_the_decision_and_says_so(client, region_agent, caplog):
    organism = OrganismFactory(pending=True, email="contact@atelier.example.org")
    client.force_login(region_agent)
    with smtp_outage():
        response = client.post(reverse("region:organism_decision", args=[organism.slug]), {"decision": "approve"})
    assert response.status_code == 302 and response.url == reverse("region:organism_detail", args=[organism.slug])
    organism.refresh_from_db()
    assert organism.approval_state == Organism.ApprovalState.APPROVED
    assert AuditEntry.objects.filter(verb=AuditEntry.Verb.DECISION, object_id=str(organism.pk)).exists()
    page = client.get(response.url).content.decode()
    assert (
        "La décision est enregistrée, mais le courriel à l&#x27;organisme n&#x27;a pas pu partir : "
        "prévenez-le autrement." in page
    )
    assert "L&#x27;organisme est prévenu par courriel." not in page
    [failure] = mail_failures(caplog)
    assert isinstance(failure.exc_info[1], ConnectionRefusedError)
    assert "contact@atelier.example.org" in failure.getMessage()
    assert mail.outbox == []

    response = client.post(
        reverse("region:organism_decision", args=[organism.slug]), {"decision": "suspend", "reason": "Doublon"}
    )
    page = client.get(response.url).content.decode()
    assert "L&#x27;organisme est prévenu par courriel." in page and "n&#x27;a pas pu partir" not in page
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_the_decision_email_leaves_after_commit_with_its_text(region_agent):
    organism = OrganismFactory(email="contact@atelier.example.org", usual_name="L'Atelier d'Ivry")
    MembershipFactory(organism=organism, user__email="sophie@atelier.example.org")
    with transaction.atomic():
        organism_decide(
            organism=organism,
            decision="suspend",
            reason="Sessions fictives signalées.",
            by=region_agent,
            portal_url="http://testserver/espace-organisme/",
        )
        assert mail.outbox == []  # not while the decision could still be rolled back
    [email] = mail.outbox
    assert email.to == ["contact@atelier.example.org", "sophie@atelier.example.org"]
    assert email.subject == "[Catalogue des formations] L'Atelier d'Ivry : organisme suspendu"
    assert email.body == (
        "Bonjour,\n\nLa Région a suspendu l'organisme L'Atelier d'Ivry sur le catalogue régional des formations.\n\n"
        "Motif : Sessions fictives signalées.\n\n"
        "Ses sessions ne sont plus visibles dans la recherche tant que la suspension dure.\n\n"
        "Votre espace : http://testserver/espace-organisme/\n\n"
        "Le catalogue régional des formations au numérique\n"
    )

    with pytest.raises(RuntimeError), transaction.atomic():
        organism_decide(organism=organism, decision="reinstate", reason="", by=region_agent)
        raise RuntimeError("the request fails after the decision")
    assert len(mail.outbox) == 1  # a decision rolled back is never announced
    organism.refresh_from_db()
    assert organism.approval_state == Organism.ApprovalState.SUSPENDED
