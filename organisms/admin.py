from django.contrib import admin

from catalogue.admin import SearchDocumentsAdmin
from catalogue.models import Action
from core.admin import AuditedModelAdmin

from .models import Invitation, Membership, Organism


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organism)
class OrganismAdmin(SearchDocumentsAdmin):
    list_display = ["usual_name", "siret", "nda", "commune", "approval_state", "qualiopi_certified_on"]
    list_filter = ["approval_state", "commune__department"]
    search_fields = ["usual_name", "legal_name", "siret", "nda", "slug"]
    list_select_related = ["commune"]
    autocomplete_fields = ["commune"]
    prepopulated_fields = {"slug": ["usual_name"]}
    inlines = [MembershipInline]

    def search_action_ids(self, obj):
        return list(Action.objects.for_organism(obj).values_list("pk", flat=True))


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organism", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "organism__usual_name", "organism__siret"]
    list_select_related = ["user", "organism"]
    autocomplete_fields = ["user", "organism"]


@admin.register(Invitation)
class InvitationAdmin(AuditedModelAdmin):
    list_display = ["email", "organism", "state", "sent_at", "invited_by"]
    list_filter = ["state"]
    search_fields = ["email", "organism__usual_name", "organism__siret"]
    list_select_related = ["organism", "invited_by"]
    autocomplete_fields = ["organism", "invited_by"]
