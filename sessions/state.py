"""Session state: one pure function of dates and flags, used by templates, filters, exports and tests.

The same rules are written in SQL by `TrainingSessionQuerySet`; a test checks both agree.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import models


class Timing(models.TextChoices):
    UNDATED = "undated", "Dates à venir"
    UPCOMING = "upcoming", "À venir"
    ONGOING = "ongoing", "En cours"
    PAST = "past", "Terminée"


def session_timing(*, start_date: date | None, end_date: date | None, today: date) -> Timing:
    """Where a session stands in time. An unknown start means undated; an unknown end never ends."""
    if start_date is None:
        return Timing.UNDATED
    if start_date > today:
        return Timing.UPCOMING
    if end_date is not None and end_date < today:
        return Timing.PAST
    return Timing.ONGOING


# Freshness of public listings: a session that started more than this many days ago is listed only when its
# entry is rolling (sessions/state.is_listed, its SQL twin TrainingSessionQuerySet.listed, the search index).
LISTED_DAYS_AFTER_START = 30
# A session starting within this many days is flagged "starting soon".
STARTING_SOON_DAYS = 14


def is_listed(
    *, start_date: date | None, end_date: date | None, rolling_entry: bool, today: date, include_undated: bool = False
) -> bool:
    """Whether public search lists a session: never once ended; undated only when asked; long started only
    when entry is rolling."""
    if end_date is not None and end_date < today:
        return False
    if start_date is None:
        return include_undated
    return rolling_entry or start_date >= today - timedelta(days=LISTED_DAYS_AFTER_START)


def is_starting_soon(*, start_date: date | None, today: date) -> bool:
    return start_date is not None and today <= start_date <= today + timedelta(days=STARTING_SOON_DAYS)


def is_stale(*, confirmed_at: datetime | None, now: datetime, stale_after_days: int) -> bool:
    """Not confirmed by its organisation within the period (never confirmed counts as stale)."""
    return confirmed_at is None or confirmed_at < now - timedelta(days=stale_after_days)


def registration_is_open(
    *,
    recruitment_open: bool,
    registration_opens: date | None,
    registration_closes: date | None,
    timing: Timing,
    rolling_entry: bool,
    places_left: int | None,
    today: date,
) -> bool:
    """Can a person register today?"""
    if not recruitment_open or timing == Timing.PAST:
        return False
    if timing == Timing.ONGOING and not rolling_entry:
        return False
    if registration_opens is not None and registration_opens > today:
        return False
    if registration_closes is not None and registration_closes < today:
        return False
    return places_left is None or places_left > 0


@dataclass(frozen=True)
class SessionStatus:
    timing: Timing
    registration_open: bool
    stale: bool
    full: bool
    starting_soon: bool = False
    registration_opens_later: bool = False  # recruiting, but registration opens on a later day
