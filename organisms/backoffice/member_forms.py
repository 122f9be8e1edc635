"""Forms of the members page."""

from django import forms


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Adresse électronique de la personne à inviter")
