"""Decisions on an action's label under a programme: the organisation's request, staff's answers, withdrawal and
direct labelling. For each, the states the label may be in (or no label yet) and the state it leads to.

One table: `label_decide` consults it, staff's forms build their choices from it, and a test walks every
(state, decision) pair through it.

A decision that grants a label asks more: the action's organisation approved by the Region (`GRANTABLE_ORGANISMS`)
and every criterion the programme marks as required ticked by the agent. The programme's minimum share of priority
publics is checked against the results the organisation reported (`priority_share_check`): a warning for the agent,
not a refusal (results come after the sessions, a first request has none).
"""

from collections.abc import Iterable
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

    @property
    def grants(self) -> bool:
        """Whether the decision grants the label: the organisation must be approved, required criteria ticked."""
        return self.target == State.GRANTED


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

# The organisations whose actions may be labelled (Organism.ApprovalState, written here to keep this module free of
# the organisms app's models): approved by the Region. A pending, refused or suspended one is not.
GRANTABLE_ORGANISMS = frozenset({"approved"})
ORGANISM_NOT_APPROVED = "L'organisme est « {state} » : ses actions ne peuvent être labellisées qu'une fois l'organisme validé par la Région."
CHECKS_MISSING = "Cochez les critères obligatoires du programme avant de labelliser : {missing}."


class LabelError(Exception):
    pass


def missing_required_checks(*, required: Iterable[str], ticked: Iterable[str]) -> list[str]:
    """The programme's required criteria that the agent has not ticked, in the programme's order."""
    ticked = set(ticked)
    return [item for item in required if item not in ticked]


def label_decisions(*, decisions: Iterable[LabelDecision], organism_state: str) -> list[LabelDecision]:
    """Among `decisions`, those offered for an action of an organisation in `organism_state`: no grant unless the
    organisation is approved (the buttons and menus of staff's pages are built from it)."""
    return [d for d in decisions if not LABEL_TRANSITIONS[d].grants or organism_state in GRANTABLE_ORGANISMS]


def label_transition(
    *,
    state: str | None,
    decision: str,
    programme_name: str,
    reason: str = "",
    organism_state: str | None = None,
    organism_state_label: str = "",
    required_checks: Iterable[str] = (),
    checks: Iterable[str] = (),
) -> LabelTransition:
    """What `decision` does to a label in `state` (NO_LABEL when there is none); LabelError, in French, when the
    table forbids it, a required reason is missing, or a grant is asked for an organisation not approved
    (`organism_state`, None when not known: not checked) or without every required criterion ticked."""
    if decision not in LabelDecision.values:
        raise LabelError(f"Décision inconnue : {decision}")
    transition = LABEL_TRANSITIONS[LabelDecision(decision)]
    if state not in transition.sources:
        if state is NO_LABEL:
            raise LabelError(f"Cette action n'a pas de label {programme_name} : il n'y a rien à décider.")
        raise LabelError(transition.refusal.format(programme=programme_name, state=State(state).label.lower()))
    if transition.reason_required and not reason.strip():
        raise LabelError(REASON_MISSING)
    if transition.grants:
        if organism_state is not None and organism_state not in GRANTABLE_ORGANISMS:
            raise LabelError(ORGANISM_NOT_APPROVED.format(state=(organism_state_label or organism_state).lower()))
        if missing := missing_required_checks(required=required_checks, ticked=checks):
            raise LabelError(CHECKS_MISSING.format(missing=", ".join(f"« {item} »" for item in missing)))
    return transition


@dataclass(frozen=True)
class ShareCheck:
    """The programme's minimum share of priority publics against the results reported for the action's sessions."""

    minimum: int | None  # percent; None: the programme sets none
    reported: int  # sessions with results
    below: list  # (outcome, share in percent, rounded) of the sessions under the minimum

    @property
    def warning(self) -> bool:
        return self.minimum is not None and (self.reported == 0 or bool(self.below))


def priority_share_check(*, minimum: int | None, outcomes: Iterable) -> ShareCheck:
    """`outcomes`: sessions.models.SessionOutcome (or alike: `enrolled`, `priority_public`). A session with nobody
    enrolled says nothing of shares and is not counted."""
    counted = [o for o in outcomes if o.enrolled]
    if minimum is None:
        return ShareCheck(None, len(counted), [])
    below = [
        (o, round(100 * o.priority_public / o.enrolled))
        for o in counted
        if 100 * o.priority_public < minimum * o.enrolled
    ]
    return ShareCheck(minimum, len(counted), below)
