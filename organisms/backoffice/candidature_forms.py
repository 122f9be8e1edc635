"""The organisation's answer to a candidature (French messages beside each field)."""

from django import forms

from candidatures.forms import MESSAGE
from candidatures.models import Candidature, InformationMeeting
from candidatures.states import MESSAGE_REQUIRED, answers_from


class AnswerForm(forms.Form):
    state = forms.ChoiceField(label="Réponse", widget=forms.RadioSelect)
    message = forms.CharField(
        label="Message à la personne",
        widget=MESSAGE,
        max_length=2000,
        required=False,
        help_text="Obligatoire pour un refus. Transmis par courriel à la personne et à son conseiller.",
    )
    meeting = forms.ModelChoiceField(
        label="Réunion d'information proposée",
        queryset=InformationMeeting.objects.none(),
        required=False,
        empty_label="Aucune en particulier",
    )
    take_place = forms.TypedChoiceField(
        label="Si vous acceptez : places restantes de la session",
        choices=[("1", "Retirer une place"), ("0", "Ne pas changer")],
        coerce=lambda v: v == "1",
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, candidature: Candidature, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidature = candidature
        self.fields["state"].choices = [(s, Candidature.State(s).label) for s in answers_from(candidature.state)]
        self.fields["meeting"].queryset = meetings
        left = candidature.session.places_left
        if left:
            self.fields["take_place"].choices = [
                ("1", f"Retirer une place ({left} → {left - 1})"),
                ("0", f"Ne pas changer ({left})"),
            ]
        else:
            del self.fields["take_place"]

    def clean(self):
        cleaned = super().clean()
        state = cleaned.get("state")
        if state in MESSAGE_REQUIRED and not cleaned.get("message", "").strip():
            self.add_error("message", "Indiquez le motif : il est transmis à la personne.")
        if (
            state == Candidature.State.ACCEPTED
            and "take_place" in self.fields
            and cleaned.get("take_place") in (None, "")
        ):
            self.add_error("take_place", "Dites si cette acceptation retire une place restante.")
        return cleaned
