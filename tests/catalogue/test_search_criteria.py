"""The criteria table declares the search vocabulary once: each criterion is a form field, options in its facet
group, an API parameter and a mask of the engine; and one entry added to a table brings all four (ADR 0007)."""

from dataclasses import replace

import pytest
from django import forms
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes

from api.views import filter_parameters
from catalogue.forms import SearchForm
from catalogue.search.criteria import CONDITIONS, CRITERIA, Criterion, Kind, Over, Role
from catalogue.search.engine import Query, search, select
from catalogue.search.facets import facet_groups, radius_options, sort_options
from catalogue.search.index import columns
from tests.catalogue.factories import (
    ActionFactory,
    ActionLabelFactory,
    CommuneFactory,
    DepartmentFactory,
    ProgrammeFactory,
    TrainingPlaceFactory,
)
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    """An on-site labelled action in Créteil, a remote one with rolling entry, an undated one."""
    creteil = CommuneFactory(code="94028", name="Créteil", department=DepartmentFactory(code="94"))
    place = TrainingPlaceFactory(commune=creteil, action__blended=True, action__formation__title="Développeur web")
    TrainingSessionFactory(action=place.action, is_remote=False, place=place)
    ActionLabelFactory(action=place.action, programme=ProgrammeFactory(), granted=True)
    rolling = ActionFactory(remote=True, formation__title="Assistant numérique")
    TrainingSessionFactory(action=rolling, rolling_entry=True)
    TrainingSessionFactory(action=ActionFactory(formation__title="Bureautique"), undated=True)
    return place.action


def data_of(values: dict[str, str]) -> QueryDict:
    data = QueryDict(mutable=True)
    data.update(values)
    return data


def chosen(criterion: Criterion, c, organism_slug: str) -> dict[str, str]:
    """GET data choosing a filter: its first option, today, a word or a known organisation."""
    match criterion.kind:
        case Kind.FLAG:
            values = {criterion.name: criterion.on_value}
        case Kind.DATE:
            values = {criterion.name: timezone.localdate().isoformat()}
        case Kind.TEXT:
            values = {criterion.name: "web"}
        case Kind.SLUG:
            values = {criterion.name: organism_slug}
        case _:
            values = {criterion.name: criterion.options(c)[0].value}
    # The radius applies around a commune only.
    return values | ({"commune": "94028"} if criterion.name == "rayon" else {})


# What each parameter that is not a filter does, checked on the query, the selection and the outcome.
NOT_FILTERS = {
    Role.PLACE: ({"lieu": "Créteil"}, lambda query, sel, outcome: sel.distance is not None),
    Role.ORIGIN: ({"commune": "94028"}, lambda query, sel, outcome: sel.distance is not None),
    Role.UNDATED: ({"sans_date": "on"}, lambda query, sel, outcome: outcome.total == 3),
    Role.SORT: ({"tri": "date", "q": "web"}, lambda query, sel, outcome: outcome.sort == "date"),
    Role.PAGE: ({"page": "2"}, lambda query, sel, outcome: query.page == 2 and outcome.page == 1),
}


def test_every_criterion_is_a_field_a_facet_an_api_parameter_and_a_mask(client, catalogue):
    today = timezone.localdate()
    c = columns(today)
    organism = catalogue.formation.organism.slug
    form = SearchForm(QueryDict(), columns=c)
    query = form.to_query()
    outcome = search(query, today=today)
    shown = {option.name for group in facet_groups(outcome, form, query) for option in group.options}
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/actions/"]["get"]["parameters"]}
    session_parameters = {p["name"] for p in schema["paths"]["/api/v1/sessions/"]["get"]["parameters"]}
    assert set(form.fields) == {criterion.name for criterion in CRITERIA}
    assert set(parameters) == {criterion.name for criterion in CRITERIA if criterion.api}

    for criterion in CRITERIA:
        name = criterion.name
        # The form field, with the table's label and values.
        field = form.fields[name]
        assert field.label == criterion.label, name
        if isinstance(field, forms.ChoiceField):
            assert [value for value, _ in field.choices] == [choice.value for choice in criterion.options(c)], name

        # The facet group.
        if criterion.panel is not None:
            assert name in shown, name

        # The API parameter, its values or its pattern: every criterion but the typed place (the API takes codes).
        assert bool(criterion.api) == (criterion.role is not Role.PLACE), name
        if criterion.api:
            parameter = parameters[name]
            assert parameter["description"] == criterion.api, name
            schema_of = parameter["schema"].get("items", parameter["schema"])
            if criterion.kind in (Kind.MULTIPLE, Kind.SINGLE) and not criterion.choices_from_index:
                assert sorted(map(str, schema_of["enum"])) == sorted(c.value for c in criterion.options(None)), name
            if criterion.pattern:
                assert schema_of["pattern"] == criterion.pattern, name
            assert (name in session_parameters) == (criterion.role is not Role.SORT), name

        # The engine.
        if criterion.role is Role.FILTER:
            chosen_form = SearchForm(data_of(chosen(criterion, c, organism)), columns=c)
            chosen_query = chosen_form.to_query()
            assert not chosen_form.errors, (name, chosen_form.errors)
            sel = select(chosen_query, today=today)
            masks = sel.action_masks if criterion.over is Over.ACTIONS else sel.session_masks
            assert criterion.mask_group in masks, name
            assert len(masks[criterion.mask_group]) == len(c.action_id if criterion.over is Over.ACTIONS else c.start)
            if criterion.counted:
                counts = search(chosen_query, today=today).facets[criterion.counts_key]
                assert set(counts) <= {choice.value for choice in criterion.counted_options(c)}, name
                assert counts, name
        else:
            values, effect = NOT_FILTERS[criterion.role]
            assert name in values
            role_query = SearchForm(data_of(values), columns=c).to_query()
            sel = select(role_query, today=today)
            assert effect(role_query, sel, search(role_query, today=today)), name


def test_the_radius_and_sort_selects_come_from_the_table(catalogue):
    today = timezone.localdate()
    c = columns(today)
    form = SearchForm(data_of({"commune": "94028", "rayon": "10", "tri": "distance"}), columns=c)
    query = form.to_query()
    outcome = search(query, today=today)
    radii = radius_options(outcome, form, query)
    assert [(o.label, o.checked) for o in radii][:3] == [("5 km", False), ("10 km", True), ("20 km", False)]
    assert all(o.count == 2 for o in radii)  # the on-site one in Créteil and the remote one
    assert [(o.value, o.checked) for o in sort_options(outcome, form, query)] == [
        ("pertinence", False),
        ("", False),  # the default without text (by date) is sent empty: the URL carries it only when chosen
        ("distance", True),
    ]
    without_place = SearchForm(QueryDict(), columns=c)
    nowhere = without_place.to_query()
    nowhere_outcome = search(nowhere, today=today)
    assert [o.value for o in sort_options(nowhere_outcome, without_place, nowhere)] == ["pertinence", ""]
    assert {o.count for o in radius_options(nowhere_outcome, without_place, nowhere)} == {None}


# A worked example: one entry over a column the index already has (sessions' rolling entry).
ROLLING_ENTRY = Criterion(
    name="entrees_permanentes",
    kind=Kind.FLAG,
    label="Entrées et sorties permanentes",
    panel=CONDITIONS,
    api="Sessions à entrées et sorties permanentes.",
    over=Over.SESSIONS,
    mask=lambda c, _, ctx: c.rolling,
)
TABLE = (*CRITERIA, ROLLING_ENTRY)


def test_one_entry_makes_the_field_the_facet_the_api_parameter_and_the_mask(catalogue):
    today = timezone.localdate()
    c = columns(today)

    form = SearchForm(data_of({"entrees_permanentes": "1"}), columns=c, criteria=TABLE)
    assert isinstance(form.fields["entrees_permanentes"], forms.BooleanField)
    query = form.to_query()
    assert query.extra == {"entrees_permanentes": True}
    assert replace(query, extra={}) == Query()

    outcome = search(query, today=today, criteria=TABLE)
    assert outcome.total == 1 and outcome.facets["entrees_permanentes"] == {"1": 1}
    unfiltered = search(Query(), today=today, criteria=TABLE)
    assert unfiltered.total == 2 and unfiltered.facets["entrees_permanentes"] == {"1": 1}
    assert search(query, today=today).total == 2  # the portal's own table does not know it

    conditions = next(group for group in facet_groups(outcome, form, query) if group.name == CONDITIONS.name)
    option = conditions.options[-1]
    assert (option.name, option.value, option.label, option.count, option.checked) == (
        "entrees_permanentes",
        "1",
        "Entrées et sorties permanentes",
        1,
        True,
    )
    html = render_to_string("components/facet_group.html", {"group": conditions})
    assert 'name="entrees_permanentes" value="1" id="id_entrees_permanentes_1" checked>' in html

    parameter = next(p for p in filter_parameters(with_sort=True, criteria=TABLE) if p.name == "entrees_permanentes")
    assert (parameter.type, parameter.description) == (OpenApiTypes.BOOL, "Sessions à entrées et sorties permanentes.")
    assert "entrees_permanentes" not in {p.name for p in filter_parameters(with_sort=True)}
