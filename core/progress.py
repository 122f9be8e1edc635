"""What a long command prints: a progress bar on a terminal only (stdout is a TTY), nothing of it under cron; the
command's own lines; one summary line at the end; with --json, that summary as one JSON object and nothing else,
for monitoring."""

import json
import time

from django.conf import settings

BAR_WIDTH = 30
REFRESH_SECONDS = 0.1


def spaced(number: int) -> str:
    """12400 → "12 400" (French grouping, narrow no-break space)."""
    return f"{number:,}".replace(",", "\u202f")


class CommandOutput:
    def __init__(self, command, *, json_mode: bool = False):
        self.stdout = command.stdout
        self.json = json_mode
        self.tty = not json_mode and self.stdout.isatty()
        self.shown = False
        self.last = 0.0

    def progress(self, stage: str, done: int, total: int | None = None) -> None:
        """A bar redrawn in place (at most every REFRESH_SECONDS, and at the end of each stage)."""
        if not self.tty:
            return
        now = time.monotonic()
        if now - self.last < REFRESH_SECONDS and (total is None or done < total):
            return
        self.last = now
        if total:
            filled = BAR_WIDTH * min(done, total) // total
            bar = "█" * filled + "·" * (BAR_WIDTH - filled)
            text = f"{stage} : {spaced(done)} sur {spaced(total)} [{bar}] {100 * min(done, total) // total} %"
        else:
            text = f"{stage} : {spaced(done)}"
        self.stdout.write(f"\r\033[K{text}", ending="")
        self.stdout.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stdout.write("\r\033[K", ending="")
            self.shown = False

    def line(self, text: str) -> None:
        """One of the command's own lines (none with --json)."""
        if self.json:
            return
        self.clear()
        self.stdout.write(text)

    def summary(self, text: str, data: dict) -> None:
        """The last line: `text`, or `data` as JSON with --json."""
        self.clear()
        if self.json:
            self.stdout.write(json.dumps(data, ensure_ascii=False, default=str))
        else:
            self.stdout.write(text)


def add_json_argument(parser) -> None:
    parser.add_argument("--json", action="store_true", help="Résumé final en JSON (supervision), rien d'autre.")


def add_mailing_arguments(parser) -> None:
    """The arguments of the commands that email people under cron: a dry run unless --send, the portal's address for
    the links, and --json."""
    parser.add_argument("--send", action="store_true", help="Envoie réellement les courriels.")
    parser.add_argument("--base-url", default=settings.PORTAL_BASE_URL, help="Adresse du portail dans les liens.")
    add_json_argument(parser)
