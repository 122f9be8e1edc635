"""Writes on what people keep: favourites, saved searches, shortlists and their read-only links."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from .models import Favourite, SavedSearch, SavedSearchMatch, Shortlist, ShortlistItem, new_share_key
from .searches import matching_sessions, normalise_query

SHARE_SALT = "shortlists.share"
UNSUBSCRIBE_SALT = "shortlists.unsubscribe"


class KeepError(Exception):
    """A refusal, in French, for the person."""


# Favourites ---------------------------------------------------------------------------------------------------


def favourite_set(*, user, action, keep: bool) -> bool:
    """Keeps (or lets go of) an action; answers whether it is now a favourite. Idempotent."""
    if keep:
        try:
            with transaction.atomic():
                Favourite.objects.get_or_create(user=user, action=action)
        except IntegrityError:
            pass  # kept by a request at the same moment
        return True
    Favourite.objects.filter(user=user, action=action).delete()
    return False


# Saved searches and their alerts ------------------------------------------------------------------------------


def alert_baseline(*, saved: SavedSearch, now: datetime) -> None:
    """From now on the alert announces only sessions that match later: those matching now are known."""
    ids = matching_sessions(saved.query, today=timezone.localdate(now))
    if len(ids) > settings.SEARCH_ALERT_MAX_SESSIONS:
        raise KeepError(
            f"Cette recherche donne {len(ids)} sessions : une alerte en enverrait trop. Précisez-la (un lieu, un "
            "métier, un public) pour recevoir une alerte, ou enregistrez-la sans alerte."
        )
    SavedSearchMatch.objects.filter(saved_search=saved).delete()
    SavedSearchMatch.objects.bulk_create(
        [SavedSearchMatch(saved_search=saved, session_id=pk) for pk in ids], batch_size=2000, ignore_conflicts=True
    )
    saved.alerts_since = now
    saved.last_checked_at = now
    saved.unsubscribed_at = None


@transaction.atomic
def saved_search_save(*, saved: SavedSearch, name: str, frequency: str, query=None, now: datetime) -> SavedSearch:
    """Creates or updates a saved search; starting an alert makes today's matches known (not announced)."""
    alert_before = saved.pk is not None and saved.frequency != SavedSearch.Frequency.NONE
    saved.name = name.strip()[:100] or "Ma recherche"
    if query is not None:
        saved.query = normalise_query(query) if not isinstance(query, str) else query
        if len(saved.query) > SavedSearch._meta.get_field("query").max_length:
            raise KeepError("Cette recherche a trop de critères pour être enregistrée : retirez-en quelques-uns.")
    saved.frequency = frequency
    if frequency != SavedSearch.Frequency.NONE and not alert_before:
        if saved.pk is None:
            saved.save()
        alert_baseline(saved=saved, now=now)
    saved.full_clean()
    saved.save()
    return saved


def unsubscribe_token(saved: SavedSearch) -> str:
    return signing.dumps({"s": saved.pk}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_read(token: str) -> SavedSearch | None:
    """The saved search of an unsubscribe link (these links do not expire); None when the link is not valid."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return SavedSearch.objects.filter(pk=data.get("s")).first()


def unsubscribe(*, saved: SavedSearch, now: datetime) -> None:
    SavedSearch.objects.filter(pk=saved.pk).update(frequency=SavedSearch.Frequency.NONE, unsubscribed_at=now)
    saved.frequency, saved.unsubscribed_at = SavedSearch.Frequency.NONE, now


# Shortlists ---------------------------------------------------------------------------------------------------


def shortlist_create(*, owner, label: str) -> Shortlist:
    shortlist = Shortlist(owner=owner, label=label.strip())
    shortlist.full_clean()
    shortlist.save()
    return shortlist


def shortlist_add(*, shortlist: Shortlist, action) -> tuple[ShortlistItem, bool]:
    """Adds an action at the end of the shortlist; answers (item, created). Idempotent."""
    with transaction.atomic():
        Shortlist.objects.select_for_update().filter(pk=shortlist.pk).first()
        item = ShortlistItem.objects.filter(shortlist=shortlist, action=action).first()
        if item is not None:
            return item, False
        last = shortlist.items.aggregate(last=Max("position"))["last"]
        item = ShortlistItem.objects.create(shortlist=shortlist, action=action, position=(last or 0) + 1)
        Shortlist.objects.filter(pk=shortlist.pk).update(updated_at=timezone.now())
    return item, True


def shortlist_remove(*, shortlist: Shortlist, action) -> None:
    shortlist.items.filter(action=action).delete()
    Shortlist.objects.filter(pk=shortlist.pk).update(updated_at=timezone.now())


def item_note(*, item: ShortlistItem, note: str) -> None:
    item.note = note.strip()
    item.full_clean()
    item.save(update_fields=["note"])
    Shortlist.objects.filter(pk=item.shortlist_id).update(updated_at=timezone.now())


@transaction.atomic
def item_move(*, item: ShortlistItem, step: int) -> None:
    """Moves an item one place up (-1) or down (+1); positions are renumbered 1..n."""
    items = list(
        ShortlistItem.objects.select_for_update().filter(shortlist_id=item.shortlist_id).order_by("position", "pk")
    )
    index = next(n for n, other in enumerate(items) if other.pk == item.pk)
    target = min(max(index + step, 0), len(items) - 1)
    items.insert(target, items.pop(index))
    for position, other in enumerate(items, start=1):
        other.position = position
    ShortlistItem.objects.bulk_update(items, ["position"])


def share_start(*, shortlist: Shortlist, now: datetime) -> str:
    """Opens (or renews) the read-only link for SHORTLIST_SHARE_DAYS days; answers the link's token."""
    shortlist.shared_until = now + timedelta(days=settings.SHORTLIST_SHARE_DAYS)
    shortlist.save(update_fields=["shared_until"])
    return share_token(shortlist)


def share_revoke(*, shortlist: Shortlist) -> None:
    """Every link given so far stops working."""
    shortlist.share_key = new_share_key()
    shortlist.shared_until = None
    shortlist.save(update_fields=["share_key", "shared_until"])


def share_token(shortlist: Shortlist) -> str:
    return signing.dumps({"l": shortlist.pk, "k": shortlist.share_key}, salt=SHARE_SALT)


def share_read(token: str, *, now: datetime) -> Shortlist:
    """The shortlist of a read-only link; KeepError when the link is not valid, revoked or expired."""
    try:
        data = signing.loads(token, salt=SHARE_SALT)
    except signing.BadSignature as exc:
        raise KeepError("Ce lien n'est pas valide : vérifiez qu'il est complet.") from exc
    shortlist = Shortlist.objects.select_related("owner").filter(pk=data.get("l")).first()
    if shortlist is None or shortlist.share_key != data.get("k"):
        raise KeepError("Ce lien a été retiré par le conseiller qui vous l'a donné. Demandez-lui un nouveau lien.")
    if shortlist.shared_until is None or shortlist.shared_until < now:
        raise KeepError("Ce lien a expiré. Demandez un nouveau lien au conseiller qui vous l'a donné.")
    return shortlist
