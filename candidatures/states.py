"""What may happen to a candidature: for each state an organisation may answer with, the states it may be given
from; the states a person (or their adviser) may withdraw from. One table: the services consult it, the answer form
builds its choices from it, and a test walks every (state, target) pair through it."""

from .models import Candidature

S = Candidature.State
BEFORE_DECISION = frozenset({S.SENT, S.READ, S.MEETING, S.INTERVIEW, S.WAITLIST})

ORGANISATION_ANSWERS: dict[str, frozenset[str]] = {
    S.MEETING: BEFORE_DECISION,
    S.INTERVIEW: BEFORE_DECISION,
    S.WAITLIST: BEFORE_DECISION,
    S.ACCEPTED: BEFORE_DECISION,
    S.REFUSED: BEFORE_DECISION | {S.ACCEPTED},
}
MESSAGE_REQUIRED = frozenset({S.REFUSED})  # the person is told why
WITHDRAWABLE = BEFORE_DECISION | {S.ACCEPTED}


class CandidatureError(Exception):
    """A refusal, in French, for the person who acted."""


def answers_from(state: str) -> list[str]:
    """The answers an organisation may give to a candidature in this state, in the order of the table."""
    return [target for target, sources in ORGANISATION_ANSWERS.items() if state in sources]


def check_answer(*, state: str, target: str, message: str) -> None:
    if target not in ORGANISATION_ANSWERS:
        raise CandidatureError("Réponse inconnue.")
    if state not in ORGANISATION_ANSWERS[target]:
        raise CandidatureError(f"Impossible : la candidature est « {S(state).label} ».")
    if target in MESSAGE_REQUIRED and not message.strip():
        raise CandidatureError("Indiquez le motif : il est transmis à la personne.")


def check_withdraw(*, state: str) -> None:
    if state not in WITHDRAWABLE:
        raise CandidatureError(f"Impossible : la candidature est « {S(state).label} ».")
