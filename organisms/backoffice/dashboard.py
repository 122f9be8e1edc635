"""What an organisation's dashboard shows: its records with their states, and first what needs attention.

A fixed number of queries whatever the number of sessions (pinned by a test)."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import F
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from candidatures.figures import inbox_counts
from catalogue.choices import RecruitmentState
from catalogue.models import Action, ActionLabel, Formation
from catalogue.rules import EVALUATED_STATES
from sessions.models import TrainingSession
from sessions.services import BULK_OPERATIONS
from sessions.state import SessionStatus, Timing

from ..permissions import organism_required

ATTENTION_DAYS = 30


@dataclass
class SessionRow:
    session: TrainingSession
    status: SessionStatus

    @property
    def badges(self) -> list[tuple[str, str]]:
        s, badges = self.status, []
        badges.append(("published", "Publiée") if self.session.is_published else ("draft", "Brouillon"))
        if s.timing == Timing.PAST:
            badges.append(("past", "Terminée"))
        if s.full:
            badges.append(("full", "Complète"))
        if s.stale and self.session.is_published and s.timing != Timing.PAST:
            badges.append(("stale", "À confirmer"))
        return badges


@dataclass
class ActionBlock:
    action: Action
    sessions: list[SessionRow] = field(default_factory=list)
    labelled: bool = False  # its sessions' results are asked for (programme evaluation)

    @property
    def has_upcoming(self) -> bool:
        return any(
            row.session.is_published and row.status.timing in (Timing.UPCOMING, Timing.ONGOING) for row in self.sessions
        )


@dataclass
class Dashboard:
    formations: list[tuple[Formation, list[ActionBlock]]]
    soon_unconfirmed: list[SessionRow]
    past_still_open: list[SessionRow]
    without_upcoming: list[Action]
    pending_labels: list[ActionLabel]
    session_count: int

    @property
    def attention_count(self) -> int:
        return (
            len(self.soon_unconfirmed)
            + len(self.past_still_open)
            + len(self.without_upcoming)
            + len(self.pending_labels)
        )


def organism_dashboard(organism, *, now: datetime, today: date) -> Dashboard:
    formations = list(Formation.objects.filter(organism=organism).order_by("title", "pk"))
    actions = list(Action.objects.for_organism(organism).order_by("pk"))
    sessions = list(
        TrainingSession.objects.for_organism(organism)
        .select_related("place__commune")
        .order_by(F("start_date").asc(nulls_last=True), "pk")
    )
    pending = list(
        ActionLabel.objects.filter(action__formation__organism=organism, state=ActionLabel.State.REQUESTED)
        .select_related("programme", "action__formation")
        .order_by("requested_at", "pk")
    )
    labelled = set(
        ActionLabel.objects.filter(action__formation__organism=organism, state__in=EVALUATED_STATES).values_list(
            "action_id", flat=True
        )
    )
    blocks = {action.pk: ActionBlock(action, labelled=action.pk in labelled) for action in actions}
    rows = []
    for session in sessions:
        session.action = blocks[session.action_id].action  # already read: no query per session
        row = SessionRow(session, session.status(now=now))
        blocks[session.action_id].sessions.append(row)
        rows.append(row)
    by_formation: dict[int, list[ActionBlock]] = {}
    formation_of = {formation.pk: formation for formation in formations}
    for block in blocks.values():
        block.action.formation = formation_of[block.action.formation_id]
        by_formation.setdefault(block.action.formation_id, []).append(block)
    soon = today + timedelta(days=ATTENTION_DAYS)
    return Dashboard(
        formations=[(formation, by_formation.get(formation.pk, [])) for formation in formations],
        soon_unconfirmed=[
            r
            for r in rows
            if r.session.is_published
            and r.status.stale
            and r.session.start_date is not None
            and today <= r.session.start_date <= soon
        ],
        past_still_open=[
            r for r in rows if r.status.timing == Timing.PAST and r.session.recruitment_state == RecruitmentState.OPEN
        ],
        without_upcoming=[b.action for b in blocks.values() if b.action.is_published and not b.has_upcoming],
        pending_labels=pending,
        session_count=len(sessions),
    )


@require_safe
@organism_required
def dashboard(request):
    board = organism_dashboard(request.organism, now=timezone.now(), today=timezone.localdate())
    return render(
        request,
        "organisms/dashboard.html",
        {
            "board": board,
            "bulk_operations": [(key, label) for key, (label, _) in BULK_OPERATIONS.items()],
            "inbox": inbox_counts(request.organism, now=timezone.now()),
        },
    )
