from django.conf import settings
from django.core.management.base import BaseCommand

from catalogue.reference_data import load_reference_data


class Command(BaseCommand):
    help = "Charge les départements, communes, arrondissements et codes ROME depuis les paquets installés (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--region", default=settings.PORTAL_REGION_CODE, help="Code INSEE de la région (11 : Île-de-France)."
        )

    def handle(self, *args, region, **options):
        report = load_reference_data(region_code=region)
        self.stdout.write(f"Données de référence : {report.summary()}")
