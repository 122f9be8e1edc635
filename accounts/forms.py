from django import forms


class SignupProfileForm(forms.Form):
    """What allauth's sign-up form asks beyond email and password."""

    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    profile = forms.ChoiceField(
        label="Vous êtes",
        choices=[
            ("jobseeker", "En recherche d'emploi ou de formation"),
            ("adviser", "Conseiller ou conseillère (France Travail, Mission locale, Cap emploi)"),
        ],
        widget=forms.RadioSelect,
        initial="jobseeker",
        help_text="Un compte conseiller est ouvert dès la vérification d'une adresse professionnelle reconnue ; "
        "sinon un agent de la Région examine la demande. Organisme de formation : utilisez l'inscription dédiée.",
    )

    def signup(self, request, user):
        user.first_name = self.cleaned_data["first_name"]
        user.last_name = self.cleaned_data["last_name"]
        user.kind = user.Kind.JOBSEEKER
        user.adviser_requested = self.cleaned_data["profile"] == "adviser"
        user.save()
