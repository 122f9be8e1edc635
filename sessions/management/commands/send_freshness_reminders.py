from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from core.progress import CommandOutput, add_json_argument
from sessions.reminders import due_digests, send_digest


class Command(BaseCommand):
    help = (
        "Envoie à chaque organisme un récapitulatif de ses sessions à confirmer (non confirmées depuis "
        f"{settings.SESSION_STALE_AFTER_DAYS} jours, ou qui commencent bientôt), avec un lien de confirmation. "
        "Simulation sans --send ; une session n'est rappelée qu'une fois par période."
    )

    def add_arguments(self, parser):
        parser.add_argument("--send", action="store_true", help="Envoie réellement les courriels.")
        parser.add_argument("--base-url", default=settings.PORTAL_BASE_URL, help="Adresse du portail dans les liens.")
        add_json_argument(parser)

    def handle(self, *args, send, base_url, json=False, **options):
        out = CommandOutput(self, json_mode=json)
        now = timezone.now()
        digests = due_digests(now=now, today=timezone.localdate(now))
        sent, failed = [], []
        for done, digest in enumerate(digests):
            out.progress("Récapitulatifs", done, len(digests))
            out.line(
                f"  {digest.organism.usual_name} : {len(digest.sessions)} session(s)"
                + (f", {len(digest.late_candidatures)} candidature(s) en retard" if digest.late_candidatures else "")
                + f" → {', '.join(digest.recipients)}"
            )
            if not send:
                continue
            # A digest that cannot leave is not recorded (its sessions are in the next run's) and stops no other.
            if send_digest(digest=digest, base_url=base_url, now=now):
                sent.append(digest)
            else:
                failed.append(digest)
                self.stderr.write(
                    f"  {digest.organism.usual_name} : envoi impossible, nouvel essai au prochain passage."
                )
        if not send:
            sessions = sum(len(d.sessions) for d in digests)
            out.summary(
                f"{len(digests)} récapitulatif(s) à envoyer (simulation : ajoutez --send), {sessions} session(s).",
                {"command": "send_freshness_reminders", "send": False, "digests": len(digests), "sessions": sessions},
            )
            return
        summary = f"{len(sent)} récapitulatif(s) envoyés, {sum(len(d.sessions) for d in sent)} session(s)"
        if failed:
            summary += (
                f" ; {len(failed)} en échec ({sum(len(d.sessions) for d in failed)} session(s)), "
                "nouvel essai au prochain passage"
            )
        out.summary(
            summary + ".",
            {
                "command": "send_freshness_reminders",
                "send": True,
                "sent": len(sent),
                "sessions": sum(len(d.sessions) for d in sent),
                "failed": len(failed),
                "failed_sessions": sum(len(d.sessions) for d in failed),
            },
        )
