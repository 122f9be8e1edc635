"""Forms of candidatures and meetings (French messages beside each field)."""

from django import forms

MESSAGE = forms.Textarea(attrs={"rows": 4, "maxlength": 2000})


class InterestForm(forms.Form):
    """ "Je suis intéressé·e": a short message, an optional phone, and consent to pass them on."""

    contact_name = forms.CharField(label="Vos nom et prénom", max_length=150)
    contact_email = forms.EmailField(label="Votre courriel", help_text="L'organisme vous répond à ce courriel.")
    contact_phone = forms.RegexField(
        label="Votre téléphone",
        regex=r"^\+?[0-9 .-]{10,20}$",
        required=False,
        max_length=20,
        error_messages={"invalid": "Saisissez un numéro de téléphone, par exemple 06 12 34 56 78."},
    )
    message = forms.CharField(
        label="Votre message à l'organisme",
        widget=MESSAGE,
        max_length=2000,
        required=False,
        help_text="Par exemple : votre projet, vos disponibilités, vos questions.",
    )
    consent = forms.BooleanField(
        label="J'accepte que ces informations soient transmises à l'organisme de formation.",
        error_messages={"required": "Cochez cette case : sans votre accord, rien n'est transmis."},
    )

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        if account is not None:  # the account's address, not another one
            del self.fields["contact_email"]


class PrescriptionForm(forms.Form):
    """An adviser sends a candidature for the person a shortlist is for."""

    message = forms.CharField(
        label="Note pour l'organisme",
        widget=MESSAGE,
        max_length=2000,
        required=False,
        help_text="Le projet de la personne, ce qui motive la prescription, les financements envisagés.",
    )
    contact_name = forms.CharField(label="Nom de la personne", max_length=150, required=False)
    contact_email = forms.EmailField(
        label="Courriel de la personne",
        required=False,
        help_text="Facultatif : sans coordonnées, l'organisme vous contacte, vous.",
    )
    contact_phone = forms.RegexField(
        label="Téléphone de la personne",
        regex=r"^\+?[0-9 .-]{10,20}$",
        required=False,
        max_length=20,
        error_messages={"invalid": "Saisissez un numéro de téléphone, par exemple 06 12 34 56 78."},
    )
    consent = forms.BooleanField(
        label="La personne a donné son accord pour que cette candidature et ses coordonnées soient transmises à "
        "l'organisme.",
        error_messages={"required": "Cochez cette case : sans l'accord de la personne, rien n'est transmis."},
    )


class WithdrawForm(forms.Form):
    message = forms.CharField(label="Un mot pour l'organisme", widget=MESSAGE, max_length=2000, required=False)
