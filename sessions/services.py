"""Writes on training sessions. Every change or confirmation refreshes `confirmed_at` and is audited."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from catalogue.choices import RecruitmentState
from catalogue.models import new_public_id
from core.audit import audit_entry, audit_records, audited_save, diff, snapshot, stored_snapshot
from core.french import counted
from core.models import AuditEntry

from .models import SessionOutcome, TrainingSession


def session_save(*, session: TrainingSession, data: dict, by, organism) -> TrainingSession:
    """Creates or updates a session: validated, confirmed now, audited."""
    before = stored_snapshot(session)
    for name, value in data.items():
        setattr(session, name, value)
    session.confirmed_at = timezone.now()
    audited_save(session, by=by, before=before, organism=organism)
    return session


def session_duplicate(*, session: TrainingSession, start_date: date, end_date: date | None, by, organism):
    """A copy of a session at new dates; registration dates move by the same number of days."""
    shift = (start_date - session.start_date) if session.start_date else None
    copy = TrainingSession(
        action=session.action,
        public_id=new_public_id(),
        is_published=session.is_published,
        start_date=start_date,
        end_date=end_date,
        registration_opens=session.registration_opens + shift if shift and session.registration_opens else None,
        registration_closes=session.registration_closes + shift if shift and session.registration_closes else None,
        recruitment_state=RecruitmentState.OPEN,
        rolling_entry=session.rolling_entry,
        capacity=session.capacity,
        places_left=session.capacity,
        is_remote=session.is_remote,
        place=session.place,
    )
    return session_save(session=copy, data={}, by=by, organism=organism)


BULK_OPERATIONS = {
    "confirmer": ("Confirmer que les informations sont à jour", {}),
    "fermer": ("Fermer les inscriptions", {"recruitment_state": RecruitmentState.CLOSED}),
    "complet": ("Indiquer que la session est complète", {"places_left": 0}),
}
# What was done, said of one session and of several ("1 session confirmée", "2 sessions confirmées").
BULK_DONE = {
    "confirmer": ("confirmée", "confirmées"),
    "fermer": ("fermée aux inscriptions", "fermées aux inscriptions"),
    "complet": ("indiquée complète", "indiquées complètes"),
}


def bulk_result_message(*, operation: str, count: int) -> str:
    """The result of a bulk operation in plain French: "Aucune session confirmée", "1 session confirmée",
    "2 sessions confirmées"."""
    one, several = BULK_DONE[operation]
    if count == 0:
        return f"Aucune session {one}."
    return f"{counted(count, 'session ' + one, 'sessions ' + several)}."


@transaction.atomic
def sessions_bulk_update(*, sessions: list[TrainingSession], operation: str, by, organism, via: str = "") -> int:
    """Confirms, closes registration of, or marks full several sessions at once (two queries), audited."""
    _, changes = BULK_OPERATIONS[operation]
    now = timezone.now()
    entries = []
    for session in sessions:
        before = snapshot(session)
        for name, value in changes.items():
            setattr(session, name, value)
        session.confirmed_at = now
        entries.append((session, diff(before, snapshot(session))))
    TrainingSession.objects.bulk_update(sessions, ["confirmed_at", *changes], batch_size=500)
    TrainingSession.objects.filter(pk__in=[s.pk for s in sessions]).update(updated_at=now)
    audit_records(
        [
            audit_entry(
                actor=by,
                actor_label=via,
                verb=AuditEntry.Verb.UPDATE,
                obj=session,
                object_repr=f"Session {session.public_id}",  # str(session) would read its formation
                organism=organism,
                changes=changes_of_session,
                reason=via,
            )
            for session, changes_of_session in entries
        ]
    )
    return len(sessions)


def outcome_save(*, session: TrainingSession, data: dict, by, organism):
    """The results an organisation reports for a session of a labelled action."""

    outcome = SessionOutcome.objects.filter(session=session).first() or SessionOutcome(session=session)
    before = snapshot(outcome) if outcome.pk else {}
    for name, value in data.items():
        setattr(outcome, name, value)
    audited_save(outcome, by=by, before=before, organism=organism)
    return outcome


@transaction.atomic
def session_take_place(*, session: TrainingSession, by, organism, reason: str = "") -> TrainingSession:
    """One place fewer (a candidature accepted), never below zero; audited. The row is locked, so that two
    acceptances at once take two places."""
    locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if locked.places_left:
        before = snapshot(locked)
        locked.places_left -= 1
        audited_save(locked, by=by, before=before, organism=organism, reason=reason)
    session.places_left = locked.places_left
    return locked
