"""The history of every change of the organisation's records, in French."""

from datetime import date, datetime

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

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


def readable_changes(entry) -> list[tuple[str, str, str]]:
    """(field label, before, after) in French: verbose names, dates as dd/mm/yyyy, booleans as oui/non."""
    model = entry.content_type.model_class()

    def label(name):
        try:
            return str(model._meta.get_field(name.removesuffix("_id")).verbose_name)
        except Exception:
            return name.replace("_", " ")

    def value(v):
        if v is None or v == "":
            return "(vide)"
        if isinstance(v, bool):
            return "oui" if v else "non"
        if isinstance(v, str):
            for parse, fmt in ((datetime.fromisoformat, "%d/%m/%Y %H:%M"), (date.fromisoformat, "%d/%m/%Y")):
                try:
                    parsed = parse(v)
                except ValueError:
                    continue
                if isinstance(parsed, datetime):
                    parsed = timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed
                return parsed.strftime(fmt)
        if isinstance(v, list):
            return ", ".join(str(item) for item in v) or "(vide)"
        return str(v)

    return [(label(name), value(values[0]), value(values[1])) for name, values in entry.changes.items()]
