"""What an organisation's dashboard shows: first what needs attention, then its sessions one page at a time,
filtered by period, and its formations and actions.

A fixed number of queries whatever the number of sessions (pinned by a test): every list is read by SQL with its
rule from sessions.state, the attention lists are cut at ATTENTION_SHOWN with their full count read in the same
query, and the sessions come one page at a time."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import django_filters
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Window
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from candidatures.figures import inbox_counts
from catalogue.choices import RecruitmentState
from catalogue.models import Action, ActionLabel, Formation
from catalogue.rules import EVALUATED_STATES
from sessions.models import TrainingSession
from sessions.services import BULK_OPERATIONS
from sessions.state import SessionStatus, Timing, stale_q, timing_q

from ..permissions import organism_required

ATTENTION_DAYS = 30  # "starting soon without a recent confirmation": within this many days
ATTENTION_SHOWN = 10  # items shown in each attention list (the heading gives the full count)
SESSIONS_PER_PAGE = 50


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
class Cut:
    """The first items of a list and how many there are in all."""

    items: list
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


class Period:
    UPCOMING = "a-venir"
    ONGOING = "en-cours"
    PAST = "terminees"
    UNCONFIRMED = "non-confirmees"


def period_choices() -> list[tuple[str, str]]:
    return [
        (Period.UPCOMING, "À venir"),
        (Period.ONGOING, "En cours"),
        (Period.PAST, "Terminées"),
        (Period.UNCONFIRMED, f"Non confirmées depuis {settings.SESSION_STALE_AFTER_DAYS} jours"),
    ]


def period_q(period: str, *, now: datetime, today: date) -> Q:
    """The sessions of a period of the dashboard's filter, from the rules of sessions.state. "À venir" includes the
    undated; "non confirmées" leaves out the ended (nothing left to confirm)."""
    if period == Period.UPCOMING:
        return timing_q(Timing.UPCOMING, today) | timing_q(Timing.UNDATED, today)
    if period == Period.ONGOING:
        return timing_q(Timing.ONGOING, today)
    if period == Period.PAST:
        return timing_q(Timing.PAST, today)
    return stale_q(now, settings.SESSION_STALE_AFTER_DAYS) & ~timing_q(Timing.PAST, today)


class SessionFilter(django_filters.FilterSet):
    """The dashboard's filter (GET, shareable): a period and a formation of the organisation."""

    periode = django_filters.ChoiceFilter(
        label="Sessions", choices=period_choices, empty_label="Toutes", method="filter_period"
    )
    formation = django_filters.ChoiceFilter(
        label="Formation", field_name="action__formation_id", empty_label="Toutes les formations"
    )

    class Meta:
        model = TrainingSession
        fields = ["periode", "formation"]

    def __init__(self, *args, formations, now: datetime, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.now, self.today = now, today
        # Choices from the formations already read for the page: no query of their own, and only this organisation's.
        self.filters["formation"].extra["choices"] = [(f.pk, f.title) for f in formations]

    def filter_period(self, queryset, name, value):
        queryset = queryset.filter(period_q(value, now=self.now, today=self.today))
        if value == Period.PAST:  # the latest ended first
            return queryset.order_by(F("end_date").desc(nulls_last=True), "-pk")
        return queryset


@dataclass
class Dashboard:
    formations: list[Formation]  # each with `.dashboard_actions`
    soon_unconfirmed: Cut
    past_still_open: Cut
    without_upcoming: Cut
    pending_labels: list[ActionLabel]
    filter: SessionFilter
    page: Page  # of SessionRow

    @property
    def attention_count(self) -> int:
        return (
            self.soon_unconfirmed.total
            + self.past_still_open.total
            + self.without_upcoming.total
            + len(self.pending_labels)
        )

    @property
    def filtered(self) -> bool:
        return any(self.filter.form.cleaned_data.get(name) for name in self.filter.filters)


def _cut(queryset) -> Cut:
    """The first ATTENTION_SHOWN rows with the total, in one query (a window count over the whole list)."""
    rows = list(queryset.annotate(list_total=Window(Count("pk")))[:ATTENTION_SHOWN])
    return Cut(rows, rows[0].list_total if rows else 0)


def _page(queryset, number) -> Page:
    """A page of the sessions with the paginator's count read in the same query (a window count)."""
    paginator = Paginator(queryset, SESSIONS_PER_PAGE)
    try:
        number = max(1, int(number))
    except (TypeError, ValueError):
        number = 1
    bottom = (number - 1) * SESSIONS_PER_PAGE
    rows = list(queryset.annotate(list_total=Window(Count("pk")))[bottom : bottom + SESSIONS_PER_PAGE])
    if not rows and number > 1:  # past the last page: the last page, as Paginator.get_page does
        return paginator.get_page(number)
    paginator.count = rows[0].list_total if rows else 0  # a cached property, set from the window count
    return Page(rows, number, paginator)


def organism_dashboard(organism, *, now: datetime, today: date, params=None) -> Dashboard:
    sessions = TrainingSession.objects.for_organism(organism)
    running = TrainingSession.objects.filter(
        timing_q(Timing.UPCOMING, today) | timing_q(Timing.ONGOING, today), action=OuterRef("pk"), is_published=True
    )
    actions = Action.objects.annotate(has_running=Exists(running)).order_by("pk")
    formations = list(
        Formation.objects.filter(organism=organism)
        .order_by("title", "pk")
        .prefetch_related(Prefetch("actions", queryset=actions, to_attr="dashboard_actions"))
    )
    without = [
        action
        for formation in formations
        for action in formation.dashboard_actions
        if action.is_published and not action.has_running
    ]
    soon = sessions.filter(
        stale_q(now, settings.SESSION_STALE_AFTER_DAYS),
        is_published=True,
        start_date__gte=today,
        start_date__lte=today + timedelta(days=ATTENTION_DAYS),
    ).select_related("action__formation")
    past_open = sessions.filter(timing_q(Timing.PAST, today), recruitment_state=RecruitmentState.OPEN).select_related(
        "action__formation"
    )
    pending = list(
        ActionLabel.objects.filter(action__formation__organism=organism, state=ActionLabel.State.REQUESTED)
        .select_related("programme", "action__formation")
        .order_by("requested_at", "pk")
    )
    session_filter = SessionFilter(
        params,
        queryset=sessions.select_related("action__formation", "place__commune")
        .annotate(labelled=Exists(ActionLabel.objects.filter(action=OuterRef("action"), state__in=EVALUATED_STATES)))
        .order_by(F("start_date").asc(nulls_last=True), "pk"),
        formations=formations,
        now=now,
        today=today,
    )
    page = _page(session_filter.qs, (params or {}).get("page"))
    page.object_list = [SessionRow(session, session.status(now=now)) for session in page.object_list]
    return Dashboard(
        formations=formations,
        soon_unconfirmed=_cut(soon.order_by("start_date", "pk")),
        past_still_open=_cut(past_open.order_by(F("end_date").desc(nulls_last=True), "pk")),
        without_upcoming=Cut(without[:ATTENTION_SHOWN], len(without)),
        pending_labels=pending,
        filter=session_filter,
        page=page,
    )


@require_safe
@organism_required
def dashboard(request):
    now = timezone.now()
    board = organism_dashboard(request.organism, now=now, today=timezone.localdate(), params=request.GET)
    return render(
        request,
        "organisms/dashboard.html",
        {
            "board": board,
            "bulk_operations": [(key, label) for key, (label, _) in BULK_OPERATIONS.items()],
            "inbox": inbox_counts(request.organism, now=now),
        },
    )
