"""Places for all of France (regions, the simplified name of communes, their former codes), feed sources of actions,
web pages and contacts read from LHÉO, every LHÉO funder code."""

import re
import unicodedata

from django.db import migrations, models


def simplify(name: str) -> str:
    """catalogue.search.text.simplify as of this migration (a migration keeps its own copy)."""
    decomposed = unicodedata.normalize(
        "NFKD", name.translate(str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"}))
    )
    folded = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    return " ".join(re.split(r"[\s'\u2019-]+", folded)).strip()


def fill_search_names(apps, schema_editor):
    Commune = apps.get_model("catalogue", "Commune")
    communes = list(Commune.objects.only("id", "name"))
    for commune in communes:
        commune.search_name = simplify(commune.name)
    Commune.objects.bulk_update(communes, ["search_name"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0006_auditentry_moves_to_core"),
    ]

    operations = [
        migrations.CreateModel(
            name="Region",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.CharField(max_length=2, unique=True, verbose_name="code")),
                ("name", models.CharField(max_length=100, verbose_name="nom")),
            ],
            options={
                "verbose_name": "région",
                "verbose_name_plural": "régions",
                "ordering": ["code"],
            },
        ),
        migrations.AddField(
            model_name="action",
            name="source",
            field=models.CharField(
                blank=True,
                help_text="Nom du flux qui a créé l'action ; vide pour une saisie ou un dépôt de l'organisme.",
                max_length=50,
                verbose_name="flux d'origine",
            ),
        ),
        migrations.AddField(
            model_name="action",
            name="website",
            field=models.URLField(blank=True, max_length=400, verbose_name="page web de l'action"),
        ),
        migrations.AddField(
            model_name="commune",
            name="former_codes",
            field=models.CharField(
                blank=True,
                help_text="Communes déléguées ou associées, que des flux anciens citent encore. Séparés par des espaces.",
                max_length=400,
                verbose_name="anciens codes INSEE",
            ),
        ),
        migrations.AddField(
            model_name="commune",
            name="search_name",
            field=models.CharField(
                default="", editable=False, max_length=100, verbose_name="nom simplifié (recherche)"
            ),
        ),
        migrations.AddField(
            model_name="formation",
            name="contact_email",
            field=models.EmailField(blank=True, max_length=160, verbose_name="courriel du contact"),
        ),
        migrations.AddField(
            model_name="formation",
            name="contact_name",
            field=models.CharField(
                blank=True,
                help_text="Vide : le contact de l'organisme.",
                max_length=100,
                verbose_name="contact pour cette formation",
            ),
        ),
        migrations.AddField(
            model_name="formation",
            name="contact_phone",
            field=models.CharField(blank=True, max_length=25, verbose_name="téléphone du contact"),
        ),
        migrations.AddField(
            model_name="formation",
            name="website",
            field=models.URLField(blank=True, max_length=400, verbose_name="page web de la formation"),
        ),
        migrations.AlterField(
            model_name="actionfunder",
            name="code",
            field=models.CharField(
                choices=[
                    ("0", "Autre"),
                    ("2", "Conseil régional"),
                    ("3", "Fonds européens (FSE)"),
                    ("4", "France Travail (ex Pôle emploi)"),
                    ("5", "Entreprise"),
                    ("6", "ACSÉ (anciennement FASILD)"),
                    ("7", "Agefiph"),
                    ("8", "Conseil départemental"),
                    ("9", "Commune"),
                    ("10", "Le stagiaire (financement personnel)"),
                    ("11", "État : ministère chargé de l'emploi"),
                    ("12", "État : ministère de l'éducation nationale"),
                    ("13", "État : autre"),
                    ("14", "Fonds européens : autre"),
                    ("15", "Collectivité territoriale : autre"),
                    ("16", "OPCO"),
                    ("17", "Transitions Pro"),
                    ("18", "LADOM (Agence de l'outre-mer pour la mobilité)"),
                    ("19", "État : ministère de l'intérieur"),
                    ("20", "OFII (Office français de l'immigration et de l'intégration)"),
                ],
                max_length=3,
                verbose_name="financeur",
            ),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                condition=models.Q(("source", ""), _negated=True), fields=["source"], name="action_source_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="commune",
            index=models.Index(
                fields=["search_name"], name="commune_search_name_idx", opclasses=["varchar_pattern_ops"]
            ),
        ),
        migrations.RunPython(fill_search_names, migrations.RunPython.noop),
    ]
