from django.core.management.base import BaseCommand
from django.utils import timezone

from core.progress import CommandOutput, add_mailing_arguments
from shortlists.alerts import forget_ended, run_alerts


class Command(BaseCommand):
    help = (
        "Envoie les alertes des recherches enregistrées : les sessions qui correspondent nouvellement, chaque jour "
        "ou chaque semaine selon la recherche. Simulation sans --send ; une session n'est annoncée qu'une fois par "
        "recherche, quel que soit le nombre de passages ; chaque alerte est envoyée par une tâche, réessayée en cas "
        "d'échec, et un échec définitif est affiché sur la page des tâches de la Région."
    )

    def add_arguments(self, parser):
        add_mailing_arguments(parser)

    def handle(self, *args, send, base_url, json=False, **options):
        out = CommandOutput(self, json_mode=json)
        now = timezone.now()
        summary = run_alerts(now=now, send=send, base_url=base_url, write=out.line)
        data = {"command": "send_search_alerts", "send": send, "examined": summary.examined}
        if not send:
            out.summary(f"{summary.examined} recherche(s) à examiner (simulation : ajoutez --send).", data)
            return
        forgotten = forget_ended(today=timezone.localdate(now))
        line = (
            f"{summary.examined} recherche(s) examinée(s), {summary.queued} alerte(s) mise(s) en file d'envoi, "
            f"{summary.sessions} session(s) annoncée(s)"
        )
        data |= {"queued": summary.queued, "sessions": summary.sessions, "forgotten": forgotten}
        out.summary(line + f" ; {forgotten} session(s) terminée(s) oubliée(s).", data)
