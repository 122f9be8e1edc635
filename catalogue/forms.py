"""The public search form: every criterion is a GET parameter with a stable French name (README), its field made
from the criteria table (catalogue.search.criteria)."""

import re
from dataclasses import dataclass

from django import forms
from django.db.models import Q

from organisms.models import Organism

from .models import Commune
from .places import home_first, home_region_code
from .search.criteria import CRITERIA, Criterion, Kind, Role, is_set
from .search.criteria import INSEE_CODE as INSEE_CODE_PATTERN
from .search.engine import Query
from .search.index import Columns
from .search.text import simplify

INSEE_CODE = re.compile(INSEE_CODE_PATTERN)
POSTCODE = re.compile(r"^[0-9]{5}$")
NAME_AND_POSTCODE = re.compile(r"^(?P<name>.+?)\s*\((?P<postcode>[0-9]{5})\)$")


@dataclass(frozen=True)
class CommuneChoice:
    commune: Commune | None
    candidates: list[Commune]


def commune_label(commune: Commune) -> str:
    return f"{commune.name} ({commune.postcode_list[0]})" if commune.postcode_list else commune.name


COMMUNE_FIELDS = ("code", "name", "postcodes", "latitude", "longitude", "kind")
MAX_CANDIDATES = 10


def commune_by_code(code: str) -> Commune | None:
    """The commune of an INSEE code (the `commune` parameter of shareable URLs)."""
    if not INSEE_CODE.match(code.upper()):
        return None
    return Commune.objects.only(*COMMUNE_FIELDS).filter(code=code.upper()).first()


def _with_postcode(postcode: str) -> Q:
    """Communes having this postcode or one starting so (their postcodes are sorted, separated by spaces)."""
    return Q(postcodes__startswith=postcode) | Q(postcodes__contains=" " + postcode)


def resolve_commune(text: str) -> CommuneChoice:
    """A commune from what a person types: a postcode, "Name (postcode)" or a name; candidates when ambiguous.

    A name shared by communes of several regions means the home region's one when it has exactly one."""
    text = text.strip()
    if not text:
        return CommuneChoice(None, [])
    communes = Commune.objects.only(*COMMUNE_FIELDS, "department__region_code").select_related("department")
    if POSTCODE.match(text):
        return _pick([c for c in communes.filter(_with_postcode(text)) if text in c.postcode_list])
    match = NAME_AND_POSTCODE.match(text)
    name = simplify(match["name"] if match else text)
    if not name:
        return CommuneChoice(None, [])
    if match:
        found = list(communes.filter(_with_postcode(match["postcode"]), search_name=name))
        if found:
            return _pick(found)
    same_name = list(communes.filter(search_name=name))
    if same_name:
        at_home = [c for c in same_name if c.department.region_code == home_region_code()]
        return _pick(at_home if len(at_home) == 1 else same_name)
    starting = list(
        communes.filter(search_name__startswith=name).order_by(home_first(), "name", "code")[: MAX_CANDIDATES + 1]
    )
    if len(starting) == 1:
        return CommuneChoice(starting[0], [])
    return CommuneChoice(None, starting[:MAX_CANDIDATES])


def suggest_communes(text: str, *, limit: int = 10) -> list[str]:
    """Values for the place field's suggestions, "Name (postcode)": the home region's first, then the most
    populated. One indexed query on the simplified name (or the postcodes), whatever the number of communes."""
    communes = Commune.objects.only("name", "postcodes").order_by(home_first(), "-population", "name")
    text = text.strip()
    if text.isdigit():
        found = []
        for commune in communes.filter(_with_postcode(text))[: limit * 2]:
            found.extend(f"{commune.name} ({code})" for code in commune.postcode_list if code.startswith(text))
        return found[:limit]
    name = simplify(text)
    if not name:
        return []
    return [commune_label(c) for c in communes.filter(search_name__startswith=name)[:limit]]


def _pick(found: list[Commune]) -> CommuneChoice:
    """One commune, preferring an arrondissement to its city when both have the postcode."""
    precise = [c for c in found if c.kind == Commune.Kind.ARRONDISSEMENT] or found
    if len(precise) == 1:
        return CommuneChoice(precise[0], [])
    return CommuneChoice(None, sorted(precise, key=lambda c: (c.name, c.code))[:MAX_CANDIDATES])


def search_field(criterion: Criterion, columns: Columns) -> forms.Field:
    """The form field of a criterion: its kind gives the field class, the table its label, values and messages."""
    common = {"label": criterion.label, "required": False, "error_messages": dict(criterion.messages)}
    choices = [(choice.value, choice.label) for choice in criterion.options(columns)]
    match criterion.kind:
        case Kind.TEXT:
            return forms.CharField(max_length=criterion.max_length, **common)
        case Kind.SLUG:
            return forms.SlugField(**common)
        case Kind.MULTIPLE:
            return forms.MultipleChoiceField(choices=choices, **common)
        case Kind.SINGLE if criterion.integer:
            return forms.TypedChoiceField(choices=choices, coerce=int, empty_value=None, **common)
        case Kind.SINGLE:
            return forms.ChoiceField(choices=choices, **common)
        case Kind.FLAG:
            return forms.BooleanField(**common)
        case Kind.DATE:
            return forms.DateField(**common)
        case Kind.INTEGER:
            return forms.IntegerField(min_value=criterion.min_value, max_value=criterion.max_value, **common)
    raise ValueError(f"Unknown kind of criterion: {criterion.kind}")


class SearchForm(forms.Form):
    """One field per criterion of the table, in its order; the table's criteria become a Query."""

    def __init__(self, data, *, columns: Columns, criteria: tuple[Criterion, ...] = CRITERIA):
        super().__init__(data)
        self.columns = columns
        self.criteria = criteria
        for criterion in criteria:
            self.fields[criterion.name] = search_field(criterion, columns)
        self.commune_choice = CommuneChoice(None, [])
        self.organism = None

    def clean_commune(self):
        code = self.cleaned_data["commune"]
        if code and not self.data.get("lieu", "").strip():
            if not INSEE_CODE.match(code.upper()):
                raise forms.ValidationError(
                    "Code de commune mal formé (5 caractères, par exemple 94028).", code="invalid"
                )
            commune = commune_by_code(code)
            if commune is None:
                raise forms.ValidationError("Code de commune inconnu.", code="not_found")
            self.commune_choice = CommuneChoice(commune, [])
        return code

    def clean_lieu(self):
        text = self.cleaned_data["lieu"]
        if not text:
            return text
        self.commune_choice = resolve_commune(text)
        if self.commune_choice.commune is None:
            if self.commune_choice.candidates:
                raise forms.ValidationError("Plusieurs communes correspondent : choisissez-en une dans la liste.")
            raise forms.ValidationError(
                "Commune introuvable : vérifiez l'orthographe ou saisissez un code postal.", code="not_found"
            )
        return text

    def clean_organisme(self):
        slug = self.cleaned_data["organisme"]
        if slug:
            self.organism = Organism.objects.approved().filter(slug=slug).only("id", "usual_name", "slug").first()
            if self.organism is None:
                raise forms.ValidationError("Cet organisme n'est pas dans le catalogue.", code="not_found")
        return slug

    def clean(self):
        cleaned = super().clean()
        start_min, start_max = cleaned.get("debut_min"), cleaned.get("debut_max")
        if start_min and start_max and start_max < start_min:
            self.add_error(
                "debut_max",
                forms.ValidationError("La date de fin de la période doit suivre sa date de début.", code="inverted"),
            )
        return cleaned

    def to_query(self) -> Query:
        """The criteria that are valid; an invalid one is left out (and reported next to its field)."""
        self.is_valid()
        values, extra = {}, {}
        for criterion in self.criteria:
            if criterion.role is Role.PLACE:
                continue  # resolved into the commune by clean_lieu
            value = criterion.from_form(self) if criterion.from_form else self._query_value(criterion)
            if not is_set(value):
                continue  # the Query's default
            if criterion.attr:
                values[criterion.attr] = value
            else:
                extra[criterion.name] = value
        return Query(**values, extra=extra)

    def _query_value(self, criterion: Criterion):
        value = self.cleaned_data.get(criterion.name)
        if criterion.kind in (Kind.MULTIPLE, Kind.SINGLE) and is_set(value):
            keys = {choice.value: choice.query_value for choice in criterion.options(self.columns)}
            return [keys[v] for v in value] if criterion.kind is Kind.MULTIPLE else keys[str(value)]
        return value
