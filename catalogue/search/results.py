"""The result cards of a page: rendered once per version of what they show, then served from a cache in the process.

A card (`templates/components/result.html`) shows an action, its formation and organisation, its active labels and
the sessions the query chose, with their state today. The index gives each action a version that changes when the
action, or anything its card shows (formation, organisation, places, labels, one of its sessions), is written
(ADR 0011), so that a card is known by its action's version, the sessions shown, their staleness now, the distances
and the day: a page whose cards are all cached reads nothing from the database. The others are read in three queries
whatever their number, rendered and kept. The card holds nothing that depends on the person looking at it.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from types import SimpleNamespace

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from catalogue.models import Action, ActionLabel
from sessions.models import TrainingSession
from sessions.state import SessionStatus, is_stale

from .engine import Hit, Outcome

CARD_TEMPLATE = "components/result.html"


@dataclass
class SessionLine:
    session: TrainingSession
    status: SessionStatus
    distance_km: float | None


@dataclass
class Result:
    action: Action
    sessions: list[SessionLine]
    labels: list[ActionLabel]
    distance_km: float | None
    updated_on: datetime
    next_meeting: object = None  # the next information meeting with a free seat (set by the page)

    @property
    def only_remote(self) -> bool:
        return all(line.session.is_remote for line in self.sessions)

    @property
    def places(self) -> list[str]:
        """Where the shown sessions take place, each commune once."""
        names = [line.session.place.commune.name if line.session.place else "à distance" for line in self.sessions]
        return list(dict.fromkeys(names))


@dataclass(frozen=True)
class Card:
    action_id: int
    public_id: str
    html: SafeString
    title: str = ""  # the formation's title, for the buttons beside the card

    def with_back(self, back: str) -> "Card":
        """The card whose title link carries the search it was found by (`retour=...`, already URL-encoded), for
        the detail page's way back; the cached card itself holds no search."""
        if not back:
            return self
        url = reverse("action_detail", args=[self.public_id])
        html = self.html.replace(f'href="{url}"', f'href="{url}?{escape(back)}"', 1)
        return replace(self, html=mark_safe(html))

    def action_ref(self) -> SimpleNamespace:
        """What the buttons beside the card read of its action (pk, public id, formation title), without a query."""
        return SimpleNamespace(pk=self.action_id, public_id=self.public_id, formation=SimpleNamespace(title=self.title))


class Rendered:
    """The most recently rendered fragments of this process, by a key saying all they show (least recently used
    dropped first)."""

    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict[tuple, object] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple):
        with self.lock:
            item = self.items.get(key)
            if item is not None:
                self.items.move_to_end(key)
            return item

    def put(self, key: tuple, item) -> None:
        with self.lock:
            self.items[key] = item
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


CARDS = Rendered(settings.SEARCH_CARD_CACHE_SIZE)


def card_key(hit: Hit, outcome: Outcome, *, today: date, now: datetime) -> tuple:
    """What the card shows, in the index's terms: version, sessions, their staleness now, distances, the day."""
    stale_after = settings.SESSION_STALE_AFTER_DAYS
    stale = tuple(
        is_stale(
            confirmed_at=None if seconds < 0 else datetime.fromtimestamp(seconds, UTC),
            now=now,
            stale_after_days=stale_after,
        )
        for seconds in hit.confirmed
    )
    distances = tuple(outcome.session_distances.get(pk) for pk in hit.session_ids)
    return (hit.action_id, hit.version, today, tuple(hit.session_ids), stale, distances, hit.distance_km, stale_after)


def page_cards(outcome: Outcome, *, today: date) -> list[Card]:
    """The cards of the page's hits, in order: from the cache, or read and rendered (then kept)."""
    now = timezone.now()
    keys = [card_key(hit, outcome, today=today, now=now) if hit.version else None for hit in outcome.hits]
    cards = [CARDS.get(key) if key is not None else None for key in keys]
    missing = [hit for hit, card in zip(outcome.hits, cards, strict=True) if card is None]
    if missing:
        rendered = {
            result.action.pk: Card(
                result.action.pk,
                result.action.public_id,
                render_to_string(
                    CARD_TEMPLATE, {"result": result, "stale_after_days": settings.SESSION_STALE_AFTER_DAYS}
                ),
                result.action.formation.title,
            )
            for result in read_results(missing, distances=outcome.session_distances, today=today, now=now)
        }
        for n, (hit, key) in enumerate(zip(outcome.hits, keys, strict=True)):
            if cards[n] is None and hit.action_id in rendered:
                cards[n] = rendered[hit.action_id]
                if key is not None:
                    CARDS.put(key, cards[n])
    return [card for card in cards if card is not None]  # an action deleted since the index read: left out


def read_results(hits: list[Hit], *, distances: dict[int, float], today: date, now: datetime) -> list[Result]:
    """The rows of these hits, in three queries whatever their number."""
    action_ids = [hit.action_id for hit in hits]
    if not action_ids:
        return []
    actions = Action.objects.select_related("formation__organism").in_bulk(action_ids)
    session_ids = [pk for hit in hits for pk in hit.session_ids]
    sessions = TrainingSession.objects.select_related("place__commune").in_bulk(session_ids)
    labels: dict[int, list[ActionLabel]] = {}
    for label in (
        ActionLabel.objects.active(today).filter(action_id__in=action_ids).select_related("programme").order_by("pk")
    ):
        labels.setdefault(label.action_id, []).append(label)
    results = []
    for hit in hits:
        action = actions.get(hit.action_id)
        if action is None:  # deleted between the index read and this one
            continue
        lines = [
            SessionLine(sessions[pk], sessions[pk].status(now=now), distances.get(pk))
            for pk in hit.session_ids
            if pk in sessions
        ]
        confirmations = [line.session.confirmed_at for line in lines if line.session.confirmed_at]
        results.append(
            Result(
                action=action,
                sessions=lines,
                labels=labels.get(action.pk, []),
                distance_km=hit.distance_km,
                updated_on=max([action.updated_at, *confirmations]),
            )
        )
    return results
