"""Region staff's dashboard: the offer and its results, one aggregate query per table whatever the catalogue size.

Filters: a programme (actions labelled under it), a department (where sessions take place; organisations by their
address), a period (sessions starting within it)."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Q, Sum

from candidatures.figures import LoopFigures
from candidatures.models import Booking, Candidature
from catalogue.choices import Axis
from catalogue.models import Action, ActionLabel, Department, Programme
from catalogue.places import home_departments
from catalogue.rules import EVALUATED_STATES, active_label_q
from core.french import counted
from organisms.models import Organism
from sessions.models import SessionOutcome, TrainingSession


@dataclass
class Filters:
    programme: Programme | None = None
    department: Department | None = None
    start: date | None = None
    end: date | None = None

    def describe(self) -> str:
        parts = []
        if self.programme:
            parts.append(f"programme {self.programme.name}")
        if self.department:
            parts.append(f"département {self.department.name}")
        if self.start or self.end:
            parts.append(
                "sessions commençant "
                + (f"à partir du {self.start:%d/%m/%Y} " if self.start else "")
                + (f"jusqu'au {self.end:%d/%m/%Y}" if self.end else "")
            )
        return ", ".join(parts) or "toute l'offre"


@dataclass
class Table:
    slug: str
    title: str
    columns: list[str]
    rows: list[list]
    # (label, value) drawn as bars, or (label, (value, value…)) for several series named by `chart_series`
    chart: list[tuple[str, int | tuple[int, ...]]] = field(default_factory=list)
    chart_label: str = ""
    chart_series: tuple[str, ...] = ()
    note: str = ""


def public_actions(filters: Filters, today: date):
    actions = Action.objects.published()
    if filters.programme is not None:
        actions = actions.filter(
            pk__in=ActionLabel.objects.filter(active_label_q(today, programme=filters.programme)).values("action_id")
        )
    return actions


def public_sessions(filters: Filters, today: date):
    """Public sessions; of actions labelled under the programme when one is chosen."""
    sessions = TrainingSession.objects.public()
    if filters.programme is not None:
        sessions = sessions.filter(action__in=public_actions(filters, today))
    return sessions


def session_scope(sessions, filters: Filters):
    if filters.department is not None:
        sessions = sessions.filter(place__commune__department=filters.department)
    if filters.start:
        sessions = sessions.filter(start_date__gte=filters.start)
    if filters.end:
        sessions = sessions.filter(start_date__lte=filters.end)
    return sessions


def organisations_table(filters: Filters, today: date) -> Table:
    organisms = Organism.objects.all()
    if filters.department is not None:
        organisms = organisms.filter(commune__department=filters.department)
    if filters.programme is not None:
        organisms = organisms.filter(formations__actions__in=public_actions(filters, today))
    counts = dict(organisms.values_list("approval_state").annotate(n=Count("id", distinct=True)).order_by())
    rows = [[state.label, counts.get(state.value, 0)] for state in Organism.ApprovalState]
    return Table(
        "organismes",
        "Organismes par état de validation",
        ["État", "Organismes"],
        rows,
        chart=[(label, n) for label, n in rows],
        chart_label="Nombre d'organismes par état",
    )


def actions_table(filters: Filters, today: date) -> Table:
    actions = public_actions(filters, today)
    if filters.department is not None or filters.start or filters.end:
        actions = actions.filter(pk__in=session_scope(TrainingSession.objects.public(), filters).values("action_id"))
    labelled = active_label_q(today, prefix="labels__", programme=filters.programme)
    counts = {
        axis: (total, with_label)
        for axis, total, with_label in actions.values_list("axis")
        .annotate(total=Count("id", distinct=True), with_label=Count("id", filter=labelled, distinct=True))
        .values_list("axis", "total", "with_label")
        .order_by()
    }
    rows = [[axis.label, *counts.get(axis.value, (0, 0))] for axis in Axis]
    rows.append(["Sans axe du programme", *counts.get("", (0, 0))])
    return Table(
        "actions-par-axe",
        "Actions publiées et actions labellisées, par axe",
        ["Axe", "Actions publiées", "Actions labellisées"],
        rows,
        chart=[(row[0], (row[1], row[2])) for row in rows],
        chart_label="Actions publiées et actions labellisées, par axe",
        chart_series=("Actions publiées", "Actions labellisées"),
    )


def labels_table(filters: Filters, today: date) -> Table:
    labels = ActionLabel.objects.filter(
        active_label_q(today, programme=filters.programme), action__in=public_actions(Filters(), today)
    )
    if filters.department is not None or filters.start or filters.end:
        labels = labels.filter(
            action_id__in=session_scope(TrainingSession.objects.public(), filters).values("action_id")
        )
    counts = {}
    for programme, axis, n in (
        labels.values_list("programme__name", "action__axis").annotate(n=Count("action_id", distinct=True)).order_by()
    ):
        counts.setdefault(programme, {})[axis] = n
    axes = [(axis.value, axis.label) for axis in Axis] + [("", "Sans axe")]
    rows = [
        [programme, *[by_axis.get(value, 0) for value, _ in axes], sum(by_axis.values())]
        for programme, by_axis in sorted(counts.items())
    ]
    return Table(
        "labels-par-programme",
        "Actions labellisées par programme et par axe",
        ["Programme", *[label for _, label in axes], "Total"],
        rows,
        chart=[(row[0], row[-1]) for row in rows],
        chart_label="Actions labellisées par programme",
    )


def departments_table(filters: Filters, today: date) -> Table:
    sessions = session_scope(public_sessions(filters, today), filters)
    if not filters.start:
        sessions = sessions.filter(start_date__gt=today)
    rows_by_code = {
        code: (sessions_count, places or 0)
        for code, sessions_count, places in sessions.values_list("place__commune__department__code")
        .annotate(n=Count("id"), places=Sum("places_left"))
        .values_list("place__commune__department__code", "n", "places")
        .order_by()
    }
    home = list(home_departments())
    rows = [[f"{d.name} ({d.code})", *rows_by_code.pop(d.code, (0, 0))] for d in home]
    remote = rows_by_code.pop(None, (0, 0))
    if rows_by_code:  # sessions placed in other regions (national feeds, trainings across the border)
        rows.append(
            ["Hors de la région", sum(n for n, _ in rows_by_code.values()), sum(p for _, p in rows_by_code.values())]
        )
    rows.append(["À distance", *remote])
    return Table(
        "sessions-par-departement",
        "Sessions à venir et places restantes, par département",
        ["Département", "Sessions à venir", "Places restantes"],
        rows,
        chart=[(row[0], row[1]) for row in rows],
        chart_label="Sessions à venir par département",
        note="Les places restantes additionnent les sessions dont l'organisme les indique.",
    )


def freshness_table(filters: Filters, now: datetime, today: date) -> Table:
    limit = now - timedelta(days=settings.SESSION_STALE_AFTER_DAYS)
    sessions = session_scope(public_sessions(filters, today).not_ended(today), filters)
    per_organism = (
        sessions.values("action__formation__organism__usual_name")
        .annotate(total=Count("id"), fresh=Count("id", filter=Q(confirmed_at__gte=limit)))
        .order_by()
    )
    rows = []
    total = fresh = 0
    for row in per_organism:
        total += row["total"]
        fresh += row["fresh"]
        rows.append(
            [
                row["action__formation__organism__usual_name"],
                row["total"],
                row["fresh"],
                percent(row["fresh"], row["total"]),
            ]
        )
    rows.sort(key=lambda r: (r[2] / r[1] if r[1] else 1, r[0]))
    return Table(
        "fraicheur",
        f"Fraîcheur : sessions publiées confirmées depuis moins de {settings.SESSION_STALE_AFTER_DAYS} jours, par organisme",
        ["Organisme", "Sessions publiées", "Confirmées récemment", "Part"],
        rows,
        chart=[("Confirmées récemment", fresh), ("À confirmer", total - fresh)],
        chart_label="Sessions publiées selon leur fraîcheur",
        note=f"Ensemble : {fresh} sur {total} ({percent(fresh, total)}). Les organismes les moins à jour d'abord.",
    )


def outcome_scope(outcomes, filters: Filters):
    """Outcomes of sessions in the department and starting within the period."""
    if filters.department is not None:
        outcomes = outcomes.filter(session__place__commune__department=filters.department)
    if filters.start:
        outcomes = outcomes.filter(session__start_date__gte=filters.start)
    if filters.end:
        outcomes = outcomes.filter(session__start_date__lte=filters.end)
    return outcomes


def outcomes_table(filters: Filters, today: date) -> Table:
    labels = ActionLabel.objects.evaluated()
    if filters.programme is not None:
        labels = labels.filter(programme=filters.programme)
    outcomes = SessionOutcome.objects.filter(session__action__labels__in=labels)
    outcomes = outcome_scope(outcomes, filters)
    below_quota = Q(session__action__labels__programme__min_priority_share__isnull=False) & Q(
        priority_public__lt=F("enrolled") * F("session__action__labels__programme__min_priority_share") / 100.0
    )
    rows = []
    for row in (
        outcomes.values("session__action__labels__programme__name")
        .annotate(
            n_sessions=Count("id"),
            n_enrolled=Sum("enrolled"),
            n_women=Sum("women"),
            n_under_26=Sum("under_26"),
            n_qpv=Sum("qpv"),
            n_completed=Sum("completed"),
            n_positive=Sum(F("exit_job") + F("exit_training") + F("exit_business")),
            n_below=Count("id", filter=below_quota),
        )
        .order_by("session__action__labels__programme__name")
    ):
        rows.append(
            [
                row["session__action__labels__programme__name"],
                row["n_sessions"],
                row["n_enrolled"],
                row["n_women"],
                row["n_under_26"],
                row["n_qpv"],
                row["n_completed"],
                row["n_positive"],
                f"{row['n_positive']} sur {row['n_enrolled']}",
                row["n_below"],
            ]
        )
    return Table(
        "resultats-par-programme",
        "Stagiaires et sorties positives à 6 mois, par programme",
        [
            "Programme",
            "Sessions",
            "Stagiaires",
            "dont femmes",
            "dont moins de 26 ans",
            "dont QPV",
            "Allés au bout",
            "Sorties positives",
            "Sorties positives sur stagiaires",
            "Sessions sous le quota",
        ],
        rows,
        chart=[(row[0], row[7]) for row in rows],
        chart_label="Sorties positives à 6 mois par programme",
        note="Sortie positive : emploi, autre formation ou création d'entreprise. Quota : part minimale de publics "
        "prioritaires par session fixée par le programme.",
    )


def below_quota_table(filters: Filters, today: date) -> Table:
    """The sessions whose reported priority publics fall under their programme's quota, to follow up."""
    # One filter() call: the label whose quota is checked is the label whose programme is shown and filtered on.
    label_conditions = {
        "session__action__labels__state__in": EVALUATED_STATES,
        "session__action__labels__programme__min_priority_share__isnull": False,
        "priority_public__lt": F("enrolled") * F("session__action__labels__programme__min_priority_share") / 100.0,
    }
    if filters.programme is not None:
        label_conditions["session__action__labels__programme"] = filters.programme
    outcomes = SessionOutcome.objects.filter(**label_conditions)
    outcomes = outcome_scope(outcomes, filters)
    rows = [
        [
            organism,
            title,
            start.strftime("%d/%m/%Y") if start else "—",
            programme,
            f"{priority} sur {enrolled} ({percent(priority, enrolled)})",
            f"{share} %",
        ]
        for organism, title, start, programme, priority, enrolled, share in outcomes.values_list(
            "session__action__formation__organism__usual_name",
            "session__action__formation__title",
            "session__start_date",
            "session__action__labels__programme__name",
            "priority_public",
            "enrolled",
            "session__action__labels__programme__min_priority_share",
        ).order_by("session__action__labels__programme__name", "session__start_date", "pk")
    ]
    return Table(
        "sessions-sous-quota",
        "Sessions sous le quota de publics prioritaires de leur programme",
        ["Organisme", "Formation", "Début", "Programme", "Publics prioritaires", "Quota"],
        rows,
        note="À examiner avec les organismes concernés.",
    )


def loop_candidatures(filters: Filters, today: date):
    """Candidatures to sessions of the programme's actions, in the department, starting within the period."""
    candidatures = Candidature.objects.all()
    if filters.programme is not None:
        candidatures = candidatures.filter(session__action__in=public_actions(filters, today))
    if filters.department is not None:
        candidatures = candidatures.filter(session__place__commune__department=filters.department)
    if filters.start:
        candidatures = candidatures.filter(session__start_date__gte=filters.start)
    if filters.end:
        candidatures = candidatures.filter(session__start_date__lte=filters.end)
    return candidatures


def loop_bookings(filters: Filters, today: date):
    """Seats booked at information meetings of the programme's actions, held within the period (meetings have an
    address, not a department: the department filter does not apply to them)."""
    bookings = Booking.objects.filter(state=Booking.State.BOOKED)
    if filters.programme is not None:
        bookings = bookings.filter(meeting__action__in=public_actions(filters, today))
    if filters.start:
        bookings = bookings.filter(meeting__starts_at__date__gte=filters.start)
    if filters.end:
        bookings = bookings.filter(meeting__starts_at__date__lte=filters.end)
    return bookings


LOOP_COLUMNS = [
    "Candidatures envoyées",
    "Répondues en deux jours ouvrés",
    "Part répondue à temps",
    "Acceptées",
    "Places réservées aux réunions d'information",
    "Délai médian de première réponse",
]
LOOP_NOTE = (
    "Candidatures aux sessions filtrées ; une réponse est tout état donné par l'organisme après « lue ». Délai en "
    "jours calendaires. Les places réservées ne suivent pas le filtre de département."
)


def loop_table_rows(figures: LoopFigures) -> list[list]:
    return [
        [name, f.sent, f.in_time, percent(f.in_time, f.sent), f.accepted, f.seats, f.median_label]
        for name, f in figures.rows()
    ]


def loop_by_organism_table(filters: Filters, today: date) -> Table:
    figures = LoopFigures.collect(
        loop_candidatures(filters, today).values_list(
            "organism__usual_name", "state", "created_at", "answered_at", "answer_due_at"
        ),
        loop_bookings(filters, today)
        .values_list("meeting__action__formation__organism__usual_name")
        .annotate(n=Count("id"))
        .order_by(),
    )
    rows = sorted(loop_table_rows(figures), key=lambda r: (r[2] / r[1] if r[1] else 1, r[0]))
    return Table(
        "candidatures-par-organisme",
        "Candidatures et réponses, par organisme (délai de réponse : indicateur de qualité)",
        ["Organisme", *LOOP_COLUMNS],
        rows,
        chart=[(row[0], row[2]) for row in rows[:15]],
        chart_label="Candidatures répondues en deux jours ouvrés, par organisme (les moins réactifs d'abord)",
        note=LOOP_NOTE + f" Ensemble : {counted(figures.total.sent, 'candidature', 'candidatures')}, délai médian "
        f"{figures.total.median_label}.",
    )


def loop_by_programme_table(filters: Filters, today: date) -> Table:
    labels = {"session__action__labels__state__in": EVALUATED_STATES}
    booking_labels = {"meeting__action__labels__state__in": EVALUATED_STATES}
    if filters.programme is not None:
        labels["session__action__labels__programme"] = filters.programme
        booking_labels["meeting__action__labels__programme"] = filters.programme
    figures = LoopFigures.collect(
        loop_candidatures(filters, today)
        .filter(**labels)
        .values_list("session__action__labels__programme__name", "state", "created_at", "answered_at", "answer_due_at"),
        loop_bookings(filters, today)
        .filter(**booking_labels)
        .values_list("meeting__action__labels__programme__name")
        .annotate(n=Count("id"))
        .order_by(),
    )
    rows = loop_table_rows(figures)
    return Table(
        "candidatures-par-programme",
        "Candidatures et réponses, par programme",
        ["Programme", *LOOP_COLUMNS],
        rows,
        chart=[(row[0], row[1]) for row in rows],
        chart_label="Candidatures envoyées par programme",
        note=LOOP_NOTE,
    )


def percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "—"


def region_dashboard(filters: Filters, *, now: datetime, today: date) -> list[Table]:
    return [
        organisations_table(filters, today),
        actions_table(filters, today),
        labels_table(filters, today),
        departments_table(filters, today),
        freshness_table(filters, now, today),
        outcomes_table(filters, today),
        below_quota_table(filters, today),
        loop_by_organism_table(filters, today),
        loop_by_programme_table(filters, today),
    ]


def table_by_slug(slug: str, filters: Filters, *, now: datetime, today: date) -> Table | None:
    builders = {
        "organismes": lambda: organisations_table(filters, today),
        "actions-par-axe": lambda: actions_table(filters, today),
        "labels-par-programme": lambda: labels_table(filters, today),
        "sessions-par-departement": lambda: departments_table(filters, today),
        "fraicheur": lambda: freshness_table(filters, now, today),
        "resultats-par-programme": lambda: outcomes_table(filters, today),
        "sessions-sous-quota": lambda: below_quota_table(filters, today),
        "candidatures-par-organisme": lambda: loop_by_organism_table(filters, today),
        "candidatures-par-programme": lambda: loop_by_programme_table(filters, today),
    }
    builder = builders.get(slug)
    return builder() if builder else None
