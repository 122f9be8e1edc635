"""The history of every change of the organisation's records, in French."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.audit import readable_changes
from core.models import AuditEntry

from ..permissions import organism_required


@require_safe
@organism_required
def history(request):
    entries = (
        AuditEntry.objects.filter(organism=request.organism)
        .select_related("content_type")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.readable_changes = readable_changes(entry)
    return render(request, "organisms/history.html", {"page": page})
