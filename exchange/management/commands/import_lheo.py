from django.core.management.base import BaseCommand, CommandError

from core.progress import CommandOutput, add_json_argument
from exchange.feeds import run_import
from exchange.lheo_import import FEED_POLICY, Policy
from exchange.models import FeedSource, ImportRun


class Command(BaseCommand):
    help = (
        "Importe un flux LHÉO 2.2 ou 2.3 (offre de plusieurs organismes). Simulation sans --commit : le fichier est "
        "vérifié et ce qui changerait est annoncé, rien n'est écrit. Chaque formation, action et session est vérifiée "
        "à part : les valides sont écrites, les invalides signalées et laissées de côté, sauf si plus de "
        "--max-rejected %% des sessions sont invalides (rien n'est alors écrit). --all-or-nothing : tout ou rien."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--commit", action="store_true", help="Écrit les changements (sinon simulation).")
        parser.add_argument(
            "--max-rejected",
            type=float,
            default=FEED_POLICY.max_rejected_percent,
            metavar="PERCENT",
            help="Part maximale de sessions invalides, en %% (5 par défaut) : au-delà, rien n'est écrit.",
        )
        parser.add_argument(
            "--all-or-nothing", action="store_true", help="Rien n'est écrit au moindre problème (tout ou rien)."
        )
        parser.add_argument(
            "--source",
            metavar="NOM",
            help="Le flux configuré d'où vient le fichier : ses fiches absentes du fichier sont archivées.",
        )
        add_json_argument(parser)

    def handle(self, *args, file, commit, max_rejected, all_or_nothing, source, json=False, **options):
        out = CommandOutput(self, json_mode=json)
        if not 0 <= max_rejected <= 100:
            raise CommandError("--max-rejected est un pourcentage, entre 0 et 100.")
        feed = None
        if source:
            feed = FeedSource.objects.filter(name=source).first()
            if feed is None:
                raise CommandError(f"Flux inconnu : {source} (voir l'administration, « Flux LHÉO »).")
        policy = Policy(all_or_nothing=all_or_nothing, max_rejected_percent=max_rejected)
        try:
            run, report = run_import(
                file,
                feed=feed,
                policy=policy,
                commit=commit,
                trigger=ImportRun.Trigger.COMMAND,
                origin=file,
                progress=lambda stage, done, total: out.progress(f"Sessions ({stage})", done, total),
            )
        except FileNotFoundError as error:
            raise CommandError(f"Fichier introuvable : {file}") from error
        if not report.schema_checked:
            out.line("Attention : schéma officiel LHÉO non configuré (LHEO_XSD_PATH), vérifications du portail seules.")
        for problem in report.problems:
            out.line(f"  {problem}")
        if report.archiving and report.ok:
            out.line(report.archiving)
        out.summary(
            report.summary(),
            {
                "command": "import_lheo",
                "file": file,
                "ok": report.ok,
                "written": report.written,
                "run": run.pk if run is not None else None,
                "sessions_total": report.sessions_total,
                "sessions_rejected": report.sessions_rejected,
                "problems": report.problem_count,
                "counts": {kind: counts.as_dict() for kind, counts in report.counts.items()},
                "refused": report.refused,
            },
        )
        if not report.ok:
            raise CommandError(f"{report.problem_count} problème(s) : rien n'est écrit.")
