"""Facet groups as the search page shows them, made from the criteria table: options with their counts, checked or
disabled; and the options of the radius and sort selects."""

from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from .criteria import DISTANCE_SORT, Criterion, Kind, Panel, Role
from .engine import Outcome, Query, effective_sort
from .results import Rendered

GROUP_TEMPLATE = "components/facet_group.html"
# Facet groups rendered, by all they show (the same counts give the same HTML): most pages repeat most groups.
GROUPS = Rendered(2000)


@dataclass
class Option:
    name: str  # the GET parameter
    value: str
    label: str
    count: int | None
    checked: bool
    input_id: str  # unique on the page
    input: str = "checkbox"  # the input's type: checkbox, radio or date
    errors: list[str] = field(default_factory=list)
    narrows: bool = True  # choosing it narrows the results, so that a zero count disables it

    @property
    def disabled(self) -> bool:
        return self.narrows and self.count == 0 and not self.checked


@dataclass
class Group:
    name: str
    legend: str
    options: list[Option] = field(default_factory=list)
    hint: str = ""
    unfolded: bool = False

    @property
    def active(self) -> bool:
        return any(option.checked and option.value for option in self.options)

    @property
    def open(self) -> bool:
        """Shown unfolded when in use, when it shows an error, or always (the programme axes)."""
        return self.active or self.unfolded or any(option.errors for option in self.options)

    @property
    def html(self) -> SafeString:
        """The group rendered (components/facet_group.html), or the same group's HTML rendered before."""
        key = (self.name, self.legend, self.hint, self.unfolded, tuple(_option_key(o) for o in self.options))
        html = GROUPS.get(key)
        if html is None:
            html = render_to_string(GROUP_TEMPLATE, {"group": self})
            GROUPS.put(key, html)
        return html


def _option_key(o: Option) -> tuple:
    return (o.name, o.value, o.label, o.count, o.checked, o.input_id, o.input, tuple(o.errors), o.narrows)


def facet_groups(outcome: Outcome, form, query: Query) -> list[Group]:
    """The panels of the form's criteria table, in their order, each with the options of its criteria that apply."""
    form.is_valid()  # the date fields show what was typed and their errors
    groups: dict[Panel, Group] = {}
    for criterion in form.criteria:
        panel = criterion.panel
        if panel is None or not criterion.applies(query):
            continue
        if panel not in groups:
            groups[panel] = Group(panel.name, panel.legend, hint=panel.hint, unfolded=panel.unfolded)
        groups[panel].options += _options(criterion, panel, outcome, form, query)
    return [groups[panel] for panel in sorted(groups, key=lambda panel: panel.order)]


def radius_options(outcome: Outcome, form, query: Query) -> list[Option]:
    """The radius select; counts only around a commune."""
    return _select_options(form, "rayon", outcome, selected=str(query.radius_km))


def sort_options(outcome: Outcome, form, query: Query) -> list[Option]:
    """The sort select; distance only around a commune."""
    options = _select_options(form, "tri", outcome, selected=outcome.sort)
    default = effective_sort(Query(q=query.q))
    for option in options:
        if option.value == default:
            option.value = ""  # the default is sent empty: typing text later sorts by relevance, unless chosen
    return [option for option in options if option.value != DISTANCE_SORT or query.origin is not None]


def _select_options(form, name: str, outcome: Outcome, *, selected: str) -> list[Option]:
    criterion = next((criterion for criterion in form.criteria if criterion.name == name), None)
    if criterion is None:
        return []
    counts = outcome.facets.get(criterion.counts_key)
    return [
        Option(
            name,
            choice.value,
            choice.label,
            None if counts is None else counts.get(choice.value, 0),
            choice.value == selected,
            f"id_{name}_{choice.value}",
        )
        for choice in criterion.options(form.columns)
    ]


def _options(criterion: Criterion, panel: Panel, outcome: Outcome, form, query: Query) -> list[Option]:
    name, data = criterion.name, form.data
    counts = outcome.facets.get(criterion.counts_key, {})
    label = criterion.panel_label or criterion.label
    if criterion.kind is Kind.DATE:
        # What was typed is shown back, valid or not; "checked" when it applies.
        checked = form.cleaned_data.get(name) is not None
        errors = list(form.errors.get(name, []))
        return [Option(name, data.get(name, ""), label, None, checked, f"id_{name}", input="date", errors=errors)]
    if criterion.role is Role.UNDATED:
        # Counted as the results with undated sessions included; it widens the search, so it is never disabled.
        checked = bool(criterion.read(query))
        return [Option(name, criterion.on_value, label, outcome.undated_total, checked, f"id_{name}", narrows=False)]
    if criterion.kind is Kind.FLAG:
        value = criterion.on_value
        return [Option(name, value, label, counts.get(value, 0), data.get(name) == value, f"id_{name}_{value}")]
    choices = criterion.options(form.columns)
    if panel.input == "radio":
        picked = data.get(name, "")
        return [Option(name, "", "Indifférent", None, not picked, f"id_{name}_indifferent", input="radio")] + [
            Option(
                name,
                choice.value,
                choice.label,
                counts.get(choice.value, 0),
                choice.value == picked,
                f"id_{name}_{choice.value}",
                input="radio",
            )
            for choice in choices
        ]
    if criterion.kind is Kind.MULTIPLE:
        picked = set(data.getlist(name)) if hasattr(data, "getlist") else set()
    else:
        picked = {data.get(name, "")}
    return [
        Option(
            name,
            choice.value,
            choice.label,
            counts.get(choice.value, 0),
            choice.value in picked,
            f"id_{name}_{choice.value}",
        )
        for choice in choices
    ]
