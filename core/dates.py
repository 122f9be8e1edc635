"""Dates typed by people: a date that has the right shape but is not in the calendar is said plainly
("Le 31/02/2027 n'existe pas."), in the back office's forms and the spreadsheet import alike."""

import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError

_DAY_FIRST = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\s*$")  # 31/02/2027, 31-02-27
_YEAR_FIRST = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")  # 2027-02-31 (what a date field sends)


def impossible_date_message(text: str) -> str | None:
    """ "Le 31/02/2027 n'existe pas." when `text` is shaped as a date (day first, or ISO) but no such day exists;
    None otherwise (a real date, or text that is not shaped as a date at all)."""
    if found := _DAY_FIRST.match(text or ""):
        day, month, year = (int(part) for part in found.groups())
        if len(found[3]) == 2:  # as strptime's %y reads two digits
            year += 1900 if year >= 69 else 2000
    elif found := _YEAR_FIRST.match(text or ""):
        year, month, day = (int(part) for part in found.groups())
    else:
        return None
    try:
        date(year, month, day)
    except ValueError:
        return f"Le {day:02d}/{month:02d}/{year:04d} n'existe pas."
    return None


class DateField(forms.DateField):
    """A date field saying "Le 31/02/2027 n'existe pas." of a day that is not in the calendar, and otherwise
    "Saisissez une date valide, au format JJ/MM/AAAA."."""

    default_error_messages = {"invalid": "Saisissez une date valide, au format JJ/MM/AAAA."}

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            if isinstance(value, str) and (message := impossible_date_message(value)):
                raise ValidationError(message, code="impossible") from None
            raise
