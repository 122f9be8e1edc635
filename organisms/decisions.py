"""The Region's decisions on an organisation: for each, the states it may be taken from and the state it leads to.

One table: `organism_decide` consults it, the staff's decision form builds its choices from it, and a test walks
every (state, decision) pair through it.
"""

from dataclasses import dataclass

from django.db import models

from .models import Organism

State = Organism.ApprovalState


class OrganismDecision(models.TextChoices):
    APPROVE = "approve", "Valider"
    REJECT = "reject", "Refuser"
    SUSPEND = "suspend", "Suspendre"
    REINSTATE = "reinstate", "Rétablir"


@dataclass(frozen=True)
class OrganismTransition:
    sources: frozenset[str]  # the states the decision may be taken from
    target: str  # the state it leads to
    reason_required: bool  # the reason is sent to the organisation
    told_as: str  # what the organisation is told it is, in the email ("validé")


ORGANISM_TRANSITIONS: dict[OrganismDecision, OrganismTransition] = {
    OrganismDecision.APPROVE: OrganismTransition(
        frozenset({State.PENDING, State.REJECTED}), State.APPROVED, reason_required=False, told_as="validé"
    ),
    OrganismDecision.REJECT: OrganismTransition(
        frozenset({State.PENDING}), State.REJECTED, reason_required=True, told_as="refusé"
    ),
    OrganismDecision.SUSPEND: OrganismTransition(
        frozenset({State.APPROVED}), State.SUSPENDED, reason_required=True, told_as="suspendu"
    ),
    OrganismDecision.REINSTATE: OrganismTransition(
        frozenset({State.SUSPENDED}), State.APPROVED, reason_required=False, told_as="rétabli"
    ),
}

REASON_MISSING = "Indiquez le motif : il est communiqué à l'organisme."


class DecisionError(Exception):
    pass


def organism_decisions(state: str) -> list[OrganismDecision]:
    """The decisions an organisation in this state may receive, in the order of the table."""
    return [decision for decision, transition in ORGANISM_TRANSITIONS.items() if state in transition.sources]


def organism_transition(*, state: str, decision: str, reason: str) -> OrganismTransition:
    """What `decision` does to an organisation in `state`; DecisionError, in French, when the table forbids it or
    a required reason is missing."""
    if decision not in OrganismDecision.values:
        raise DecisionError("Décision inconnue.")
    transition = ORGANISM_TRANSITIONS[OrganismDecision(decision)]
    if state not in transition.sources:
        raise DecisionError(f"Impossible : l'organisme est « {State(state).label} ».")
    if transition.reason_required and not reason.strip():
        raise DecisionError(REASON_MISSING)
    return transition
