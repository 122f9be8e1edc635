"""French wording for every template (loaded as a builtin, config.settings.base): dates with "1er" for the first day
of a month and lower-case months, and counts that keep zero and one in the singular: `{{ n }} session{{ n|pluriel }}`
writes "0 session", "1 session", "2 sessions", where Django's `pluralize` would write "0 sessions"."""

from django import template
from django.utils.dateformat import format as format_date

from core.french import is_plural

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


@register.filter
def pluriel(count, suffixes: str = "s") -> str:
    """`{{ n|pluriel }}` adds "s" from 2 on; `{{ n|pluriel:"al,aux" }}` for irregular endings."""
    one, _, several = suffixes.rpartition(",") if "," in suffixes else ("", "", suffixes)
    return several if is_plural(count) else one
