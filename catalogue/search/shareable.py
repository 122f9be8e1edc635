"""Shareable search URLs and the active filters, made from the criteria table (ADR 0007).

A search URL carries only what was chosen: the table's parameters, in its order, without empty values nor what the
search does anyway (each criterion's `omit`: the default radius, the default sort, the first page, a radius without
a place). The same cleaning gives the chips above the results (each removes one value) and the search a detail page
goes back to (`retour`).
"""

from dataclasses import dataclass

from django.http import QueryDict
from django.urls import reverse

from core.templatetags.french import long_date_text

from .criteria import CRITERIA, Criterion, Kind, Role


def has_chip(criterion: Criterion) -> bool:
    """Whether a chosen value of this criterion is shown as a chip: the filters of the panels, the place (its radius
    with it), the organisation; not the text (it has its own box), the sort or the page."""
    return criterion.panel is not None or criterion.role is Role.ORIGIN or criterion.kind is Kind.SLUG


def clean_query(data: QueryDict, *, criteria: tuple[Criterion, ...] = CRITERIA) -> QueryDict:
    """Only what was chosen, in the table's order; each value once."""
    clean = QueryDict(mutable=True)
    for criterion in criteria:
        values = []
        for value in data.getlist(criterion.name):
            value = value.strip()
            if value not in values and not criterion.omit(value, data):
                values.append(value)
        if criterion.kind is not Kind.MULTIPLE:
            values = values[-1:]  # a single value: the last one given, as the form reads it
        if values:
            clean.setlist(criterion.name, values)
    return clean


def same_query(first: QueryDict, second: QueryDict) -> bool:
    """Whether two queries hold the same values, whatever the order of their parameters."""
    return sorted(_pairs(first)) == sorted(_pairs(second))


def _pairs(data: QueryDict) -> list[tuple[str, str]]:
    return [(name, value) for name in data for value in data.getlist(name)]


def search_url(data: QueryDict) -> str:
    encoded = data.urlencode()
    return reverse("search") + (f"?{encoded}" if encoded else "")


def back_to_search(retour: str, *, criteria: tuple[Criterion, ...] = CRITERIA) -> str:
    """The search a detail page goes back to, from its `retour` parameter: always the search page, with the clean
    form of the query string given (never another address)."""
    return search_url(clean_query(QueryDict(retour[:2000]), criteria=criteria))


@dataclass(frozen=True)
class Chip:
    label: str
    remove_url: str


def active_filters(form, *, data: QueryDict | None = None, criteria: tuple[Criterion, ...] | None = None) -> list[Chip]:
    """One chip per value chosen and applied, each with the URL of the same search without it. `data`: the search's
    shareable query when it differs from the form's data (a typed place named by its commune)."""
    criteria = form.criteria if criteria is None else criteria
    data = clean_query(form.data if data is None else data, criteria=criteria)
    data.pop("page", None)
    form.is_valid()
    chips = []
    for criterion in criteria:
        if not has_chip(criterion) or criterion.name in form.errors:
            continue
        for value in data.getlist(criterion.name):
            label = _chip_label(criterion, value, form)
            if label:
                rest = data.copy()
                rest.setlist(criterion.name, [v for v in data.getlist(criterion.name) if v != value])
                chips.append(Chip(label, search_url(clean_query(rest, criteria=criteria))))
    return chips


def _chip_label(criterion: Criterion, value: str, form) -> str:
    if criterion.role is Role.ORIGIN:
        commune = form.commune_choice.commune
        if commune is None:
            return ""
        radius = form.cleaned_data.get("rayon") or 20
        return f"Autour de {commune.name} ({radius} km)"
    if criterion.name == "organisme":
        return f"Organisme : {form.organism.usual_name}" if form.organism else ""
    if criterion.kind is Kind.FLAG or criterion.role is Role.UNDATED:
        return criterion.label
    if criterion.kind is Kind.DATE:
        day = form.cleaned_data.get(criterion.name)
        return f"{criterion.label} {long_date_text(day)}" if day else ""
    labels = {choice.value: choice.label for choice in criterion.options(form.columns)}
    if value not in labels:
        return ""
    if criterion.kind is Kind.SINGLE and criterion.panel is not None and criterion.panel.input == "radio":
        return f"{criterion.panel.legend} : {labels[value]}"
    return labels[value]


@dataclass(frozen=True)
class Suggestion:
    label: str  # "sans le filtre « À distance »"
    count: int
    url: str


def suggestions(
    outcome, form, *, data: QueryDict | None = None, criteria: tuple[Criterion, ...] | None = None
) -> list[Suggestion]:
    """When nothing matches: what would give results, from the counts the engine made with each group of criteria
    left out (`Outcome.relaxed`), best first; the widest radius only around a place."""
    criteria = form.criteria if criteria is None else criteria
    data = clean_query(form.data if data is None else data, criteria=criteria)
    data.pop("page", None)
    form.is_valid()
    found = []
    for group, count in outcome.relaxed.items():
        if count == 0:
            continue
        if group == "rayon":
            wider = data.copy()
            wider["rayon"] = str(max(int(choice.value) for choice in _by_name(criteria)["rayon"].options(None)))
            found.append(Suggestion(f"dans un rayon de {wider['rayon']} km", count, search_url(wider)))
            continue
        members = [c for c in criteria if c.mask_group == group and c.name in data]
        if not members:
            continue
        names = []
        for criterion in members:
            if criterion.name == "q":
                names.append(f"le texte « {data['q']} »")
            elif has_chip(criterion):
                labels = [_chip_label(criterion, value, form) or value for value in data.getlist(criterion.name)]
                kind = "le lieu" if criterion.role is Role.ORIGIN else "les filtres" if len(labels) > 1 else "le filtre"
                names.append(f"{kind} {', '.join(f'« {label} »' for label in labels)}")
        rest = data.copy()
        for criterion in members:
            rest.pop(criterion.name, None)
        found.append(Suggestion("sans " + " ni ".join(names), count, search_url(clean_query(rest, criteria=criteria))))
    if not form.cleaned_data.get("sans_date") and outcome.undated_total:
        with_undated = data.copy()
        with_undated["sans_date"] = "on"
        found.append(Suggestion("avec les formations sans date", outcome.undated_total, search_url(with_undated)))
    return sorted(found, key=lambda suggestion: -suggestion.count)


def _by_name(criteria) -> dict[str, Criterion]:
    return {criterion.name: criterion for criterion in criteria}
