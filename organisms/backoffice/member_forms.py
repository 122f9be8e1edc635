"""Forms of the members page."""

from django import forms


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Courriel de la personne à inviter")
