"""Forms of region staff and of organisations' label requests and results (French messages)."""

from django import forms

from catalogue.choices import Audience, Axis
from catalogue.decisions import (
    CHECKS_MISSING,
    LABEL_TRANSITIONS,
    REQUEST_ANSWERS,
    LabelDecision,
    label_decisions,
    missing_required_checks,
)
from catalogue.models import ActionLabel, Department, Programme
from catalogue.places import home_departments
from core.dates import DateField
from organisms.decisions import ORGANISM_TRANSITIONS, REASON_MISSING, organism_decisions

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DashboardFilterForm(forms.Form):
    programme = forms.ModelChoiceField(
        label="Programme",
        queryset=Programme.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="Tous les programmes",
    )
    departement = forms.ModelChoiceField(
        label="Département",
        queryset=Department.objects.none(),  # the home region's, set in __init__
        to_field_name="code",
        required=False,
        empty_label="Tous les départements",
    )
    debut = DateField(label="Sessions commençant à partir du", required=False, widget=DATE)
    fin = DateField(label="jusqu'au", required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departement"].queryset = home_departments()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("debut") and cleaned.get("fin") and cleaned["fin"] < cleaned["debut"]:
            self.add_error("fin", "La fin de la période doit suivre son début.")
        return cleaned


class OrganismDecisionForm(forms.Form):
    """The decisions the organisation's state allows (organisms.decisions)."""

    decision = forms.ChoiceField(label="Décision")
    reason = forms.CharField(
        label="Motif",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire pour un refus ou une suspension ; il est envoyé à l'organisme.",
    )

    def __init__(self, *args, organism, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [
            (decision.value, decision.label) for decision in organism_decisions(organism.approval_state)
        ]

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision and ORGANISM_TRANSITIONS[decision].reason_required and not cleaned.get("reason", "").strip():
            self.add_error("reason", REASON_MISSING)
        return cleaned


class ProgrammeForm(forms.ModelForm):
    axes = forms.MultipleChoiceField(
        label="Axes", choices=Axis.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    checklist_text = forms.CharField(
        label="Critères d'éligibilité",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=(
            "Un critère par ligne ; les agents les cochent en décidant d'un label. Commencez la ligne par « * » "
            "pour un critère obligatoire : le label ne peut être accordé sans lui."
        ),
    )
    priority_audiences = forms.MultipleChoiceField(
        label="Publics prioritaires", choices=Audience.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Programme
        fields = ["name", "slug", "description", "is_national", "min_priority_share", "valid_from", "valid_until"]
        widgets = {"valid_from": DATE, "valid_until": DATE, "description": forms.Textarea(attrs={"rows": 4})}

    field_order = [
        "name",
        "slug",
        "description",
        "is_national",
        "axes",
        "checklist_text",
        "priority_audiences",
        "min_priority_share",
        "valid_from",
        "valid_until",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            required = set(self.instance.required_checks)
            self.initial["checklist_text"] = "\n".join(
                f"* {item}" if item in required else item for item in self.instance.checklist
            )
            self.initial["axes"] = self.instance.axes
            self.initial["priority_audiences"] = self.instance.priority_audiences
        self.fields["slug"].help_text = "Identifiant dans les adresses, par exemple deuxieme-chance-numerique-idf."

    def clean_min_priority_share(self):
        share = self.cleaned_data["min_priority_share"]
        if share is not None and share > 100:
            raise forms.ValidationError("Une part est comprise entre 0 et 100 %.")
        return share

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("valid_from") and cleaned.get("valid_until") and cleaned["valid_until"] < cleaned["valid_from"]:
            self.add_error("valid_until", "La fin de validité doit suivre le début.")
        return cleaned

    def programme_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["axes"] = self.cleaned_data["axes"]
        data["priority_audiences"] = self.cleaned_data["priority_audiences"]
        lines = [line.strip() for line in self.cleaned_data["checklist_text"].splitlines() if line.strip()]
        items = [(line.removeprefix("*").strip(), line.startswith("*")) for line in lines]
        data["checklist"] = [text for text, _ in items if text]
        data["required_checks"] = [text for text, required in items if text and required]
        return data


def checklist_choices(programme, *, prefix: str = "", named: bool = False) -> list[tuple[str, str]]:
    required = set(programme.required_checks)
    return [
        (
            f"{prefix}{item}",
            (f"{programme.name} : " if named else "") + item + (" (obligatoire)" if item in required else ""),
        )
        for item in programme.checklist
    ]


class LabelDecisionForm(forms.Form):
    """Staff's answer to a label request (catalogue.decisions): no decision chosen in advance; no grant for an
    organisation not approved, nor without the programme's required criteria."""

    decision = forms.ChoiceField(
        label="Décision",
        choices=[(decision.value, decision.label) for decision in REQUEST_ANSWERS],
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez une décision."},
    )
    checks = forms.MultipleChoiceField(label="Critères vérifiés", required=False, widget=forms.CheckboxSelectMultiple)
    valid_from = DateField(label="Label valable à partir du", required=False, widget=DATE)
    valid_until = DateField(label="jusqu'au", required=False, widget=DATE)
    reason = forms.CharField(
        label="Motif", required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="Obligatoire pour un refus."
    )

    def __init__(self, *args, programme, organism_state: str = "approved", **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme
        offered = label_decisions(decisions=REQUEST_ANSWERS, organism_state=organism_state)
        self.fields["decision"].choices = [(decision.value, decision.label) for decision in offered]
        self.fields["checks"].choices = checklist_choices(programme)
        if programme.required_checks:
            self.fields["checks"].help_text = "Les critères obligatoires doivent tous être cochés pour labelliser."

    def clean(self):
        cleaned = super().clean()
        transition = LABEL_TRANSITIONS.get(cleaned.get("decision"))
        if transition is None:
            return cleaned
        if transition.grants and (
            missing := missing_required_checks(
                required=self.programme.required_checks, ticked=cleaned.get("checks", [])
            )
        ):
            self.add_error("checks", CHECKS_MISSING.format(missing=", ".join(f"« {item} »" for item in missing)))
        if transition.target == ActionLabel.State.GRANTED:
            if not cleaned.get("valid_from"):
                self.add_error("valid_from", "Indiquez le début de validité du label.")
            elif cleaned.get("valid_until") and cleaned["valid_until"] < cleaned["valid_from"]:
                self.add_error("valid_until", "La fin de validité doit suivre le début.")
        if transition.reason_required and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Indiquez le motif du refus : il est communiqué à l'organisme.")
        return cleaned


class DirectLabelForm(forms.Form):
    programme = forms.ModelChoiceField(
        label="Programme", queryset=Programme.objects.order_by("name"), to_field_name="slug"
    )
    checks = forms.MultipleChoiceField(
        label="Critères vérifiés",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Ceux du programme choisi ; ses critères obligatoires doivent tous être cochés.",
    )
    valid_from = DateField(label="Label valable à partir du", widget=DATE)
    valid_until = DateField(label="jusqu'au", required=False, widget=DATE)
    reason = forms.CharField(
        label="Motif",
        required=LABEL_TRANSITIONS[LabelDecision.LABEL_DIRECTLY].reason_required,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    field_order = ["programme", "checks", "valid_from", "valid_until", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        programmes = self.fields["programme"].queryset
        self.fields["checks"].choices = lambda: [  # read when shown or checked, not on creation
            choice
            for programme in programmes
            for choice in checklist_choices(programme, prefix=f"{programme.slug}:", named=True)
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("valid_from") and cleaned.get("valid_until") and cleaned["valid_until"] < cleaned["valid_from"]:
            self.add_error("valid_until", "La fin de validité doit suivre le début.")
        if programme := cleaned.get("programme"):
            prefix = f"{programme.slug}:"
            cleaned["checks"] = [v.removeprefix(prefix) for v in cleaned.get("checks", []) if v.startswith(prefix)]
            if missing := missing_required_checks(required=programme.required_checks, ticked=cleaned["checks"]):
                self.add_error("checks", CHECKS_MISSING.format(missing=", ".join(f"« {item} »" for item in missing)))
        return cleaned


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Motif du retrait",
        required=LABEL_TRANSITIONS[LabelDecision.WITHDRAW].reason_required,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
