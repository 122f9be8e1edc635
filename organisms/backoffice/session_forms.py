"""Forms of an organisation's back office for sessions (French messages next to each field)."""

from django import forms
from django.utils import timezone

from core.dates import DateField
from sessions.models import ENDED_NOT_PUBLISHED, SessionOutcome, TrainingSession, session_errors
from sessions.services import BULK_OPERATIONS
from sessions.state import may_be_published

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FIELDS = ("start_date", "end_date", "registration_opens", "registration_closes")


class TrainingSessionForm(forms.ModelForm):
    class Meta:
        model = TrainingSession
        fields = list(TrainingSession.EDITABLE_FIELDS)
        widgets = dict.fromkeys(DATE_FIELDS, DATE)
        field_classes = dict.fromkeys(DATE_FIELDS, DateField)

    def __init__(self, *args, action, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.action = action
        self.fields["place"].queryset = action.training_places.select_related("commune")
        self.fields["place"].empty_label = "Aucun (session à distance)"
        # The one publication control of a session. An ended session that is not published is not offered it.
        self.today = timezone.localdate()
        published = self.fields["is_published"]
        published.label = "Publier cette session (visible dans la recherche)"
        if (
            self.instance.pk
            and not self.instance.is_published
            and not may_be_published(end_date=self.instance.end_date, today=self.today)
        ):
            published.disabled = True
            published.help_text = "Cette session est terminée : elle ne peut plus être publiée."

    def clean(self):
        """The session's rules are the model's (TrainingSession.clean), shared with the spreadsheet and LHÉO
        imports; the form clears the place of a remote session and refuses to publish an ended session (one
        already published may still be edited, or withdrawn)."""
        cleaned = super().clean()
        if cleaned.get("is_remote"):
            cleaned["place"] = None
        newly_published = cleaned.get("is_published") and not (self.instance.pk and self.instance.is_published)
        if newly_published and not may_be_published(end_date=cleaned.get("end_date"), today=self.today):
            self.add_error("is_published", ENDED_NOT_PUBLISHED)
        return cleaned

    def _post_clean(self):
        if self.cleaned_data.get("is_remote"):
            self.instance.place = None
        super()._post_clean()


class DuplicateSessionForm(forms.Form):
    start_date = DateField(label="Nouvelle date de début", widget=DATE)
    end_date = DateField(label="Nouvelle date de fin", widget=DATE, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start_date"):
            for name, message in session_errors(
                start_date=cleaned["start_date"], end_date=cleaned.get("end_date")
            ).items():
                self.add_error(name, message)
        return cleaned


class BulkSessionsForm(forms.Form):
    operation = forms.ChoiceField(
        label="Pour les sessions cochées", choices=[(key, label) for key, (label, _) in BULK_OPERATIONS.items()]
    )
    sessions = forms.MultipleChoiceField(label="Sessions", widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sessions"].choices = [(s.public_id, s.public_id) for s in sessions]
        self.fields["sessions"].error_messages["required"] = "Cochez au moins une session."


class OutcomeForm(forms.ModelForm):
    class Meta:
        model = SessionOutcome
        fields = [
            "enrolled",
            "women",
            "under_26",
            "qpv",
            "disabled",
            "jobseekers",
            "priority_public",
            "completed",
            "exit_job",
            "exit_training",
            "exit_business",
        ]

    def clean(self):
        cleaned = super().clean()
        enrolled = cleaned.get("enrolled")
        if enrolled is None:
            return cleaned
        for name in ("women", "under_26", "qpv", "disabled", "jobseekers", "priority_public", "completed"):
            if cleaned.get(name) is not None and cleaned[name] > enrolled:
                self.add_error(name, f"Ne peut dépasser le nombre de stagiaires entrés ({enrolled}).")
        exits = sum(cleaned.get(name) or 0 for name in ("exit_job", "exit_training", "exit_business"))
        if exits > enrolled:
            self.add_error(
                "exit_job", f"Les sorties positives ({exits}) ne peuvent dépasser les stagiaires entrés ({enrolled})."
            )
        return cleaned
