"""The public search form: every criterion is a GET parameter with a stable French name (README)."""

import re
from dataclasses import dataclass

from django import forms

from organisms.models import Organism

from .models import Commune
from .search import params as p
from .search.engine import Query
from .search.index import Columns
from .search.text import fold

INSEE_CODE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")
POSTCODE = re.compile(r"^[0-9]{5}$")
NAME_AND_POSTCODE = re.compile(r"^(?P<name>.+?)\s*\((?P<postcode>[0-9]{5})\)$")


@dataclass(frozen=True)
class CommuneChoice:
    commune: Commune | None
    candidates: list[Commune]


def commune_label(commune: Commune) -> str:
    return f"{commune.name} ({commune.postcode_list[0]})" if commune.postcode_list else commune.name


def simplify(name: str) -> str:
    """Folded, hyphens and apostrophes as spaces: "Saint-Maur" and "saint maur" compare equal."""
    return " ".join(re.split(r"[\s'-]+", fold(name))).strip()


COMMUNE_FIELDS = ("code", "name", "postcodes", "latitude", "longitude", "kind")


def commune_by_code(code: str) -> Commune | None:
    """The commune of an INSEE code (the `commune` parameter of shareable URLs)."""
    if not INSEE_CODE.match(code.upper()):
        return None
    return Commune.objects.only(*COMMUNE_FIELDS).filter(code=code.upper()).first()


def resolve_commune(text: str) -> CommuneChoice:
    """A commune from what a person types: a postcode, "Name (postcode)" or a name; candidates when ambiguous."""
    text = text.strip()
    if not text:
        return CommuneChoice(None, [])
    communes = Commune.objects.only(*COMMUNE_FIELDS)
    if POSTCODE.match(text):
        return _pick([c for c in communes.filter(postcodes__contains=text) if text in c.postcode_list])
    match = NAME_AND_POSTCODE.match(text)
    name = simplify(match["name"] if match else text)
    if match:
        found = [c for c in communes.filter(postcodes__contains=match["postcode"]) if simplify(c.name) == name]
        if found:
            return _pick(found)
    everything = list(communes)
    same_name = [c for c in everything if simplify(c.name) == name]
    if same_name:
        return _pick(same_name)
    starting = sorted((c for c in everything if simplify(c.name).startswith(name)), key=lambda c: c.name)
    if len(starting) == 1:
        return CommuneChoice(starting[0], [])
    return CommuneChoice(None, starting[:10])


def suggest_communes(text: str, *, limit: int = 10) -> list[str]:
    """Values for the place field's suggestions, "Name (postcode)", the most populated first."""
    communes = Commune.objects.only("name", "postcodes", "kind").order_by("-population", "name")
    text = text.strip()
    if text.isdigit():
        found = []
        for commune in communes.filter(postcodes__contains=text):
            found.extend(f"{commune.name} ({code})" for code in commune.postcode_list if code.startswith(text))
        return found[:limit]
    name = simplify(text)
    return [commune_label(c) for c in communes if simplify(c.name).startswith(name)][:limit]


def _pick(found: list[Commune]) -> CommuneChoice:
    """One commune, preferring a Paris arrondissement to Paris itself when both have the postcode."""
    precise = [c for c in found if c.kind == Commune.Kind.ARRONDISSEMENT] or found
    if len(precise) == 1:
        return CommuneChoice(precise[0], [])
    return CommuneChoice(None, sorted(precise, key=lambda c: c.name)[:10])


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Métier, compétence ou intitulé",
        max_length=200,
        required=False,
        error_messages={"max_length": "Le texte recherché ne peut dépasser 200 caractères."},
    )
    lieu = forms.CharField(label="Commune ou code postal", max_length=100, required=False)
    commune = forms.CharField(max_length=5, required=False)
    rayon = forms.TypedChoiceField(
        label="Dans un rayon de",
        choices=[(str(r), f"{r} km") for r in p.RADII],
        coerce=int,
        required=False,
        empty_value=None,
    )
    departement = forms.ChoiceField(label="Département", required=False)
    axe = forms.MultipleChoiceField(label="Axe du programme", choices=p.AXES, required=False)
    modalite = forms.MultipleChoiceField(label="Modalité", choices=p.MODES, required=False)
    public = forms.MultipleChoiceField(
        label="Public visé", choices=[(slug, p.PUBLIC_LABELS[slug]) for slug, _ in p.PUBLICS], required=False
    )
    semaines = forms.TypedChoiceField(
        label="Début dans les",
        choices=[(str(w), f"{w} semaines") for w in p.WEEKS],
        coerce=int,
        required=False,
        empty_value=None,
    )
    debut_min = forms.DateField(label="Début à partir du", required=False)
    debut_max = forms.DateField(label="Début au plus tard le", required=False)
    inscription = forms.ChoiceField(
        label="Inscriptions", choices=[("ouverte", "Inscriptions ouvertes")], required=False
    )
    places = forms.BooleanField(label="Masquer les sessions complètes", required=False)
    gratuit = forms.BooleanField(label="Gratuite pour les demandeurs d'emploi", required=False)
    financeur = forms.MultipleChoiceField(
        label="Financement", choices=[(slug, p.FUNDER_LABELS[slug]) for slug, _ in p.FUNDERS], required=False
    )
    certifiante = forms.BooleanField(label="Certifiante (RNCP ou RS)", required=False)
    niveau = forms.ChoiceField(
        label="Niveau de la personne", choices=[(v, label) for v, label, _ in p.LEVELS], required=False
    )
    duree_max = forms.TypedChoiceField(
        label="Durée",
        choices=[(str(h), f"{h} heures au plus") for h in p.DURATIONS],
        coerce=int,
        required=False,
        empty_value=None,
    )
    label = forms.MultipleChoiceField(label="Label", required=False)
    organisme = forms.SlugField(label="Organisme", required=False)
    sans_date = forms.BooleanField(label="Afficher aussi les formations sans date", required=False)
    tri = forms.ChoiceField(label="Trier par", choices=p.SORTS, required=False)
    page = forms.IntegerField(min_value=1, max_value=p.MAX_PAGE, required=False)

    def __init__(self, data, *, columns: Columns):
        super().__init__(data)
        self.columns = columns
        self.fields["departement"].choices = [("", "Tous")] + [
            (code, f"{name} ({code})") for code, name in columns.department_options
        ]
        self.fields["label"].choices = [(slug, name) for _, slug, name in columns.programme_options]
        self.commune_choice = CommuneChoice(None, [])
        self.organism = None
        for name, field in self.fields.items():
            if isinstance(field, forms.DateField):
                field.error_messages["invalid"] = "Saisissez une date valide, par exemple 15/03/2027 ou 2027-03-15."
            if name == "page":
                field.error_messages["min_value"] = field.error_messages["max_value"] = "Page inexistante."

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
                "Commune introuvable en %(region)s : vérifiez l'orthographe ou saisissez un code postal.",
                params={"region": "Île-de-France"},
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
        data = self.cleaned_data
        programme_ids = {slug: pk for pk, slug, _ in self.columns.programme_options}
        commune = self.commune_choice.commune
        return Query(
            q=data.get("q", ""),
            axes=data.get("axe", []),
            modes=data.get("modalite", []),
            publics=data.get("public", []),
            funders=data.get("financeur", []),
            free=data.get("gratuit", False),
            certifying=data.get("certifiante", False),
            level=data.get("niveau", ""),
            max_hours=data.get("duree_max"),
            programmes=[programme_ids[slug] for slug in data.get("label", [])],
            organism_id=self.organism.pk if self.organism else None,
            origin=(commune.latitude, commune.longitude) if commune else None,
            radius_km=(data.get("rayon") or p.DEFAULT_RADIUS) if commune else None,
            department=data.get("departement", "") if not commune else "",
            start_min=data.get("debut_min"),
            start_max=data.get("debut_max") if "debut_max" not in self.errors else None,
            weeks=data.get("semaines"),
            registration_open=data.get("inscription") == "ouverte",
            places=data.get("places", False),
            include_undated=data.get("sans_date", False),
            sort=data.get("tri", ""),
            page=data.get("page") or 1,
        )
