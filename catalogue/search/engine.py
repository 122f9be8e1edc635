"""The one entry point of public search: filters, text, facet counts, sort and paging over the index."""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.db import connection

from catalogue.rules import active_label_mask

from . import params as p
from .index import (
    AUDIENCE_BITS,
    AXIS_CODES,
    FUNDER_BITS,
    NO_DATE_HIGH,
    Columns,
    any_per_action,
    columns,
    distances_km,
    listed_sessions,
    registration_open_sessions,
    teaching_mode_code,
)
from .text import TextMatches, query_words, text_matches

ACTION_GROUPS = ("q", "axe", "modalite", "public", "financeur", "gratuit", "certifiante", "niveau", "duree_max")
ACTION_GROUPS += ("label", "organisme")
SESSION_GROUPS = ("lieu", "dates", "inscription", "places")


@dataclass
class Query:
    """Validated search criteria (built by catalogue.forms.SearchForm)."""

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
    radius_km: int | None = None
    department: str = ""
    start_min: date | None = None
    start_max: date | None = None
    weeks: int | None = None
    registration_open: bool = False
    places: bool = False
    include_undated: bool = False
    sort: str = ""
    page: int = 1


@dataclass
class Hit:
    action_id: int
    session_ids: list[int]
    distance_km: float | None  # nearest matching on-site session, None when only remote


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


_text_cache: OrderedDict[tuple, TextMatches | None] = OrderedDict()
_text_cache_lock = threading.Lock()
TEXT_CACHE_SIZE = 512


def cached_text_matches(token: str, q: str) -> TextMatches | None:
    """Text matches, cached per catalogue version: a live search re-sends the same words with every filter change,
    and any write to the catalogue renews the token, so a cached answer is never stale."""
    key = (connection.alias, token, tuple(query_words(q)))
    with _text_cache_lock:
        if key in _text_cache:
            _text_cache.move_to_end(key)
            return _text_cache[key]
    matches = text_matches(q)
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
class Selection:
    c: Columns
    t: int
    text: TextMatches | None
    rank: np.ndarray | None
    distance: np.ndarray | None
    base: np.ndarray
    session_masks: dict[str, np.ndarray]
    action_masks: dict[str, np.ndarray]

    def sessions_except(self, group: str | None) -> np.ndarray:
        mask = self.base.copy()
        for name, m in self.session_masks.items():
            if name != group:
                mask &= m
        return mask

    def actions_except(self, group: str | None) -> np.ndarray:
        mask = np.ones(len(self.c.action_id), dtype=bool)
        for name, m in self.action_masks.items():
            if name != group:
                mask &= m
        return mask


def select(query: Query, *, today: date) -> Selection:
    """Every criterion as a mask over the index's sessions or actions."""
    c = columns(today)
    t = today.toordinal()
    text = cached_text_matches(c.token, query.q) if query.q else None
    rank = text_hit = None
    if text is not None:
        rank = np.zeros(len(c.action_id), dtype=np.float64)
        text_hit = np.zeros(len(c.action_id), dtype=bool)
        ids = np.fromiter(text.ranks.keys(), dtype=np.int64, count=len(text.ranks))
        rows = np.searchsorted(c.action_id, ids)
        found = (rows < len(c.action_id)) & (c.action_id[np.minimum(rows, len(c.action_id) - 1)] == ids)
        rank[rows[found]] = np.fromiter(text.ranks.values(), dtype=np.float64, count=len(text.ranks))[found]
        text_hit[rows[found]] = True
    distance = distances_km(c, *query.origin) if query.origin is not None else None
    return Selection(
        c=c,
        t=t,
        text=text,
        rank=rank,
        distance=distance,
        base=listed_sessions(c, t, query.include_undated),
        session_masks=_session_masks(c, query, t, distance),
        action_masks=_action_masks(c, query, t, text_hit),
    )


def map_points(query: Query, *, today: date, limit: int = 2000) -> list[tuple[float, float, int]]:
    """(latitude, longitude, action id) of the on-site places of matching sessions, one per place and action."""
    sel = select(query, today=today)
    c = sel.c
    sessions = sel.sessions_except(None)
    sessions &= sel.actions_except(None)[c.session_action] & ~c.remote & ~np.isnan(c.latitude)
    rows = np.flatnonzero(sessions)
    points = np.unique(
        np.column_stack(
            (np.degrees(c.latitude[rows]), np.degrees(c.longitude[rows]), c.action_id[c.session_action[rows]])
        ),
        axis=0,
    )
    return [(float(lat), float(lon), int(action)) for lat, lon, action in points[:limit]]


def matching_session_ids(query: Query, *, today: date) -> list[int]:
    """Every session matching the query (of a matching action), by start date (undated last), then id."""
    sel = select(query, today=today)
    c = sel.c
    mask = sel.sessions_except(None) & sel.actions_except(None)[c.session_action]
    rows = np.flatnonzero(mask)
    order = np.lexsort((c.session_id[rows], c.start[rows]))
    return [int(pk) for pk in c.session_id[rows[order]]]


def search(query: Query, *, today: date, sessions_per_hit: int = 3) -> Outcome:
    sel = select(query, today=today)
    c, t, text, rank, distance, base = sel.c, sel.t, sel.text, sel.rank, sel.distance, sel.base
    session_masks = sel.session_masks
    sessions_except, actions_except = sel.sessions_except, sel.actions_except

    all_sessions = sessions_except(None)
    all_actions = actions_except(None)
    matched = any_per_action(c, all_sessions) & all_actions
    facets = _facets(c, query, t, distance, base, session_masks, sessions_except, actions_except, all_sessions)
    with_undated = listed_sessions(c, t, True)
    for m in session_masks.values():
        with_undated &= m
    undated_total = int((any_per_action(c, with_undated) & all_actions).sum())

    sort = effective_sort(query)
    rows = np.flatnonzero(matched)
    chosen = np.flatnonzero(all_sessions)
    first_start = np.full(len(c.action_id), NO_DATE_HIGH, dtype=np.int64)
    if len(chosen):
        starts_first = np.r_[True, c.session_action[chosen][1:] != c.session_action[chosen][:-1]]
        firsts = chosen[starts_first]
        first_start[c.session_action[firsts]] = c.start[firsts]
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
        order = np.lexsort((c.action_id[rows], first_start[rows]))
    rows = rows[order]

    total = len(rows)
    pages = max(1, -(-total // p.PAGE_SIZE))
    page = min(max(query.page, 1), pages)
    page_rows = rows[(page - 1) * p.PAGE_SIZE : page * p.PAGE_SIZE]
    hits, session_distances = [], {}
    for row in page_rows.tolist():
        lo, hi = np.searchsorted(c.session_action, [row, row + 1])
        mine = lo + np.flatnonzero(all_sessions[lo:hi])
        if sort == "distance" and distance is not None:
            mine = mine[np.argsort(np.where(c.remote[mine], np.inf, distance[mine]), kind="stable")]
        mine = mine[:sessions_per_hit]
        if distance is not None:
            for s in mine.tolist():
                if not c.remote[s]:
                    session_distances[int(c.session_id[s])] = float(distance[s])
        near = None if nearest is None or not np.isfinite(nearest[row]) else float(nearest[row])
        hits.append(Hit(int(c.action_id[row]), [int(x) for x in c.session_id[mine]], near))
    return Outcome(total, page, pages, sort, hits, facets, undated_total, text, session_distances)


def _action_masks(c: Columns, query: Query, t: int, text_hit) -> dict[str, np.ndarray]:
    masks = {}
    if text_hit is not None:
        masks["q"] = text_hit
    if query.axes:
        masks["axe"] = np.isin(c.axis, [AXIS_CODES[a] for a in query.axes])
    if query.modes:
        masks["modalite"] = np.isin(c.mode, [teaching_mode_code(m) for m in query.modes])
    if query.publics:
        masks["public"] = (c.audiences & _bits(p.PUBLICS, AUDIENCE_BITS, query.publics)) != 0
    if query.funders:
        mask = (c.funders & _bits(p.FUNDERS, FUNDER_BITS, query.funders)) != 0
        masks["financeur"] = mask | c.cpf if p.CPF in query.funders else mask
    if query.free:
        masks["gratuit"] = c.free
    if query.certifying:
        masks["certifiante"] = c.certifying
    if query.level:
        masks["niveau"] = c.level <= _level_rank(query.level)
    if query.max_hours is not None:
        masks["duree_max"] = (c.hours >= 0) & (c.hours <= query.max_hours)
    if query.programmes:
        masks["label"] = _labelled(c, t, query.programmes)
    if query.organism_id is not None:
        masks["organisme"] = c.organism == query.organism_id
    return masks


def _session_masks(c: Columns, query: Query, t: int, distance) -> dict[str, np.ndarray]:
    masks = {}
    if distance is not None:
        masks["lieu"] = c.remote | (distance <= (query.radius_km or p.DEFAULT_RADIUS))
    elif query.department:
        masks["lieu"] = c.remote | (c.department == _department_number(query.department))
    if query.start_min or query.start_max or query.weeks:
        dated = c.start != NO_DATE_HIGH
        mask = dated.copy()
        if query.start_min:
            mask &= c.start >= query.start_min.toordinal()
        if query.start_max:
            mask &= c.start <= query.start_max.toordinal()
        if query.weeks:
            mask &= c.start <= t + 7 * query.weeks
        masks["dates"] = mask | (~dated if query.include_undated else False)
    if query.registration_open:
        masks["inscription"] = registration_open_sessions(c, t)
    if query.places:
        masks["places"] = c.places_left != 0
    return masks


def _facets(c, query, t, distance, base, session_masks, sessions_except, actions_except, all_sessions):
    facets: dict[str, dict[str, int]] = {}
    matched_sessions = any_per_action(c, all_sessions)

    def count_actions(group: str, option_mask: np.ndarray) -> int:
        return int((matched_sessions & actions_except(group) & option_mask).sum())

    facets["axe"] = {value: count_actions("axe", c.axis == AXIS_CODES[value]) for value, _ in p.AXES}
    facets["modalite"] = {value: count_actions("modalite", c.mode == teaching_mode_code(value)) for value, _ in p.MODES}
    facets["public"] = {
        value: count_actions("public", (c.audiences & AUDIENCE_BITS[code.value]) != 0) for value, code in p.PUBLICS
    }
    facets["financeur"] = {
        value: count_actions("financeur", c.cpf if code is None else (c.funders & FUNDER_BITS[code.value]) != 0)
        for value, code in p.FUNDERS
    }
    facets["gratuit"] = {"1": count_actions("gratuit", c.free)}
    facets["certifiante"] = {"1": count_actions("certifiante", c.certifying)}
    facets["niveau"] = {value: count_actions("niveau", c.level <= rank) for value, _, rank in p.LEVELS}
    facets["duree_max"] = {
        str(hours): count_actions("duree_max", (c.hours >= 0) & (c.hours <= hours)) for hours in p.DURATIONS
    }
    facets["label_slug"] = {
        slug: count_actions("label", _labelled(c, t, [programme])) for programme, slug, _ in c.programme_options
    }

    all_actions = actions_except(None)

    def count_sessions(group: str, option_mask: np.ndarray) -> int:
        return int((any_per_action(c, sessions_except(group) & option_mask) & all_actions).sum())

    without_place = sessions_except("lieu")
    if distance is not None:
        nearest = np.full(len(c.action_id), np.inf)
        rows = np.flatnonzero(without_place)
        nearest[c.session_action[rows[c.remote[rows]]]] = 0.0
        on_site = rows[~c.remote[rows]]
        np.minimum.at(nearest, c.session_action[on_site], distance[on_site])
        facets["rayon"] = {str(r): int(((nearest <= r) & all_actions).sum()) for r in p.RADII}
    departments = sorted(set(c.department[c.department >= 0].tolist()))
    facets["departement"] = {
        _department_code(d): int(
            (any_per_action(c, without_place & (c.remote | (c.department == d))) & all_actions).sum()
        )
        for d in departments
    }
    dated = c.start != NO_DATE_HIGH
    undated_ok = ~dated if query.include_undated else np.zeros(len(dated), bool)
    facets["semaines"] = {
        str(w): count_sessions("dates", undated_ok | (dated & (c.start <= t + 7 * w))) for w in p.WEEKS
    }
    facets["inscription"] = {"ouverte": count_sessions("inscription", registration_open_sessions(c, t))}
    facets["places"] = {"1": count_sessions("places", c.places_left != 0)}
    return facets


def _bits(options, bits_by_code, chosen) -> int:
    value = 0
    for slug, code in options:
        if slug in chosen and code is not None:
            value |= bits_by_code[code.value]
    return value


def _level_rank(value: str) -> int:
    return next(rank for slug, _, rank in p.LEVELS if slug == value)


def _labelled(c: Columns, t: int, programmes: list[int]) -> np.ndarray:
    mask = np.zeros(len(c.action_id), dtype=bool)
    for programme in programmes:
        if programme in c.label_programmes:
            column = c.label_programmes.index(programme)
            mask |= active_label_mask(c.label_from[:, column], c.label_until[:, column], t)
    return mask


def _department_number(code: str) -> int:
    return int(code.replace("2A", "201").replace("2B", "202")) if code else -1


def _department_code(number: int) -> str:
    return {201: "2A", 202: "2B"}.get(number, f"{number:02d}")
