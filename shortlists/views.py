"""Favourites, saved searches and their alerts, advisers' shortlists, their read-only links and the comparison.
Every page works without JavaScript; htmx swaps the keep buttons in place."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.permissions import adviser_required, jobseeker_required, searcher_required
from candidatures.models import Candidature
from catalogue.models import Action
from core.mail import mail_on_commit, mail_render

from .cards import action_cards
from .keep import CURRENT_SHORTLIST, current_shortlist
from .models import Favourite, SavedSearch, Shortlist
from .scope import scoped_item, scoped_saved_search, scoped_shortlist
from .searches import describe, matching_sessions, normalise_query
from .services import (
    KeepError,
    favourite_set,
    item_move,
    item_note,
    saved_search_save,
    share_read,
    share_revoke,
    share_start,
    share_token,
    shortlist_add,
    shortlist_create,
    shortlist_remove,
    unsubscribe,
    unsubscribe_read,
)


def safe_next(request, default: str) -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def public_action(public_id) -> Action:
    return get_object_or_404(Action.objects.published().select_related("formation"), public_id=public_id)


# Favourites ---------------------------------------------------------------------------------------------------


@require_safe
@jobseeker_required
def favourites(request):
    kept = list(Favourite.objects.filter(user=request.user).order_by("-created_at", "pk"))
    cards = action_cards([f.action_id for f in kept])
    return render(
        request, "shortlists/favourites.html", {"cards": [cards[f.action_id] for f in kept if f.action_id in cards]}
    )


@require_POST
@jobseeker_required
def favourite(request, public_id):
    """Keeps or lets go of a training (`garder=1` or `0`); htmx gets the button back, others the page they were on."""
    action = get_object_or_404(Action.objects.select_related("formation"), public_id=public_id)
    keep = request.GET.get("garder", request.POST.get("garder")) == "1"
    if keep and not Action.objects.published().filter(pk=action.pk).exists():
        raise Http404("Cette formation n'est plus publiée.")
    kept = favourite_set(user=request.user, action=action, keep=keep)
    back = safe_next(request, reverse("shortlists:favourites"))
    if request.htmx:
        return render(request, "shortlists/favourite_button.html", {"action": action, "kept": kept, "next": back})
    messages.success(request, f"« {action.formation.title} » {'ajoutée à' if kept else 'retirée de'} vos favoris.")
    return redirect(back)


# Saved searches -----------------------------------------------------------------------------------------------


class SavedSearchForm(forms.Form):
    name = forms.CharField(label="Nom de la recherche", max_length=100)
    frequency = forms.ChoiceField(
        label="Alerte par courriel des nouvelles sessions",
        choices=SavedSearch.Frequency.choices,
        initial=SavedSearch.Frequency.WEEKLY,
        widget=forms.RadioSelect,
    )


@require_safe
@searcher_required
def searches(request):
    today = timezone.localdate()
    rows = [
        (saved, describe(saved.query, today=today), len(matching_sessions(saved.query, today=today)))
        for saved in SavedSearch.objects.filter(user=request.user)
    ]
    return render(request, "shortlists/searches.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@searcher_required
def search_save(request):
    """Saves the search whose criteria are in the query string (the results page's own parameters)."""
    query = normalise_query(request.GET)
    today = timezone.localdate()
    criteria = describe(query, today=today)
    form = SavedSearchForm(request.POST or None, initial={"name": criteria[:100]})
    if request.method == "POST" and form.is_valid():
        try:
            saved_search_save(
                saved=SavedSearch(user=request.user),
                name=form.cleaned_data["name"],
                frequency=form.cleaned_data["frequency"],
                query=query,
                now=timezone.now(),
            )
        except KeepError as error:
            form.add_error("frequency", str(error))
        else:
            messages.success(request, f"Recherche « {form.cleaned_data['name']} » enregistrée.")
            return redirect("shortlists:searches")
    return render(
        request,
        "shortlists/search_form.html",
        {"form": form, "criteria": criteria, "query": query, "count": len(matching_sessions(query, today=today))},
    )


@require_http_methods(["GET", "POST"])
@searcher_required
def search_edit(request, public_id):
    saved = scoped_saved_search(request, public_id)
    today = timezone.localdate()
    form = SavedSearchForm(request.POST or None, initial={"name": saved.name, "frequency": saved.frequency})
    if request.method == "POST" and form.is_valid():
        try:
            saved_search_save(
                saved=saved,
                name=form.cleaned_data["name"],
                frequency=form.cleaned_data["frequency"],
                now=timezone.now(),
            )
        except KeepError as error:
            form.add_error("frequency", str(error))
        else:
            messages.success(request, "Recherche enregistrée.")
            return redirect("shortlists:searches")
    return render(
        request,
        "shortlists/search_form.html",
        {
            "form": form,
            "saved": saved,
            "criteria": describe(saved.query, today=today),
            "query": saved.query,
            "count": len(matching_sessions(saved.query, today=today)),
        },
    )


@require_POST
@searcher_required
def search_delete(request, public_id):
    saved = scoped_saved_search(request, public_id)
    saved.delete()
    messages.success(request, f"Recherche « {saved.name} » supprimée.")
    return redirect("shortlists:searches")


@csrf_exempt  # the signed link is the credential; mail clients post here without a session (RFC 8058)
@require_http_methods(["GET", "POST"])
def alert_unsubscribe(request, token):
    """One-click unsubscribe, without logging in. A GET only shows the button (mail scanners open links)."""
    saved = unsubscribe_read(token)
    if saved is None:
        return render(request, "shortlists/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        unsubscribe(saved=saved, now=timezone.now())
        return render(request, "shortlists/unsubscribe.html", {"saved": saved, "done": True})
    return render(request, "shortlists/unsubscribe.html", {"saved": saved, "done": saved.unsubscribed_at is not None})


# Shortlists ---------------------------------------------------------------------------------------------------


class ShortlistForm(forms.ModelForm):
    class Meta:
        model = Shortlist
        fields = ["label"]


@require_safe
@adviser_required
def shortlists(request):
    rows = Shortlist.objects.filter(owner=request.user).order_by("-updated_at", "pk")
    rows = rows.annotate(n_items=Count("items", distinct=True), n_candidatures=Count("candidatures", distinct=True))
    return render(request, "shortlists/shortlists.html", {"shortlists": rows, "form": ShortlistForm()})


@require_POST
@adviser_required
def shortlist_new(request):
    form = ShortlistForm(request.POST)
    action = None
    if request.POST.get("formation"):
        action = public_action(request.POST["formation"])
    if not form.is_valid():
        return render(
            request,
            "shortlists/pick.html",
            {
                "form": form,
                "action": action,
                "shortlists": Shortlist.objects.filter(owner=request.user),
                "next": safe_next(request, ""),
            },
            status=200,
        )
    shortlist = shortlist_create(owner=request.user, label=form.cleaned_data["label"])
    request.session[CURRENT_SHORTLIST] = shortlist.public_id
    if action is not None:
        shortlist_add(shortlist=shortlist, action=action)
        messages.success(request, f"Sélection « {shortlist.label} » créée avec « {action.formation.title} ».")
    else:
        messages.success(
            request, f"Sélection « {shortlist.label} » créée : ajoutez-y des formations depuis la recherche."
        )
    return redirect(safe_next(request, reverse("shortlists:shortlist", args=[shortlist.public_id])))


@require_http_methods(["GET", "POST"])
@adviser_required
def shortlist_pick(request):
    """Choose the shortlist to fill from the search (and add a training to it), or start a new one."""
    action = public_action(request.GET["formation"]) if request.GET.get("formation") else None
    back = safe_next(request, reverse("search"))
    if request.method == "POST":
        shortlist = scoped_shortlist(request, request.POST.get("selection", ""))
        request.session[CURRENT_SHORTLIST] = shortlist.public_id
        if action is not None:
            shortlist_add(shortlist=shortlist, action=action)
            messages.success(request, f"« {action.formation.title} » ajoutée à « {shortlist.label} ».")
        else:
            messages.success(request, f"Vous remplissez maintenant la sélection « {shortlist.label} ».")
        return redirect(back)
    return render(
        request,
        "shortlists/pick.html",
        {
            "form": ShortlistForm(),
            "action": action,
            "shortlists": Shortlist.objects.filter(owner=request.user).order_by("-updated_at", "pk"),
            "current": current_shortlist(request),
            "next": back,
        },
    )


@require_POST
@adviser_required
def shortlist_toggle(request, public_id, action_id):
    """Adds a training to (`garder=1`) or removes it from (`0`) a shortlist; htmx gets the button back."""
    shortlist = scoped_shortlist(request, public_id)
    action = get_object_or_404(Action.objects.select_related("formation"), public_id=action_id)
    keep = request.GET.get("garder", request.POST.get("garder")) == "1"
    if keep:
        if not Action.objects.published().filter(pk=action.pk).exists():
            raise Http404("Cette formation n'est plus publiée.")
        shortlist_add(shortlist=shortlist, action=action)
    else:
        shortlist_remove(shortlist=shortlist, action=action)
    request.session[CURRENT_SHORTLIST] = shortlist.public_id
    back = safe_next(request, reverse("shortlists:shortlist", args=[shortlist.public_id]))
    if request.htmx:
        return render(
            request,
            "shortlists/shortlist_button.html",
            {"action": action, "shortlist": shortlist, "inside": keep, "next": back},
        )
    messages.success(
        request, f"« {action.formation.title} » {'ajoutée à' if keep else 'retirée de'} « {shortlist.label} »."
    )
    return redirect(back)


def shortlist_context(request, shortlist, **extra) -> dict:
    items = list(shortlist.items.order_by("position", "pk"))
    cards = action_cards([item.action_id for item in items])
    sent_ids = set(
        Candidature.objects.filter(shortlist=shortlist)
        .exclude(state__in=[Candidature.State.REFUSED, Candidature.State.WITHDRAWN])
        .values_list("session_id", flat=True)
    )
    now = timezone.now()
    token = share_token(shortlist) if shortlist.shared_until and shortlist.shared_until > now else ""
    return {
        "shortlist": shortlist,
        "rows": [(item, cards[item.action_id]) for item in items if item.action_id in cards],
        "sent_ids": sent_ids,
        "share_days": settings.SHORTLIST_SHARE_DAYS,
        "token": "",
        "share_url": request.build_absolute_uri(reverse("shortlists:shared", args=[token])) if token else "",
        "now": now,
        **extra,
    }


@require_safe
@adviser_required
def shortlist(request, public_id):
    shortlist = scoped_shortlist(request, public_id)
    return render(request, "shortlists/shortlist.html", shortlist_context(request, shortlist))


@require_safe
@adviser_required
def shortlist_print(request, public_id):
    shortlist = scoped_shortlist(request, public_id)
    return render(request, "shortlists/shortlist_print.html", shortlist_context(request, shortlist))


@require_POST
@adviser_required
def shortlist_delete(request, public_id):
    shortlist = scoped_shortlist(request, public_id)
    shortlist.delete()
    messages.success(request, f"Sélection « {shortlist.label} » supprimée ; ses liens de partage ne marchent plus.")
    return redirect("shortlists:shortlists")


@require_POST
@adviser_required
def item_note_view(request, public_id, pk):
    item = scoped_item(request, public_id, pk)
    note = request.POST.get("note", "")[:1000]
    item_note(item=item, note=note)
    messages.success(request, "Note enregistrée.")
    return redirect(reverse("shortlists:shortlist", args=[public_id]) + f"#item-{item.pk}")


@require_POST
@adviser_required
def item_move_view(request, public_id, pk):
    item = scoped_item(request, public_id, pk)
    item_move(item=item, step=-1 if request.POST.get("sens") == "haut" else 1)
    return redirect(reverse("shortlists:shortlist", args=[public_id]) + f"#item-{item.pk}")


@require_POST
@adviser_required
def item_remove_view(request, public_id, pk):
    item = scoped_item(request, public_id, pk)
    shortlist_remove(shortlist=item.shortlist, action=item.action)
    messages.success(request, "Formation retirée de la sélection.")
    return redirect("shortlists:shortlist", public_id=public_id)


@require_POST
@adviser_required
def shortlist_share(request, public_id):
    shortlist = scoped_shortlist(request, public_id)
    if request.POST.get("retirer") == "1":
        share_revoke(shortlist=shortlist)
        messages.success(request, "Lien retiré : les liens donnés jusqu'ici ne marchent plus.")
    else:
        share_start(shortlist=shortlist, now=timezone.now())
        messages.success(
            request, f"Lien de partage valable jusqu'au {timezone.localtime(shortlist.shared_until):%d/%m/%Y}."
        )
    return redirect(reverse("shortlists:shortlist", args=[public_id]) + "#partage")


class ShareEmailForm(forms.Form):
    email = forms.EmailField(label="Courriel de la personne", help_text="Il n'est pas conservé.")
    message = forms.CharField(
        label="Message", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=1000
    )


@require_POST
@adviser_required
def shortlist_email(request, public_id):
    shortlist = scoped_shortlist(request, public_id)
    form = ShareEmailForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Courriel non valide : le lien n'a pas été envoyé.")
        return redirect(reverse("shortlists:shortlist", args=[public_id]) + "#partage")
    now = timezone.now()
    if not shortlist.shared_until or shortlist.shared_until < now:
        share_start(shortlist=shortlist, now=now)
    url = request.build_absolute_uri(reverse("shortlists:shared", args=[share_token(shortlist)]))
    mail_on_commit(
        mail_render(
            "shortlists/email/share",
            {"shortlist": shortlist, "adviser": request.user, "url": url, "message": form.cleaned_data["message"]},
            to=[form.cleaned_data["email"]],
        ),
        request=request,
        sent_message="Sélection envoyée par courriel.",
        failure_message="Le courriel n'a pas pu partir : donnez le lien autrement.",
    )
    return redirect(reverse("shortlists:shortlist", args=[public_id]) + "#partage")


@require_safe
def shared(request, token):
    """The read-only page of a shared shortlist: no account, made for a phone."""
    try:
        shortlist = share_read(token, now=timezone.now())
    except KeepError as error:
        return render(request, "shortlists/shared_invalid.html", {"error": str(error)}, status=404)
    context = shortlist_context(request, shortlist, token=token, adviser=shortlist.owner)
    return render(request, "shortlists/shared.html", context)


# Comparison ---------------------------------------------------------------------------------------------------

COMPARE_MIN, COMPARE_MAX = 2, 4


@require_safe
def compare(request):
    ids = list(dict.fromkeys(request.GET.getlist("formation")))
    error = ""
    if not COMPARE_MIN <= len(ids) <= COMPARE_MAX:
        error = f"Choisissez de {COMPARE_MIN} à {COMPARE_MAX} formations à comparer (vous en avez choisi {len(ids)})."
    actions = dict(Action.objects.published().filter(public_id__in=ids[:COMPARE_MAX]).values_list("public_id", "pk"))
    cards = action_cards([actions[i] for i in ids[:COMPARE_MAX] if i in actions], funders=True)
    columns = [cards[actions[i]] for i in ids[:COMPARE_MAX] if i in actions and actions[i] in cards]
    if not error and len(columns) < len(ids):
        error = "Certaines formations ne sont plus publiées : elles ne sont pas comparées."
    back = safe_next(request, "")
    return render(request, "shortlists/compare.html", {"columns": columns, "error": error, "back": back}, status=200)
