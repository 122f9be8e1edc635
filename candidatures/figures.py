"""Counts of the loop: the organisation's inbox and, for the Region, candidatures, answers within two working days,
acceptances, seats booked and the median answer time, by organisation and by programme."""

from dataclasses import dataclass, field
from datetime import datetime
from statistics import median

from django.db.models import Count, Q

from .models import Candidature


def inbox_counts(organism, *, now: datetime) -> dict:
    """One query: unanswered candidatures, and those past their answer deadline."""
    return Candidature.objects.filter(organism=organism).aggregate(
        unanswered=Count("id", filter=Q(state__in=["sent", "read"])),
        overdue=Count("id", filter=Q(state__in=["sent", "read"], answer_due_at__lt=now)),
    )


@dataclass
class Figures:
    sent: int = 0
    in_time: int = 0  # answered by the deadline (two working days)
    accepted: int = 0
    seats: int = 0  # booked at information meetings
    durations: list = field(default_factory=list)  # days to the first answer

    @property
    def median_days(self) -> float | None:
        return round(median(self.durations), 1) if self.durations else None

    @property
    def median_label(self) -> str:
        days = self.median_days
        return "—" if days is None else f"{days:.1f} j".replace(".", ",")

    def add(self, state, created_at, answered_at, answer_due_at) -> None:
        self.sent += 1
        if answered_at is not None:
            self.durations.append((answered_at - created_at).total_seconds() / 86400)
            if answered_at <= answer_due_at:
                self.in_time += 1
        if state == "accepted":
            self.accepted += 1


@dataclass
class LoopFigures:
    """The loop's figures by a key (an organisation, a programme), from one row per candidature and the seats
    booked per key: two queries whatever the numbers, the median computed here (SQLite has no percentile)."""

    by_key: dict[str, Figures]
    total: Figures

    @classmethod
    def collect(cls, candidature_rows, seat_rows) -> "LoopFigures":
        by_key: dict[str, Figures] = {}
        total = Figures()
        for key, state, created_at, answered_at, answer_due_at in candidature_rows:
            by_key.setdefault(key, Figures()).add(state, created_at, answered_at, answer_due_at)
            total.add(state, created_at, answered_at, answer_due_at)
        for key, seats in seat_rows:
            by_key.setdefault(key, Figures()).seats += seats
            total.seats += seats
        return cls(by_key, total)

    def rows(self) -> list[tuple[str, Figures]]:
        return sorted(self.by_key.items(), key=lambda item: item[0] or "")
