"""French counts in templates: `{{ n }} session{{ n|pluriel }}` writes "0 session", "1 session", "2 sessions", where
Django's `pluralize` would write "0 sessions"."""

from django import template

from core.french import is_plural

register = template.Library()


@register.filter
def pluriel(count, suffixes: str = "s") -> str:
    """`{{ n|pluriel }}` adds "s" from 2 on; `{{ n|pluriel:"al,aux" }}` for irregular endings."""
    one, _, several = suffixes.rpartition(",") if "," in suffixes else ("", "", suffixes)
    return several if is_plural(count) else one
