"""Read-only REST API (Django REST framework, OpenAPI 3 by drf-spectacular): actions and sessions with the same
filters, the same engine and the same freshness rules as the web search; anonymous requests are throttled."""

import re

from django.http import QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from catalogue.detail import listed_sessions
from catalogue.forms import SearchForm
from catalogue.models import Action, ActionLabel
from catalogue.search.criteria import CRITERIA, NO_NUL, Criterion, Kind, Role
from catalogue.search.engine import matching_session_ids, search
from catalogue.search.index import columns
from sessions.models import TrainingSession

SESSIONS_PAGE_SIZE = 50
# A 400's body: for each malformed criterion, its French messages.
ERRORS = OpenApiResponse(
    {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    description="Critère mal formé : pour chaque paramètre en cause, ses messages.",
)
# A 429's body (DRF's throttle): the limit is shared by every web process (Redis), per client address.
THROTTLED = OpenApiResponse(
    {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]},
    description="Trop de requêtes anonymes (limite API_ANONYMOUS_RATE, 120 par minute par défaut, par adresse) : "
    "l'en-tête Retry-After dit dans combien de secondes réessayer.",
)


def filter_parameters(*, with_sort: bool, criteria: tuple[Criterion, ...] = CRITERIA) -> list[OpenApiParameter]:
    """The search criteria as OpenAPI parameters, from the criteria table; the sort only where results are sorted."""
    return [
        api_parameter(criterion)
        for criterion in criteria
        if criterion.api and (with_sort or criterion.role is not Role.SORT)
    ]


def api_parameter(criterion: Criterion) -> OpenApiParameter:
    name, description = criterion.name, criterion.api
    values = [int(c.value) if criterion.integer else c.value for c in criterion.options(None)]
    match criterion.kind:
        case Kind.MULTIPLE:
            items = {"type": "string", "enum": values} if not criterion.choices_from_index else {"type": "string"}
            if criterion.pattern:
                items["pattern"] = criterion.pattern
            return OpenApiParameter(name, {"type": "array", "items": items}, description=description, explode=True)
        case Kind.SINGLE if not criterion.choices_from_index:
            kind = OpenApiTypes.INT if criterion.integer else OpenApiTypes.STR
            return OpenApiParameter(name, kind, description=description, enum=values)
        case Kind.FLAG:
            return OpenApiParameter(name, OpenApiTypes.BOOL, description=description)
        case Kind.DATE:
            return OpenApiParameter(name, OpenApiTypes.DATE, description=description)
        case Kind.INTEGER:
            schema = {"type": "integer", "minimum": criterion.min_value, "maximum": criterion.max_value}
            return OpenApiParameter(name, schema, description=description)
    # Text, identifiers and values read from the catalogue: a pattern gives their shape, else their length.
    if criterion.pattern:
        schema = {"type": "string", "pattern": criterion.pattern}
    else:
        schema = {"type": "string", "maxLength": criterion.max_length, "pattern": NO_NUL}
    return OpenApiParameter(name, schema, description=description)


BOOLEANS = {criterion.name for criterion in CRITERIA if criterion.kind is Kind.FLAG}
TRUE, FALSE = {"true", "1", "on", "oui"}, {"false", "0", "off", "non"}


# Values read from the catalogue (departments, programmes): a well-formed one may be unknown here.
WELL_FORMED = {
    criterion.name: re.compile(criterion.pattern)
    for criterion in CRITERIA
    if criterion.choices_from_index and criterion.pattern
}


def matches_nothing(field: str, error, values: list[str]) -> bool:
    """A well-formed value that this catalogue does not have (or an empty date window): no result, not an error."""
    if error.code in ("not_found", "inverted"):
        return True
    pattern = WELL_FORMED.get(field)
    return pattern is not None and error.code == "invalid_choice" and all(pattern.match(v) for v in values)


def query_from(request):
    """The web search's form: a malformed criterion is a 400 with the form's French messages; a well-formed one
    that matches nothing (unknown commune, organisation, label, department, inverted dates) gives no result."""
    data = QueryDict(mutable=True)
    malformed_values = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        if key != "q" and any(v == "" for v in values):
            malformed_values[key] = ["Valeur vide : omettez ce paramètre pour ne pas filtrer."]
        if key in BOOLEANS:
            if any(v.lower() not in TRUE | FALSE for v in values):
                malformed_values[key] = ["Valeur attendue : true ou false."]
            values = ["on" if v.lower() in TRUE else "" for v in values]
        data.setlist(key, values)
    if malformed_values:
        raise ValidationError(malformed_values)
    form = SearchForm(data, columns=columns(timezone.localdate()))
    query = form.to_query()
    malformed = {
        field: [message for error in errors for message in error.messages]
        for field, errors in form.errors.as_data().items()
        if not all(matches_nothing(field, error, data.getlist(field)) for error in errors)
    }
    if malformed:
        raise ValidationError(malformed)
    return None if form.errors else query


class PlaceSerializer(serializers.Serializer):
    commune = serializers.CharField()
    code_insee = serializers.CharField()
    code_postal = serializers.CharField()
    adresse = serializers.CharField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()


class SessionSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    action = serializers.CharField(source="action.public_id")
    debut = serializers.DateField(source="start_date", allow_null=True)
    fin = serializers.DateField(source="end_date", allow_null=True)
    inscription_ouverture = serializers.DateField(source="registration_opens", allow_null=True)
    inscription_cloture = serializers.DateField(source="registration_closes", allow_null=True)
    etat_recrutement = serializers.IntegerField(source="recruitment_state")
    entrees_permanentes = serializers.BooleanField(source="rolling_entry")
    places = serializers.IntegerField(source="capacity", allow_null=True)
    places_restantes = serializers.IntegerField(source="places_left", allow_null=True)
    a_distance = serializers.BooleanField(source="is_remote")
    lieu = serializers.SerializerMethodField()
    confirmee_le = serializers.DateTimeField(source="confirmed_at", allow_null=True)

    @extend_schema_field(PlaceSerializer(allow_null=True))
    def get_lieu(self, session):
        place = session.place
        if place is None:
            return None
        return {
            "commune": place.commune.name,
            "code_insee": place.commune.code,
            "code_postal": place.postcode,
            "adresse": place.street,
            "latitude": place.latitude,
            "longitude": place.longitude,
        }


class ActionSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    intitule = serializers.CharField(source="formation.title")
    organisme = serializers.CharField(source="formation.organism.usual_name")
    siret = serializers.CharField(source="formation.organism.siret")
    axe = serializers.CharField(source="axis")
    modalite = serializers.IntegerField(source="teaching_mode")
    duree_heures = serializers.IntegerField(source="hours_total", allow_null=True)
    prix_ttc = serializers.DecimalField(
        source="price", max_digits=9, decimal_places=2, allow_null=True, coerce_to_string=True
    )
    gratuit_demandeurs_emploi = serializers.BooleanField(source="free_for_jobseekers")
    certifiante = serializers.BooleanField(source="formation.is_certifying")
    url = serializers.SerializerMethodField()

    def get_url(self, action) -> str:
        request = self.context.get("request")
        path = f"/formations/{action.public_id}/"
        return request.build_absolute_uri(path) if request else path


class ActionDetailSerializer(ActionSerializer):
    objectifs = serializers.CharField(source="formation.objectives")
    contenu = serializers.CharField(source="formation.content")
    prerequis = serializers.CharField(source="entry_requirements")
    publics = serializers.ListField(child=serializers.CharField(), source="audience_codes")
    financeurs = serializers.ListField(child=serializers.CharField(), source="funder_codes")
    labels = serializers.ListField(child=serializers.CharField(), source="label_slugs")
    sessions = SessionSerializer(many=True, source="sessions_list")


def page_response(request, *, results, count: int, page: int, pages: int) -> Response:
    def link(number):
        if number < 1 or number > pages:
            return None
        query = request.query_params.copy()
        query["page"] = str(number)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    return Response(
        {
            "count": count,
            "page": page,
            "pages": pages,
            "next": link(page + 1),
            "previous": link(page - 1),
            "results": results,
        }
    )


class ActionPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ActionSerializer(many=True)


class SessionPageSerializer(ActionPageSerializer):
    results = SessionSerializer(many=True)


class ActionList(APIView):
    @extend_schema(
        operation_id="actions_list",
        summary="Actions de formation",
        description="Les actions de formation publiées qui ont au moins une session correspondant aux critères ; "
        "20 par page. Mêmes critères et mêmes règles de fraîcheur que la recherche du portail.",
        parameters=filter_parameters(with_sort=True),
        responses={200: ActionPageSerializer, 400: ERRORS, 429: THROTTLED},
    )
    def get(self, request):
        query = query_from(request)
        if query is None:
            return page_response(request, results=[], count=0, page=1, pages=1)
        outcome = search(query, today=timezone.localdate())
        ids = [hit.action_id for hit in outcome.hits]
        actions = Action.objects.select_related("formation__organism").in_bulk(ids)
        results = ActionSerializer(
            [actions[pk] for pk in ids if pk in actions], many=True, context={"request": request}
        ).data
        return page_response(request, results=results, count=outcome.total, page=outcome.page, pages=outcome.pages)


class ActionDetail(APIView):
    @extend_schema(
        operation_id="action_retrieve",
        summary="Une action de formation",
        responses={
            200: ActionDetailSerializer,
            404: OpenApiResponse(description="Action inconnue ou non publiée."),
            429: THROTTLED,
        },
    )
    def get(self, request, public_id: str):
        today = timezone.localdate()
        action = get_object_or_404(
            Action.objects.published().select_related("formation__organism"), public_id=public_id
        )
        action.audience_codes = sorted(action.audiences.values_list("code", flat=True))
        action.funder_codes = sorted(action.funders.values_list("code", flat=True))
        action.label_slugs = sorted(
            ActionLabel.objects.active(today).filter(action=action).values_list("programme__slug", flat=True)
        )
        action.sessions_list = list(listed_sessions(action, today=today))
        data = ActionDetailSerializer(action, context={"request": request}).data
        return Response(data)


class SessionList(APIView):
    @extend_schema(
        operation_id="sessions_list",
        summary="Sessions de formation",
        description="Les sessions correspondant aux critères, par date de début ; 50 par page.",
        parameters=filter_parameters(with_sort=False),
        responses={200: SessionPageSerializer, 400: ERRORS, 429: THROTTLED},
    )
    def get(self, request):
        query = query_from(request)
        if query is None:
            return page_response(request, results=[], count=0, page=1, pages=1)
        ids = matching_session_ids(query, today=timezone.localdate())
        pages = max(1, -(-len(ids) // SESSIONS_PAGE_SIZE))
        page = min(max(query.page, 1), pages)
        chunk = ids[(page - 1) * SESSIONS_PAGE_SIZE : page * SESSIONS_PAGE_SIZE]
        sessions = TrainingSession.objects.select_related("action", "place__commune").in_bulk(chunk)
        results = SessionSerializer([sessions[pk] for pk in chunk if pk in sessions], many=True).data
        return page_response(request, results=results, count=len(ids), page=page, pages=pages)


def api_documentation(request):
    """The API's documentation, read from its OpenAPI schema: plain HTML, usable with a keyboard and a screen
    reader (no external viewer)."""
    schema = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": parameter["name"],
                            "where": {"query": "paramètre", "path": "chemin"}.get(parameter["in"], parameter["in"]),
                            "description": parameter.get("description", ""),
                            "values": ", ".join(
                                str(v)
                                for v in parameter.get("schema", {}).get("enum", [])
                                or parameter.get("schema", {}).get("items", {}).get("enum", [])
                            ),
                        }
                        for parameter in operation.get("parameters", [])
                    ],
                }
            )
    return render(request, "api/documentation.html", {"operations": operations, "schema_info": schema["info"]})
