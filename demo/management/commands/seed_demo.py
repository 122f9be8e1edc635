import time
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.progress import CommandOutput, add_json_argument
from demo.builder import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD, catalogue_is_empty, seed_demo


class Command(BaseCommand):
    help = (
        "Remplace le catalogue par un catalogue de démonstration réaliste et déterministe "
        "(développement et mesures de performance uniquement)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sessions", type=int, default=2000, help="Nombre de sessions (2 000 par défaut).")
        parser.add_argument(
            "--seed", type=int, default=2026, help="Graine du générateur (même graine, même catalogue)."
        )
        parser.add_argument("--today", type=date.fromisoformat, default=None, help="Jour de référence (AAAA-MM-JJ).")
        parser.add_argument(
            "--keep-existing",
            action="store_true",
            help="Ne fait rien si le catalogue contient déjà des organismes (utilisé par make run).",
        )
        add_json_argument(parser)

    def handle(self, *args, sessions, seed, today, keep_existing, json=False, **options):
        out = CommandOutput(self, json_mode=json)
        if not settings.DEMO_MODE:
            raise CommandError(
                "Refusé : le catalogue de démonstration n'est créé qu'avec DEMO_MODE (réglages de développement)."
            )
        if sessions < 1:
            raise CommandError("--sessions doit être un nombre entier positif.")
        if keep_existing and not catalogue_is_empty():
            if not json:
                self.print_accounts()
            out.summary(
                "Catalogue déjà présent : rien n'est modifié (sans --keep-existing, il serait remplacé).",
                {"command": "seed_demo", "seeded": False},
            )
            return
        started = time.perf_counter()
        try:
            report = seed_demo(sessions=sessions, seed=seed, today=today, progress=out.progress)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        if not json:
            self.print_accounts()
        out.summary(
            f"Catalogue de démonstration : {report.summary()} ({elapsed:.1f} s)",
            {"command": "seed_demo", "seeded": True, "sessions": sessions, "seed": seed, "seconds": round(elapsed, 1)},
        )

    def print_accounts(self):
        self.stdout.write("")
        self.stdout.write(f"Comptes de démonstration (mot de passe commun : {DEMO_PASSWORD})")
        for local_part, label in (
            ("demandeur", "demandeur d'emploi"),
            ("conseiller", "conseiller France Travail"),
            ("organisme-a", "membre de l'organisme A"),
            ("organisme-b", "membre de l'organisme B"),
            ("agent-region", "agent de la Région, administrateur (espace Région : /region/)"),
        ):
            self.stdout.write(f"  {local_part + '@' + DEMO_EMAIL_DOMAIN:<36} {label}")
