from django import forms
from django.contrib import admin

from core.admin import AuditedModelAdmin

from .models import (
    Action,
    ActionAudience,
    ActionFunder,
    ActionLabel,
    Commune,
    Department,
    Formation,
    Programme,
    Region,
    RomeCode,
    SearchSynonym,
    TrainingPlace,
)
from .search.text import simplify
from .services import search_documents_refresh


class SearchDocumentsAdmin(AuditedModelAdmin):
    """An audited admin that also rewrites the search documents of the actions a change touches."""

    def search_action_ids(self, obj) -> list[int] | None:
        """Actions whose search documents depend on this object; None when none do."""
        return None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # ROME codes are saved here
        action_ids = self.search_action_ids(form.instance)
        if action_ids:
            search_documents_refresh(action_ids=action_ids)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region_code"]
    search_fields = ["code", "name"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "postcodes", "department", "kind", "population"]
    list_filter = ["kind", "department__region_code"]
    search_fields = ["name", "code", "postcodes"]
    list_select_related = ["department"]
    autocomplete_fields = ["parent", "department"]
    readonly_fields = ["search_name"]

    def save_model(self, request, obj, form, change):
        obj.search_name = simplify(obj.name)  # what typed places and suggestions are matched against
        super().save_model(request, obj, form, change)


@admin.register(RomeCode)
class RomeCodeAdmin(SearchDocumentsAdmin):
    list_display = ["code", "label"]
    search_fields = ["code", "label"]

    def search_action_ids(self, obj):
        return list(Action.objects.filter(formation__rome_codes=obj).values_list("pk", flat=True))


class FormationAdminForm(forms.ModelForm):
    class Meta:
        model = Formation
        fields = "__all__"  # noqa: DJ007 (the admin lays out its own fieldsets)

    def clean_rome_codes(self):
        codes = self.cleaned_data["rome_codes"]
        if len(codes) > Formation.MAX_ROME_CODES:
            raise forms.ValidationError(
                f"Une formation porte {Formation.MAX_ROME_CODES} codes ROME au plus ({len(codes)} choisis)."
            )
        return codes


@admin.register(Formation)
class FormationAdmin(SearchDocumentsAdmin):
    form = FormationAdminForm
    list_display = ["title", "organism", "is_certifying", "certification_code", "nsf_code", "updated_at"]
    list_filter = ["is_certifying", "entry_level", "exit_level"]
    search_fields = ["title", "organism__usual_name", "organism__siret", "certification_code", "external_id"]
    list_select_related = ["organism"]
    autocomplete_fields = ["organism", "rome_codes"]
    show_full_result_count = False

    def search_action_ids(self, obj):
        return list(obj.actions.values_list("pk", flat=True))


class ActionAudienceInline(admin.TabularInline):
    model = ActionAudience
    extra = 0


class ActionFunderInline(admin.TabularInline):
    model = ActionFunder
    extra = 0


class TrainingPlaceInline(admin.StackedInline):
    model = TrainingPlace
    extra = 0
    autocomplete_fields = ["commune"]


class ActionLabelInline(admin.TabularInline):
    model = ActionLabel
    extra = 0
    fields = ["programme", "state", "valid_from", "valid_until", "decision_reason"]


@admin.register(Action)
class ActionAdmin(SearchDocumentsAdmin):
    list_display = [
        "formation",
        "organism_name",
        "public_id",
        "teaching_mode",
        "axis",
        "is_published",
        "free_for_jobseekers",
    ]
    list_filter = ["is_published", "axis", "teaching_mode", "free_for_jobseekers", "disabled_access"]
    search_fields = ["public_id", "external_id", "formation__title", "formation__organism__usual_name"]
    list_select_related = ["formation__organism"]
    autocomplete_fields = ["formation"]
    readonly_fields = ["public_id"]
    inlines = [ActionAudienceInline, ActionFunderInline, TrainingPlaceInline, ActionLabelInline]
    show_full_result_count = False

    def search_action_ids(self, obj):
        return [obj.pk]

    @admin.display(description="organisme", ordering="formation__organism__usual_name")
    def organism_name(self, obj):
        return obj.formation.organism.usual_name


@admin.register(TrainingPlace)
class TrainingPlaceAdmin(SearchDocumentsAdmin):
    list_display = ["__str__", "commune", "action"]
    search_fields = ["name", "street", "postcode", "commune__name", "action__public_id"]
    list_select_related = ["commune", "action__formation"]
    autocomplete_fields = ["action", "commune"]
    show_full_result_count = False


@admin.register(Programme)
class ProgrammeAdmin(AuditedModelAdmin):
    list_display = ["name", "is_national", "valid_from", "valid_until"]
    list_filter = ["is_national"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(ActionLabel)
class ActionLabelAdmin(AuditedModelAdmin):
    list_display = ["action", "programme", "state", "valid_from", "valid_until", "decided_at"]
    list_filter = ["programme", "state"]
    search_fields = ["action__public_id", "action__formation__title", "action__formation__organism__usual_name"]
    list_select_related = ["action__formation", "programme"]
    autocomplete_fields = ["action", "decided_by"]


@admin.register(SearchSynonym)
class SearchSynonymAdmin(AuditedModelAdmin):
    """The synonyms of the public search, edited by the Region's administrators (group « Région : administration »);
    a change reaches every web process within `SEARCH_SYNONYMS_SECONDS` (catalogue.search.text)."""

    list_display = ["word", "equivalents", "updated_at"]
    search_fields = ["word", "equivalents"]
