"""Information meetings an organisation publishes."""

from django import forms

from candidatures.models import InformationMeeting
from core.french import counted


class MeetingForm(forms.ModelForm):
    starts_at = forms.DateTimeField(
        label="Date et heure",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        error_messages={"invalid": "Saisissez une date et une heure, par exemple 2027-03-15 à 09:30."},
    )

    class Meta:
        model = InformationMeeting
        fields = ["starts_at", "duration_minutes", "address", "online_url", "capacity", "details"]
        widgets = {"details": forms.Textarea(attrs={"rows": 3})}

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        taken = self.instance.seats_taken if self.instance.pk else 0
        if capacity is not None and capacity < taken:
            raise forms.ValidationError(
                f"{counted(taken, 'place est déjà réservée', 'places sont déjà réservées')} : "
                "la capacité ne peut être inférieure."
            )
        return capacity
