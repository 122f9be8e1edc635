"""Counts of the loop: the organisation's inbox and, for the Region, candidatures, answers within two working days,
acceptances, seats booked and the median answer time, by organisation and by programme."""

from datetime import datetime
from statistics import median

from django.db.models import Count, Q

from .models import Booking, Candidature


def inbox_counts(organism, *, now: datetime) -> dict:
    """One query: unanswered candidatures, and those past their answer deadline."""
    return Candidature.objects.filter(organism=organism).aggregate(
        unanswered=Count("id", filter=Q(state__in=["sent", "read"])),
        overdue=Count("id", filter=Q(state__in=["sent", "read"], answer_due_at__lt=now)),
    )


def median_days(durations) -> float | None:
    values = [d.total_seconds() / 86400 for d in durations]
    return round(median(values), 1) if values else None


__all__ = ["Booking", "inbox_counts", "median_days"]
