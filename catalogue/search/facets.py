"""Facet groups as the search page shows them: options with their counts, checked or disabled."""

from dataclasses import dataclass, field

from . import params as p
from .engine import Outcome


@dataclass
class Option:
    name: str  # the GET parameter
    value: str
    label: str
    count: int | None
    checked: bool

    @property
    def disabled(self) -> bool:
        return self.count == 0 and not self.checked

    @property
    def input_id(self) -> str:
        """Unique on the page; a flag's id is its field's, so that the error summary can link to it."""
        return f"id_{self.name}" + (f"_{self.value}" if self.value else "_indifferent")


@dataclass
class Group:
    name: str
    legend: str
    kind: str  # "checkbox" or "radio"
    options: list[Option] = field(default_factory=list)
    hint: str = ""

    @property
    def active(self) -> bool:
        return any(option.checked and option.value for option in self.options)

    @property
    def open(self) -> bool:
        """Shown unfolded when in use; the programme axes, the portal's first criterion, always."""
        return self.active or self.name == "axe"


def facet_groups(outcome: Outcome, form) -> list[Group]:
    data = form.data
    counts = outcome.facets

    def chosen(name: str) -> set[str]:
        return set(data.getlist(name)) if hasattr(data, "getlist") else set()

    def options(name: str, choices, *, facet: str | None = None) -> list[Option]:
        picked = chosen(name)
        return [
            Option(name, str(value), label, counts.get(facet or name, {}).get(str(value), 0), str(value) in picked)
            for value, label in choices
        ]

    def radio(name: str, choices, *, facet: str | None = None) -> list[Option]:
        picked = data.get(name, "") if hasattr(data, "get") else ""
        return [Option(name, "", "Indifférent", None, not picked)] + [
            Option(name, str(value), label, counts.get(facet or name, {}).get(str(value), 0), str(value) == picked)
            for value, label in choices
        ]

    def flag(name: str, value: str, label: str) -> Option:
        return Option(name, value, label, counts.get(name, {}).get(value, 0), data.get(name) == value)

    groups = [
        Group("axe", "Axe du programme régional", "checkbox", options("axe", p.AXES)),
        Group(
            "public",
            "Public visé",
            "checkbox",
            options("public", [(slug, p.PUBLIC_LABELS[slug]) for slug, _ in p.PUBLICS]),
        ),
        Group(
            "conditions",
            "Inscription et financement",
            "checkbox",
            [
                flag("inscription", "ouverte", "Inscriptions ouvertes aujourd'hui"),
                flag("places", "1", "Masquer les sessions complètes"),
                flag("gratuit", "1", "Gratuite pour les demandeurs d'emploi"),
                flag("certifiante", "1", "Certifiante (RNCP ou RS)"),
            ],
        ),
        Group(
            "semaines",
            "Début de la formation",
            "radio",
            radio("semaines", [(w, f"Dans les {w} semaines") for w in p.WEEKS]),
        ),
        Group("modalite", "Modalité", "checkbox", options("modalite", p.MODES)),
        Group(
            "financeur",
            "Financement",
            "checkbox",
            options("financeur", [(slug, p.FUNDER_LABELS[slug]) for slug, _ in p.FUNDERS]),
        ),
        Group(
            "niveau",
            "Niveau de la personne",
            "radio",
            radio("niveau", [(value, label) for value, label, _ in p.LEVELS]),
            hint="Formations accessibles avec ce niveau, sans niveau exigé, ou dont le niveau n'est pas précisé.",
        ),
        Group("duree_max", "Durée", "radio", radio("duree_max", [(h, f"{h} heures au plus") for h in p.DURATIONS])),
        Group(
            "label",
            "Label",
            "checkbox",
            options("label", [(slug, name) for _, slug, name in form.columns.programme_options], facet="label_slug"),
        ),
    ]
    if not form.commune_choice.commune:
        groups.append(
            Group(
                "departement",
                "Département",
                "radio",
                radio("departement", [(code, f"{name} ({code})") for code, name in form.columns.department_options]),
                hint="Les formations à distance sont toujours incluses.",
            )
        )
    return groups
