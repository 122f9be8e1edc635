"""The one entry point of public search: filters, text, facet counts, sort and paging over the index."""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from catalogue.rules import active_label_mask

from .criteria import CRITERIA, DEFAULT_RADIUS, MAX_PAGE, Criterion, Over, is_set
from .index import (
    NO_DATE_HIGH,
    Columns,
    any_per_action,
    distances_km,
    listed_sessions,
    reading,
    registration_open_sessions,
)
from .text import TextMatches, current_synonyms, query_words, text_matches

PAGE_SIZE = 20


@dataclass
class Query:
    """Validated search criteria (built by catalogue.forms.SearchForm from the criteria table). A criterion declared
    without a Query attribute keeps its value in `extra`, under its GET parameter's name."""

    q: str = ""
    axes: list[str] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)
    publics: list[str] = field(default_factory=list)
    funders: list[str] = field(default_factory=list)
    free: bool = False
    certifying: bool = False
    level: str = ""
    max_hours: int | None = None
    programmes: list[int] = field(default_factory=list)  # programme ids
    organism_id: int | None = None
    origin: tuple[float, float] | None = None  # latitude, longitude of the chosen commune
    radius_km: int = DEFAULT_RADIUS  # around `origin`
    department: str = ""
    start_min: date | None = None
    start_max: date | None = None
    weeks: int | None = None
    registration_open: bool = False
    places: bool = False
    include_undated: bool = False
    sort: str = ""
    page: int = 1
    extra: dict[str, object] = field(default_factory=dict)


@dataclass
class Hit:
    action_id: int
    session_ids: list[int]
    distance_km: float | None  # nearest matching on-site session, None when only remote
    version: int = 0  # the index's version of the action and its sessions: result cards are cached under it
    confirmed: list[int] = field(default_factory=list)  # each session's confirmation, Unix seconds (-1: never)


@dataclass
class Outcome:
    total: int
    page: int
    pages: int
    sort: str
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    undated_total: int  # results when undated sessions are included
    text: TextMatches | None
    session_distances: dict[int, float]
    # When nothing matches: the results with each group of criteria left out (by mask group), and around a place
    # with the widest radius ("rayon"), so that the page can say what would give results.
    relaxed: dict[str, int] = field(default_factory=dict)


_text_cache: OrderedDict[tuple, TextMatches | None] = OrderedDict()
_text_cache_lock = threading.Lock()
TEXT_CACHE_SIZE = 512


def cached_text_matches(c: Columns, q: str) -> TextMatches | None:
    """Text matches, cached per version of the index's actions: a live search re-sends the same words with every
    filter change, and any change to an action gives the index a new text generation, so a cached answer is never
    stale. The generation is the process's own, so the answers are not shared through the cache between processes
    (session edits, most writes, keep them valid; ADR 0011)."""
    synonyms = current_synonyms(using=c.alias)
    key = (c.alias, c.text_generation, tuple(query_words(q)), synonyms.token)
    with _text_cache_lock:
        if key in _text_cache:
            _text_cache.move_to_end(key)
            return _text_cache[key]
    matches = text_matches(q, using=c.alias, synonyms=synonyms)
    with _text_cache_lock:
        _text_cache[key] = matches
        while len(_text_cache) > TEXT_CACHE_SIZE:
            _text_cache.popitem(last=False)
    return matches


def effective_sort(query: Query) -> str:
    """Relevance when there is text, else start date; distance only when a place is given."""
    default = "pertinence" if query.q else "date"
    if query.sort == "distance":
        return "distance" if query.origin is not None else default
    if query.sort == "date":
        return "date"
    return default


@dataclass
class Context:
    """What a criterion's mask reads besides the columns: today, the distances from the chosen commune, the text
    matches, whether undated sessions are asked for, and the day's rules that live with the index."""

    c: Columns
    t: int  # today's ordinal
    distance: np.ndarray | None  # km from the chosen commune to each session's place
    text_hit: np.ndarray | None  # actions matching the text
    include_undated: bool

    def labelled(self, programmes: list[int]) -> np.ndarray:
        return _labelled(self.c, self.t, programmes)

    def registration_open(self) -> np.ndarray:
        return registration_open_sessions(self.c, self.t)


@dataclass
class Selection:
    c: Columns
    t: int
    text: TextMatches | None
    rank: np.ndarray | None
    distance: np.ndarray | None
    base: np.ndarray
    session_masks: dict[str, np.ndarray]  # by mask group
    action_masks: dict[str, np.ndarray]
    query: Query
    context: Context
    criteria: tuple[Criterion, ...]

    def sessions_except(self, group: str | None) -> np.ndarray:
        mask = self.base.copy()
        for name, m in self.session_masks.items():
            if name != group:
                mask &= m
        return mask

    def actions_except(self, group: str | None) -> np.ndarray:
        mask = self.c.action_live.copy()
        for name, m in self.action_masks.items():
            if name != group:
                mask &= m
        return mask


def select(query: Query, *, today: date, criteria: tuple[Criterion, ...] = CRITERIA) -> Selection:
    """Every criterion as a mask over the index's sessions or actions."""
    with reading(today) as c:
        return _select(c, query, today=today, criteria=criteria)


def _select(c: Columns, query: Query, *, today: date, criteria: tuple[Criterion, ...]) -> Selection:
    t = today.toordinal()
    text = cached_text_matches(c, query.q) if query.q else None
    rank = text_hit = None
    if text is not None:
        rank = np.zeros(len(c.action_id), dtype=np.float64)
        text_hit = np.zeros(len(c.action_id), dtype=bool)
        rows = c.action_rows(np.fromiter(text.ranks.keys(), dtype=np.int64, count=len(text.ranks)))
        found = rows >= 0
        rank[rows[found]] = np.fromiter(text.ranks.values(), dtype=np.float64, count=len(text.ranks))[found]
        text_hit[rows[found]] = True
    distance = distances_km(c, *query.origin) if query.origin is not None else None
    context = Context(c=c, t=t, distance=distance, text_hit=text_hit, include_undated=query.include_undated)
    masks: dict[Over, dict[str, np.ndarray]] = {Over.SESSIONS: {}, Over.ACTIONS: {}}
    for criterion in criteria:
        if criterion.mask is None or not criterion.applies(query):
            continue
        value = criterion.read(query)
        if not is_set(value):
            continue
        mask = criterion.mask(c, value, context)
        group = masks[criterion.over]
        name = criterion.mask_group
        group[name] = mask if name not in group else group[name] & mask
    return Selection(
        c=c,
        t=t,
        text=text,
        rank=rank,
        distance=distance,
        base=listed_sessions(c, t, query.include_undated),
        session_masks=masks[Over.SESSIONS],
        action_masks=masks[Over.ACTIONS],
        query=query,
        context=context,
        criteria=criteria,
    )


@dataclass(frozen=True)
class MapPoint:
    """A place where an action has matching sessions: the next of them (its start, its places left)."""

    latitude: float
    longitude: float
    action_id: int
    start: date | None
    places_left: int | None  # None when unknown


@dataclass(frozen=True)
class MapContent:
    points: list[MapPoint]  # one per place and action, at most `limit`
    remote: list[MapPoint]  # the matching actions taught at a distance (no place), by next start, at most `limit`
    remote_total: int


def map_content(
    query: Query, *, today: date, limit: int = 2000, remote_limit: int = 100, criteria: tuple[Criterion, ...] = CRITERIA
) -> MapContent:
    """The map of a search: the places of its matching on-site sessions, and the actions it finds at a distance,
    each with its next matching session, read from the index alone."""
    with reading(today) as c:
        sel = _select(c, query, today=today, criteria=criteria)
        sessions = sel.sessions_except(None) & sel.actions_except(None)[c.session_action]
        on_site = sessions & ~c.remote & ~np.isnan(c.latitude)
        points = _firsts(c, np.flatnonzero(on_site), by_place=True)
        remote = _firsts(c, np.flatnonzero(sessions & c.remote), by_place=False)
        return MapContent(points[:limit], remote[:remote_limit], len(remote))


def map_points(
    query: Query, *, today: date, limit: int = 2000, criteria: tuple[Criterion, ...] = CRITERIA
) -> list[tuple[float, float, int]]:
    """(latitude, longitude, action id) of the on-site places of matching sessions, one per place and action."""
    content = map_content(query, today=today, limit=limit, remote_limit=0, criteria=criteria)
    return [(point.latitude, point.longitude, point.action_id) for point in content.points]


def _firsts(c: Columns, rows: np.ndarray, *, by_place: bool) -> list[MapPoint]:
    """The first session by start date (then id) of each action, or of each place and action, of these rows; by
    place, ordered by place; otherwise by start date."""
    action = c.action_id[c.session_action[rows]]
    if by_place:
        lat, lon = np.degrees(c.latitude[rows]), np.degrees(c.longitude[rows])
        order = np.lexsort((c.session_id[rows], c.start[rows], action, lon, lat))
        keys = np.column_stack((lat, lon, action))[order]
    else:
        lat = lon = np.full(len(rows), np.nan)
        order = np.lexsort((c.session_id[rows], c.start[rows], action))
        keys = action[order][:, None]
    first = np.r_[True, np.any(keys[1:] != keys[:-1], axis=1)] if len(order) else np.zeros(0, dtype=bool)
    chosen = order[first]
    if not by_place:
        chosen = chosen[np.lexsort((action[chosen], c.start[rows][chosen]))]
    found = []
    for n in chosen.tolist():
        row = rows[n]
        start = int(c.start[row])
        places = int(c.places_left[row])
        found.append(
            MapPoint(
                float(lat[n]),
                float(lon[n]),
                int(action[n]),
                None if start == NO_DATE_HIGH else date.fromordinal(start),
                None if places < 0 else places,
            )
        )
    return found


def matching_session_ids(query: Query, *, today: date, criteria: tuple[Criterion, ...] = CRITERIA) -> list[int]:
    """Every session matching the query (of a matching action), by start date (undated last), then id."""
    with reading(today) as c:
        sel = _select(c, query, today=today, criteria=criteria)
        mask = sel.sessions_except(None) & sel.actions_except(None)[c.session_action]
        rows = np.flatnonzero(mask)
        order = np.lexsort((c.session_id[rows], c.start[rows]))
        return [int(pk) for pk in c.session_id[rows[order]]]


def search(
    query: Query, *, today: date, sessions_per_hit: int = 3, criteria: tuple[Criterion, ...] = CRITERIA
) -> Outcome:
    with reading(today) as c:
        return _search(c, query, today=today, sessions_per_hit=sessions_per_hit, criteria=criteria)


def _search(c: Columns, query: Query, *, today: date, sessions_per_hit: int, criteria) -> Outcome:
    sel = _select(c, query, today=today, criteria=criteria)
    t, text, rank, distance = sel.t, sel.text, sel.rank, sel.distance
    session_masks = sel.session_masks

    all_sessions = sel.sessions_except(None)
    all_actions = sel.actions_except(None)
    matched = any_per_action(c, all_sessions) & all_actions
    facets = facet_counts(sel, all_sessions=all_sessions, all_actions=all_actions)
    with_undated = listed_sessions(c, t, True)
    for m in session_masks.values():
        with_undated &= m
    undated_total = int((any_per_action(c, with_undated) & all_actions).sum())

    sort = effective_sort(query)
    rows = np.flatnonzero(matched)
    chosen = np.flatnonzero(all_sessions)
    first_start = np.full(len(c.action_id), NO_DATE_HIGH, dtype=np.int64)
    head, tail = chosen[chosen < c.sorted_sessions], chosen[chosen >= c.sorted_sessions]
    if len(head):  # sorted by action then start: an action's first chosen session starts first
        starts_first = np.r_[True, c.session_action[head][1:] != c.session_action[head][:-1]]
        firsts = head[starts_first]
        first_start[c.session_action[firsts]] = c.start[firsts]
    if len(tail):  # appended since the last sort
        np.minimum.at(first_start, c.session_action[tail], c.start[tail])
    nearest = None
    if distance is not None:
        nearest = np.full(len(c.action_id), np.inf)
        on_site = chosen[~c.remote[chosen] & ~np.isnan(distance[chosen])]
        np.minimum.at(nearest, c.session_action[on_site], distance[on_site])
    if sort == "distance":
        order = np.lexsort((c.action_id[rows], first_start[rows], nearest[rows]))
    elif sort == "pertinence" and rank is not None:
        order = np.lexsort((c.action_id[rows], first_start[rows], -rank[rows]))
    else:
        order = _first_by_date(first_start[rows], c.action_id[rows], min(max(query.page, 1), MAX_PAGE) * PAGE_SIZE)
    total = len(rows)
    rows = rows[order]
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(query.page, 1), pages)
    page_rows = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    hits, session_distances = [], {}
    for row in page_rows.tolist():
        mine = c.sessions_of(row)
        mine = mine[all_sessions[mine]]
        mine = mine[np.lexsort((c.session_id[mine], c.start[mine]))]
        if sort == "distance" and distance is not None:
            mine = mine[np.argsort(np.where(c.remote[mine], np.inf, distance[mine]), kind="stable")]
        mine = mine[:sessions_per_hit]
        if distance is not None:
            for s in mine.tolist():
                if not c.remote[s]:
                    session_distances[int(c.session_id[s])] = float(distance[s])
        near = None if nearest is None or not np.isfinite(nearest[row]) else float(nearest[row])
        hits.append(
            Hit(
                int(c.action_id[row]),
                c.session_id[mine].tolist(),
                near,
                version=int(c.action_version[row]),
                confirmed=c.confirmed[mine].tolist(),
            )
        )
    relaxed = _relaxed(sel) if total == 0 else {}
    return Outcome(total, page, pages, sort, hits, facets, undated_total, text, session_distances, relaxed)


WIDEST_RADIUS = 50


def _relaxed(sel: Selection) -> dict[str, int]:
    """The results with each group of criteria left out in turn, and with the widest radius around a place: a few
    vectorised passes over the index, done only when nothing matches."""
    c = sel.c
    counts = {}
    for group in dict.fromkeys([*sel.session_masks, *sel.action_masks]):
        counts[group] = int((any_per_action(c, sel.sessions_except(group)) & sel.actions_except(group)).sum())
    if sel.distance is not None and sel.query.radius_km < WIDEST_RADIUS:
        wider = sel.sessions_except("lieu") & (c.remote | (sel.distance <= WIDEST_RADIUS))
        counts["rayon"] = int((any_per_action(c, wider) & sel.actions_except(None)).sum())
    return counts


def _first_by_date(start: np.ndarray, action_id: np.ndarray, wanted: int) -> np.ndarray:
    """The positions of the `wanted` first rows by (start, action id), in order: a partition then a sort of those
    only (the results beyond the page asked for need no order). Keys fit one int64: ordinals and ids < 2**31."""
    key = (start.astype(np.int64) << 32) | action_id
    if wanted < len(key):
        first = np.argpartition(key, wanted - 1)[:wanted]
        return first[np.argsort(key[first], kind="stable")]
    return np.argsort(key, kind="stable")


def facet_counts(
    sel: Selection,
    *,
    all_sessions: np.ndarray | None = None,
    all_actions: np.ndarray | None = None,
    counters: bool = True,
) -> dict[str, dict[str, int]]:
    """For each option of each filter: the results with that option alone chosen in its group, the other criteria
    applied. Each option is one vectorised pass over the actions or the sessions, or one pass for all of a
    criterion's options where it declares a counter (`counters=False`: never, for the test that compares)."""
    c, context = sel.c, sel.context
    all_sessions = sel.sessions_except(None) if all_sessions is None else all_sessions
    all_actions = sel.actions_except(None) if all_actions is None else all_actions
    matched_sessions = any_per_action(c, all_sessions)
    facets: dict[str, dict[str, int]] = {}
    for criterion in sel.criteria:
        if not criterion.counted or not criterion.applies(sel.query):
            continue
        counts = facets[criterion.counts_key] = {}
        if criterion.over is Over.ACTIONS:
            others = matched_sessions & sel.actions_except(criterion.mask_group)
            for choice in criterion.counted_options(c):
                option = criterion.mask(c, criterion.alone(choice), context)
                counts[choice.value] = int((others & option).sum())
        else:
            others = sel.sessions_except(criterion.mask_group)
            if criterion.counter is not None and counters:
                counts.update(criterion.counter(c, others, all_actions, context, criterion.counted_options(c)))
                continue
            for choice in criterion.counted_options(c):
                option = criterion.mask(c, criterion.alone(choice), context)
                counts[choice.value] = int((any_per_action(c, others & option) & all_actions).sum())
    return facets


def _labelled(c: Columns, t: int, programmes: list[int]) -> np.ndarray:
    mask = np.zeros(len(c.action_id), dtype=bool)
    for programme in programmes:
        if programme in c.label_programmes:
            column = c.label_programmes.index(programme)
            mask |= active_label_mask(c.label_from[:, column], c.label_until[:, column], t)
    return mask
