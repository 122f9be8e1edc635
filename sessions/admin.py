from django.contrib import admin

from core.admin import AuditedModelAdmin

from .models import TrainingSession


@admin.register(TrainingSession)
class TrainingSessionAdmin(AuditedModelAdmin):
    list_display = [
        "action",
        "start_date",
        "end_date",
        "recruitment_state",
        "places_left",
        "capacity",
        "is_remote",
        "is_published",
        "confirmed_at",
    ]
    list_filter = ["is_published", "recruitment_state", "is_remote", "rolling_entry"]
    search_fields = ["action__public_id", "action__formation__title", "action__formation__organism__usual_name"]
    list_select_related = ["action__formation"]
    autocomplete_fields = ["action", "place"]
    date_hierarchy = "start_date"
    show_full_result_count = False
