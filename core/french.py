"""French counts, for messages written in Python and (through core/templatetags/french.py) in templates: zero and
one take the singular ("0 session créée", "1 session créée", "2 sessions créées")."""


def is_plural(count) -> bool:
    """Plural from 2 (in absolute value) on; 0 and 1 are singular."""
    try:
        return abs(float(count)) >= 2
    except (TypeError, ValueError):
        return False


def counted(count: int, one: str, several: str) -> str:
    """ "1 session créée", "3 sessions créées": the count, then the words in the number it calls for."""
    return f"{count} {several if is_plural(count) else one}"
