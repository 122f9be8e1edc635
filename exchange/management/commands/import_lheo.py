from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exchange.lheo_import import import_lheo


class Command(BaseCommand):
    help = (
        "Importe un flux LHÉO 2.2 ou 2.3 (offre de plusieurs organismes). Simulation sans --commit : le fichier est "
        "vérifié et ce qui changerait est annoncé, rien n'est écrit. Avec --commit, tout est écrit ou rien."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--commit", action="store_true", help="Écrit les changements (sinon simulation).")

    def handle(self, *args, file, commit, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {file}")
        report = import_lheo(path.read_bytes(), commit=commit)
        if not report.schema_checked:
            self.stdout.write(
                "Attention : schéma officiel LHÉO non configuré (LHEO_XSD_PATH), vérifications du portail seules."
            )
        for problem in report.problems:
            self.stdout.write(f"  {problem}")
        self.stdout.write(report.summary())
        if report.problems:
            raise CommandError(f"{len(report.problems)} problème(s) : rien n'est écrit.")
