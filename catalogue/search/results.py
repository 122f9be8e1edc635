"""The rows of one result page, read in three queries whatever the page, and what each result shows."""

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from catalogue.models import Action, ActionLabel
from sessions.models import TrainingSession
from sessions.state import SessionStatus

from .engine import Outcome


@dataclass
class SessionLine:
    session: TrainingSession
    status: SessionStatus
    distance_km: float | None


@dataclass
class Result:
    action: Action
    sessions: list[SessionLine]
    labels: list[ActionLabel]
    distance_km: float | None
    updated_on: datetime
    next_meeting: object = None  # the next information meeting with a free seat (set by the page)

    @property
    def only_remote(self) -> bool:
        return all(line.session.is_remote for line in self.sessions)

    @property
    def places(self) -> list[str]:
        """Where the shown sessions take place, each commune once."""
        names = [line.session.place.commune.name if line.session.place else "à distance" for line in self.sessions]
        return list(dict.fromkeys(names))


def page_results(outcome: Outcome, *, today: date) -> list[Result]:
    action_ids = [hit.action_id for hit in outcome.hits]
    if not action_ids:
        return []
    now = timezone.now()
    actions = Action.objects.select_related("formation__organism").in_bulk(action_ids)
    session_ids = [pk for hit in outcome.hits for pk in hit.session_ids]
    sessions = TrainingSession.objects.select_related("place__commune").in_bulk(session_ids)
    labels: dict[int, list[ActionLabel]] = {}
    for label in (
        ActionLabel.objects.active(today).filter(action_id__in=action_ids).select_related("programme").order_by("pk")
    ):
        labels.setdefault(label.action_id, []).append(label)
    results = []
    for hit in outcome.hits:
        action = actions.get(hit.action_id)
        if action is None:  # deleted between the index read and this one
            continue
        lines = [
            SessionLine(sessions[pk], sessions[pk].status(now=now), outcome.session_distances.get(pk))
            for pk in hit.session_ids
            if pk in sessions
        ]
        confirmations = [line.session.confirmed_at for line in lines if line.session.confirmed_at]
        results.append(
            Result(
                action=action,
                sessions=lines,
                labels=labels.get(action.pk, []),
                distance_km=hit.distance_km,
                updated_on=max([action.updated_at, *confirmations]),
            )
        )
    return results
