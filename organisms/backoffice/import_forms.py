"""Upload forms of LHÉO files and spreadsheets (French messages)."""

from django import forms
from django.conf import settings


class LheoUploadForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier LHÉO (XML, version 2.2 ou 2.3)",
        help_text="L'offre de votre organisme : rien n'est écrit avant votre confirmation.",
    )

    def clean_fichier(self):
        upload = self.cleaned_data["fichier"]
        if upload.size > settings.LHEO_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"Fichier trop volumineux : {upload.size / 1e6:.1f} Mo, {settings.LHEO_IMPORT_MAX_BYTES / 1e6:.0f} Mo au plus."
            )
        return upload


class SpreadsheetUploadForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier de sessions (CSV ou XLSX)",
        help_text="Partez du modèle ou de vos sessions actuelles : rien n'est écrit avant votre confirmation.",
    )

    def clean_fichier(self):
        upload = self.cleaned_data["fichier"]
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError("Déposez un fichier .csv ou .xlsx.")
        if upload.size > 5_000_000:
            raise forms.ValidationError("Fichier trop volumineux : 5 Mo au plus.")
        return upload
