"""iCalendar (RFC 5545): a session (all-day, first to last day) or a meeting (timed), one event per file."""

from datetime import UTC, date, datetime, timedelta


def escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def fold_line(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        piece = char.encode("utf-8")
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += piece
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def event_calendar(
    *, uid: str, when: list[str], summary: str, description: str, location: str, url: str, now: datetime
) -> str:
    """A calendar of one event; `when` holds its DTSTART and DTEND lines."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Catalogue regional des formations au numerique//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{now.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}",
        *when,
        f"SUMMARY:{escape(summary)}",
        f"DESCRIPTION:{escape(description)}",
        f"LOCATION:{escape(location)}",
        f"URL:{url}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(fold_line(line) for line in lines) + "\r\n"


def session_calendar(*, start: date, end: date | None, **event) -> str:
    """A session: an all-day event from its first to its last day."""
    last_day = end or start
    when = [
        f"DTSTART;VALUE=DATE:{start.strftime('%Y%m%d')}",
        f"DTEND;VALUE=DATE:{(last_day + timedelta(days=1)).strftime('%Y%m%d')}",
    ]
    return event_calendar(when=when, **event)


def timed_calendar(*, starts_at: datetime, ends_at: datetime, **event) -> str:
    """A meeting: from its start to its end, in UTC."""
    when = [
        f"DTSTART:{starts_at.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        f"DTEND:{ends_at.astimezone(UTC):%Y%m%dT%H%M%SZ}",
    ]
    return event_calendar(when=when, **event)
