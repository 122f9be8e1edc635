"""Working days in France: Monday to Friday, except the eleven public holidays (jours fériés) of metropolitan
France. Used for the organisations' answer deadline ("deux jours ouvrés", as Mon Compte Formation asks)."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def easter_sunday(year: int) -> date:
    """Gregorian Easter (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


def public_holidays(year: int) -> set[date]:
    easter = easter_sunday(year)
    fixed = {(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)}
    moving = {easter + timedelta(days=1), easter + timedelta(days=39), easter + timedelta(days=50)}
    return {date(year, month, day) for month, day in fixed} | moving


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def working_days_after(day: date, count: int) -> date:
    """The `count`-th working day after `day` (not counting `day` itself)."""
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def answer_deadline(sent_at: datetime, working_days: int = 2) -> datetime:
    """The end of the second working day after the day something was sent (local time)."""
    last_day = working_days_after(timezone.localdate(sent_at), working_days)
    return timezone.make_aware(datetime.combine(last_day, time(23, 59, 59)))
