import json
from urllib.parse import urlencode

from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from candidatures.models import Booking, InformationMeeting
from candidatures.services import next_meetings
from core.french import counted
from core.templatetags.french import long_date_text
from shortlists.keep import keep_state

from .detail import json_ld, listed_sessions, session_lines, utc_now
from .figures import catalogue_figures
from .forms import SearchForm, commune_label, suggest_communes
from .ical import session_calendar
from .models import Action, ActionLabel
from .places import home_bounds
from .search.engine import map_content
from .search.engine import search as run_search
from .search.facets import facet_groups, radius_options, sort_options
from .search.index import index_alias, reading
from .search.results import page_cards
from .search.shareable import active_filters, back_to_search, clean_query, same_query, search_url, suggestions
from .search.text import accented_corrections


@require_safe
def home(request):
    return render(request, "catalogue/home.html", {"figures": catalogue_figures()})


@require_safe
def accessibility_statement(request):
    return render(request, "catalogue/accessibility.html")


def shareable_query(request, form) -> QueryDict:
    """The search's shareable query: what was chosen only (catalogue.search.shareable), and a typed place that was
    resolved named by its commune's INSEE code (`commune` instead of `lieu`)."""
    query = request.GET.copy()
    commune = form.commune_choice.commune
    if query.get("lieu") and commune is not None and "lieu" not in form.errors:
        query.pop("lieu", None)
        query.pop("page", None)
        query["commune"] = commune.code
    return clean_query(query)


@require_safe
@transaction.non_atomic_requests  # reads only: no BEGIN and COMMIT around a page (two round trips of four)
def search(request):
    """Public search: a GET form (every page a shareable URL), live-updated by htmx when JavaScript runs."""
    today = timezone.localdate()
    with reading(today) as index:
        form = SearchForm(request.GET, columns=index)
        query = form.to_query()
        shareable = shareable_query(request, form)
        if not request.htmx and not same_query(request.GET, shareable):
            # A form sent without JavaScript, a typed place, or a hand-made URL: to its clean address.
            return HttpResponseRedirect(search_url(shareable))
        outcome = run_search(query, today=today)
    commune = form.commune_choice.commune
    cards = page_cards(outcome, today=today)
    # Beside each cached card, what it may not hold: the next meeting (changes apart from the index) and the
    # person's own buttons (favourite, shortlist).
    back = urlencode({"retour": shareable.urlencode()}) if shareable else ""
    cards = [card.with_back(back) for card in cards]
    action_ids = [card.action_id for card in cards]
    meetings = next_meetings(action_ids, now=timezone.now())
    context = {
        "form": form,
        "query": query,
        "outcome": outcome,
        "results": [(card, card.action_ref(), meetings.get(card.action_id)) for card in cards],
        "keep": keep_state(request, action_ids),
        "groups": facet_groups(outcome, form, query),
        "commune": commune,
        "commune_text": commune_label(commune) if commune else form.data.get("lieu", ""),
        "radius_options": radius_options(outcome, form, query),
        "sort_options": sort_options(outcome, form, query),
        "has_errors": bool(form.errors),
        "typed_text": request.GET.get("q", ""),
        "chips": active_filters(form, data=shareable),
        "suggestions": suggestions(outcome, form, data=shareable) if outcome.total == 0 else [],
        "corrected": accented_corrections(outcome.text, [hit.action_id for hit in outcome.hits], using=index_alias()),
        "clear_url": search_url(QueryDict(urlencode({"q": query.q}) if query.q else "")),
    }
    response = render(request, "catalogue/search.html", context)
    if request.htmx:
        response["HX-Push-Url"] = search_url(shareable)  # the address bar shows the clean URL
    return response


@require_safe
def commune_suggestions(request):
    """<option> elements for the place field's datalist (htmx): communes whose name or postcode starts so."""
    text = request.GET.get("lieu", "").strip()
    suggestions = suggest_communes(text) if len(text) >= 2 else []
    return render(request, "catalogue/commune_options.html", {"suggestions": suggestions})


@require_safe
def action_detail(request, public_id):
    today = timezone.localdate()
    action = get_object_or_404(
        Action.objects.published().select_related("formation__organism__commune"), public_id=public_id
    )
    sessions = list(listed_sessions(action, today=today))
    url = request.build_absolute_uri(action_url(action))
    user = request.user
    meetings = list(InformationMeeting.objects.upcoming(timezone.now()).filter(action=action))
    booked = set()
    if meetings and user.is_authenticated:
        booked = set(
            Booking.objects.filter(person=user, meeting__in=meetings, state=Booking.State.BOOKED).values_list(
                "meeting_id", flat=True
            )
        )
    person = not user.is_authenticated or user.kind == "jobseeker"
    return render(
        request,
        "catalogue/action_detail.html",
        {
            "action": action,
            "formation": action.formation,
            "organism": action.formation.organism,
            "lines": session_lines(sessions),
            "labels": list(ActionLabel.objects.active(today).filter(action=action).select_related("programme")),
            "audiences": list(action.audiences.all()),
            "funders": list(action.funders.all()),
            "rome_codes": list(action.formation.rome_codes.all()),
            "json_ld": json_ld(action=action, sessions=sessions, url=url),
            "map_points": [
                {"lat": s.place.latitude, "lon": s.place.longitude, "label": str(s.place)}
                for s in sessions
                if s.place_id
            ],
            "updated_on": max([action.updated_at, *(s.confirmed_at for s in sessions if s.confirmed_at)]),
            "keep": keep_state(request, [action.pk]),
            "meetings": meetings,
            "booked_ids": booked,
            "can_book": person,
            "mode": "person" if person else "",
            "back_url": back_to_search(request.GET.get("retour", "")),
            "canonical_url": url,  # without `retour`
        },
    )


@require_safe
def session_ical(request, public_id, session_id):
    today = timezone.localdate()
    action = get_object_or_404(Action.objects.published().select_related("formation__organism"), public_id=public_id)
    session = get_object_or_404(listed_sessions(action, today=today), public_id=session_id)
    if session.start_date is None:
        raise Http404("Cette session n'a pas encore de dates.")
    body = session_calendar(
        uid=f"{session.public_id}@{request.get_host().split(':')[0]}",
        start=session.start_date,
        end=session.end_date,
        summary=action.formation.title,
        description=f"{action.formation.organism.usual_name}. {request.build_absolute_uri(action_url(action))}",
        location="À distance" if session.is_remote else str(session.place),
        url=request.build_absolute_uri(action_url(action)),
        now=utc_now(),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="session-{session.public_id}.ics"'
    return response


@require_safe
@transaction.non_atomic_requests  # reads only, like the search
def search_map(request):
    """The results on a map, the trainings at a distance listed beside it; the list of results stays the primary,
    accessible view."""
    today = timezone.localdate()
    with reading(today) as index:
        form = SearchForm(request.GET, columns=index)
        query = form.to_query()
        content = map_content(query, today=today)
    shareable = shareable_query(request, form)
    back = urlencode({"retour": shareable.urlencode()}) if shareable else ""
    ids = {point.action_id for point in content.points} | {point.action_id for point in content.remote}
    actions = {
        pk: (public_id, title, organism)
        for pk, public_id, title, organism in Action.objects.filter(pk__in=ids).values_list(
            "pk", "public_id", "formation__title", "formation__organism__usual_name"
        )
    }

    def described(point) -> dict:
        public_id, title, organism = actions[point.action_id]
        return {
            "lat": point.latitude,
            "lon": point.longitude,
            "title": title,
            "organism": organism,
            "next": session_start_text(point.start, today=today),
            "places": "" if point.places_left is None else places_text(point.places_left),
            "url": reverse("action_detail", args=[public_id]) + (f"?{back}" if back else ""),
        }

    markers = [described(point) for point in content.points if point.action_id in actions]
    remote = [described(point) for point in content.remote if point.action_id in actions]
    commune = form.commune_choice.commune
    centre = (
        {"lat": commune.latitude, "lon": commune.longitude, "radius_km": query.radius_km, "label": commune.name}
        if commune is not None and "commune" not in form.errors
        else None
    )
    return render(
        request,
        "catalogue/search_map.html",
        {
            "form": form,
            "markers": markers,
            "places_count": len({(m["lat"], m["lon"]) for m in markers}),
            "remote": remote,
            "remote_total": content.remote_total,
            "centre": centre,
            "list_url": search_url(shareable),
            "home_bounds": json.dumps(home_bounds().as_list()),
        },
    )


def session_start_text(start, *, today) -> str:
    """ "Prochaine session : 4 décembre 2026", "Session en cours depuis le 1er octobre 2026" (rolling entry)."""
    if start is None:
        return "Dates à venir"
    if start < today:
        return f"Session en cours depuis le {long_date_text(start)}"
    return f"Prochaine session : {long_date_text(start)}"


def places_text(places_left: int) -> str:
    """ "Complet", "1 place restante", "3 places restantes"."""
    if places_left == 0:
        return "Complet"
    return counted(places_left, "place restante", "places restantes")


def action_url(action) -> str:
    return reverse("action_detail", args=[action.public_id])
