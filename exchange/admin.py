from django.contrib import admin

from core.admin import AuditedModelAdmin

from .models import FeedSource, ImportRun


@admin.register(FeedSource)
class FeedSourceAdmin(AuditedModelAdmin):
    list_display = ["name", "label", "location", "organism", "max_rejected_percent", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "label", "url", "path"]
    autocomplete_fields = ["organism"]
    readonly_fields = ["etag", "last_modified"]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "origin", "source", "trigger", "status", "sessions_total", "sessions_rejected"]
    list_filter = ["status", "trigger", "source"]
    date_hierarchy = "started_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
