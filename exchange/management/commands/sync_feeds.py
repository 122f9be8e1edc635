from django.core.management.base import BaseCommand, CommandError

from core.progress import CommandOutput, add_json_argument
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
        add_json_argument(parser)

    def handle(self, *args, source, commit, timeout, json=False, **options):
        out = CommandOutput(self, json_mode=json)
        feeds = FeedSource.objects.select_related("organism").order_by("name")
        if source:
            feeds = feeds.filter(name=source)
            if not feeds:
                raise CommandError(f"Flux inconnu : {source}.")
        else:
            feeds = feeds.filter(is_active=True)
        statuses, results = [], []
        for feed in feeds:
            run, line = sync_feed(
                feed,
                commit=commit,
                timeout=timeout,
                progress=lambda stage, done, total, name=feed.name: out.progress(f"{name} ({stage})", done, total),
            )
            statuses.append(run.status if run is not None else "preview")
            results.append({"feed": feed.name, "status": statuses[-1], "run": run.pk if run is not None else None})
            out.line(f"{feed.name} : {line}")
        counts = {status: statuses.count(status) for status in set(statuses)}
        data = {"command": "sync_feeds", "commit": commit, "feeds": results, "counts": counts}
        if commit:
            out.summary(
                f"{len(statuses)} flux : {counts.get(ImportRun.Status.WRITTEN, 0)} écrit(s), "
                f"{counts.get(ImportRun.Status.NOT_MODIFIED, 0)} inchangé(s), "
                f"{counts.get(ImportRun.Status.REFUSED, 0)} refusé(s), {counts.get(ImportRun.Status.FAILED, 0)} en échec.",
                data,
            )
        else:
            out.summary(f"{len(statuses)} flux vérifié(s) (simulation, rien n'est écrit ni enregistré).", data)
