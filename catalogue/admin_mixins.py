from django.contrib import admin

from .audit import audit_record, diff, organism_of, snapshot
from .models import AuditEntry
from .services import search_documents_refresh


class AuditedModelAdmin(admin.ModelAdmin):
    """Records every creation, change and deletion made in the admin in the audit trail, and rewrites the search
    documents of the actions a change touches (`search_action_ids`)."""

    def search_action_ids(self, obj) -> list[int] | None:
        """Actions whose search documents depend on this object; None when none do."""
        return None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # ROME codes are saved here
        action_ids = self.search_action_ids(form.instance)
        if action_ids:
            search_documents_refresh(action_ids=action_ids)

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)
        changes = diff(before, snapshot(obj))
        if change and not changes:
            return
        audit_record(
            actor=request.user,
            verb=AuditEntry.Verb.UPDATE if change else AuditEntry.Verb.CREATE,
            obj=obj,
            organism=organism_of(obj),
            changes=changes,
        )

    def delete_model(self, request, obj):
        audit_record(
            actor=request.user,
            verb=AuditEntry.Verb.DELETE,
            obj=obj,
            organism=organism_of(obj),
            changes=diff(snapshot(obj), {}),
        )
        super().delete_model(request, obj)
