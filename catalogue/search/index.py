"""The search index kept in each process: public sessions and actions as numpy columns (ADR 0003).

Filters and facet counts are computed over these columns in a few milliseconds whatever the size of the catalogue;
the database still answers text queries (GIN index) and gives the rows of the page shown. The index is rebuilt
when the version token that database triggers renew on every write differs from the one it was built from, so a
change made by any path (back office, admin, import, SQL) is searchable at the next request.
"""

import threading
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.db import connection

from catalogue.choices import Audience, Axis, Funder, TeachingMode
from catalogue.models import Action, SearchIndexVersion
from catalogue.places import home_region_code
from catalogue.rules import GRANTED, NOT_GRANTED, OPEN_END
from sessions.models import TrainingSession
from sessions.state import UNKNOWN_HIGH, UNKNOWN_LOW, listed_mask, not_ended_q, registration_open_mask

NO_DATE_LOW = UNKNOWN_LOW
NO_DATE_HIGH = UNKNOWN_HIGH
AXIS_CODES = {"": 0, **{axis.value: n for n, axis in enumerate(Axis, start=1)}}
AUDIENCE_BITS = {audience.value: 1 << n for n, audience in enumerate(Audience)}
FUNDER_BITS = {funder.value: 1 << n for n, funder in enumerate(Funder)}
EARTH_RADIUS_KM = 6371.0088


def level_rank(level: int) -> int:
    """LHÉO entry levels on the European scale (0 = none or unknown): legacy VI..I become 1..7, 11..18 become 1..8."""
    if level >= 11:
        return level - 10
    return max(level - 1, 0) if level >= 2 else 0


def ordinal(value: date | None, missing: int) -> int:
    return value.toordinal() if value is not None else missing


@dataclass
class Columns:
    """Sessions sorted by (action, start date, id), and actions sorted by id."""

    token: str
    built_on: date
    # sessions
    session_id: np.ndarray
    session_action: np.ndarray  # row of the action in the action columns
    start: np.ndarray  # ordinal, NO_DATE_HIGH when unknown
    end: np.ndarray  # ordinal, NO_DATE_HIGH when unknown
    rolling: np.ndarray
    recruiting: np.ndarray  # recruitment state "open"
    opens: np.ndarray
    closes: np.ndarray
    places_left: np.ndarray  # -1 when unknown
    remote: np.ndarray
    latitude: np.ndarray  # radians, NaN when remote
    longitude: np.ndarray
    department: np.ndarray  # department code as an int, -1 when remote
    # actions
    action_id: np.ndarray
    axis: np.ndarray
    mode: np.ndarray
    audiences: np.ndarray
    funders: np.ndarray
    free: np.ndarray
    cpf: np.ndarray
    certifying: np.ndarray
    level: np.ndarray
    hours: np.ndarray  # -1 when unknown
    organism: np.ndarray
    label_programmes: list[int]
    label_from: np.ndarray  # (actions, programmes) ordinals, catalogue.rules.NOT_GRANTED without a granted label
    label_until: np.ndarray
    # Option lists of the search form, read with the index so that a search page needs no query for them.
    programme_options: list[tuple[int, str, str]]  # id, slug, name
    department_options: list[tuple[str, str]]  # code, name

    @property
    def sizes(self) -> tuple[int, int]:
        return len(self.session_id), len(self.action_id)


def department_number(code: str | None) -> int:
    if not code:
        return -1
    return int(code.replace("2A", "201").replace("2B", "202"))


def build_columns(token: str, today: date) -> Columns:
    """Reads the public catalogue (seven queries). Sessions ended before today are left out."""
    with connection.cursor() as cursor:
        # Published actions of approved organisations: ActionQuerySet.published, compiled by the ORM.
        cursor.execute(*index_actions_sql())
        actions = cursor.fetchall()
        action_ids = np.array([row[0] for row in actions], dtype=np.int64)
        row_of = {pk: n for n, pk in enumerate(action_ids.tolist())}

        audiences = np.zeros(len(actions), dtype=np.int64)
        cursor.execute("SELECT action_id, code FROM catalogue_actionaudience")
        for action_id, code in cursor.fetchall():
            if action_id in row_of:
                audiences[row_of[action_id]] |= AUDIENCE_BITS.get(code, 0)
        funders = np.zeros(len(actions), dtype=np.int64)
        cursor.execute("SELECT action_id, code FROM catalogue_actionfunder")
        for action_id, code in cursor.fetchall():
            if action_id in row_of:
                funders[row_of[action_id]] |= FUNDER_BITS.get(code, 0)

        cursor.execute("SELECT id, slug, name FROM catalogue_programme ORDER BY name")
        programme_options = cursor.fetchall()
        cursor.execute(  # the home region's departments (catalogue.places)
            "SELECT code, name FROM catalogue_department WHERE region_code = %s ORDER BY code", [home_region_code()]
        )
        department_options = cursor.fetchall()
        cursor.execute(
            "SELECT action_id, programme_id, valid_from, valid_until FROM catalogue_actionlabel WHERE state = %s",
            [GRANTED],
        )
        labels = [row for row in cursor.fetchall() if row[0] in row_of]
        programmes = sorted({row[1] for row in labels})
        column_of = {pk: n for n, pk in enumerate(programmes)}
        label_from = np.full((len(actions), len(programmes)), NOT_GRANTED, dtype=np.int32)
        label_until = np.full((len(actions), len(programmes)), NO_DATE_LOW, dtype=np.int32)
        for action_id, programme_id, valid_from, valid_until in labels:
            cell = row_of[action_id], column_of[programme_id]
            label_from[cell] = ordinal(_as_date(valid_from), NOT_GRANTED)
            label_until[cell] = ordinal(_as_date(valid_until), OPEN_END)

        # The "not ended" rule comes from sessions.state, compiled to SQL by the ORM and read through the cursor.
        cursor.execute(*index_sessions_sql(today))
        sessions = [row for row in cursor.fetchall() if row[1] in row_of]

    sessions.sort(key=lambda r: (row_of[r[1]], ordinal(_as_date(r[2]), NO_DATE_HIGH), r[0]))
    n = len(sessions)

    def column(index, dtype, convert=lambda v: v):
        return np.fromiter((convert(row[index]) for row in sessions), dtype=dtype, count=n)

    remote = column(9, bool, lambda v: bool(v))
    return Columns(
        token=token,
        built_on=today,
        session_id=column(0, np.int64),
        session_action=column(1, np.int32, row_of.__getitem__),
        start=column(2, np.int32, lambda v: ordinal(_as_date(v), NO_DATE_HIGH)),
        end=column(3, np.int32, lambda v: ordinal(_as_date(v), NO_DATE_HIGH)),
        rolling=column(4, bool, bool),
        recruiting=column(5, bool, lambda v: v == 1),
        opens=column(6, np.int32, lambda v: ordinal(_as_date(v), NO_DATE_LOW)),
        closes=column(7, np.int32, lambda v: ordinal(_as_date(v), NO_DATE_HIGH)),
        places_left=column(8, np.int32, lambda v: -1 if v is None else v),
        remote=remote,
        latitude=np.radians(column(10, np.float64, lambda v: np.nan if v is None else v)),
        longitude=np.radians(column(11, np.float64, lambda v: np.nan if v is None else v)),
        department=column(12, np.int32, department_number),
        action_id=action_ids,
        axis=np.array([AXIS_CODES.get(row[1], 0) for row in actions], dtype=np.int8),
        mode=np.array([row[2] for row in actions], dtype=np.int8),
        audiences=audiences,
        funders=funders,
        free=np.array([bool(row[3]) for row in actions], dtype=bool),
        cpf=np.array([bool(row[4]) for row in actions], dtype=bool),
        certifying=np.array([bool(row[5]) for row in actions], dtype=bool),
        level=np.array([level_rank(row[6]) for row in actions], dtype=np.int8),
        hours=np.array([-1 if row[7] is None else row[7] for row in actions], dtype=np.int32),
        organism=np.array([row[8] for row in actions], dtype=np.int64),
        label_programmes=programmes,
        label_from=label_from,
        label_until=label_until,
        programme_options=programme_options,
        department_options=department_options,
    )


def index_actions_sql() -> tuple[str, tuple]:
    query = (
        Action.objects.published()
        .values_list(
            "id",
            "axis",
            "teaching_mode",
            "free_for_jobseekers",
            "cpf_eligible",
            "formation__is_certifying",
            "formation__entry_level",
            "hours_total",
            "formation__organism_id",
        )
        .order_by("id")
    )
    return query.query.sql_with_params()


def index_sessions_sql(today: date) -> tuple[str, tuple]:
    """Published sessions not ended today, with their place's coordinates and department."""
    query = (
        TrainingSession.objects.filter(is_published=True)
        .filter(not_ended_q(today))
        .values_list(
            "id",
            "action_id",
            "start_date",
            "end_date",
            "rolling_entry",
            "recruitment_state",
            "registration_opens",
            "registration_closes",
            "places_left",
            "is_remote",
            "place__latitude",
            "place__longitude",
            "place__commune__department__code",
        )
        .order_by()
    )
    return query.query.sql_with_params()


def _as_date(value):
    """SQLite returns dates as text through a raw cursor."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


_lock = threading.Lock()
_current: dict[str, Columns] = {}


def current_token() -> str | None:
    return SearchIndexVersion.objects.filter(pk=1).values_list("token", flat=True).first()


def columns(today: date) -> Columns:
    """The index for this database, rebuilt when the catalogue changed or the day turned (one query otherwise)."""
    token = current_token()
    alias = connection.alias + ":" + str(connection.settings_dict.get("NAME"))
    built = _current.get(alias)
    if built is not None and built.token == token and built.built_on == today:
        return built
    with _lock:
        built = _current.get(alias)
        if built is None or built.token != token or built.built_on != today:
            built = build_columns(token, today)
            _current[alias] = built
    return built


def listed_sessions(c: Columns, today: int, include_undated: bool) -> np.ndarray:
    """sessions.state's listing rule over the index."""
    return listed_mask(c.start, c.end, c.rolling, today, include_undated=include_undated)


def registration_open_sessions(c: Columns, today: int) -> np.ndarray:
    """sessions.state's registration rule over the index."""
    return registration_open_mask(
        recruiting=c.recruiting,
        start=c.start,
        end=c.end,
        rolling=c.rolling,
        opens=c.opens,
        closes=c.closes,
        places_left=c.places_left,
        today=today,
    )


def distances_km(c: Columns, latitude: float, longitude: float) -> np.ndarray:
    """Great-circle distance (haversine) from a point to each session's place; NaN for remote sessions."""
    lat0, lon0 = np.radians(latitude), np.radians(longitude)
    a = np.sin((c.latitude - lat0) / 2) ** 2 + np.cos(lat0) * np.cos(c.latitude) * np.sin((c.longitude - lon0) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def any_per_action(c: Columns, session_mask: np.ndarray) -> np.ndarray:
    """For each action: does at least one of its sessions satisfy the mask?"""
    out = np.zeros(len(c.action_id), dtype=bool)
    out[c.session_action[session_mask]] = True
    return out


def teaching_mode_code(value: str) -> int:
    return {"presentiel": TeachingMode.ON_SITE, "mixte": TeachingMode.BLENDED, "distance": TeachingMode.REMOTE}[value]
