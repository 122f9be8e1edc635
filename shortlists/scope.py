"""Every kept object is read through its owner: another person's favourite, saved search or shortlist is a 404."""

from django.shortcuts import get_object_or_404

from .models import SavedSearch, Shortlist, ShortlistItem


def scoped_saved_search(request, public_id) -> SavedSearch:
    return get_object_or_404(SavedSearch.objects.filter(user=request.user), public_id=public_id)


def scoped_shortlist(request, public_id) -> Shortlist:
    return get_object_or_404(Shortlist.objects.filter(owner=request.user), public_id=public_id)


def scoped_item(request, shortlist_id, pk) -> ShortlistItem:
    return get_object_or_404(
        ShortlistItem.objects.filter(shortlist__owner=request.user, shortlist__public_id=shortlist_id), pk=pk
    )
