"""Organisation sign-up and invitations (French messages)."""

import re

from allauth.account.models import EmailAddress
from django import forms
from django.contrib.auth import password_validation

from accounts.models import User
from catalogue.forms import resolve_commune

from .models import Organism
from .validators import validate_siret


class PasswordFields(forms.Form):
    password1 = forms.CharField(
        label="Mot de passe", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="Mot de passe (confirmation)", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_password2(self):
        first, second = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if first and second and first != second:
            raise forms.ValidationError("Les deux mots de passe ne sont pas identiques.")
        if second:
            password_validation.validate_password(second, User(email=self.cleaned_data.get("email", "")))
        return second


class OrganismSignupForm(PasswordFields):
    siret = forms.CharField(label="SIRET", max_length=17, help_text="14 chiffres, espaces acceptés.")
    nda = forms.CharField(
        label="Numéro de déclaration d'activité (NDA)",
        max_length=11,
        help_text="11 caractères, par exemple 11755555575.",
    )
    usual_name = forms.CharField(label="Nom d'usage de l'organisme", max_length=200)
    legal_name = forms.CharField(label="Raison sociale", max_length=200)
    street = forms.CharField(label="Adresse", max_length=250)
    postcode = forms.RegexField(
        label="Code postal", regex=r"^[0-9]{5}$", error_messages={"invalid": "Le code postal comporte 5 chiffres."}
    )
    commune_name = forms.CharField(label="Commune", max_length=100)
    phone = forms.CharField(label="Téléphone de l'organisme", max_length=20, required=False)
    contact_email = forms.EmailField(label="Courriel de contact de l'organisme", required=False)
    website = forms.URLField(label="Site web", required=False, assume_scheme="https")
    first_name = forms.CharField(label="Votre prénom", max_length=150)
    last_name = forms.CharField(label="Votre nom", max_length=150)
    email = forms.EmailField(
        label="Votre courriel",
        help_text="Elle sert à vous connecter ; un lien de vérification y est envoyé.",
    )
    field_order = [
        "siret",
        "nda",
        "usual_name",
        "legal_name",
        "street",
        "postcode",
        "commune_name",
        "phone",
        "contact_email",
        "website",
        "first_name",
        "last_name",
        "email",
        "password1",
        "password2",
    ]

    def clean_siret(self):
        siret = "".join(self.cleaned_data["siret"].split())
        validate_siret(siret)
        if Organism.objects.filter(siret=siret).exists():
            raise forms.ValidationError(
                "Un organisme est déjà inscrit avec ce SIRET : demandez à son administrateur de vous inviter."
            )
        return siret

    def clean_nda(self):
        nda = self.cleaned_data["nda"].strip().upper()

        if not re.match(r"^[0-9]{2}[0-9AB]{2}[0-9]{7}$", nda):
            raise forms.ValidationError("Le NDA comporte 11 caractères : chiffres, et A ou B pour la Corse.")
        return nda

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if (
            User.objects.filter(email__iexact=email).exists()
            or EmailAddress.objects.filter(email__iexact=email).exists()
        ):
            raise forms.ValidationError("Un compte existe déjà avec cette adresse : connectez-vous d'abord.")
        return email

    def clean(self):
        cleaned = super().clean()
        postcode, name = cleaned.get("postcode"), cleaned.get("commune_name")
        if postcode and name:
            commune = resolve_commune(f"{name} ({postcode})").commune
            if commune is None or postcode not in commune.postcode_list:
                self.add_error("commune_name", "Cette commune ne correspond pas au code postal saisi.")
            self.commune = commune
        return cleaned


class AcceptInvitationForm(PasswordFields):
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    field_order = ["first_name", "last_name", "password1", "password2"]
