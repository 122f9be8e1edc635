from django.core.management.base import BaseCommand, CommandError

from catalogue.reference_data import load_reference_data


class Command(BaseCommand):
    help = (
        "Charge les régions, départements, communes et arrondissements de toute la France, puis les codes ROME, "
        "depuis les paquets installés (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--region",
            action="append",
            dest="regions",
            metavar="CODE",
            help="Seulement cette région (code INSEE, par exemple 11) ; répétable. Par défaut : toute la France.",
        )

    def handle(self, *args, regions, **options):
        try:
            report = load_reference_data(regions=regions)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Données de référence : {report.summary()}")
