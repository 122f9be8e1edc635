from django.core.management.base import BaseCommand

from core.mail import BUSY, attempt, due_deliveries, forget_old_deliveries
from core.models import EmailDelivery
from core.progress import CommandOutput, add_json_argument


class Command(BaseCommand):
    help = (
        "Envoie les courriels dont un nouvel essai est dû et ceux dont la tâche s'est perdue (filet de sécurité de la "
        "file des tâches : à lancer par cron, toutes les 10 minutes par exemple), puis oublie les courriels envoyés "
        "depuis 30 jours et les échecs de plus de 90 jours (leurs destinataires sont des données personnelles). "
        "Une ligne de résumé."
    )

    def add_arguments(self, parser):
        add_json_argument(parser)

    def handle(self, *args, json=False, **options):
        out = CommandOutput(self, json_mode=json)
        outcomes = dict.fromkeys([*EmailDelivery.Status.values, BUSY], 0)
        for delivery in due_deliveries().iterator():
            outcomes[attempt(delivery)] += 1
        forgotten = forget_old_deliveries()
        out.summary(
            f"Courriels : {outcomes['sent']} envoyé(s), {outcomes['retrying']} à réessayer, "
            f"{outcomes['failed']} en échec définitif.",
            {"command": "send_pending_emails", **outcomes, "forgotten": forgotten},
        )
