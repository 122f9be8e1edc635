"""The search index kept in each process: public sessions and actions as numpy columns (ADR 0003, ADR 0011).

Filters and facet counts are computed over these columns in a few milliseconds; the database still answers text
queries (GIN index) and gives the rows of the cards not cached yet. How the index follows the catalogue:

- PostgreSQL: triggers append the ids of changed rows to a change log (`catalogue.SearchChange`, migration
  `catalogue 0007`) with their transaction id. Before each search the process reads the changes of the transactions
  that had not finished at its previous read (`txid >= xmin`) and applies them: it re-reads only those sessions and
  actions and writes them into its columns, in place, or appends them. A change seen before and gone since (a
  transaction of this very connection rolled back) is applied again, which restores the row. A rebuild marker (a
  reference table, a statement changing thousands of rows, TRUNCATE), a log pruned past the process's position or
  an earlier day rebuild the index; a new day only drops the sessions that ended (no query).
- SQLite (the first run: one process, a small catalogue): triggers renew a version token, and the index is rebuilt
  when it differs.

Rows keep their place: sessions are sorted by (action, start date, id) up to `sorted_sessions`, and sessions added
since are appended after it; a session whose action and start date did not change is updated where it is. When the
room left is used up, or the day turns, the index is compacted (re-sorted, ended and removed sessions dropped) in
numpy. Removed rows stay until then with `live` false, which `listed_sessions` (the base of every search) reads.
"""

import functools
import io
import itertools
import json
import os
import re
import shutil
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connections, router
from django.db.models import F

from catalogue.choices import Audience, Axis, Funder, RecruitmentState, TeachingMode
from catalogue.models import Action, ActionAudience, ActionFunder, ActionLabel, SearchIndexVersion
from catalogue.rules import GRANTED, NOT_GRANTED, OPEN_END
from sessions.models import TrainingSession
from sessions.state import UNKNOWN_HIGH, UNKNOWN_LOW, listed_mask, not_ended_mask, not_ended_q, registration_open_mask

NO_DATE_LOW = UNKNOWN_LOW
NO_DATE_HIGH = UNKNOWN_HIGH
AXIS_CODES = {"": 0, **{axis.value: n for n, axis in enumerate(Axis, start=1)}}
AUDIENCE_BITS = {audience.value: 1 << n for n, audience in enumerate(Audience)}
FUNDER_BITS = {funder.value: 1 << n for n, funder in enumerate(Funder)}
EARTH_RADIUS_KM = 6371.0088
# Room left after the rows at each build or compaction, for sessions and actions added since (a fraction, at least).
ROOM_FRACTION = 16
ROOM_MIN = 1024
# Changes applied in one go above which rebuilding is cheaper than applying them.
APPLY_LIMIT = 20_000
# Ids per query when re-reading changed rows.
CHUNK = 2000


def level_rank(level: int) -> int:
    """LHÉO entry levels on the European scale (0 = none or unknown): legacy VI..I become 1..7, 11..18 become 1..8."""
    if level >= 11:
        return level - 10
    return max(level - 1, 0) if level >= 2 else 0


LEVEL_RANKS = np.array([level_rank(level) for level in range(128)], dtype=np.int8)  # by raw level, clipped


def department_number(code: str | None) -> int:
    if not code:
        return -1
    return int(code.replace("2A", "201").replace("2B", "202"))


@dataclass
class Columns:
    """Views of the index's columns. Sessions are sorted by (action row, start date, id) up to `sorted_sessions`,
    appended after; actions are sorted by id up to `sorted_actions`, appended after. Rows with `live` false (sessions)
    or `action_live` false (actions) are no longer in the catalogue."""

    alias: str  # the database alias the index was read from
    token: str  # SQLite: the version token it was built from
    built_on: date
    generation: int  # changes whenever anything was applied
    text_generation: int  # changes whenever an action was (text matches are cached under it)
    sorted_sessions: int
    sorted_actions: int
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
    confirmed: np.ndarray  # confirmation by the organisation, Unix seconds, -1 when never (result cards)
    live: np.ndarray
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
    action_live: np.ndarray
    action_version: np.ndarray  # changes when the action, or one of its sessions, changes (result cards)
    label_programmes: list[int]
    label_from: np.ndarray  # (actions, programmes) ordinals, catalogue.rules.NOT_GRANTED without a granted label
    label_until: np.ndarray
    # Option lists of the search form, read with the index so that a search page needs no query for them.
    programme_options: list[tuple[int, str, str]]  # id, slug, name
    department_options: list[tuple[str, str, str]]  # code, name, region code

    @property
    def sizes(self) -> tuple[int, int]:
        """Live sessions and actions."""
        return int(self.live.sum()), int(self.action_live.sum())

    def action_rows(self, ids: np.ndarray) -> np.ndarray:
        """Rows of these action ids (-1 where the index has no live row for one)."""
        ids = np.asarray(ids, dtype=np.int64)
        rows = np.full(len(ids), -1, dtype=np.int64)
        head = self.action_id[: self.sorted_actions]
        if len(head):
            at = np.minimum(np.searchsorted(head, ids), len(head) - 1)
            found = head[at] == ids
            rows[found] = at[found]
        tail = self.action_id[self.sorted_actions :]
        if len(tail):
            missing = np.flatnonzero(rows < 0)
            if len(missing):
                order = np.argsort(tail, kind="stable")
                at = np.minimum(np.searchsorted(tail[order], ids[missing]), len(tail) - 1)
                found = tail[order][at] == ids[missing]
                rows[missing[found]] = self.sorted_actions + order[at[found]]
        rows[rows >= 0] = np.where(self.action_live[rows[rows >= 0]], rows[rows >= 0], -1)
        return rows

    def sessions_of(self, action_row: int) -> np.ndarray:
        """Rows of an action's sessions (live or not): its run in the sorted part, then any appended since."""
        lo, hi = np.searchsorted(self.session_action[: self.sorted_sessions], [action_row, action_row + 1])
        tail = self.sorted_sessions + np.flatnonzero(self.session_action[self.sorted_sessions :] == action_row)
        return np.concatenate((np.arange(lo, hi), tail))


# Reading the catalogue ---------------------------------------------------------------------------------------------
# One SQL per kind of row, used for builds and for changes alike. Every column comes out of the database as a number
# (dates as day ordinals, codes as the index's codes), so that on PostgreSQL a build streams them with a binary COPY.

SESSION_COLUMNS = (
    # name, numpy type, value for a row not in use
    ("session_id", np.int64, 0),
    ("action_db_id", np.int64, 0),
    ("start", np.int32, NO_DATE_HIGH),
    ("end", np.int32, NO_DATE_HIGH),
    ("rolling", np.bool_, False),
    ("recruiting", np.bool_, False),
    ("opens", np.int32, NO_DATE_LOW),
    ("closes", np.int32, NO_DATE_HIGH),
    ("places_left", np.int32, -1),
    ("remote", np.bool_, False),
    ("latitude", np.float64, np.nan),
    ("longitude", np.float64, np.nan),
    ("department", np.int32, -1),
    ("confirmed", np.int64, -1),
)
ACTION_COLUMNS = (
    ("action_id", np.int64, 0),
    ("axis", np.int8, 0),
    ("mode", np.int8, 0),
    ("free", np.bool_, False),
    ("cpf", np.bool_, False),
    ("certifying", np.bool_, False),
    ("level", np.int8, 0),  # the raw entry level, turned into its rank by LEVEL_RANKS
    ("hours", np.int32, -1),
    ("organism", np.int64, 0),
)
BITS_COLUMNS = (("action_id", np.int64, 0), ("bits", np.int64, 0))
LABEL_COLUMNS = (
    ("action_id", np.int64, 0),
    ("programme", np.int64, 0),
    ("valid_from", np.int32, NOT_GRANTED),
    ("valid_until", np.int32, OPEN_END),
)
SQL_TYPES = {np.int64: "bigint", np.int32: "integer", np.int8: "integer", np.bool_: "boolean", np.float64: "float8"}
BINARY = {np.int64: ">i8", np.int32: ">i4", np.int8: ">i4", np.bool_: "?", np.float64: ">f8"}


class Sql:
    """The few expressions that differ between PostgreSQL and SQLite."""

    def __init__(self, vendor: str):
        self.vendor = vendor

    def ordinal(self, column: str, unknown: int) -> str:
        if self.vendor == "postgresql":
            return f"coalesce(({column} - DATE '0001-01-01') + 1, {unknown})"
        return f"coalesce(CAST(julianday({column}) - 1721424.5 AS INTEGER), {unknown})"

    def epoch(self, column: str) -> str:
        if self.vendor == "postgresql":
            return f"coalesce(floor(extract(epoch FROM {column}))::bigint, -1)"
        return f"coalesce(CAST(strftime('%%s', {column}) AS INTEGER), -1)"  # %% for the placeholder conversion

    def department(self, column: str) -> str:
        return f"coalesce(CAST(replace(replace({column}, '2A', '201'), '2B', '202') AS INTEGER), -1)"

    def nan(self, column: str) -> str:
        return f"coalesce({column}, 'NaN'::float8)" if self.vendor == "postgresql" else column

    def code(self, column: str, codes: dict[str, int]) -> str:
        cases = " ".join(f"WHEN '{value}' THEN {code}" for value, code in codes.items() if value)
        return f"CASE {column} {cases} ELSE 0 END"

    def typed(self, expressions: list[str], spec) -> str:
        if self.vendor != "postgresql":
            return ", ".join(expressions)
        return ", ".join(f"CAST({e} AS {SQL_TYPES[dtype]})" for e, (_, dtype, _) in zip(expressions, spec, strict=True))


def _compiled(queryset) -> tuple[str, tuple]:
    return queryset.query.sql_with_params()


def _ids_in(column: str, ids) -> tuple[str, tuple]:
    ids = tuple(ids or ())
    return (f"{column} IN ({', '.join(['%s'] * len(ids))})", ids) if ids else ("false", ())


def sessions_sql(sql: Sql, today: date, *, session_ids=None, action_ids=None, using: str) -> tuple[str, tuple]:
    """Published sessions not ended today, with their place's coordinates and department (sessions.state's rule
    compiled by the ORM, once a day); of these sessions or actions when given (the database applies the condition
    inside the subquery, through the indexes)."""
    select, params = _sessions_select(sql.vendor, today, using)
    if session_ids is None and action_ids is None:
        return select, params
    by_session, session_params = _ids_in("s.c0", session_ids)
    by_action, action_params = _ids_in("s.c1", action_ids)
    return f"{select} WHERE {by_session} OR {by_action}", (*params, *session_params, *action_params)


@functools.lru_cache(maxsize=16)
def _sessions_select(vendor: str, today: date, using: str) -> tuple[str, tuple]:
    sql = Sql(vendor)
    queryset = TrainingSession.objects.using(using).filter(is_published=True).filter(not_ended_q(today))
    inner, params = _compiled(
        queryset.order_by().values(
            c0=F("id"),
            c1=F("action_id"),
            c2=F("start_date"),
            c3=F("end_date"),
            c4=F("rolling_entry"),
            c5=F("recruitment_state"),
            c6=F("registration_opens"),
            c7=F("registration_closes"),
            c8=F("places_left"),
            c9=F("is_remote"),
            c10=F("place__latitude"),
            c11=F("place__longitude"),
            c12=F("place__commune__department__code"),
            c13=F("confirmed_at"),
        )
    )
    expressions = [
        "s.c0",
        "s.c1",
        sql.ordinal("s.c2", NO_DATE_HIGH),
        sql.ordinal("s.c3", NO_DATE_HIGH),
        "s.c4",
        f"s.c5 = {int(RecruitmentState.OPEN)}",
        sql.ordinal("s.c6", NO_DATE_LOW),
        sql.ordinal("s.c7", NO_DATE_HIGH),
        "coalesce(s.c8, -1)",
        "s.c9",
        sql.nan("s.c10"),
        sql.nan("s.c11"),
        sql.department("s.c12"),
        sql.epoch("s.c13"),
    ]
    return f"SELECT {sql.typed(expressions, SESSION_COLUMNS)} FROM ({inner}) s", params


def actions_sql(sql: Sql, *, action_ids=None, using: str) -> tuple[str, tuple]:
    """Published actions of approved organisations (ActionQuerySet.published, compiled by the ORM once), by id;
    of these actions when given."""
    select, params = _actions_select(sql.vendor, using)
    if action_ids is None:
        return f"{select} ORDER BY a.c0", params
    by_action, action_params = _ids_in("a.c0", action_ids)
    return f"{select} WHERE {by_action} ORDER BY a.c0", (*params, *action_params)


@functools.lru_cache(maxsize=16)
def _actions_select(vendor: str, using: str) -> tuple[str, tuple]:
    sql = Sql(vendor)
    queryset = Action.objects.using(using).published()
    inner, params = _compiled(
        queryset.order_by().values(
            c0=F("id"),
            c1=F("axis"),
            c2=F("teaching_mode"),
            c3=F("free_for_jobseekers"),
            c4=F("cpf_eligible"),
            c5=F("formation__is_certifying"),
            c6=F("formation__entry_level"),
            c7=F("hours_total"),
            c8=F("formation__organism_id"),
        )
    )
    expressions = ["a.c0", sql.code("a.c1", AXIS_CODES), "a.c2", "a.c3", "a.c4", "a.c5", "a.c6", "coalesce(a.c7, -1)"]
    expressions.append("a.c8")
    return f"SELECT {sql.typed(expressions, ACTION_COLUMNS)} FROM ({inner}) a", params


def bits_sql(sql: Sql, model, bits: dict[str, int], *, action_ids=None) -> tuple[str, tuple]:
    """Per action, the sum of its codes' bits (each code once per action: their OR)."""
    table = model._meta.db_table
    where, params = "", ()
    if action_ids is not None:
        where, params = f" WHERE action_id IN ({', '.join(['%s'] * len(action_ids))})", tuple(action_ids)
    expressions = ["action_id", f"sum({sql.code('code', bits)})"]
    return f"SELECT {sql.typed(expressions, BITS_COLUMNS)} FROM {table}{where} GROUP BY action_id", params


def labels_sql(sql: Sql, *, action_ids=None) -> tuple[str, tuple]:
    where, params = "", (GRANTED,)
    if action_ids is not None:
        where, params = f" AND action_id IN ({', '.join(['%s'] * len(action_ids))})", (GRANTED, *action_ids)
    expressions = [
        "action_id",
        "programme_id",
        sql.ordinal("valid_from", NOT_GRANTED),
        sql.ordinal("valid_until", OPEN_END),
    ]
    table = ActionLabel._meta.db_table
    return f"SELECT {sql.typed(expressions, LABEL_COLUMNS)} FROM {table} WHERE state = %s{where}", params


def fetch(using: str, query: tuple[str, tuple], spec, *, stream: bool = False) -> dict[str, np.ndarray]:
    """Runs a query whose columns are numbers, as numpy columns. `stream`: on PostgreSQL, through a binary COPY (a
    build reads a million rows in well under a second, without a Python object per value)."""
    sql, params = query
    connection = connections[using]
    connection.ensure_connection()
    if stream and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor
            buffer = io.BytesIO()
            raw.copy_expert(f"COPY ({raw.mogrify(sql, params).decode()}) TO STDOUT (FORMAT binary)", buffer)
        return _parse_binary_copy(buffer.getbuffer(), spec)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out = {}
    for n, (name, dtype, fill) in enumerate(spec):
        values = [fill if row[n] is None else row[n] for row in rows]
        out[name] = np.array(values, dtype=dtype) if values else np.zeros(0, dtype=dtype)
    return out


def _parse_binary_copy(data, spec) -> dict[str, np.ndarray]:
    """PostgreSQL's binary COPY format with fixed-width, non-null fields: every tuple has the same size, so the
    whole stream is one structured numpy array."""
    header = 11 + 4 + 4 + int.from_bytes(bytes(data[15:19]), "big")
    fields = [("count", ">i2")]
    for n, (_, dtype, _) in enumerate(spec):
        fields += [(f"length{n}", ">i4"), (f"value{n}", BINARY[dtype])]
    row = np.dtype(fields)
    count = (len(data) - header - 2) // row.itemsize
    table = np.frombuffer(data, dtype=row, count=count, offset=header)
    out = {}
    for n, (name, dtype, _) in enumerate(spec):
        if count and (table[f"length{n}"] != row[f"value{n}"].itemsize).any():
            raise ValueError(f"column {name}: a NULL or a value of another width in the index query")
        out[name] = table[f"value{n}"].astype(dtype)
    del table
    return out


# The index of one database in this process ---------------------------------------------------------------------------

_generations = itertools.count(1)


def _room(rows: int) -> int:
    return rows + max(ROOM_MIN, rows // ROOM_FRACTION)


class Store:
    """The columns of one database, with room to append, and what this process has applied of its changes."""

    def __init__(self, alias: str):
        self.alias = alias
        self.lock = threading.RLock()
        self.columns: Columns | None = None
        self.sessions: dict[str, np.ndarray] = {}  # buffers, with room after `session_rows`
        self.actions: dict[str, np.ndarray] = {}
        self.session_rows = 0
        self.action_rows = 0
        self.feed = None  # PostgreSQL: ChangeFeed; SQLite: the token built from
        self.builds = 0  # full builds, for the tests and the benchmarks
        self.loads = 0  # snapshots loaded
        self.since_snapshot = 0  # changes applied since the snapshot it was built or loaded with
        self.snapshot_at = 0.0  # when that snapshot was written
        self.applied = 0  # changes applied
        self.read_at = float("-inf")  # PostgreSQL: when the change log was last read (time.monotonic)

    @property
    def sql(self) -> Sql:
        return Sql(connections[self.alias].vendor)

    # Building ----------------------------------------------------------------------------------------------------

    def build(self, today: date, *, token: str = "") -> None:
        sql, using = self.sql, self.alias
        connection = connections[using]
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            with connection.cursor() as cursor:  # a build reads the whole catalogue: not the web's 15 s limit
                cursor.execute("SET LOCAL statement_timeout = '120s'")
        actions = fetch(using, actions_sql(sql, using=using), ACTION_COLUMNS, stream=True)
        audiences = fetch(using, bits_sql(sql, ActionAudience, AUDIENCE_BITS), BITS_COLUMNS, stream=True)
        funders = fetch(using, bits_sql(sql, ActionFunder, FUNDER_BITS), BITS_COLUMNS, stream=True)
        labels = fetch(using, labels_sql(sql), LABEL_COLUMNS, stream=True)
        sessions = fetch(using, sessions_sql(sql, today, using=using), SESSION_COLUMNS, stream=True)
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT id, slug, name FROM catalogue_programme ORDER BY name")
            self.programme_options = [tuple(row) for row in cursor.fetchall()]
            # Every department with its region: the search lists the home region's (criteria), read at request time.
            cursor.execute("SELECT code, name, region_code FROM catalogue_department ORDER BY code")
            self.department_options = [tuple(row) for row in cursor.fetchall()]

        n_actions = len(actions["action_id"])
        self.actions = _allocate(ACTION_COLUMNS, _room(n_actions))
        for name, _, _ in ACTION_COLUMNS:
            self.actions[name][:n_actions] = actions[name]
        self.actions["level"][:n_actions] = LEVEL_RANKS[np.clip(actions["level"].astype(np.int64), 0, 127)]
        self.actions["action_live"] = np.zeros(_room(n_actions), dtype=bool)
        self.actions["action_live"][:n_actions] = True
        self.actions["audiences"] = np.zeros(_room(n_actions), dtype=np.int64)
        self.actions["funders"] = np.zeros(_room(n_actions), dtype=np.int64)
        generation = next(_generations)
        self.actions["action_version"] = np.full(_room(n_actions), generation, dtype=np.int64)
        self.action_rows = self.sorted_actions = n_actions
        head = self.actions["action_id"][:n_actions]
        for bits, column in ((audiences, "audiences"), (funders, "funders")):
            rows, found = _rows_in(head, bits["action_id"])
            self.actions[column][rows[found]] = bits["bits"][found]
        self.label_programmes = sorted(set(labels["programme"].tolist()))
        shape = (len(self.actions["action_id"]), len(self.label_programmes))
        self.label_from = np.full(shape, NOT_GRANTED, dtype=np.int32)
        self.label_until = np.full(shape, NO_DATE_LOW, dtype=np.int32)
        rows, found = _rows_in(head, labels["action_id"])
        self._write_label_rows(rows, found, labels)

        rows, found = _rows_in(head, sessions["action_db_id"])
        order = np.lexsort((sessions["session_id"][found], sessions["start"][found], rows[found]))
        kept = np.flatnonzero(found)[order]
        n_sessions = len(kept)
        self.sessions = _allocate(INDEX_SESSION_COLUMNS, _room(n_sessions))
        for name, _, _ in INDEX_SESSION_COLUMNS:
            self.sessions[name][:n_sessions] = sessions[name][kept]
        self.sessions["latitude"][:n_sessions] = np.radians(sessions["latitude"][kept])
        self.sessions["longitude"][:n_sessions] = np.radians(sessions["longitude"][kept])
        self.sessions["session_action"] = np.zeros(_room(n_sessions), dtype=np.int32)
        self.sessions["session_action"][:n_sessions] = rows[kept]
        self.sessions["live"] = np.zeros(_room(n_sessions), dtype=bool)
        self.sessions["live"][:n_sessions] = True
        self.session_rows = self.sorted_sessions = n_sessions
        self.built_on, self.token, self.generation, self.text_generation = today, token, generation, generation
        self._order = None
        self.builds += 1
        self._publish()

    def _publish(self) -> None:
        """New views of the buffers (the previous ones stay valid for a search still holding them)."""
        ns, na = self.session_rows, self.action_rows
        s, a = self.sessions, self.actions
        self.columns = Columns(
            alias=self.alias,
            token=self.token,
            built_on=self.built_on,
            generation=self.generation,
            text_generation=self.text_generation,
            sorted_sessions=self.sorted_sessions,
            sorted_actions=self.sorted_actions,
            **{name: _plain(s[name][:ns]) for name in SESSION_VIEW},
            **{name: _plain(a[name][:na]) for name in ACTION_VIEW},
            label_programmes=list(self.label_programmes),
            label_from=_plain(self.label_from[:na]),
            label_until=_plain(self.label_until[:na]),
            programme_options=self.programme_options,
            department_options=self.department_options,
        )

    # Changes -----------------------------------------------------------------------------------------------------

    def apply(self, today: date, *, session_ids: set[int], action_ids: set[int]) -> None:
        """Re-reads these sessions and actions (and every session of these actions: publication, places) and writes
        them into the index: in place when a session keeps its action and start date, appended otherwise."""
        if not session_ids and not action_ids:
            return
        sql, using = self.sql, self.alias
        action_list, session_list = sorted(action_ids), sorted(session_ids)
        touched: set[int] = set()  # action ids whose cards change
        for chunk in _chunks(action_list):
            self._apply_actions(sql, chunk, touched)
        found = {name: [] for name, _, _ in SESSION_COLUMNS}
        for n in range(0, max(len(session_list), len(action_list)), CHUNK):
            part = fetch(
                using,
                sessions_sql(
                    sql,
                    today,
                    session_ids=session_list[n : n + CHUNK],
                    action_ids=action_list[n : n + CHUNK],
                    using=using,
                ),
                SESSION_COLUMNS,
            )
            for name in found:
                found[name].append(part[name])
        read = {name: np.concatenate(parts) for name, parts in found.items()}
        _, unique = np.unique(read["session_id"], return_index=True)
        read = {name: values[unique] for name, values in read.items()}
        if self.session_rows + len(unique) > len(self.sessions["session_id"]):
            self._compact(self.built_on, room=len(unique))
        # The rows these sessions had, and those of the changed actions' sessions, are no longer current.
        c = self.columns
        gone = [self._session_rows_of_ids(np.fromiter(session_ids, dtype=np.int64, count=len(session_ids)))]
        action_rows = [self._action_row(action_id, live_only=False) for action_id in action_list]
        gone += [c.sessions_of(row) for row in action_rows if row >= 0]
        gone = np.unique(np.concatenate(gone)).astype(np.int64)
        touched.update(self.actions["action_id"][self.sessions["session_action"][gone]].tolist())
        self.sessions["live"][gone] = False
        self._apply_sessions(read, touched)
        generation = next(_generations)
        rows = c.action_rows(np.fromiter(touched, dtype=np.int64, count=len(touched)))
        self.actions["action_version"][rows[rows >= 0]] = generation
        self.generation = generation
        if action_ids:
            self.text_generation = generation
        self.applied += len(session_ids) + len(action_ids)
        self._publish()

    def _apply_actions(self, sql: Sql, chunk: list[int], touched: set[int]) -> None:
        using = self.alias
        actions = fetch(using, actions_sql(sql, action_ids=chunk, using=using), ACTION_COLUMNS)
        audiences = fetch(using, bits_sql(sql, ActionAudience, AUDIENCE_BITS, action_ids=chunk), BITS_COLUMNS)
        funders = fetch(using, bits_sql(sql, ActionFunder, FUNDER_BITS, action_ids=chunk), BITS_COLUMNS)
        labels = fetch(using, labels_sql(sql, action_ids=chunk), LABEL_COLUMNS)
        published = {pk: n for n, pk in enumerate(actions["action_id"].tolist())}
        for action_id in chunk:
            touched.add(action_id)
            row = self._action_row(action_id, live_only=False)
            n = published.get(action_id)
            if n is None:
                if row >= 0:
                    self.actions["action_live"][row] = False
                continue
            if row < 0:
                if self.action_rows == len(self.actions["action_id"]):
                    self._grow_actions()
                row = self.action_rows
                self.action_rows += 1
            a = self.actions
            for name, _, _ in ACTION_COLUMNS:
                a[name][row] = actions[name][n]
            a["level"][row] = LEVEL_RANKS[min(max(int(actions["level"][n]), 0), 127)]
            a["audiences"][row] = a["funders"][row] = 0
            a["action_live"][row] = True
            self.label_from[row, :] = NOT_GRANTED
            self.label_until[row, :] = NO_DATE_LOW
        self._publish()  # the rows appended above are in the views read below
        c = self.columns
        for bits, column in ((audiences, "audiences"), (funders, "funders")):
            rows = c.action_rows(bits["action_id"])
            self.actions[column][rows[rows >= 0]] = bits["bits"][rows >= 0]
        label_rows = c.action_rows(labels["action_id"])
        self._write_label_rows(label_rows, label_rows >= 0, labels)

    def _write_label_rows(self, rows: np.ndarray, found: np.ndarray, labels: dict[str, np.ndarray]) -> None:
        for programme in sorted(set(labels["programme"][found].tolist()) - set(self.label_programmes)):
            self.label_programmes.append(programme)
            height = self.label_from.shape[0]
            self.label_from = np.hstack((self.label_from, np.full((height, 1), NOT_GRANTED, dtype=np.int32)))
            self.label_until = np.hstack((self.label_until, np.full((height, 1), NO_DATE_LOW, dtype=np.int32)))
        column_of = {pk: n for n, pk in enumerate(self.label_programmes)}
        for n in np.flatnonzero(found).tolist():
            cell = rows[n], column_of[int(labels["programme"][n])]
            self.label_from[cell] = labels["valid_from"][n]
            self.label_until[cell] = labels["valid_until"][n]

    def _apply_sessions(self, read: dict[str, np.ndarray], touched: set[int]) -> None:
        action_rows = self.columns.action_rows(read["action_db_id"])
        before = self._prefix_rows_of_ids(read["session_id"])
        s = self.sessions
        for n in np.flatnonzero(action_rows >= 0).tolist():  # the others' actions are not public
            action_row, row = int(action_rows[n]), int(before[n])
            if row < 0 or s["session_action"][row] != action_row or s["start"][row] != read["start"][n]:
                row = self.session_rows  # its place in the sorted part changed: appended
                self.session_rows += 1
            for name, _, _ in INDEX_SESSION_COLUMNS:
                s[name][row] = read[name][n]
            s["latitude"][row] = np.radians(read["latitude"][n])
            s["longitude"][row] = np.radians(read["longitude"][n])
            s["session_action"][row] = action_row
            s["live"][row] = True
            touched.add(int(read["action_db_id"][n]))

    def _action_row(self, action_id: int, *, live_only: bool = True) -> int:
        ids = self.actions["action_id"]
        head = ids[: self.sorted_actions]
        at = int(np.searchsorted(head, action_id))
        if at < len(head) and head[at] == action_id:
            row = at
        else:
            tail = np.flatnonzero(ids[self.sorted_actions : self.action_rows] == action_id)
            if not len(tail):
                return -1
            row = self.sorted_actions + int(tail[-1])
        return row if (self.actions["action_live"][row] or not live_only) else -1

    def _prefix_rows_of_ids(self, session_ids: np.ndarray) -> np.ndarray:
        """The row of each session id in the sorted part (-1 when not there)."""
        order = self._id_order()
        ids = self.sessions["session_id"][: self.sorted_sessions][order]
        rows = np.full(len(session_ids), -1, dtype=np.int64)
        if len(ids):
            at = np.minimum(np.searchsorted(ids, session_ids), len(ids) - 1)
            found = ids[at] == session_ids
            rows[found] = order[at[found]]
        return rows

    def _session_rows_of_ids(self, session_ids: np.ndarray) -> np.ndarray:
        """Every row (live or not) holding one of these session ids."""
        prefix = self._prefix_rows_of_ids(session_ids)
        tail = self.sorted_sessions + np.flatnonzero(
            np.isin(self.sessions["session_id"][self.sorted_sessions : self.session_rows], session_ids)
        )
        return np.concatenate((prefix[prefix >= 0], tail))

    def _id_order(self) -> np.ndarray:
        """Rows of the sorted part by session id (computed once per build or compaction)."""
        if getattr(self, "_order", None) is None or len(self._order) != self.sorted_sessions:
            self._order = np.argsort(self.sessions["session_id"][: self.sorted_sessions], kind="stable")
        return self._order

    def _grow_actions(self) -> None:
        size = _room(len(self.actions["action_id"]))
        for name, array in self.actions.items():
            grown = np.zeros(size, dtype=array.dtype)
            grown[: len(array)] = array
            self.actions[name] = grown
        for attribute, fill in (("label_from", NOT_GRANTED), ("label_until", NO_DATE_LOW)):
            old = getattr(self, attribute)
            grown = np.full((size, old.shape[1]), fill, dtype=np.int32)
            grown[: len(old)] = old
            setattr(self, attribute, grown)

    def _compact(self, today: date, *, room: int = 0) -> None:
        """Sorted again, without the sessions removed or ended before `today`, with room to append: numpy only."""
        s, ns = self.sessions, self.session_rows
        keep = np.flatnonzero(s["live"][:ns] & not_ended_mask(s["end"][:ns], today.toordinal()))
        # Actions sorted by id again too; the sessions' action rows follow.
        na = self.action_rows
        action_order = np.argsort(self.actions["action_id"][:na], kind="stable")
        new_row = np.empty(na, dtype=np.int64)
        new_row[action_order] = np.arange(na)
        actions = {name: array[:na][action_order] for name, array in self.actions.items()}
        self.actions = {}
        for name, array in actions.items():
            self.actions[name] = np.zeros(_room(na), dtype=array.dtype)
            self.actions[name][:na] = array
        for attribute, fill in (("label_from", NOT_GRANTED), ("label_until", NO_DATE_LOW)):
            old = getattr(self, attribute)[:na][action_order]
            grown = np.full((_room(na), old.shape[1]), fill, dtype=np.int32)
            grown[:na] = old
            setattr(self, attribute, grown)
        self.sorted_actions = na
        action_rows = new_row[s["session_action"][keep]]
        order = np.lexsort((s["session_id"][keep], s["start"][keep], action_rows))
        kept = keep[order]
        n = len(kept)
        sessions = {}
        for name, array in s.items():
            sessions[name] = np.zeros(_room(n + room), dtype=array.dtype)
            sessions[name][:n] = array[kept]
        sessions["session_action"][:n] = action_rows[order]
        self.sessions = sessions
        self.session_rows = self.sorted_sessions = n
        self._order = None
        self.built_on = today
        self._publish()


INDEX_SESSION_COLUMNS = tuple(column for column in SESSION_COLUMNS if column[0] != "action_db_id")
SESSION_VIEW = (*(name for name, _, _ in INDEX_SESSION_COLUMNS), "session_action", "live")
ACTION_VIEW = (*(name for name, _, _ in ACTION_COLUMNS), "audiences", "funders", "action_live", "action_version")


def _plain(array: np.ndarray) -> np.ndarray:
    """A plain ndarray view (of a memory-mapped snapshot too: numpy's memmap subclass slows every slice)."""
    return array.view(np.ndarray)


def _allocate(spec, size: int) -> dict[str, np.ndarray]:
    return {name: np.full(size, fill, dtype=dtype) for name, dtype, fill in spec}


def _rows_in(sorted_ids: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ids in a sorted array, and whether each is there."""
    if not len(sorted_ids):
        return np.zeros(len(ids), dtype=np.int64), np.zeros(len(ids), dtype=bool)
    rows = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
    return rows, sorted_ids[rows] == ids


def _chunks(values: list[int]):
    for n in range(0, len(values), CHUNK):
        yield values[n : n + CHUNK]


# Following the catalogue -------------------------------------------------------------------------------------------

# One statement, so that the position (xmin) and the changes come from the same snapshot. Changes of transactions
# not finished at the previous read have txid >= its xmin; this connection's own uncommitted changes are among them.
FEED_SQL = """
WITH snapshot AS (SELECT pg_current_snapshot() AS s)
SELECT 'H', pg_snapshot_xmin(s)::text::bigint, pg_snapshot_xmax(s)::text::bigint,
       coalesce(pg_current_xact_id_if_assigned()::text::bigint, 0),
       coalesce((SELECT pruned_below FROM catalogue_searchindexversion WHERE id = 1), 0)
FROM snapshot
UNION ALL
SELECT 'X', x::text::bigint, 0, 0, 0 FROM snapshot, pg_snapshot_xip(s) AS x
UNION ALL
SELECT kind, seq, coalesce(row_id, 0), txid, 0 FROM catalogue_searchchange
WHERE txid >= %(xmax)s OR txid = ANY(%(running)s) OR txid = %(own)s
   OR txid = pg_current_xact_id_if_assigned()::text::bigint
"""
NOTHING_YET = 2**62  # a transaction id no transaction has


class ChangeFeed:
    """Where a process stands in the PostgreSQL change log, as of its last read (a snapshot): the changes it has not
    seen are those of transactions that were still running then (`running`) or started since (`txid >= xmax`).
    Changes of its own connection's transaction are visible before they are committed: those applied are kept in
    `own`, so that a rollback, which removes them, is noticed and undone. `xmin` and `pruned`: whether the pruning
    of the log may have removed changes it has not seen."""

    def __init__(self, *, xmin: int, xmax: int, running: list[int], own: dict, own_txid: int, pruned: int):
        self.xmin, self.xmax, self.running = xmin, xmax, running
        self.own, self.own_txid, self.pruned = own, own_txid, pruned

    @classmethod
    def read(cls, using: str, since: "ChangeFeed | None") -> tuple["ChangeFeed", dict]:
        """The position now and the changes the previous position had not seen (with this transaction's own)."""
        params = {
            "xmax": since.xmax if since else NOTHING_YET,
            "running": since.running if since else [],
            "own": since.own_txid if since else 0,
        }
        with connections[using].cursor() as cursor:
            cursor.execute(FEED_SQL, params)
            rows = cursor.fetchall()
        running, changes = [], {}
        for kind, first, second, third, fourth in rows:
            if kind == "H":
                xmin, xmax, own_txid, pruned = first, second, third, fourth
            elif kind == "X":
                running.append(first)
            else:
                changes[(first, third)] = (kind, second)
        own = {key: value for key, value in changes.items() if own_txid and key[1] == own_txid}
        feed = cls(xmin=xmin, xmax=xmax, running=running, own=own, own_txid=own_txid, pruned=pruned)
        return feed, changes


class Changes:
    """What a read of the change log asks of the index."""

    def __init__(self):
        self.rebuild = False
        self.sessions: set[int] = set()
        self.actions: set[int] = set()

    def add(self, kind: str, row_id: int) -> None:
        if kind == "S":
            self.sessions.add(row_id)
        elif kind == "A":
            self.actions.add(row_id)
        else:
            self.rebuild = True

    def __len__(self):
        return len(self.sessions) + len(self.actions)


def refresh(store: Store, today: date) -> None:
    """Brings the store up to date with its database (PostgreSQL: the change log; SQLite: the version token)."""
    vendor = connections[store.alias].vendor
    if vendor != "postgresql":
        token = SearchIndexVersion.objects.using(store.alias).filter(pk=1).values_list("token", flat=True).first()
        token = token or ""
        if store.columns is None or store.token != token or store.built_on != today:
            store.build(today, token=token)
        return
    if store.columns is None and load_snapshot(store, today):
        pass  # then brought up to date below, like any index
    elif store.columns is None or today < store.built_on:
        _build_following(store, today)
        return
    interval = settings.SEARCH_CHANGES_SECONDS
    now = time.monotonic()
    if (
        interval
        and today == store.built_on
        and now - store.read_at < interval
        and not connections[store.alias].in_atomic_block
        and not store.feed.own
    ):
        # Read less than SEARCH_CHANGES_SECONDS ago: a write shows within that time. Never after a read that applied
        # a transaction's own (uncommitted) changes: the next read takes them back if they were rolled back.
        return
    store.read_at = now
    feed = store.feed
    position, current = ChangeFeed.read(store.alias, feed)
    if position.pruned != feed.pruned and position.pruned > feed.xmin:  # changes not seen may have been pruned
        _build_following(store, today)
        return
    changes = Changes()
    for key in current.keys() - feed.own.keys():
        changes.add(*current[key])
    for key in feed.own.keys() - current.keys():  # gone: rolled back (or truncated); the rows are read again
        changes.add(*feed.own[key])
    if changes.rebuild or len(changes) > APPLY_LIMIT:
        _build_following(store, today)
        return
    if today > store.built_on:
        store._compact(today)
    store.apply(today, session_ids=changes.sessions, action_ids=changes.actions)
    store.feed = position
    store.since_snapshot += len(changes)
    if store.since_snapshot >= SNAPSHOT_AFTER_CHANGES:  # new processes would have many changes to apply: a new one
        store.since_snapshot = 0
        if not newer_snapshot(store):
            save_snapshot(store)


def _build_following(store: Store, today: date) -> None:
    """A full build, positioned in the change log just before it, then the changes made while it read."""
    store.feed, _ = ChangeFeed.read(store.alias, None)
    store.build(today)
    save_snapshot(store)
    refresh(store, today)


# Snapshots -------------------------------------------------------------------------------------------------------
# PostgreSQL: after a full build the index is written to files (SEARCH_INDEX_DIR), with its position in the change
# log. A new process maps them (copy-on-write: the pages stay shared between the processes of the machine until one
# writes to them) and applies the changes made since, instead of reading the whole catalogue: its first search no
# longer depends on the catalogue's size. A snapshot is only written from a build that saw committed data only.

SNAPSHOT_FORMAT = 3  # 3: department options carry their region
# Changes applied by a process after which it writes a new snapshot (unless another process did).
SNAPSHOT_AFTER_CHANGES = 5000
SNAPSHOT_ARRAYS = ("label_from", "label_until", "_order")
SNAPSHOTS_KEPT = 2


def snapshot_home(alias: str) -> Path | None:
    """The snapshots' folder of this database (its server, name and oid: a database made again is another one)."""
    if not settings.SEARCH_INDEX_DIR:
        return None
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
        oid = cursor.fetchone()[0]
    s = connection.settings_dict
    name = f"{s.get('HOST') or 'local'}-{s.get('PORT') or 5432}-{s['NAME']}-{oid}"
    return Path(settings.SEARCH_INDEX_DIR) / re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def save_snapshot(store: Store) -> Path | None:
    home = snapshot_home(store.alias)
    if home is None:
        return None
    with connections[store.alias].cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id_if_assigned() IS NULL")
        if not cursor.fetchone()[0]:
            return None  # this transaction has written: the build saw rows that may never be committed
    home.mkdir(parents=True, exist_ok=True)
    stamp = f"{time.time_ns()}-{os.getpid()}"
    partial = home / f"{stamp}.partial"
    partial.mkdir()
    store._id_order()
    arrays = {f"s_{k}": v for k, v in store.sessions.items()} | {f"a_{k}": v for k, v in store.actions.items()}
    arrays |= {name: getattr(store, name) for name in SNAPSHOT_ARRAYS}
    for name, array in arrays.items():
        np.save(partial / f"{name}.npy", array, allow_pickle=False)
    meta = {
        "format": SNAPSHOT_FORMAT,
        "built_on": store.built_on.isoformat(),
        "session_rows": store.session_rows,
        "sorted_sessions": store.sorted_sessions,
        "action_rows": store.action_rows,
        "sorted_actions": store.sorted_actions,
        "label_programmes": store.label_programmes,
        "programme_options": store.programme_options,
        "department_options": store.department_options,
        "feed": {
            "xmin": store.feed.xmin,
            "xmax": store.feed.xmax,
            "running": store.feed.running,
            "pruned": store.feed.pruned,
        },
        "arrays": sorted(arrays),
    }
    (partial / "meta.json").write_text(json.dumps(meta))
    final = home / stamp
    partial.rename(final)
    store.snapshot_at = final.stat().st_mtime
    link = home / f"current.{stamp}"
    link.symlink_to(final.name)
    link.replace(home / "current")
    done = sorted(p for p in home.iterdir() if not p.is_symlink() and p.is_dir() and p.suffix != ".partial")
    for old in done[:-SNAPSHOTS_KEPT]:
        shutil.rmtree(old, ignore_errors=True)  # a process still mapping one keeps its pages
    return final


def load_snapshot(store: Store, today: date) -> bool:
    """Maps this database's latest snapshot into the store (False when there is none to use)."""
    home = snapshot_home(store.alias)
    if home is None or not (home / "current").exists():
        return False
    folder = (home / "current").resolve()
    try:
        meta = json.loads((folder / "meta.json").read_text())
        expected = {f"s_{n}" for n in SESSION_VIEW} | {f"a_{n}" for n in ACTION_VIEW} | set(SNAPSHOT_ARRAYS)
        if meta["format"] != SNAPSHOT_FORMAT or set(meta["arrays"]) != expected:
            return False  # written by another version of the portal (a column added or removed since)
        if date.fromisoformat(meta["built_on"]) > today:
            return False
        arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="c") for name in meta["arrays"]}
    except (OSError, ValueError, KeyError):
        return False
    store.sessions = {name[2:]: array for name, array in arrays.items() if name.startswith("s_")}
    store.actions = {name[2:]: array for name, array in arrays.items() if name.startswith("a_")}
    for name in SNAPSHOT_ARRAYS:
        setattr(store, name, arrays[name])
    for name in ("session_rows", "sorted_sessions", "action_rows", "sorted_actions", "label_programmes"):
        setattr(store, name, meta[name])
    store.programme_options = [tuple(option) for option in meta["programme_options"]]
    store.department_options = [tuple(option) for option in meta["department_options"]]
    store.built_on, store.token = date.fromisoformat(meta["built_on"]), ""
    # Versions of this process: the snapshot's came from another one's counter.
    store.generation = store.text_generation = next(_generations)
    store.actions["action_version"][: store.action_rows] = store.generation
    store.feed = ChangeFeed(**meta["feed"], own={}, own_txid=0)  # written from committed data only
    store.loads += 1
    store.snapshot_at = folder.stat().st_mtime
    store._publish()
    return True


def newer_snapshot(store: Store) -> bool:
    """Whether another process wrote a snapshot after the one this store was built or loaded with."""
    home = snapshot_home(store.alias)
    return home is not None and (home / "current").exists() and (home / "current").stat().st_mtime > store.snapshot_at


# The stores of this process, one per database --------------------------------------------------------------------

_stores: dict[tuple, Store] = {}
_stores_lock = threading.Lock()
_local = threading.local()


def index_alias() -> str:
    """The database the search reads: the router's choice for public reads (a replica when one is set and fresh)."""
    return router.db_for_read(TrainingSession) or "default"


def store_for(alias: str) -> Store:
    settings = connections[alias].settings_dict
    key = (alias, settings.get("NAME"), settings.get("HOST"), settings.get("PORT"))
    with _stores_lock:
        if key not in _stores:
            _stores[key] = Store(alias)
        return _stores[key]


@contextmanager
def reading(today: date):
    """The index, up to date, held for this thread while the block runs (other threads of the process wait to apply
    changes until it ends). Nested blocks share the outer one's index."""
    held = getattr(_local, "held", None)
    if held is not None:
        yield held
        return
    store = store_for(index_alias())
    with store.lock:
        refresh(store, today)
        _local.held = store.columns
        try:
            yield store.columns
        finally:
            _local.held = None


def catalogue_version(using: str = "default") -> str:
    """A value that moves whenever the catalogue the index reads changes, the same in every process (the open data
    files are rebuilt when it moves): the count and last number of the changes logged on PostgreSQL (the count
    catches a transaction that commits after a later one), the version token on SQLite."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*), coalesce(max(seq), 0) FROM catalogue_searchchange")
            count, last = cursor.fetchone()
            return f"{count}:{last}"
        cursor.execute("SELECT token FROM catalogue_searchindexversion WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else ""


def build_columns(today: date, *, using: str | None = None) -> Columns:
    """A fresh index of the database, built from scratch (tests and benchmarks compare it with the one kept)."""
    store = Store(using or index_alias())
    store.build(today)
    return store.columns


def columns(today: date) -> Columns:
    """The index for the database of public reads, brought up to date (one query when nothing changed)."""
    with reading(today) as c:
        return c


def listed_sessions(c: Columns, today: int, include_undated: bool) -> np.ndarray:
    """sessions.state's listing rule over the index's live rows."""
    return listed_mask(c.start, c.end, c.rolling, today, include_undated=include_undated) & c.live


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
    """For each action: does at least one of its sessions satisfy the mask? (np.compress is about three times as
    fast as indexing with the boolean mask.)"""
    out = np.zeros(len(c.action_id), dtype=bool)
    out[np.compress(session_mask, c.session_action)] = True
    return out


def teaching_mode_code(value: str) -> int:
    return {"presentiel": TeachingMode.ON_SITE, "mixte": TeachingMode.BLENDED, "distance": TeachingMode.REMOTE}[value]
