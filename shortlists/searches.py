"""A saved search is the GET parameters of the public search: re-run through the same form and engine, described
in French from the criteria table (catalogue.search.criteria)."""

from datetime import date

from django.http import QueryDict

from catalogue.forms import SearchForm, commune_by_code
from catalogue.search.criteria import CRITERIA, Kind, Role
from catalogue.search.engine import matching_session_ids
from catalogue.search.index import columns

# Never part of a saved search: the page shown, the sort, a typed place (resolved into `commune`), tokens.
DROPPED = {"page", "tri", "csrfmiddlewaretoken", "lieu"}
KNOWN = {criterion.name for criterion in CRITERIA}


def normalise_query(data: QueryDict) -> str:
    """The criteria of a search, in a stable order, without the page, the sort or empty values."""
    kept = QueryDict(mutable=True)
    for name in sorted(data.keys()):
        if name in DROPPED or name not in KNOWN:
            continue
        values = sorted({value.strip() for value in data.getlist(name) if value.strip()})
        if values:
            kept.setlist(name, values)
    return kept.urlencode()


def search_form(query: str, *, today: date) -> SearchForm:
    return SearchForm(QueryDict(query), columns=columns(today))


def matching_sessions(query: str, *, today: date) -> list[int]:
    """Ids of the sessions the saved criteria match today (the public search's own rules)."""
    form = search_form(query, today=today)
    return matching_session_ids(form.to_query(), today=today)


def describe(query: str, *, today: date) -> str:
    """The criteria in French: "« développeur » · Créteil (20 km) · Jeunes de 16 à 25 ans"."""
    data = QueryDict(query)
    c = columns(today)
    parts = []
    for criterion in CRITERIA:
        values = [v for v in data.getlist(criterion.name) if v]
        if not values or criterion.role in (Role.SORT, Role.PAGE, Role.PLACE):
            continue
        if criterion.name == "q":
            parts.append(f"« {values[0]} »")
        elif criterion.name == "commune":
            commune = commune_by_code(values[0])
            if commune is not None:
                parts.append(f"{commune.name} ({data.get('rayon') or 20} km)")
        elif criterion.name == "rayon":
            continue  # said with the commune
        elif criterion.kind is Kind.FLAG:
            parts.append(criterion.label)
        elif criterion.kind in (Kind.MULTIPLE, Kind.SINGLE):
            labels = {choice.value: choice.label for choice in criterion.options(c)}
            parts.append(", ".join(labels.get(v, v) for v in values))
        else:
            parts.append(f"{criterion.label} : {values[0]}")
    return " · ".join(parts) or "Toutes les formations"
