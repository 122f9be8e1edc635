"""The search vocabulary, declared once: every criterion of the public search, from its GET parameter to the numpy
mask the index evaluates it with (ADR 0007).

Made from this table: the fields of the search form (`catalogue.forms.SearchForm`), the facet groups of the page
(`catalogue.search.facets`), the API's OpenAPI parameters (`api.views.filter_parameters`), and the masks and facet
counts of the engine (`catalogue.search.engine`). Each of them takes the table as an argument (this module's
`CRITERIA` by default), so that a test can build all four from a table of its own.

Adding a filter is one `Criterion` in `CRITERIA`, plus its column in `catalogue.search.index.build_columns` when it
reads something the index does not hold yet. Parameter names and values are stable: they are in shared URLs and
documented in the README.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np

from catalogue.choices import Audience, Axis, Funder
from catalogue.places import home_region_code

from .index import (
    AUDIENCE_BITS,
    AXIS_CODES,
    FUNDER_BITS,
    NO_DATE_HIGH,
    Columns,
    any_per_action,
    department_number,
    teaching_mode_code,
)

if TYPE_CHECKING:
    from .engine import Context, Query


class Kind(StrEnum):
    """What a parameter holds; it decides the form field, the API type and how options are shown."""

    TEXT = "text"  # free text
    SLUG = "slug"  # an identifier (an organisation)
    MULTIPLE = "multiple"  # several values among choices (checkboxes)
    SINGLE = "single"  # one value among choices (radio buttons, a select, or a lone checkbox)
    FLAG = "flag"  # on or off (a checkbox)
    DATE = "date"
    INTEGER = "integer"


class Role(StrEnum):
    """Most parameters narrow the results; the others say where, what else, in which order, which page."""

    FILTER = "filter"  # evaluated by its mask
    PLACE = "place"  # a typed place, resolved by the form into the commune (not kept in the query)
    ORIGIN = "origin"  # the commune distances are measured from (the radius filter reads them)
    UNDATED = "undated"  # widens the listed sessions to undated ones (sessions.state rules)
    SORT = "sort"
    PAGE = "page"


class Over(StrEnum):
    """The index rows a mask is computed over: an action matches when one of its matching sessions does."""

    ACTIONS = "actions"
    SESSIONS = "sessions"


@dataclass(frozen=True)
class Choice:
    value: str  # in the URL
    label: str  # in French, wherever the option is shown
    key: Any = None  # the query's value for this option when it is not the URL value (a number, a programme id)

    @property
    def query_value(self) -> Any:
        return self.value if self.key is None else self.key


@dataclass(frozen=True)
class Panel:
    """A group of the page's filter column: a foldable fieldset holding its criteria's options in table order."""

    name: str  # the element's id is id_<name>
    legend: str
    order: int  # place in the filter column
    input: str = "checkbox"  # "checkbox", or "radio" (one option at most, "Indifférent" first)
    hint: str = ""
    unfolded: bool = False  # always shown unfolded (the programme axes, the portal's first criterion)


def _always(query: Query) -> bool:
    return True


def _empty(value: str, data) -> bool:
    return value == ""


def _has_place(data) -> bool:
    return bool(data.get("commune", "").strip() or data.get("lieu", "").strip())


def _default_sort(data) -> str:
    return "pertinence" if data.get("q", "").strip() else "date"


@dataclass(frozen=True, kw_only=True)
class Criterion:
    """One GET parameter of the search: its form field, its place on the page, its API parameter, and for a filter
    the mask the index computes for the chosen value(s); each facet count is that mask for one option alone."""

    name: str  # the GET parameter
    kind: Kind
    label: str  # the form field's label, also that of the error summary
    role: Role = Role.FILTER
    attr: str = ""  # the Query attribute holding its value; "" = Query.extra[name]
    # Values: a fixed tuple, or read from the index (the options the catalogue has, so no query is needed).
    choices: tuple[Choice, ...] | Callable[[Columns], list[Choice]] = ()
    integer: bool = False  # choices are whole numbers, typed so in the form and the API
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    messages: dict[str, str] = field(default_factory=dict)  # French error messages of the form field, by code
    on_value: str = "1"  # a flag's checkbox value
    pattern: str = ""  # the shape of a well-formed value (API schema; tells "unknown" from "malformed")
    # Converts the form's cleaned data into the query's value when the plain value is not it (a resolved object).
    from_form: Callable[[Any], Any] | None = None
    # Page and API.
    panel: Panel | None = None
    panel_label: str = ""  # its label inside the panel, when shorter than the form's
    api: str = ""  # description of the API parameter; "" = not an API parameter
    # Evaluation by the index.
    over: Over = Over.ACTIONS
    mask: Callable[[Columns, Any, Context], np.ndarray] | None = None  # rows satisfying the chosen value(s)
    group: str = ""  # criteria of one group are combined and left out together for facet counts (default: name)
    applies: Callable[[Query], bool] = _always  # whether the query allows this criterion at all
    # Whether a value of the GET data is left out of the shareable URL (catalogue.search.shareable): empty, or what
    # the search does anyway (a default), or meaningless with the rest of the data (a radius without a place).
    omit: Callable[[str, Any], bool] = _empty
    facet_key: str = ""  # key of its counts in Outcome.facets (default: name)
    # The values that get a count (default: every choice).
    counted_values: Callable[[Columns], set[str]] | None = None
    # All its options' counts in one pass, where counting each option apart would grow with their number (the
    # departments of a national catalogue): (columns, sessions matching the other groups, actions matching them,
    # context, options) -> {value: count}. It must give what `mask` gives option by option: a test compares them.
    counter: Callable[[Columns, np.ndarray, np.ndarray, Context, list[Choice]], dict[str, int]] | None = None

    def options(self, c: Columns | None) -> list[Choice]:
        """The choices; those read from the index need its columns (none without them)."""
        if callable(self.choices):
            return self.choices(c) if c is not None else []
        return list(self.choices)

    @property
    def choices_from_index(self) -> bool:
        return callable(self.choices)

    @property
    def mask_group(self) -> str:
        return self.group or self.name

    @property
    def counts_key(self) -> str:
        return self.facet_key or self.name

    @property
    def counted(self) -> bool:
        """Facet counts are given for each option of a filter that has options."""
        return self.mask is not None and self.kind in (Kind.MULTIPLE, Kind.SINGLE, Kind.FLAG)

    def counted_options(self, c: Columns) -> list[Choice]:
        if self.kind is Kind.FLAG:
            return [Choice(self.on_value, self.label, key=True)]
        options = self.options(c)
        if self.counted_values is not None:
            present = self.counted_values(c)
            options = [choice for choice in options if choice.value in present]
        return options

    def alone(self, choice: Choice) -> Any:
        """The query's value when only this option is chosen."""
        return [choice.query_value] if self.kind is Kind.MULTIPLE else choice.query_value

    def read(self, query: Query) -> Any:
        return getattr(query, self.attr) if self.attr else query.extra.get(self.name)


def is_set(value: Any) -> bool:
    """Whether a query value constrains anything (None, False, "" and [] do not; 0 does)."""
    if value is None or value is False:
        return False
    return not (isinstance(value, str | list | tuple) and len(value) == 0)


# Values -----------------------------------------------------------------------------------------------------

DEFAULT_RADIUS = 20
MAX_PAGE = 500
DISTANCE_SORT = "distance"  # offered only around a commune
NO_NUL = "^[^\\x00]*$"
SLUG = "^[-a-zA-Z0-9_]+$"
DEPARTMENT_CODE = "^([0-9]{2,3}|2[AB])$"
INSEE_CODE = "^[0-9][0-9AB][0-9]{3}$"
INVALID_DATE = "Saisissez une date valide, par exemple 15/03/2027 ou 2027-03-15."

MODES = (
    Choice("presentiel", "En présentiel"),
    Choice("mixte", "Mixte (présentiel et distance)"),
    Choice("distance", "À distance"),
)
# URL value, label, audience code in the index.
PUBLICS = (
    ("demandeurs-emploi", "Demandeurs d'emploi", Audience.JOBSEEKER),
    ("16-25-ans", "Jeunes de 16 à 25 ans", Audience.YOUNG_16_25),
    ("femmes", "Femmes", Audience.WOMEN),
    ("handicap", "Personnes en situation de handicap", Audience.DISABLED),
    ("neet", "Jeunes ni en emploi, ni en études, ni en formation (NEET)", Audience.NEET),
    ("qpv", "Habitants des quartiers prioritaires (QPV)", Audience.QPV),
    ("zrr", "Habitants des zones de revitalisation rurale (ZRR)", Audience.ZRR),
    ("rsa", "Bénéficiaires du RSA", Audience.RSA),
    ("chomage-longue-duree", "Demandeurs d'emploi de longue durée", Audience.LONG_TERM_JOBSEEKER),
    ("illectronisme", "Personnes éloignées du numérique", Audience.DIGITAL_EXCLUSION),
    ("refugies", "Personnes réfugiées", Audience.REFUGEES),
    ("salaries", "Salariés", Audience.EMPLOYEES),
    ("tout-public", "Tout public", Audience.EVERYONE),
)
CPF = "cpf"  # a funding option read from the action's CPF eligibility, not from its funders
# URL value, label, funder code in the index (None: CPF).
FUNDERS = (
    ("region", "Région", Funder.REGION),
    ("france-travail", "France Travail", Funder.FRANCE_TRAVAIL),
    (CPF, "Compte personnel de formation (CPF)", None),
    ("fse", "Fonds social européen (FSE)", Funder.ESF),
    ("agefiph", "Agefiph", Funder.AGEFIPH),
    ("opco", "OPCO", Funder.OPCO),
    ("transitions-pro", "Transitions Pro", Funder.TRANSITION_PRO),
    ("departement", "Département", Funder.DEPARTMENT),
    ("commune", "Commune", Funder.MUNICIPALITY),
    ("etat", "État", Funder.STATE_EMPLOYMENT),
    ("entreprise", "Entreprise", Funder.COMPANY),
    ("stagiaire", "Financement personnel", Funder.TRAINEE),
    ("autre", "Autre financeur", Funder.OTHER),
)
# Entry level: the highest European level a person holds; "0" = no diploma (levels 1 and 2 and none).
# URL value, label, highest entry level rank (index.level_rank) accessible with it.
LEVELS = (
    ("0", "Sans diplôme", 2),
    ("3", "CAP, BEP (niveau 3)", 3),
    ("4", "Baccalauréat (niveau 4)", 4),
    ("5", "Bac + 2 (niveau 5)", 5),
    ("6", "Bac + 3 et plus (niveau 6 et plus)", 8),
)
RADII = (5, 10, 20, 30, 50)
WEEKS = (2, 4, 8, 12)
DURATIONS = (35, 70, 150, 400, 800)
SORTS = (Choice("pertinence", "Pertinence"), Choice("date", "Date de début"), Choice(DISTANCE_SORT, "Distance"))

AUDIENCE_BIT = {value: AUDIENCE_BITS[code.value] for value, _, code in PUBLICS}
FUNDER_BIT = {value: FUNDER_BITS[code.value] for value, _, code in FUNDERS if code is not None}
LEVEL_RANK = {value: rank for value, _, rank in LEVELS}


def department_code(number: int) -> str:
    """The code of an index department number (the inverse of index.department_number)."""
    return {201: "2A", 202: "2B"}.get(number, f"{number:02d}")


def _department_choices(c: Columns) -> list[Choice]:
    """The home region's departments (catalogue.places)."""
    home = home_region_code()
    return [Choice(code, f"{name} ({code})") for code, name, region in c.department_options if region == home]


def _departments_with_sessions(c: Columns) -> set[str]:
    present = np.flatnonzero(np.bincount(c.department[(c.department >= 0) & c.live]))
    return {department_code(number) for number in present.tolist()}


def _count_departments(c: Columns, others, actions, ctx: Context, options: list[Choice]) -> dict[str, int]:
    """The department mask's counts in one pass: an action counts for a department when one of its matching
    sessions is remote (then for all of them) or takes place there."""
    remote = any_per_action(c, others & c.remote) & actions
    rows = np.flatnonzero(others & ~c.remote & (c.department >= 0))
    owners = c.session_action[rows]
    kept = actions[owners] & ~remote[owners]
    numbers = [department_number(choice.value) for choice in options]
    column = np.full(1024, len(numbers), dtype=np.int64)  # department number -> column (department numbers < 1024)
    column[numbers] = np.arange(len(numbers))
    width = len(numbers) + 1  # a column for the departments not among the options
    cells = owners[kept].astype(np.int64) * width + column[c.department[rows][kept]]
    seen = np.bincount(cells, minlength=len(c.action_id) * width) > 0  # action x department
    per_department = seen.reshape(len(c.action_id), width).sum(axis=0)
    base = int(remote.sum())
    return {choice.value: base + int(per_department[n]) for n, choice in enumerate(options)}


def _programme_choices(c: Columns) -> list[Choice]:
    return [Choice(slug, name, key=pk) for pk, slug, name in c.programme_options]


# Masks ------------------------------------------------------------------------------------------------------


def _one_of(column: np.ndarray, codes: list[int]) -> np.ndarray:
    """Rows whose code is one of a few codes (faster than np.isin for so few)."""
    mask = np.zeros(len(column), dtype=bool)
    for code in codes:
        mask |= column == code
    return mask


def _bits(bit_of: dict[str, int], values: Iterable[str]) -> int:
    bits = 0
    for value in values:
        bits |= bit_of.get(value, 0)
    return bits


def _text(c: Columns, q: str, ctx: Context) -> np.ndarray:
    # A text with no word (only punctuation) filters nothing.
    return ctx.text_hit if ctx.text_hit is not None else np.ones(len(c.action_id), dtype=bool)


def _funding(c: Columns, values: list[str], ctx: Context) -> np.ndarray:
    mask = (c.funders & _bits(FUNDER_BIT, values)) != 0
    return mask | c.cpf if CPF in values else mask


def _dated(c: Columns, ctx: Context, condition: np.ndarray) -> np.ndarray:
    """Dated sessions meeting the condition, and undated ones when they are asked for."""
    dated = c.start != NO_DATE_HIGH
    return (dated & condition) | (~dated if ctx.include_undated else False)


# The table --------------------------------------------------------------------------------------------------

AXES = Panel("axe", "Axe du programme régional", order=1, unfolded=True)
AUDIENCES = Panel("public", "Public visé", order=2)
CONDITIONS = Panel("conditions", "Inscription et financement", order=3)
START = Panel("semaines", "Début de la formation", order=4, input="radio")
TEACHING = Panel("modalite", "Modalité", order=5)
FUNDING = Panel("financeur", "Financement", order=6)
LEVEL = Panel(
    "niveau",
    "Niveau de la personne",
    order=7,
    input="radio",
    hint="Formations accessibles avec ce niveau, sans niveau exigé, ou dont le niveau n'est pas précisé.",
)
DURATION = Panel("duree_max", "Durée", order=8, input="radio")
LABELS = Panel("label", "Label", order=9)
DEPARTMENT = Panel(
    "departement", "Département", order=10, input="radio", hint="Les formations à distance sont toujours incluses."
)
PERIOD = Panel("periode", "Période de début", order=11)

# In the form's order, which is that of the error summary.
CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        name="q",
        kind=Kind.TEXT,
        label="Métier, compétence ou intitulé",
        attr="q",
        max_length=200,
        messages={"max_length": "Le texte recherché ne peut dépasser 200 caractères."},
        api="Métier, compétence ou intitulé.",
        mask=_text,  # the actions the database found (catalogue.search.text), cached per catalogue version
    ),
    Criterion(name="lieu", kind=Kind.TEXT, label="Commune ou code postal", role=Role.PLACE, max_length=100),
    Criterion(
        name="commune",
        kind=Kind.TEXT,
        label="Commune",
        role=Role.ORIGIN,
        attr="origin",
        group="lieu",  # with the radius: a suggestion leaves both out
        max_length=5,
        pattern=INSEE_CODE,
        from_form=lambda form: (
            (form.commune_choice.commune.latitude, form.commune_choice.commune.longitude)
            if form.commune_choice.commune
            else None
        ),
        api="Code INSEE de la commune.",
    ),
    Criterion(
        name="rayon",
        kind=Kind.SINGLE,
        label="Dans un rayon de",
        attr="radius_km",
        choices=tuple(Choice(str(km), f"{km} km", key=km) for km in RADII),
        integer=True,
        api="Rayon en km autour de la commune.",
        over=Over.SESSIONS,
        group="lieu",
        applies=lambda query: query.origin is not None,
        omit=lambda value, data: value in ("", str(DEFAULT_RADIUS)) or not _has_place(data),
        mask=lambda c, km, ctx: c.remote | (ctx.distance <= km),  # remote sessions are never too far
    ),
    Criterion(
        name="departement",
        kind=Kind.SINGLE,
        label="Département",
        attr="department",
        choices=_department_choices,
        pattern=DEPARTMENT_CODE,
        panel=DEPARTMENT,
        api="Code du département.",
        over=Over.SESSIONS,
        group="lieu",
        applies=lambda query: query.origin is None,  # a commune and a department are not combined
        mask=lambda c, code, ctx: c.remote | (c.department == department_number(code)),
        counted_values=_departments_with_sessions,
        counter=_count_departments,
    ),
    Criterion(
        name="axe",
        kind=Kind.MULTIPLE,
        label="Axe du programme",
        attr="axes",
        choices=tuple(Choice(axis.value, axis.label) for axis in Axis),
        panel=AXES,
        api="Axe du programme régional.",
        mask=lambda c, values, ctx: _one_of(c.axis, [AXIS_CODES[value] for value in values]),
    ),
    Criterion(
        name="modalite",
        kind=Kind.MULTIPLE,
        label="Modalité",
        attr="modes",
        choices=MODES,
        panel=TEACHING,
        api="Modalité d'enseignement.",
        mask=lambda c, values, ctx: _one_of(c.mode, [teaching_mode_code(value) for value in values]),
    ),
    Criterion(
        name="public",
        kind=Kind.MULTIPLE,
        label="Public visé",
        attr="publics",
        choices=tuple(Choice(value, label) for value, label, _ in PUBLICS),
        panel=AUDIENCES,
        api="Public visé.",
        mask=lambda c, values, ctx: (c.audiences & _bits(AUDIENCE_BIT, values)) != 0,
    ),
    Criterion(
        name="semaines",
        kind=Kind.SINGLE,
        label="Début dans les",
        attr="weeks",
        choices=tuple(Choice(str(weeks), f"Dans les {weeks} semaines", key=weeks) for weeks in WEEKS),
        integer=True,
        panel=START,
        api="Début dans les N semaines.",
        over=Over.SESSIONS,
        group="dates",
        mask=lambda c, weeks, ctx: _dated(c, ctx, c.start <= ctx.t + 7 * weeks),
    ),
    Criterion(
        name="debut_min",
        kind=Kind.DATE,
        label="Début à partir du",
        attr="start_min",
        messages={"invalid": INVALID_DATE},
        panel=PERIOD,
        panel_label="À partir du",
        api="Début au plus tôt (AAAA-MM-JJ).",
        over=Over.SESSIONS,
        group="dates",
        mask=lambda c, day, ctx: _dated(c, ctx, c.start >= day.toordinal()),
    ),
    Criterion(
        name="debut_max",
        kind=Kind.DATE,
        label="Début au plus tard le",
        attr="start_max",
        messages={"invalid": INVALID_DATE},
        panel=PERIOD,
        panel_label="Au plus tard le",
        api="Début au plus tard (AAAA-MM-JJ).",
        over=Over.SESSIONS,
        group="dates",
        mask=lambda c, day, ctx: _dated(c, ctx, c.start <= day.toordinal()),
    ),
    Criterion(
        name="inscription",
        kind=Kind.SINGLE,
        label="Inscriptions",
        attr="registration_open",
        choices=(Choice("ouverte", "Inscriptions ouvertes aujourd'hui", key=True),),
        panel=CONDITIONS,
        api="Inscriptions ouvertes aujourd'hui.",
        over=Over.SESSIONS,
        mask=lambda c, _, ctx: ctx.registration_open(),
    ),
    Criterion(
        name="places",
        kind=Kind.FLAG,
        label="Masquer les sessions complètes",
        attr="places",
        panel=CONDITIONS,
        api="Sans les sessions complètes.",
        over=Over.SESSIONS,
        mask=lambda c, _, ctx: c.places_left != 0,  # -1: unknown, not full
    ),
    Criterion(
        name="gratuit",
        kind=Kind.FLAG,
        label="Gratuite pour les demandeurs d'emploi",
        attr="free",
        panel=CONDITIONS,
        api="Gratuite pour les demandeurs d'emploi.",
        mask=lambda c, _, ctx: c.free,
    ),
    Criterion(
        name="financeur",
        kind=Kind.MULTIPLE,
        label="Financement",
        attr="funders",
        choices=tuple(Choice(value, label) for value, label, _ in FUNDERS),
        panel=FUNDING,
        api="Financement.",
        mask=_funding,
    ),
    Criterion(
        name="certifiante",
        kind=Kind.FLAG,
        label="Certifiante (RNCP ou RS)",
        attr="certifying",
        panel=CONDITIONS,
        api="Certifiante (RNCP ou RS).",
        mask=lambda c, _, ctx: c.certifying,
    ),
    Criterion(
        name="niveau",
        kind=Kind.SINGLE,
        label="Niveau de la personne",
        attr="level",
        choices=tuple(Choice(value, label) for value, label, _ in LEVELS),
        panel=LEVEL,
        api="Niveau de la personne.",
        mask=lambda c, value, ctx: c.level <= LEVEL_RANK[value],
    ),
    Criterion(
        name="duree_max",
        kind=Kind.SINGLE,
        label="Durée",
        attr="max_hours",
        choices=tuple(Choice(str(hours), f"{hours} heures au plus", key=hours) for hours in DURATIONS),
        integer=True,
        panel=DURATION,
        api="Durée maximale en heures.",
        mask=lambda c, hours, ctx: (c.hours >= 0) & (c.hours <= hours),  # -1: unknown
    ),
    Criterion(
        name="label",
        kind=Kind.MULTIPLE,
        label="Label",
        attr="programmes",
        choices=_programme_choices,  # the query holds programme ids
        pattern=SLUG,
        panel=LABELS,
        api="Programme (identifiant).",
        mask=lambda c, programmes, ctx: ctx.labelled(programmes),
        facet_key="label_slug",
    ),
    Criterion(
        name="organisme",
        kind=Kind.SLUG,
        label="Organisme",
        attr="organism_id",
        pattern=SLUG,
        from_form=lambda form: form.organism.pk if form.organism else None,
        api="Organisme (identifiant).",
        mask=lambda c, organism_id, ctx: c.organism == organism_id,
    ),
    Criterion(
        name="sans_date",
        kind=Kind.FLAG,
        label="Afficher aussi les formations sans date",
        role=Role.UNDATED,
        attr="include_undated",
        on_value="on",
        panel=PERIOD,
        api="Aussi les formations sans date.",
    ),
    Criterion(
        name="tri",
        kind=Kind.SINGLE,
        label="Trier par",
        role=Role.SORT,
        attr="sort",
        choices=SORTS,
        api="Tri.",
        omit=lambda value, data: value in ("", _default_sort(data)),
    ),
    Criterion(
        name="page",
        kind=Kind.INTEGER,
        label="Page",
        role=Role.PAGE,
        attr="page",
        min_value=1,
        max_value=MAX_PAGE,
        messages={"min_value": "Page inexistante.", "max_value": "Page inexistante."},
        api="Page (à partir de 1).",
        omit=lambda value, data: value in ("", "1"),
    ),
)


def by_name(criteria: Iterable[Criterion] = CRITERIA) -> dict[str, Criterion]:
    return {criterion.name: criterion for criterion in criteria}
