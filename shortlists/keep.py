"""What the public pages show a person about what they keep: their favourites among the actions shown, an
adviser's current shortlist and which of the actions are in it. No query for anonymous visitors; at most two for a
page of results."""

from dataclasses import dataclass, field

from accounts.models import User

from .models import Favourite, Shortlist, ShortlistItem

CURRENT_SHORTLIST = "shortlist"  # browser session key: the shortlist an adviser is filling


@dataclass
class Keep:
    kind: str = ""  # "jobseeker", "adviser" or "" (nothing to keep)
    favourites: set[int] = field(default_factory=set)
    shortlist: Shortlist | None = None
    in_shortlist: set[int] = field(default_factory=set)
    next: str = ""


def current_shortlist(request) -> Shortlist | None:
    """The shortlist an adviser chose to fill, else their most recently changed one."""
    shortlists = list(Shortlist.objects.filter(owner=request.user).order_by("-updated_at", "pk")[:50])
    chosen = request.session.get(CURRENT_SHORTLIST)
    return next((s for s in shortlists if s.public_id == chosen), shortlists[0] if shortlists else None)


def keep_state(request, action_ids) -> Keep:
    user = request.user
    here = request.get_full_path()
    if not user.is_authenticated:
        return Keep(next=here)
    if user.kind == User.Kind.JOBSEEKER:
        kept = set(
            Favourite.objects.filter(user=user, action_id__in=list(action_ids)).values_list("action_id", flat=True)
        )
        return Keep(kind="jobseeker", favourites=kept, next=here)
    if user.kind == User.Kind.ADVISER:
        shortlist = current_shortlist(request)
        inside = set()
        if shortlist is not None:
            inside = set(
                ShortlistItem.objects.filter(shortlist=shortlist, action_id__in=list(action_ids)).values_list(
                    "action_id", flat=True
                )
            )
        return Keep(kind="adviser", shortlist=shortlist, in_shortlist=inside, next=here)
    return Keep(next=here)
