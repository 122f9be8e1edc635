from django.contrib import admin

from .audit import audit_record, audited_save, diff, organism_of, snapshot, stored_snapshot
from .models import AuditEntry


class AuditedModelAdmin(admin.ModelAdmin):
    """Records every creation, change and deletion made in the admin in the audit trail."""

    def save_model(self, request, obj, form, change):
        # The admin's form has validated the object already; audited_save validates again, as every path does.
        audited_save(obj, by=request.user, before=stored_snapshot(obj) if change else {})

    def delete_model(self, request, obj):
        audit_record(
            actor=request.user,
            verb=AuditEntry.Verb.DELETE,
            obj=obj,
            organism=organism_of(obj),
            changes=diff(snapshot(obj), {}),
        )
        super().delete_model(request, obj)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_label", "verb", "content_type", "object_repr", "organism"]
    list_filter = ["verb", "content_type"]
    search_fields = ["object_repr", "actor_label", "organism__usual_name"]
    list_select_related = ["content_type", "organism"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
