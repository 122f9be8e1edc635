"""Labelling safeguards: required criteria, no decision chosen in advance, no label for an organisation not approved,
and the programme's minimum share of priority publics checked against reported results."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.groups import LABELLER, ensure_region_groups
from catalogue.decisions import LabelDecision, LabelError, label_decisions, priority_share_check
from catalogue.models import ActionLabel, Programme
from catalogue.services import label_decide
from region.dashboard import Table
from region.forms import ProgrammeForm
from region.views import chart_bars
from sessions.models import SessionOutcome
from tests.accounts.factories import UserFactory
from tests.catalogue.factories import ActionFactory, ActionLabelFactory, FormationFactory, ProgrammeFactory
from tests.organisms.factories import OrganismFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db

REQUIRED = ["Gratuite pour les demandeurs d'emploi", "Axe du programme"]


@pytest.fixture
def labeller(client):
    user = UserFactory(region_agent=True)
    user.groups.add(ensure_region_groups()[LABELLER])
    client.force_login(user)
    return user


@pytest.fixture
def programme():
    return ProgrammeFactory(checklist=[*REQUIRED, "Tutorat"], required_checks=REQUIRED, min_priority_share=50)


def grant(client, label, checks):
    today = timezone.localdate()
    return client.post(
        reverse("region:label_detail", args=[label.pk]),
        {"decision": "grant", "checks": checks, "valid_from": today.isoformat()},
    )


def test_a_label_is_refused_without_its_required_criteria(client, labeller, programme):
    label = ActionLabelFactory(programme=programme)
    response = grant(client, label, [REQUIRED[0], "Tutorat"])
    html = response.content.decode()
    assert "Cochez les critères obligatoires du programme avant de labelliser : « Axe du programme »." in html
    label.refresh_from_db()
    assert label.state == ActionLabel.State.REQUESTED
    # The service refuses it too, whatever the form.
    with pytest.raises(LabelError, match="Axe du programme"):
        label_decide(
            action=label.action,
            programme=programme,
            decision="grant",
            by=labeller,
            checks=[REQUIRED[0]],
            valid_from=timezone.localdate(),
        )
    assert grant(client, label, REQUIRED).status_code == 302
    label.refresh_from_db()
    assert label.state == ActionLabel.State.GRANTED


def test_the_decision_has_no_default(client, labeller, programme):
    label = ActionLabelFactory(programme=programme)
    html = client.get(reverse("region:label_detail", args=[label.pk])).content.decode()
    assert 'type="radio" name="decision"' in html
    assert "checked" not in html.split('name="decision"', 1)[1].split("</fieldset>", 1)[0]
    response = client.post(reverse("region:label_detail", args=[label.pk]), {"reason": "?"})
    assert "Choisissez une décision." in response.content.decode()
    assert "(obligatoire)" in html


@pytest.mark.parametrize("state", ["pending", "rejected", "suspended"])
def test_an_organisation_not_approved_cannot_be_labelled(client, labeller, programme, state):
    organism = OrganismFactory(approval_state=state)
    action = ActionFactory(formation=FormationFactory(organism=organism))
    label = ActionLabelFactory(action=action, programme=programme)
    detail = client.get(reverse("region:label_detail", args=[label.pk])).content.decode()
    assert 'value="grant"' not in detail and 'value="refuse"' in detail
    assert "le label ne peut être accordé qu'une fois l'organisme validé" in detail
    refused = grant(client, label, REQUIRED)
    assert refused.status_code == 200
    label.refresh_from_db()
    assert label.state == ActionLabel.State.REQUESTED
    # Not offered on the organisation's page, and refused on the direct labelling page.
    page = client.get(reverse("region:organism_detail", args=[organism.slug])).content.decode()
    assert reverse("region:action_label", args=[action.public_id]) not in page
    other = ProgrammeFactory(slug="autre", name="Autre programme")
    direct = client.post(
        reverse("region:action_label", args=[action.public_id]),
        {"programme": other.slug, "valid_from": timezone.localdate().isoformat()},
    )
    assert "ne peuvent être labellisées qu&#x27;une fois l&#x27;organisme validé" in direct.content.decode()
    assert not ActionLabel.objects.filter(programme=other).exists()
    with pytest.raises(LabelError, match="ne peuvent être labellisées"):
        label_decide(
            action=action,
            programme=programme,
            decision="grant",
            by=labeller,
            checks=REQUIRED,
            valid_from=timezone.localdate(),
        )


def test_the_table_offers_no_grant_to_an_organisation_not_approved():
    every = list(LabelDecision)
    assert label_decisions(decisions=every, organism_state="approved") == every
    assert label_decisions(decisions=every, organism_state="pending") == [
        LabelDecision.REQUEST,
        LabelDecision.REFUSE,
        LabelDecision.WITHDRAW,
    ]


def test_direct_labelling_needs_the_required_criteria(client, labeller, programme):
    action = ActionFactory()
    url = reverse("region:action_label", args=[action.public_id])
    today = timezone.localdate().isoformat()
    missing = client.post(
        url, {"programme": programme.slug, "valid_from": today, "checks": [f"{programme.slug}:Tutorat"]}
    )
    assert "« Gratuite pour les demandeurs d&#x27;emploi », « Axe du programme »" in missing.content.decode()
    assert not ActionLabel.objects.exists()
    ok = client.post(
        url, {"programme": programme.slug, "valid_from": today, "checks": [f"{programme.slug}:{c}" for c in REQUIRED]}
    )
    assert ok.status_code == 302
    assert ActionLabel.objects.get().state == ActionLabel.State.GRANTED


def test_programme_form_marks_required_criteria_with_a_star():
    form = ProgrammeForm(
        {"name": "P", "slug": "p", "checklist_text": "* Gratuite\nTutorat\n*Axe\n\n", "min_priority_share": ""},
        instance=Programme(),
    )
    assert form.is_valid(), form.errors
    data = form.programme_data()
    assert data["checklist"] == ["Gratuite", "Tutorat", "Axe"]
    assert data["required_checks"] == ["Gratuite", "Axe"]
    again = ProgrammeForm(instance=Programme(checklist=data["checklist"], required_checks=data["required_checks"]))
    assert again.initial["checklist_text"] == "* Gratuite\nTutorat\n* Axe"


def outcome(action, enrolled, priority, days):
    session = TrainingSessionFactory(action=action, start_date=timezone.localdate() - timedelta(days=days), past=True)
    return SessionOutcome.objects.create(session=session, enrolled=enrolled, priority_public=priority)


def test_priority_share_is_checked_against_reported_results(client, labeller, programme):
    label = ActionLabelFactory(programme=programme)
    url = reverse("region:label_detail", args=[label.pk])
    html = client.get(url).content.decode()
    assert "Part de publics prioritaires à vérifier" in html
    assert "Aucun résultat de session n'a encore été déclaré" in html
    outcome(label.action, 10, 6, 200)
    low = outcome(label.action, 12, 3, 100)
    html = client.get(url).content.decode()
    assert "1 session sur 2 dont les résultats sont déclarés n'atteint pas les 50 % :" in html
    assert f"session du {low.session.start_date:%d/%m/%Y} : 25 % (3 sur 12 stagiaires)" in html
    low.priority_public = 6
    low.save()
    html = client.get(url).content.decode()
    assert "Part de publics prioritaires à vérifier" not in html
    assert "Les 2 sessions dont les résultats sont déclarés atteignent ce quota." in html


@pytest.mark.parametrize(
    ("minimum", "shares", "below", "warning"),
    [
        (None, [(10, 1)], [], False),
        (50, [], [], True),
        (50, [(10, 5)], [], False),
        (50, [(10, 4), (0, 0)], [40], True),
        (30, [(3, 1), (7, 2)], [29], True),
    ],
)
def test_priority_share_rule(minimum, shares, below, warning):
    outcomes = [SessionOutcome(enrolled=e, priority_public=p) for e, p in shares]
    check = priority_share_check(minimum=minimum, outcomes=outcomes)
    assert [percent for _, percent in check.below] == below
    assert check.warning is warning


def test_the_published_and_labelled_chart_draws_both_series_with_whole_labels(client, labeller):
    label = "Formation hybride (blended learning) avec un intitulé vraiment très long"
    table = Table(
        "actions-par-axe",
        "T",
        ["Axe", "Publiées", "Labellisées"],
        [],
        chart=[(label, (118, 49)), ("Autre", (0, 0))],
        chart_label="Actions publiées et actions labellisées, par axe",
        chart_series=("Actions publiées", "Actions labellisées"),
    )
    chart = chart_bars(table)
    assert [[v["width"] for v in bar["values"]] for bar in chart["bars"]] == [[100.0, 41.5], [0.0, 0.0]]
    html = render_to_string("components/bar_chart.html", {"table": table, "chart": chart})
    assert f'<span class="chart__label" aria-hidden="true">{label}</span>' in html  # never cut
    assert html.count('class="chart__bar chart__bar--1"') == 3  # the legend's key and a bar per label
    assert 'width="41.5"' in html  # a dot, whatever the locale
    assert "Actions publiées 118, Actions labellisées 49" in html
    page = client.get(reverse("region:dashboard")).content.decode()
    assert "Actions publiées et actions labellisées, par axe" in page
    assert page.count('class="table-wrap" tabindex="0" role="region"') == page.count('class="table-wrap"')
