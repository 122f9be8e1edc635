"""The Region's decisions on organisations: every (state, decision) pair, through the table, the service and the form."""

import pytest

from core.models import AuditEntry
from organisms.decisions import ORGANISM_TRANSITIONS, DecisionError, OrganismDecision
from organisms.models import Organism
from organisms.services import organism_decide
from region.forms import OrganismDecisionForm
from tests.organisms.factories import OrganismFactory

State = Organism.ApprovalState

# Written out by hand, not derived from the table: (state, decision) -> the state it leads to. Every pair not
# listed is refused.
ALLOWED = {
    (State.PENDING, "approve"): State.APPROVED,
    (State.REJECTED, "approve"): State.APPROVED,
    (State.PENDING, "reject"): State.REJECTED,
    (State.APPROVED, "suspend"): State.SUSPENDED,
    (State.SUSPENDED, "reinstate"): State.APPROVED,
}
REASON_REQUIRED = {"reject", "suspend"}
PAIRS = [(state, decision) for state in State.values for decision in OrganismDecision.values]


def test_the_table_says_what_the_region_may_decide():
    table = {
        (state, decision.value): transition.target
        for decision, transition in ORGANISM_TRANSITIONS.items()
        for state in transition.sources
    }
    assert table == ALLOWED
    assert {d.value for d, t in ORGANISM_TRANSITIONS.items() if t.reason_required} == REASON_REQUIRED
    assert [d.label for d in OrganismDecision] == ["Valider", "Refuser", "Suspendre", "Rétablir"]


@pytest.mark.django_db
@pytest.mark.parametrize(("state", "decision"), PAIRS)
def test_every_state_and_decision(state, decision, region_agent):
    organism = OrganismFactory(approval_state=state)
    form = OrganismDecisionForm(organism=organism)
    offered = {value for value, _ in form.fields["decision"].choices}
    if (state, decision) in ALLOWED:
        assert decision in offered
        organism_decide(organism=organism, decision=decision, reason="Motif de la Région", by=region_agent)
        organism.refresh_from_db()
        assert organism.approval_state == ALLOWED[state, decision]
        entry = AuditEntry.objects.get(verb=AuditEntry.Verb.DECISION)
        assert entry.changes["approval_state"] == [state, ALLOWED[state, decision]]
        assert entry.reason == "Motif de la Région"
    else:
        assert decision not in offered
        with pytest.raises(DecisionError) as refused:
            organism_decide(organism=organism, decision=decision, reason="Motif de la Région", by=region_agent)
        assert str(refused.value) == f"Impossible : l'organisme est « {State(state).label} »."
        organism.refresh_from_db()
        assert organism.approval_state == state
        assert not AuditEntry.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("state", "decision"), sorted(pair for pair in ALLOWED if pair[1] in REASON_REQUIRED))
def test_a_reason_is_required_where_the_table_says(state, decision, region_agent):
    organism = OrganismFactory(approval_state=state)
    with pytest.raises(DecisionError) as refused:
        organism_decide(organism=organism, decision=decision, reason="  ", by=region_agent)
    assert str(refused.value) == "Indiquez le motif : il est communiqué à l'organisme."
    form = OrganismDecisionForm({"decision": decision, "reason": ""}, organism=organism)
    assert form.errors == {"reason": ["Indiquez le motif : il est communiqué à l'organisme."]}
    organism.refresh_from_db()
    assert organism.approval_state == state


@pytest.mark.django_db
def test_an_unknown_decision_is_refused(region_agent):
    organism = OrganismFactory(pending=True)
    with pytest.raises(DecisionError) as refused:
        organism_decide(organism=organism, decision="archive", reason="", by=region_agent)
    assert str(refused.value) == "Décision inconnue."
