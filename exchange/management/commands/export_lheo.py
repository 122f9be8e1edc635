import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from catalogue.models import Programme
from core.progress import CommandOutput, add_json_argument
from exchange.lheo_export import ExportReport, ExportScope, export_lheo, has_offer
from organisms.models import Organism


class Command(BaseCommand):
    help = "Exporte l'offre publiée au format LHÉO 2.3 (toute l'offre, ou celle d'un organisme, d'un programme, d'un département)."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="Fichier à écrire (sortie standard sinon).")
        parser.add_argument("--organisme", help="Identifiant (slug) ou SIRET d'un organisme.")
        parser.add_argument("--programme", help="Identifiant (slug) d'un programme.")
        parser.add_argument("--departement", default="", help="Code d'un département.")
        parser.add_argument("--base-url", default=settings.PORTAL_BASE_URL)
        add_json_argument(parser)

    def handle(self, *args, output, organisme, programme, departement, base_url, json=False, **options):
        scope = ExportScope(department_code=departement, base_url=base_url)
        if organisme:
            scope.organism = (
                Organism.objects.filter(slug=organisme).first() or Organism.objects.filter(siret=organisme).first()
            )
            if scope.organism is None:
                raise CommandError(f"Organisme inconnu : {organisme}")
        if programme:
            scope.programme = Programme.objects.filter(slug=programme).first()
            if scope.programme is None:
                raise CommandError(f"Programme inconnu : {programme}")
        if not has_offer(scope, today=timezone.localdate()):
            raise CommandError("Aucune offre publiée à exporter : le format LHÉO demande au moins une formation.")
        report = ExportReport()
        started = time.perf_counter()
        # The progress and the summary line go to stderr (without -o, stdout is the file); with -o and --json, the JSON
        # summary goes to stdout, for monitoring.
        out = CommandOutput(self if output and json else _Stderr(self), json_mode=json)
        stream = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
        try:
            for piece in export_lheo(scope, today=timezone.localdate(), report=report):
                stream.write(piece)
                if output:
                    out.progress("Sessions exportées", report.sessions)
        finally:
            if output:
                stream.close()
        seconds = time.perf_counter() - started
        out.summary(
            f"Export LHÉO 2.3 : {report.summary()} ({seconds:.1f} s)",
            {
                "command": "export_lheo",
                "file": output or "-",
                "formations": report.formations,
                "actions": report.actions,
                "sessions": report.sessions,
                "seconds": round(seconds, 1),
            },
        )


class _Stderr:
    """The command seen through its stderr (the summary when stdout is the exported file)."""

    def __init__(self, command):
        self.stdout = command.stderr
