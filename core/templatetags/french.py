"""French wording for every template (loaded as a builtin, config.settings.base): dates with "1er" for the first day
of a month and lower-case months, and plurals that keep zero and one in the singular."""

from django import template
from django.utils.dateformat import format as format_date

register = template.Library()

LONG_DATE = "j F Y"


def long_date_text(value, fmt: str = LONG_DATE) -> str:
    """ "1er décembre 2026", "4 décembre 2026" (the first day of a month is written "1er", months in lower case)."""
    if value in (None, ""):
        return ""
    if value.day == 1 and "j" in fmt:
        fmt = fmt.replace("j", r"\1\e\r", 1)
    return format_date(value, fmt)


@register.filter(expects_localtime=True, is_safe=False)
def long_date(value, fmt: str = LONG_DATE) -> str:
    """{{ day|long_date }}, {{ moment|long_date:"l j F Y à H\\hi" }}."""
    return long_date_text(value, fmt)


@register.filter(is_safe=False)
def plural_fr(value, suffix: str = "s") -> str:
    """The plural ending in French: none for 0 and 1 ("0 place restante", "1 place restante", "2 places restantes")."""
    try:
        return suffix if abs(int(value)) >= 2 else ""
    except (TypeError, ValueError):
        return ""
