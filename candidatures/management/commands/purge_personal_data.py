from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from candidatures.privacy import anonymise, purge_candidates, retention_limit


class Command(BaseCommand):
    help = (
        "Anonymise les candidatures et les réservations de réunion dont la session (ou la réunion) s'est terminée il "
        f"y a plus de {settings.PERSONAL_DATA_RETENTION_MONTHS} mois : les coordonnées, messages et historiques sont "
        "effacés, les décomptes anonymes de la Région restent. Simulation sans --commit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--commit", action="store_true", help="Anonymise réellement.")

    def handle(self, *args, commit, **options):
        now = timezone.now()
        today = timezone.localdate(now)
        with transaction.atomic():
            candidatures, bookings = purge_candidates(today=today)
            if not commit:
                self.stdout.write(
                    f"{candidatures.count()} candidature(s) et {bookings.count()} réservation(s) antérieures au "
                    f"{retention_limit(today):%d/%m/%Y} à anonymiser (simulation : ajoutez --commit)."
                )
                return
            done, booked = anonymise(candidatures, bookings, now=now)
        self.stdout.write(
            f"{done} candidature(s) et {booked} réservation(s) anonymisées (sessions terminées avant le "
            f"{retention_limit(today):%d/%m/%Y})."
        )
