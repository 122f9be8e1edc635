"""LHÉO import (2.2 and 2.3): validate everything first, report every problem with its line and element path,
preview what would change, then write it all in one transaction. Records are matched on stable ids: the
`numero` of formations, actions and sessions, and the organisation's SIRET, so that a re-import changes nothing.

Hostile XML is refused before parsing: any DOCTYPE or entity declaration (external entities, entity expansion
bombs), and files above LHEO_IMPORT_MAX_BYTES; the parser itself resolves no entity, loads no DTD, never reaches
the network and keeps libxml2's size limits.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from lxml import etree

from catalogue.choices import Audience, Axis, EnglishSector, Funder, Level, RecruitmentState, RemoteKind, TeachingMode
from catalogue.models import Action, ActionAudience, ActionFunder, Commune, Formation, RomeCode, TrainingPlace
from catalogue.services import search_documents_refresh
from core.audit import Saved, audited_save, snapshot
from organisms.models import Organism
from organisms.services import unique_slug
from organisms.validators import validate_siret
from sessions.models import TrainingSession, session_errors

NS23, NS22 = "http://lheo.gouv.fr/2.3", "http://www.lheo.org/2.2"
VERSIONS = {NS23: "2.3", NS22: "2.2"}
HOSTILE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass
class Problem:
    line: int | None
    path: str
    message: str

    def __str__(self):
        where = f"ligne {self.line}" if self.line else "fichier"
        return f"{where}{', ' + self.path if self.path else ''} : {self.message}"


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    archived: int = 0
    rejected: int = 0


@dataclass
class ImportReport:
    version: str = ""
    schema_checked: bool = False
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, Counts] = field(
        default_factory=lambda: {kind: Counts() for kind in ("organismes", "formations", "actions", "sessions")}
    )
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        parts = []
        for kind, c in self.counts.items():
            parts.append(
                f"{kind} : {c.created} créé(s), {c.updated} modifié(s), {c.unchanged} inchangé(s)"
                + (f", {c.archived} archivé(s)" if c.archived else "")
                + (f", {c.rejected} rejeté(s)" if c.rejected else "")
            )
        state = "écrit" if self.written else ("refusé" if self.problems else "simulation, rien n'est écrit")
        return f"LHÉO {self.version or '?'} ({state}) : " + " ; ".join(parts) + f". {len(self.problems)} problème(s)."


@cache
def official_schema():
    path = getattr(settings, "LHEO_XSD_PATH", "")
    if not path or not Path(path).exists():
        return None
    return etree.XMLSchema(etree.parse(str(path), parser=safe_parser()))


def safe_parser():
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
    )


def parse(data: bytes, report: ImportReport):
    """The document in the 2.3 namespace, or None with the problems reported."""
    limit = settings.LHEO_IMPORT_MAX_BYTES
    if len(data) > limit:
        report.problems.append(
            Problem(None, "", f"Fichier trop volumineux : {len(data) / 1e6:.1f} Mo, {limit / 1e6:.0f} Mo au plus.")
        )
        return None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4096]:
        report.problems.append(Problem(None, "", "Encodage non pris en charge : enregistrez le fichier en UTF-8."))
        return None
    if HOSTILE.search(data):
        report.problems.append(
            Problem(None, "", "Les déclarations DOCTYPE et ENTITY sont refusées : un fichier LHÉO n'en contient pas.")
        )
        return None
    try:
        root = etree.fromstring(data, parser=safe_parser())
    except etree.XMLSyntaxError as error:
        report.problems.append(Problem(error.lineno, "", f"XML mal formé : {error.msg}"))
        return None
    namespace = etree.QName(root).namespace
    if etree.QName(root).localname != "lheo" or namespace not in VERSIONS:
        report.problems.append(
            Problem(root.sourceline, "/", f"Ce n'est pas un document LHÉO 2.2 ou 2.3 (racine {root.tag}).")
        )
        return None
    report.version = VERSIONS[namespace]
    if namespace == NS22:  # 2.2 documents are read, and checked, as 2.3 ones: 2.3 extends 2.2
        for element in root.iter(etree.Element):
            if etree.QName(element).namespace == NS22:
                element.tag = f"{{{NS23}}}{etree.QName(element).localname}"
        etree.cleanup_namespaces(root)
    schema = official_schema()
    if schema is not None:
        report.schema_checked = True
        if not schema.validate(root):
            for error in schema.error_log:
                message = error.message.replace(f"{{{NS23}}}", "")
                found = root.getroottree().xpath(error.path) if error.path else []
                path = readable_path(found[0]) if found else error.path
                same = next((p for p in report.problems if (p.line, p.path) == (error.line, path)), None)
                if same is None:
                    report.problems.append(Problem(error.line, path, message))
                else:  # one element, one problem: libxml2 may give a reason per facet
                    same.message += f" ; {message}"
            return None
    return root


def readable_path(element) -> str:
    """/lheo/offres/formation[2]/action[1]/session[3]: local names, position among same-named siblings."""
    parts = []
    while element is not None:
        name = etree.QName(element).localname
        parent = element.getparent()
        if parent is None:
            parts.append(name)
        else:
            same = [e for e in parent if isinstance(e.tag, str) and etree.QName(e).localname == name]
            parts.append(f"{name}[{same.index(element) + 1}]" if len(same) > 1 else name)
        element = parent
    return "/" + "/".join(reversed(parts))


def q(name: str) -> str:
    return f"{{{NS23}}}{name}"


def child_text(element, *path: str, default: str = "") -> str:
    node = element
    for name in path:
        node = node.find(q(name)) if node is not None else None
    return (node.text or "").strip() if node is not None and node.text else default


def extras_of(element) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for extras in element.findall(q("extras")):
        for item in extras.findall(q("extra")):
            if len(item):  # structured extra (labels): not read back here
                continue
            found.setdefault(item.get("info", ""), []).append((item.text or "").strip())
    return found


DIGITS = re.compile(r"[0-9]{1,9}")


def whole_number(value: str) -> int | None:
    """An ASCII whole number of at most 9 digits, or None ('²'.isdigit() is true, int('²') fails)."""
    return int(value) if DIGITS.fullmatch(value or "") else None


def coordinate(value: str, low: float, high: float) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def lheo_date(value: str) -> date | None:
    if not value or value in ("00000000", "99999999"):
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return None


class Reader:
    """Reads the offer into plain values, recording problems with their line and path."""

    def __init__(self, root, report: ImportReport, organism: Organism | None):
        self.root, self.report, self.organism = root, report, organism
        self.communes = {}

    def number(self, element, value: str, what: str) -> int | None:
        """A whole number, None when absent; an unreadable one is a problem, not a silent blank."""
        if not value:
            return None
        number = whole_number(value)
        if number is None:
            self.problem(element, f"{what} : « {value} » n'est pas un nombre entier.")
        return number

    def problem(self, element, message: str):
        self.report.problems.append(Problem(element.sourceline, readable_path(element), message))

    def read(self) -> list[dict]:
        formations = []
        for formation in self.root.iter(q("formation")):
            formations.append(self.formation(formation))
        return formations

    def organism_of(self, formation) -> dict:
        element = formation.find(q("organisme-formation-responsable"))
        if element is None:
            self.problem(formation, "L'organisme responsable (organisme-formation-responsable) est obligatoire.")
            return dict.fromkeys(
                (
                    "siret",
                    "nda",
                    "usual_name",
                    "legal_name",
                    "street",
                    "postcode",
                    "insee",
                    "email",
                    "phone",
                    "website",
                ),
                "",
            )
        siret = child_text(element, "SIRET-organisme-formation", "SIRET")
        try:
            validate_siret(siret)
        except Exception as error:  # ValidationError: its message is French
            self.problem(element, f"SIRET {siret!r} : {' '.join(getattr(error, 'messages', [str(error)]))}")
        if self.organism is not None and siret != self.organism.siret:
            self.problem(
                element, f"Ce fichier décrit l'organisme de SIRET {siret}, pas le vôtre ({self.organism.siret})."
            )
        coordinates = element.find(f"{q('coordonnees-organisme')}/{q('coordonnees')}")
        address = coordinates.find(q("adresse")) if coordinates is not None else None
        return {
            "siret": siret,
            "nda": child_text(element, "numero-activite"),
            "usual_name": child_text(element, "nom-organisme")[:200],
            "legal_name": child_text(element, "raison-sociale")[:200],
            "street": child_text(address, "ligne")[:250] if address is not None else "",
            "postcode": child_text(address, "codepostal") if address is not None else "",
            "insee": child_text(address, "code-INSEE-commune") if address is not None else "",
            "email": child_text(coordinates, "courriel") if coordinates is not None else "",
            "phone": child_text(coordinates, "telfixe", "numtel")[:20] if coordinates is not None else "",
            "website": child_text(coordinates, "web", "urlweb") if coordinates is not None else "",
        }

    def formation(self, element) -> dict:
        numero = element.get("numero", "")
        if not numero:
            self.problem(
                element, "L'attribut numero de la formation est obligatoire pour la retrouver au prochain import."
            )
        certification = element.find(q("certification"))
        code = ""
        if certification is not None:
            if child_text(certification, "code-RNCP"):
                code = "RNCP" + child_text(certification, "code-RNCP").removeprefix("RNCP")
            elif child_text(certification, "code-RS"):
                code = "RS" + child_text(certification, "code-RS").removeprefix("RS")
        levels = {str(v) for v in Level.values}
        entry, exit_ = (
            child_text(element, "code-niveau-entree", default="0"),
            child_text(element, "code-niveau-sortie", default="0"),
        )
        return {
            "element": element,
            "organism": self.organism_of(element),
            "external_id": numero,
            "fields": {
                "title": child_text(element, "intitule-formation")[:255],
                "objectives": child_text(element, "objectif-formation"),
                "content": child_text(element, "contenu-formation"),
                "expected_results": ""
                if extras_of(element).get("resultats-attendus-non-renseignes")
                else child_text(element, "resultats-attendus"),
                "is_certifying": child_text(element, "certifiante") == "1",
                "certification_code": code if child_text(element, "certifiante") == "1" else "",
                "nsf_code": (child_text(element, "domaine-formation", "code-NSF") or "")[:3],
                "entry_level": int(entry) if entry in levels else 0,
                "exit_level": int(exit_) if exit_ in levels else 0,
            },
            "rome": [e.text.strip() for e in element.findall(f"{q('domaine-formation')}/{q('code-ROME')}") if e.text][
                :5
            ],
            "actions": [self.action(action) for action in element.findall(q("action"))],
        }

    def action(self, element) -> dict:
        numero = element.get("numero", "")
        if not numero:
            self.problem(element, "L'attribut numero de l'action est obligatoire pour la retrouver au prochain import.")
        extras = extras_of(element)
        mode = child_text(element, "modalites-enseignement", default="0")
        axis = (extras.get("axe") or [""])[0]
        price = child_text(element, "prix-total-TTC")
        try:
            price_value = Decimal(price.replace(",", ".")) if price else None
        except InvalidOperation:
            self.problem(element, f"Prix illisible : {price!r}.")
            price_value = None
        audiences = (
            []
            if extras.get("public-vise-par-defaut")
            else [e.text.strip() for e in element.findall(q("code-public-vise")) if e.text]
        )
        audiences += extras.get("public-portail", [])
        known_audiences = set(Audience.values)
        funders = []
        for funder in element.findall(q("organisme-financeur")):
            code = child_text(funder, "code-financeur")
            places = child_text(funder, "nb-places-financees")
            if code in Funder.values:
                funders.append((code, self.number(funder, places, "nombre de places financées")))
        accessibility = child_text(element, "acces-handicapes")

        def hours(name):
            return self.number(element, child_text(element, name), name)

        fields = {
            "teaching_mode": int(mode) if mode in {"0", "1", "2"} else TeachingMode.ON_SITE,
            "axis": axis if axis in Axis.values else "",
            "remote_kind": (extras.get("type-distance") or [""])[0] if axis == Axis.REMOTE else "",
            "english_sector": (extras.get("secteur-anglais") or [""])[0] if axis == Axis.PRO_ENGLISH else "",
            "entry_requirements": ""
            if child_text(element, "conditions-specifiques") == "Aucune"
            else child_text(element, "conditions-specifiques"),
            "price": price_value,
            "hours_centre": hours("nombre-heures-centre"),
            "hours_company": hours("nombre-heures-entreprise"),
            "hours_total": hours("nombre-heures-total"),
            "free_for_jobseekers": (extras.get("gratuit-demandeurs-emploi") or ["0"])[0] == "1",
            "cpf_eligible": (extras.get("eligible-cpf") or ["0"])[0] == "1",
            "disabled_access": bool(accessibility),
            "accessibility_details": (
                ("" if accessibility == "Accessible aux personnes en situation de handicap" else accessibility)
                if accessibility
                else (extras.get("precisions-accessibilite") or [""])[0]
            ),
            "trainer_siret": child_text(element, "organisme-formateur", "SIRET-formateur", "SIRET"),
        }
        if fields["remote_kind"] not in ("", *RemoteKind.values) or fields["english_sector"] not in (
            "",
            *EnglishSector.values,
        ):
            self.problem(element, "Type de formation à distance ou secteur d'anglais professionnel inconnu.")
        places = []
        for place in element.findall(q("lieu-de-formation")):
            places.append(self.place(place.find(q("coordonnees")), place))
        return {
            "element": element,
            "external_id": numero,
            "public_id": (extras.get("identifiant-public") or [""])[0],
            "fields": fields,
            "audiences": sorted({code for code in audiences if code in known_audiences}),
            "funders": sorted(funders),
            "places": [p for p in places if p],
            "sessions": [self.session(session) for session in element.findall(q("session"))],
        }

    def place(self, coordinates, element) -> dict | None:
        address = coordinates.find(q("adresse")) if coordinates is not None else None
        if address is None:
            return None
        insee, postcode = child_text(address, "code-INSEE-commune"), child_text(address, "codepostal")
        commune = self.commune(insee, postcode, child_text(address, "ville"))
        if commune is None:
            self.problem(element, f"Commune introuvable : {child_text(address, 'ville')} ({postcode}).")
            return None
        latitude, longitude = (
            child_text(address, "geolocalisation", "latitude"),
            child_text(address, "geolocalisation", "longitude"),
        )
        lat = coordinate(latitude, -90, 90) if latitude else commune.latitude
        lon = coordinate(longitude, -180, 180) if longitude else commune.longitude
        if lat is None or lon is None:
            self.problem(element, f"Coordonnées illisibles ou hors limites : {latitude}, {longitude}.")
            return None
        return {
            "name": child_text(coordinates, "nom")[:200],
            "street": child_text(address, "ligne")[:250],
            "postcode": postcode,
            "commune": commune,
            "latitude": lat,
            "longitude": lon,
        }

    def commune(self, insee: str, postcode: str, city: str):
        key = (insee, postcode, city)
        if key not in self.communes:
            commune = Commune.objects.filter(code=insee).first() if insee else None
            if commune is None and postcode:
                candidates = [
                    c for c in Commune.objects.filter(postcodes__contains=postcode) if postcode in c.postcode_list
                ]
                commune = next(
                    (c for c in candidates if c.name.lower() == city.lower()), candidates[0] if candidates else None
                )
            self.communes[key] = commune
        return self.communes[key]

    def session(self, element) -> dict:
        numero = element.get("numero", "")
        if not numero:
            self.problem(
                element, "L'attribut numero de la session est obligatoire pour la retrouver au prochain import."
            )
        extras = extras_of(element)
        start, end = child_text(element, "periode", "debut"), child_text(element, "periode", "fin")
        start_date, end_date = lheo_date(start), lheo_date(end)
        if (start not in ("", "00000000") and start_date is None) or (end not in ("", "99999999") and end_date is None):
            self.problem(element, f"Date impossible : début {start}, fin {end} (AAAAMMJJ).")
        registration = element.find(f"{q('periode-inscription')}/{q('periode')}")
        opens = lheo_date(child_text(registration, "debut")) if registration is not None else None
        closes = lheo_date(child_text(registration, "fin")) if registration is not None else None
        state = child_text(element, "etat-recrutement", default="1")

        def number(info):
            return self.number(element, (extras.get(info) or [""])[0], info)

        capacity, left = number("places"), number("places-restantes")
        remote = (extras.get("a-distance") or ["0"])[0] == "1"
        address = element.find(f"{q('adresse-inscription')}/{q('adresse')}")
        place = None
        if not remote and address is not None:
            insee, postcode = child_text(address, "code-INSEE-commune"), child_text(address, "codepostal")
            place = {
                "street": child_text(address, "ligne")[:250],
                "postcode": postcode,
                "insee": insee,
                "city": child_text(address, "ville"),
            }
        fields = {
            "start_date": start_date,
            "end_date": end_date,
            "registration_opens": opens,
            "registration_closes": closes,
            "recruitment_state": int(state) if state in {"1", "2", "3"} else RecruitmentState.OPEN,
            "rolling_entry": (extras.get("entrees-permanentes") or ["0"])[0] == "1",
            "capacity": capacity,
            "places_left": left,
            "is_remote": remote or place is None,
            "is_published": True,
        }
        # The session's rules are the model's (sessions.models.session_errors), as for the web form and the
        # spreadsheet: every broken one is reported now, before anything is written. The place is matched later.
        for message in session_errors(**{**fields, "is_remote": True}).values():
            self.problem(element, message)
        return {
            "element": element,
            "external_id": numero,
            "public_id": (extras.get("identifiant-public") or [""])[0],
            "fields": fields,
            "place": place,
        }


def import_lheo(data: bytes, *, organism: Organism | None = None, commit: bool = False, by=None) -> ImportReport:
    """Checks the whole file; writes it (one transaction) only when `commit` and no problem was found."""
    report = ImportReport()
    root = parse(data, report)
    if root is None:
        return report
    offer = Reader(root, report, organism).read()
    if report.problems:
        return report
    try:
        with transaction.atomic():
            Writer(report, by, organism).write(offer)
            report.written = commit and not report.problems
            if not report.written:
                transaction.set_rollback(True)
    except _Rejected:
        report.written = False
    return report


class _Rejected(Exception):
    pass


def rejection_message(obj, error) -> str:
    """The French message of the constraint a row breaks, or the validation messages."""
    if isinstance(error, IntegrityError):
        for constraint in type(obj)._meta.constraints:
            if constraint.name in str(error):
                return constraint.violation_error_message or f"Contrainte {constraint.name} non respectée."
        return f"Donnée refusée par la base : {str(error).splitlines()[0]}"
    return " ".join(getattr(error, "messages", [str(error)]))


class Writer:
    """Applies the offer, counting what it creates, updates, leaves and archives (rolled back for a preview)."""

    def __init__(self, report: ImportReport, by, organism: Organism | None):
        self.report, self.by, self.scope = report, by, organism
        self.rome = dict(RomeCode.objects.values_list("code", "pk"))
        self.touched_actions: set[int] = set()
        self.seen_sessions: set[int] = set()
        self.organisms: dict[str, Organism] = {}

    def count(self, kind: str, saved: Saved) -> None:
        counts = self.report.counts[kind]
        if saved.created:
            counts.created += 1
        elif saved.changes:
            counts.updated += 1
        else:
            counts.unchanged += 1

    def organism_of(self, obj):
        if isinstance(obj, Organism):
            return obj
        if isinstance(obj, Formation):
            return obj.organism
        if isinstance(obj, Action):
            return obj.formation.organism
        return obj.action.formation.organism

    def save(self, kind: str, obj, fields: dict, element) -> bool:
        before = snapshot(obj) if obj.pk else {}
        for name, value in fields.items():
            setattr(obj, name, value)
        try:
            # Field validation here; the model's check and unique constraints are enforced by the database on save
            # (checking each one in Python costs a query per constraint and object: 56,000 queries for 10,000
            # sessions). A violation rejects the whole file, reported at its element with the constraint's message.
            saved = audited_save(
                obj,
                by=self.by,
                before=before,
                organism=self.organism_of(obj),
                reason="import LHÉO",
                clean={"validate_unique": False, "validate_constraints": False},
                skip_unchanged=True,
            )
        except (ValidationError, IntegrityError) as error:
            self.report.counts[kind].rejected += 1
            self.report.problems.append(
                Problem(element.sourceline, readable_path(element), rejection_message(obj, error))
            )
            raise _Rejected() from error
        self.count(kind, saved)
        return saved.written

    def write(self, offer: list[dict]) -> None:
        for formation_data in offer:
            organism = self.organism(formation_data)
            formation = Formation.objects.filter(
                organism=organism, external_id=formation_data["external_id"]
            ).first() or Formation(organism=organism, external_id=formation_data["external_id"])
            self.save("formations", formation, formation_data["fields"], formation_data["element"])
            rome = sorted(self.rome[code] for code in formation_data["rome"] if code in self.rome)
            if sorted(formation.rome_codes.values_list("pk", flat=True)) != rome:
                formation.rome_codes.set(rome)
            for action_data in formation_data["actions"]:
                self.action(formation, action_data)
        self.archive()
        if self.touched_actions:
            search_documents_refresh(action_ids=self.touched_actions)

    def organism(self, data: dict) -> Organism:
        siret = data["organism"]["siret"]
        if siret in self.organisms:
            return self.organisms[siret]
        organism = self.scope or Organism.objects.filter(siret=siret).first()
        if organism is None:  # a new organisation stays pending until the Region approves it
            values = data["organism"]
            commune = Commune.objects.filter(code=values["insee"]).first() if values["insee"] else None
            organism = Organism(
                siret=siret,
                nda=values["nda"],
                slug=unique_slug(values["usual_name"]),
                usual_name=values["usual_name"],
                legal_name=values["legal_name"] or values["usual_name"],
                street=values["street"],
                postcode=values["postcode"] if re.match(r"^[0-9]{5}$", values["postcode"]) else "",
                commune=commune,
                email=values["email"],
                phone=values["phone"],
                website=values["website"],
                approval_state=Organism.ApprovalState.PENDING,
            )
            self.save("organismes", organism, {}, data["element"])
        else:
            self.report.counts["organismes"].unchanged += 1
        self.organisms[siret] = organism
        return organism

    def action(self, formation: Formation, data: dict) -> None:
        action = Action.objects.filter(formation=formation, external_id=data["external_id"]).first()
        if action is None:
            action = Action(formation=formation, external_id=data["external_id"], is_published=True)
            if data["public_id"] and not Action.objects.filter(public_id=data["public_id"]).exists():
                action.public_id = data["public_id"]
        changed = self.save("actions", action, data["fields"], data["element"])
        for model, wanted in (
            (ActionAudience, data["audiences"]),
            (ActionFunder, [code for code, _ in data["funders"]]),
        ):
            current = sorted(model.objects.filter(action=action).values_list("code", flat=True))
            if current != sorted(wanted):
                model.objects.filter(action=action).delete()
                if model is ActionFunder:
                    model.objects.bulk_create(
                        [ActionFunder(action=action, code=c, funded_places=p) for c, p in data["funders"]]
                    )
                else:
                    model.objects.bulk_create([ActionAudience(action=action, code=c) for c in wanted])
                changed = True
        places = list(action.training_places.select_related("commune"))
        for place_data in data["places"]:
            if not any(p.commune_id == place_data["commune"].pk and p.street == place_data["street"] for p in places):
                place = TrainingPlace(action=action, **place_data)
                try:
                    place.full_clean()
                except ValidationError as error:
                    self.report.problems.append(
                        Problem(
                            data["element"].sourceline, readable_path(data["element"]), rejection_message(place, error)
                        )
                    )
                    raise _Rejected() from error
                place.save()
                places.append(place)
                changed = True
        if changed:
            self.touched_actions.add(action.pk)
        for session_data in data["sessions"]:
            self.session(action, places, session_data)

    def session(self, action: Action, places: list[TrainingPlace], data: dict) -> None:
        session = TrainingSession.objects.filter(action=action, external_id=data["external_id"]).first()
        if session is None:
            session = TrainingSession(action=action, external_id=data["external_id"], confirmed_at=timezone.now())
            if data["public_id"] and not TrainingSession.objects.filter(public_id=data["public_id"]).exists():
                session.public_id = data["public_id"]
        fields = dict(data["fields"])
        fields["place"] = None
        if data["place"] is not None:
            wanted = data["place"]
            fields["place"] = next(
                (
                    p
                    for p in places
                    if p.street == wanted["street"]
                    and (p.commune.code == wanted["insee"] or p.postcode == wanted["postcode"])
                ),
                None,
            )
            fields["is_remote"] = fields["place"] is None
        if self.save("sessions", session, fields, data["element"]) and session.pk:
            session.confirmed_at = timezone.now()
            TrainingSession.objects.filter(pk=session.pk).update(confirmed_at=session.confirmed_at)
        self.seen_sessions.add(session.pk)

    def archive(self) -> None:
        """Current published sessions of the file's organisations that the file no longer has are unpublished
        (ended ones are history, and a file only carries the published actions' sessions)."""
        organisms = list(self.organisms.values())
        today = timezone.localdate()
        stale = (
            TrainingSession.objects.filter(
                action__formation__organism__in=organisms, action__is_published=True, is_published=True
            )
            .not_ended(today)
            .exclude(pk__in=self.seen_sessions)
        )
        count = stale.update(is_published=False)
        self.report.counts["sessions"].archived += count
