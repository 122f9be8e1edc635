from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from shortlists.alerts import forget_ended, run_alerts


class Command(BaseCommand):
    help = (
        "Envoie les alertes des recherches enregistrées : les sessions qui correspondent nouvellement, chaque jour "
        "ou chaque semaine selon la recherche. Simulation sans --send ; une session n'est annoncée qu'une fois par "
        "recherche, quel que soit le nombre de passages."
    )

    def add_arguments(self, parser):
        parser.add_argument("--send", action="store_true", help="Envoie réellement les courriels.")
        parser.add_argument("--base-url", default=settings.PORTAL_BASE_URL, help="Adresse du portail dans les liens.")

    def handle(self, *args, send, base_url, **options):
        now = timezone.now()
        summary = run_alerts(now=now, send=send, base_url=base_url, write=self.stdout.write)
        if not send:
            self.stdout.write(f"{summary.examined} recherche(s) à examiner (simulation : ajoutez --send).")
            return
        forgotten = forget_ended(today=timezone.localdate(now))
        line = (
            f"{summary.examined} recherche(s) examinée(s), {summary.sent} alerte(s) envoyée(s), "
            f"{summary.sessions} session(s) annoncée(s)"
        )
        if summary.failed:
            line += f" ; {summary.failed} en échec, nouvel essai au prochain passage"
        self.stdout.write(line + f" ; {forgotten} session(s) terminée(s) oubliée(s).")
