"""Rebuilds the open data files when the catalogue changed or the day turned (cron, every 5 minutes)."""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from exchange.open_data_files import publish, root


class Command(BaseCommand):
    help = (
        "Publie les fichiers de données ouvertes (CSV et JSON, avec leur version gzip) quand le catalogue a changé "
        "ou que le jour a changé. Simulation sans --commit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--commit", action="store_true", help="Écrire les fichiers (sinon : dire seulement).")
        parser.add_argument("--force", action="store_true", help="Reconstruire même si rien n'a changé.")

    def handle(self, *args, commit, force, **options):
        started = time.perf_counter()
        reason, current = publish(force=force, commit=commit)
        seconds = time.perf_counter() - started
        if not reason:
            built = timezone.localtime(current.built_at)
            self.stdout.write(f"À jour : fichiers du {built:%d/%m/%Y à %H:%M}, {current.rows} sessions ; rien à faire.")
        elif not commit:
            self.stdout.write(f"Simulation : une publication est due ({reason}) ; relancez avec --commit.")
        else:
            sizes = ", ".join(
                f"{fmt} {pair['plain'].size / 1e6:.1f} Mo ({pair['gzip'].size / 1e6:.1f} Mo gzip)"
                for fmt, pair in current.files.items()
            )
            self.stdout.write(
                f"Publié ({reason}) : {current.rows} sessions, {sizes}, en {seconds:.1f} s, dans {root()}."
            )
