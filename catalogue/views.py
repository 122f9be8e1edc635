from django.shortcuts import render
from django.views.decorators.http import require_safe

from .figures import catalogue_figures


@require_safe
def home(request):
    return render(request, "catalogue/home.html", {"figures": catalogue_figures()})


@require_safe
def accessibility_statement(request):
    return render(request, "catalogue/accessibility.html")


@require_safe
def search(request):
    """The entry point of the search (its filters and results come with the search issue)."""
    return render(request, "catalogue/search_soon.html", {"q": request.GET.get("q", "").strip()[:200]})
