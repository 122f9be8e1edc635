from django.core.management.base import BaseCommand, CommandError

from exchange.feeds import sync_feed
from exchange.models import FeedSource, ImportRun


class Command(BaseCommand):
    help = (
        "Synchronise les flux LHÉO configurés (administration, « Flux LHÉO ») : chaque flux est relu (HTTP avec "
        "If-None-Match et If-Modified-Since : un flux inchangé coûte une requête), importé fiche par fiche et "
        "l'import enregistré. Simulation sans --commit. À lancer chaque nuit depuis cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", metavar="NOM", help="Ce flux seulement (par défaut : tous les flux actifs).")
        parser.add_argument("--commit", action="store_true", help="Importe et enregistre (sinon simulation).")
        parser.add_argument("--timeout", type=float, default=60, help="Délai d'attente du serveur, en secondes.")

    def handle(self, *args, source, commit, timeout, **options):
        feeds = FeedSource.objects.select_related("organism").order_by("name")
        if source:
            feeds = feeds.filter(name=source)
            if not feeds:
                raise CommandError(f"Flux inconnu : {source}.")
        else:
            feeds = feeds.filter(is_active=True)
        statuses = []
        for feed in feeds:
            run, line = sync_feed(feed, commit=commit, timeout=timeout)
            statuses.append(run.status if run is not None else "preview")
            self.stdout.write(f"{feed.name} : {line}")
        counts = {status: statuses.count(status) for status in set(statuses)}
        if commit:
            self.stdout.write(
                f"{len(statuses)} flux : {counts.get(ImportRun.Status.WRITTEN, 0)} écrit(s), "
                f"{counts.get(ImportRun.Status.NOT_MODIFIED, 0)} inchangé(s), "
                f"{counts.get(ImportRun.Status.REFUSED, 0)} refusé(s), {counts.get(ImportRun.Status.FAILED, 0)} en échec."
            )
        else:
            self.stdout.write(f"{len(statuses)} flux vérifié(s) (simulation, rien n'est écrit ni enregistré).")
