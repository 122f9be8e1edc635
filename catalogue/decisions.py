"""Decisions on an action's label under a programme: the organisation's request, staff's answers, withdrawal and
direct labelling. For each, the states the label may be in (or no label yet) and the state it leads to.

One table: `label_decide` consults it, staff's forms build their choices from it, and a test walks every
(state, decision) pair through it.
"""

from dataclasses import dataclass

from django.db import models

from .models import ActionLabel

State = ActionLabel.State
NO_LABEL = None  # the action has no label under the programme yet


class LabelDecision(models.TextChoices):
    REQUEST = "request", "Demander le label"  # by the organisation
    GRANT = "grant", "Labelliser"
    REFUSE = "refuse", "Refuser"
    WITHDRAW = "withdraw", "Retirer le label"
    LABEL_DIRECTLY = "label_directly", "Labelliser sans demande"  # staff, without a request


@dataclass(frozen=True)
class LabelTransition:
    sources: frozenset[str | None]  # the states the label may be in (NO_LABEL: none yet)
    target: str  # the state it leads to
    reason_required: bool  # the reason is sent to the organisation
    refusal: str  # said when the label is in another state; {programme} and {state} are filled in


LABEL_TRANSITIONS: dict[LabelDecision, LabelTransition] = {
    LabelDecision.REQUEST: LabelTransition(
        frozenset({NO_LABEL, State.REFUSED, State.WITHDRAWN}),
        State.REQUESTED,
        reason_required=False,
        refusal="Cette action a déjà un label {programme} {state}.",
    ),
    LabelDecision.GRANT: LabelTransition(
        frozenset({State.REQUESTED}),
        State.GRANTED,
        reason_required=False,
        refusal="Ce label est déjà {state} : il n'y a pas de demande à décider.",
    ),
    LabelDecision.REFUSE: LabelTransition(
        frozenset({State.REQUESTED}),
        State.REFUSED,
        reason_required=True,
        refusal="Ce label est déjà {state} : il n'y a pas de demande à décider.",
    ),
    LabelDecision.WITHDRAW: LabelTransition(
        frozenset({State.GRANTED}),
        State.WITHDRAWN,
        reason_required=True,
        refusal="Seul un label accordé peut être retiré.",
    ),
    LabelDecision.LABEL_DIRECTLY: LabelTransition(
        frozenset({NO_LABEL, State.REQUESTED, State.REFUSED, State.WITHDRAWN}),
        State.GRANTED,
        reason_required=False,
        refusal="Cette action est déjà labellisée {programme}.",
    ),
}

# Staff's answers to a request: the decisions taken only on a requested label.
REQUEST_ANSWERS = [decision for decision, rule in LABEL_TRANSITIONS.items() if rule.sources == {State.REQUESTED}]

REASON_MISSING = "Indiquez le motif de la décision : il est communiqué à l'organisme."


class LabelError(Exception):
    pass


def label_transition(*, state: str | None, decision: str, programme_name: str, reason: str = "") -> LabelTransition:
    """What `decision` does to a label in `state` (NO_LABEL when there is none); LabelError, in French, when the
    table forbids it or a required reason is missing."""
    if decision not in LabelDecision.values:
        raise LabelError(f"Décision inconnue : {decision}")
    transition = LABEL_TRANSITIONS[LabelDecision(decision)]
    if state not in transition.sources:
        if state is NO_LABEL:
            raise LabelError(f"Cette action n'a pas de label {programme_name} : il n'y a rien à décider.")
        raise LabelError(transition.refusal.format(programme=programme_name, state=State(state).label.lower()))
    if transition.reason_required and not reason.strip():
        raise LabelError(REASON_MISSING)
    return transition
