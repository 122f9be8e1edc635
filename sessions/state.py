"""Session rules, each defined once and written side by side in the three forms the portal needs:

- the Python predicate (a session in hand: templates, exports, emails);
- the queryset expression (`Q`, for the ORM and every SQL the portal writes);
- the numpy mask (the in-process search index, whose date columns are day ordinals, `UNKNOWN_HIGH` for an unknown
  start or end, `UNKNOWN_LOW` for an unknown registration opening).

`tests/sessions/test_state.py` runs one table of edge cases through the three forms of every rule and asserts that
they agree. Change a rule here, in its three forms, or not at all.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from django.db import models
from django.db.models import Q

from catalogue.choices import RecruitmentState

# Day ordinals standing for an unknown date in the index's columns.
UNKNOWN_HIGH = np.iinfo(np.int32).max  # unknown start or end (never reached)
UNKNOWN_LOW = np.iinfo(np.int32).min  # unknown registration opening (always passed)

# Freshness of public listings: a session that started more than this many days ago is listed only when its
# entry is rolling.
LISTED_DAYS_AFTER_START = 30
# A session starting within this many days is flagged "starting soon".
STARTING_SOON_DAYS = 14


class Timing(models.TextChoices):
    UNDATED = "undated", "Dates à venir"
    UPCOMING = "upcoming", "À venir"
    ONGOING = "ongoing", "En cours"
    PAST = "past", "Terminée"


def _field(prefix: str, name: str) -> str:
    return f"{prefix}{name}"


# Not ended: an unknown end never ends ------------------------------------------------------------------------------


def is_not_ended(*, end_date: date | None, today: date) -> bool:
    return end_date is None or end_date >= today


def not_ended_q(today: date, *, prefix: str = "") -> Q:
    return Q(**{_field(prefix, "end_date__isnull"): True}) | Q(**{_field(prefix, "end_date__gte"): today})


def not_ended_mask(end: np.ndarray, today: int) -> np.ndarray:
    return (end == UNKNOWN_HIGH) | (end >= today)


# Timing: undated, upcoming, ongoing, past ---------------------------------------------------------------------------


def session_timing(*, start_date: date | None, end_date: date | None, today: date) -> Timing:
    """Where a session stands in time. An unknown start means undated; an unknown end never ends."""
    if start_date is None:
        return Timing.UNDATED
    if start_date > today:
        return Timing.UPCOMING
    if not is_not_ended(end_date=end_date, today=today):
        return Timing.PAST
    return Timing.ONGOING


def timing_q(timing: Timing, today: date, *, prefix: str = "") -> Q:
    start = _field(prefix, "start_date")
    if timing == Timing.UNDATED:
        return Q(**{f"{start}__isnull": True})
    if timing == Timing.UPCOMING:
        return Q(**{f"{start}__gt": today})
    if timing == Timing.ONGOING:
        return Q(**{f"{start}__lte": today}) & not_ended_q(today, prefix=prefix)
    return Q(**{f"{start}__lte": today}) & ~not_ended_q(today, prefix=prefix)


def timing_mask(timing: Timing, start: np.ndarray, end: np.ndarray, today: int) -> np.ndarray:
    dated = start != UNKNOWN_HIGH
    if timing == Timing.UNDATED:
        return ~dated
    if timing == Timing.UPCOMING:
        return dated & (start > today)
    started = dated & (start <= today)
    if timing == Timing.ONGOING:
        return started & not_ended_mask(end, today)
    return started & ~not_ended_mask(end, today)


# Listed: what public search shows -----------------------------------------------------------------------------------


def is_listed(
    *, start_date: date | None, end_date: date | None, rolling_entry: bool, today: date, include_undated: bool = False
) -> bool:
    """Whether public search lists a session: never once ended; undated only when asked; long started only
    when entry is rolling."""
    if not is_not_ended(end_date=end_date, today=today):
        return False
    if start_date is None:
        return include_undated
    return rolling_entry or start_date >= today - timedelta(days=LISTED_DAYS_AFTER_START)


def listed_q(today: date, *, include_undated: bool = False, prefix: str = "") -> Q:
    start = _field(prefix, "start_date")
    dated = Q(**{f"{start}__isnull": False}) & (
        Q(**{_field(prefix, "rolling_entry"): True})
        | Q(**{f"{start}__gte": today - timedelta(days=LISTED_DAYS_AFTER_START)})
    )
    if include_undated:
        dated |= Q(**{f"{start}__isnull": True})
    return not_ended_q(today, prefix=prefix) & dated


def listed_mask(
    start: np.ndarray, end: np.ndarray, rolling: np.ndarray, today: int, *, include_undated: bool = False
) -> np.ndarray:
    dated = start != UNKNOWN_HIGH
    listed = dated & (rolling | (start >= today - LISTED_DAYS_AFTER_START))
    if include_undated:
        listed |= ~dated
    return not_ended_mask(end, today) & listed


# Registration open today --------------------------------------------------------------------------------------------


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
    """Can a person register today? Recruiting, not ended, not yet started unless entry is rolling, within the
    registration period, and not full."""
    if not recruitment_open or timing == Timing.PAST:
        return False
    if timing == Timing.ONGOING and not rolling_entry:
        return False
    if registration_opens is not None and registration_opens > today:
        return False
    if registration_closes is not None and registration_closes < today:
        return False
    return places_left is None or places_left > 0


def registration_open_q(today: date, *, prefix: str = "") -> Q:
    def f(name):
        return _field(prefix, name)

    return (
        Q(**{f("recruitment_state"): RecruitmentState.OPEN})
        & ~timing_q(Timing.PAST, today, prefix=prefix)
        & (Q(**{f("start_date__isnull"): True}) | Q(**{f("start_date__gt"): today}) | Q(**{f("rolling_entry"): True}))
        & (Q(**{f("registration_opens__isnull"): True}) | Q(**{f("registration_opens__lte"): today}))
        & (Q(**{f("registration_closes__isnull"): True}) | Q(**{f("registration_closes__gte"): today}))
        & (Q(**{f("places_left__isnull"): True}) | Q(**{f("places_left__gt"): 0}))
    )


def registration_open_mask(
    *,
    recruiting: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    rolling: np.ndarray,
    opens: np.ndarray,
    closes: np.ndarray,
    places_left: np.ndarray,
    today: int,
) -> np.ndarray:
    """`opens` uses UNKNOWN_LOW and `closes` UNKNOWN_HIGH for an unknown date; `places_left` is -1 when unknown."""
    upcoming_or_rolling = (start == UNKNOWN_HIGH) | (start > today) | rolling
    return (
        recruiting
        & ~timing_mask(Timing.PAST, start, end, today)
        & upcoming_or_rolling
        & (opens <= today)
        & (closes >= today)
        & ((places_left == -1) | (places_left > 0))
    )


# Stale: not confirmed by its organisation within the period ---------------------------------------------------------


def is_stale(*, confirmed_at: datetime | None, now: datetime, stale_after_days: int) -> bool:
    """Not confirmed by its organisation within the period (never confirmed counts as stale)."""
    return confirmed_at is None or confirmed_at < now - timedelta(days=stale_after_days)


def stale_q(now: datetime, stale_after_days: int, *, prefix: str = "") -> Q:
    confirmed = _field(prefix, "confirmed_at")
    return Q(**{f"{confirmed}__isnull": True}) | Q(**{f"{confirmed}__lt": now - timedelta(days=stale_after_days)})


# Publishable (Python only: the back office's form): an ended session is not offered for publication --------------


def may_be_published(*, end_date: date | None, today: date) -> bool:
    """Whether an organisation may publish a session (or keep one published it is editing): not once ended."""
    return is_not_ended(end_date=end_date, today=today)


# Starting soon (Python only: shown on a session in hand) ------------------------------------------------------------


def is_starting_soon(*, start_date: date | None, today: date) -> bool:
    return start_date is not None and today <= start_date <= today + timedelta(days=STARTING_SOON_DAYS)


@dataclass(frozen=True)
class SessionStatus:
    timing: Timing
    registration_open: bool
    stale: bool
    full: bool
    starting_soon: bool = False
    registration_opens_later: bool = False  # recruiting, but registration opens on a later day
