"""Trainings as favourites, shortlists and the comparison show them: their next sessions with places left and
recruitment state read now, their next information meeting, labels and funders. A fixed number of queries whatever
the number of trainings."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F
from django.utils import timezone

from candidatures.services import next_meetings
from catalogue.models import Action, ActionFunder, ActionLabel
from catalogue.search.results import SessionLine
from sessions.models import TrainingSession

SESSIONS_SHOWN = 4


@dataclass
class Card:
    action: Action
    published: bool
    lines: list[SessionLine] = field(default_factory=list)
    more_sessions: int = 0
    next_meeting: object = None
    labels: list[ActionLabel] = field(default_factory=list)
    funders: list[ActionFunder] = field(default_factory=list)

    @property
    def last_confirmed(self) -> datetime | None:
        dates = [line.session.confirmed_at for line in self.lines if line.session.confirmed_at]
        return max(dates) if dates else None

    @property
    def open_lines(self) -> list[SessionLine]:
        return [line for line in self.lines if line.status.registration_open]

    @property
    def rhythm(self) -> str:
        """Hours per week of the next dated session, from the action's hours."""
        hours = self.action.hours_total
        for line in self.lines:
            s = line.session
            if s.start_date and s.end_date and hours:
                weeks = max((s.end_date - s.start_date).days + 1, 1) / 7
                return f"environ {round(hours / weeks)} h par semaine"
        return ""


def action_cards(action_ids, *, now: datetime | None = None, funders: bool = False) -> dict[int, Card]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    ids = list(dict.fromkeys(action_ids))
    if not ids:
        return {}
    actions = Action.objects.select_related("formation__organism").in_bulk(ids)
    public = set(Action.objects.published().filter(pk__in=ids).values_list("pk", flat=True))
    cards = {pk: Card(action=action, published=pk in public) for pk, action in actions.items()}
    sessions = (
        TrainingSession.objects.public()
        .filter(action_id__in=public)
        .listed(today, include_undated=True)
        .select_related("place__commune")
        .order_by("action_id", F("start_date").asc(nulls_last=True), "pk")
    )
    for session in sessions:
        card = cards[session.action_id]
        if len(card.lines) < SESSIONS_SHOWN:
            session.action = card.action
            card.lines.append(SessionLine(session, session.status(now=now), None))
        else:
            card.more_sessions += 1
    for action_id, meeting in next_meetings(public, now=now).items():
        cards[action_id].next_meeting = meeting
    for label in ActionLabel.objects.active(today).filter(action_id__in=public).select_related("programme"):
        cards[label.action_id].labels.append(label)
    if funders:
        for funder in ActionFunder.objects.filter(action_id__in=ids).order_by("code"):
            cards[funder.action_id].funders.append(funder)
    return cards
