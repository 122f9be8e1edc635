"""Forms of an organisation's offer: formations, actions, training places and label requests (French messages)."""

import re

from django import forms

from catalogue.choices import Audience, Axis, Funder, TeachingMode, level_menu
from catalogue.forms import resolve_commune
from catalogue.models import Action, Formation, Programme, RomeCode, TrainingPlace
from core.french import counted

ROME_CODE = re.compile(r"^[A-N][0-9]{4}$")


class FormationForm(forms.ModelForm):
    rome = forms.CharField(
        label="Codes ROME des métiers visés",
        required=False,
        help_text="5 codes au plus, séparés par des espaces, par exemple M1855 M1805.",
    )

    class Meta:
        model = Formation
        fields = list(Formation.EDITABLE_FIELDS)
        widgets = {"objectives": forms.Textarea(attrs={"rows": 4}), "content": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["rome"] = " ".join(self.instance.rome_codes.values_list("code", flat=True))
        self.fields["expected_results"].widget.attrs["rows"] = 3
        for name in ("entry_level", "exit_level"):
            self.fields[name].choices = level_menu()  # current European levels first, the former ones apart

    def clean_rome(self):
        codes = [code.upper() for code in re.split(r"[\s,;]+", self.cleaned_data["rome"]) if code]
        wrong = [code for code in codes if not ROME_CODE.match(code)]
        if wrong:
            raise forms.ValidationError(f"Code ROME mal formé : {', '.join(wrong)} (une lettre et 4 chiffres).")
        if len(set(codes)) > Formation.MAX_ROME_CODES:
            raise forms.ValidationError(f"{Formation.MAX_ROME_CODES} codes ROME au plus ({len(set(codes))} saisis).")
        found = {code.code: code for code in RomeCode.objects.filter(code__in=codes)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise forms.ValidationError(f"Code ROME inconnu : {', '.join(unknown)}.")
        return [found[code] for code in dict.fromkeys(codes)]

    def clean(self):
        cleaned = super().clean()
        code = cleaned.get("certification_code", "")
        if code and not cleaned.get("is_certifying"):
            self.add_error("certification_code", "Seule une formation certifiante porte un code RNCP ou RS.")
        elif code and not re.match(r"^(RNCP|RS)[0-9]{1,8}$", code):
            self.add_error(
                "certification_code", "Le code commence par RNCP ou RS suivi de chiffres, par exemple RNCP37674."
            )
        return cleaned


class ActionForm(forms.ModelForm):
    audiences = forms.MultipleChoiceField(
        label="Publics visés", choices=Audience.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    funders = forms.MultipleChoiceField(
        label="Financeurs", choices=Funder.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Action
        fields = [
            "teaching_mode",
            "axis",
            "remote_kind",
            "english_sector",
            "entry_requirements",
            "hours_centre",
            "hours_company",
            "hours_total",
            "price",
            "free_for_jobseekers",
            "cpf_eligible",
            "pay",
            "disabled_access",
            "accessibility_details",
            "trainer_siret",
        ]
        widgets = {
            "entry_requirements": forms.Textarea(attrs={"rows": 3}),
            "accessibility_details": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["audiences"] = list(self.instance.audiences.values_list("code", flat=True))
            self.initial["funders"] = list(self.instance.funders.values_list("code", flat=True))
        self.fields["axis"].choices = [("", "Aucun axe du programme"), *Axis.choices]

    def clean(self):
        cleaned = super().clean()
        axis, mode = cleaned.get("axis", ""), cleaned.get("teaching_mode")
        if axis == Axis.BLENDED and mode != TeachingMode.BLENDED:
            self.add_error("axis", "L'axe « formation hybride » suppose une modalité mixte (présentiel et distance).")
        if axis in (Axis.REMOTE, Axis.PRO_ENGLISH) and mode != TeachingMode.REMOTE:
            self.add_error("axis", "Les axes « 100 % à distance » supposent une formation entièrement à distance.")
        if axis == Axis.REMOTE and not cleaned.get("remote_kind"):
            self.add_error("remote_kind", "Précisez le type de formation à distance : SPOC ou synchrone.")
        if axis != Axis.REMOTE:
            cleaned["remote_kind"] = ""
        if axis == Axis.PRO_ENGLISH and not cleaned.get("english_sector"):
            self.add_error("english_sector", "Précisez le secteur visé par l'anglais professionnel.")
        if axis != Axis.PRO_ENGLISH:
            cleaned["english_sector"] = ""
        total = cleaned.get("hours_total")
        for part in ("hours_centre", "hours_company"):
            if total is not None and cleaned.get(part) is not None and cleaned[part] > total:
                self.add_error(part, f"Ne peut dépasser la durée totale ({counted(total, 'heure', 'heures')}).")
        if cleaned.get("price") is not None and cleaned["price"] < 0:
            self.add_error("price", "Le prix ne peut pas être négatif.")
        return cleaned

    def _post_clean(self):
        self.instance.remote_kind = self.cleaned_data.get("remote_kind", "")
        self.instance.english_sector = self.cleaned_data.get("english_sector", "")
        super()._post_clean()


class TrainingPlaceForm(forms.ModelForm):
    commune_name = forms.CharField(label="Commune", max_length=100)

    class Meta:
        model = TrainingPlace
        fields = ["name", "street", "postcode"]

    def clean(self):
        cleaned = super().clean()
        postcode, name = cleaned.get("postcode", ""), cleaned.get("commune_name", "")
        if postcode and name:
            choice = resolve_commune(f"{name} ({postcode})")
            if choice.commune is None:
                choice = resolve_commune(postcode)
            if choice.commune is None or postcode not in choice.commune.postcode_list:
                self.add_error("commune_name", "Cette commune ne correspond pas au code postal saisi.")
            else:
                self.instance.commune = choice.commune
                # Without a geocoder, the place is put at its commune's centre.
                self.instance.latitude, self.instance.longitude = choice.commune.latitude, choice.commune.longitude
        return cleaned


class LabelRequestForm(forms.Form):
    programme = forms.ModelChoiceField(
        label="Programme", queryset=Programme.objects.order_by("name"), to_field_name="slug"
    )
    justification = forms.CharField(
        label="Pourquoi cette action relève du programme",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Quelques lignes : axe, publics visés, gratuité, accompagnement.",
    )
