"""Decisions on labels: every (state, decision) pair, through the table, the service and staff's forms."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalogue.decisions import LABEL_TRANSITIONS, NO_LABEL, REQUEST_ANSWERS, LabelDecision, LabelError
from catalogue.models import ActionLabel
from catalogue.services import label_decide
from core.models import AuditEntry
from region.forms import DirectLabelForm, LabelDecisionForm, WithdrawForm
from tests.catalogue.factories import ActionFactory, ActionLabelFactory, ProgrammeFactory

State = ActionLabel.State
PROGRAMME = "2ème chance numérique Île-de-France"

# Written out by hand, not derived from the table: (state of the label, or NO_LABEL, decision) -> the state it
# leads to. Every pair not listed is refused, with the message below.
ALLOWED = {
    (NO_LABEL, "request"): State.REQUESTED,
    (State.REFUSED, "request"): State.REQUESTED,
    (State.WITHDRAWN, "request"): State.REQUESTED,
    (State.REQUESTED, "grant"): State.GRANTED,
    (State.REQUESTED, "refuse"): State.REFUSED,
    (State.GRANTED, "withdraw"): State.WITHDRAWN,
    (NO_LABEL, "label_directly"): State.GRANTED,
    (State.REQUESTED, "label_directly"): State.GRANTED,
    (State.REFUSED, "label_directly"): State.GRANTED,
    (State.WITHDRAWN, "label_directly"): State.GRANTED,
}
REASON_REQUIRED = {"refuse", "withdraw"}


def refusal(state, decision) -> str:
    if state is NO_LABEL:
        return f"Cette action n'a pas de label {PROGRAMME} : il n'y a rien à décider."
    shown = State(state).label.lower()
    return {
        "request": f"Cette action a déjà un label {PROGRAMME} {shown}.",
        "grant": f"Ce label est déjà {shown} : il n'y a pas de demande à décider.",
        "refuse": f"Ce label est déjà {shown} : il n'y a pas de demande à décider.",
        "withdraw": "Seul un label accordé peut être retiré.",
        "label_directly": f"Cette action est déjà labellisée {PROGRAMME}.",
    }[decision]


STATES = [NO_LABEL, *State.values]
PAIRS = [(state, decision) for state in STATES for decision in LabelDecision.values]


def test_the_table_says_what_may_be_decided():
    table = {
        (state, decision.value): transition.target
        for decision, transition in LABEL_TRANSITIONS.items()
        for state in transition.sources
    }
    assert table == ALLOWED
    assert {d.value for d, t in LABEL_TRANSITIONS.items() if t.reason_required} == REASON_REQUIRED
    assert [(d.value, d.label) for d in REQUEST_ANSWERS] == [("grant", "Labelliser"), ("refuse", "Refuser")]


@pytest.mark.django_db
@pytest.mark.parametrize(("state", "decision"), PAIRS, ids=[f"{s}-{d}" for s, d in PAIRS])
def test_every_state_and_decision(state, decision, region_agent):
    today = timezone.localdate()
    action, programme = ActionFactory(), ProgrammeFactory(name=PROGRAMME)
    if state is not NO_LABEL:
        ActionLabelFactory(action=action, programme=programme, state=state, valid_from=today - timedelta(30))
    arguments = {
        "action": action,
        "programme": programme,
        "decision": decision,
        "by": region_agent,
        "reason": "Motif de la Région",
        "justification": "Axe hybride, gratuite.",
        "valid_from": today,
        "valid_until": today + timedelta(365),
    }
    if (state, decision) in ALLOWED:
        label = label_decide(**arguments)
        label.refresh_from_db()
        assert label.state == ALLOWED[state, decision]
        entry = AuditEntry.objects.get(object_id=str(label.pk))
        assert entry.verb == (AuditEntry.Verb.CREATE if decision == "request" else AuditEntry.Verb.DECISION)
        if decision == "request":
            assert entry.reason == "Axe hybride, gratuite." and label.decided_at is None
        else:
            assert entry.reason == label.decision_reason == "Motif de la Région" and label.decided_by == region_agent
    else:
        with pytest.raises(LabelError) as refused:
            label_decide(**arguments)
        assert str(refused.value) == refusal(state, decision)
        assert list(ActionLabel.objects.values_list("state", flat=True)) == ([] if state is NO_LABEL else [state])
        assert not AuditEntry.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("decision", sorted(REASON_REQUIRED))
def test_a_reason_is_required_where_the_table_says(decision, region_agent):
    source = next(state for state, d in ALLOWED if d == decision)
    label = ActionLabelFactory(state=source, valid_from=timezone.localdate())
    with pytest.raises(LabelError) as refused:
        label_decide(action=label.action, programme=label.programme, decision=decision, by=region_agent, reason=" ")
    assert str(refused.value) == "Indiquez le motif de la décision : il est communiqué à l'organisme."
    label.refresh_from_db()
    assert label.state == source


def test_staff_forms_follow_the_table():
    programme = ProgrammeFactory.build(checklist=[])
    answer = LabelDecisionForm({"decision": "refuse", "reason": ""}, programme=programme)
    assert [value for value, _ in answer.fields["decision"].choices] == ["grant", "refuse"]
    assert answer.errors == {"reason": ["Indiquez le motif du refus : il est communiqué à l'organisme."]}
    assert LabelDecisionForm({"decision": "withdraw"}, programme=programme).errors.keys() == {"decision"}
    assert WithdrawForm({"reason": ""}).errors.keys() == {"reason"}
    assert DirectLabelForm().fields["reason"].required is False


@pytest.mark.django_db
def test_an_unknown_decision_is_refused(region_agent):
    with pytest.raises(LabelError) as refused:
        label_decide(action=ActionFactory(), programme=ProgrammeFactory(), decision="archive", by=region_agent)
    assert str(refused.value) == "Décision inconnue : archive"
