import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from catalogue.models import Programme
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

    def handle(self, *args, output, organisme, programme, departement, base_url, **options):
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
        stream = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
        try:
            for piece in export_lheo(scope, today=timezone.localdate(), report=report):
                stream.write(piece)
        finally:
            if output:
                stream.close()
        self.stderr.write(f"Export LHÉO 2.3 : {report.summary()} ({time.perf_counter() - started:.1f} s)")
