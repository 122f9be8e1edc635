from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from core.progress import CommandOutput, add_mailing_arguments
from sessions.reminders import due_digests, queue_digest


class Command(BaseCommand):
    help = (
        "Envoie à chaque organisme un récapitulatif de ses sessions à confirmer (non confirmées depuis "
        f"{settings.SESSION_STALE_AFTER_DAYS} jours, ou qui commencent bientôt), avec un lien de confirmation. "
        "Simulation sans --send ; une session n'est rappelée qu'une fois par période ; chaque récapitulatif est envoyé "
        "par une tâche, réessayé en cas d'échec, et un échec définitif est affiché sur la page des tâches de la Région."
    )

    def add_arguments(self, parser):
        add_mailing_arguments(parser)

    def handle(self, *args, send, base_url, json=False, **options):
        out = CommandOutput(self, json_mode=json)
        now = timezone.now()
        digests = due_digests(now=now, today=timezone.localdate(now))
        queued = []
        for done, digest in enumerate(digests):
            out.progress("Récapitulatifs", done, len(digests))
            out.line(
                f"  {digest.organism.usual_name} : {len(digest.sessions)} session(s)"
                + (f", {len(digest.late_candidatures)} candidature(s) en retard" if digest.late_candidatures else "")
                + f" → {', '.join(digest.recipients)}"
            )
            # Recorded with its sessions as reminded, then sent by a task (retried; a failure is listed for staff on
            # the region's task page): the next run never reminds them again in this period.
            if send and queue_digest(digest=digest, base_url=base_url, now=now):
                queued.append(digest)
        if not send:
            sessions = sum(len(d.sessions) for d in digests)
            out.summary(
                f"{len(digests)} récapitulatif(s) à envoyer (simulation : ajoutez --send), {sessions} session(s).",
                {"command": "send_freshness_reminders", "send": False, "digests": len(digests), "sessions": sessions},
            )
            return
        sessions = sum(len(d.sessions) for d in queued)
        out.summary(
            f"{len(queued)} récapitulatif(s) mis en file d'envoi, {sessions} session(s).",
            {"command": "send_freshness_reminders", "send": True, "queued": len(queued), "sessions": sessions},
        )
