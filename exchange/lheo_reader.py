"""Reading LHÉO 2.2 and 2.3: the file checked before parsing, then streamed one formation at a time, each turned into
plain records (formation → actions → sessions) that say whether they are valid and why not.

Before parsing: the size, the encoding (UTF-8 or ISO-8859-1 declared, LHÉO's; UTF-16 and any other declaration are
refused) and hostile declarations (any DOCTYPE or ENTITY: external entities, entity expansion bombs). The parser
resolves no entity, loads no DTD, never reaches the network and keeps libxml2's size limits. Each formation is
validated on its own against the official schema when LHEO_XSD_PATH points at it (errors located through their line
numbers, never by evaluating the paths libxml2 gives), then read: every standard element the portal shows or filters
on, LHÉO winning over the portal's extras (docs/lheo-mapping.md). Memory stays flat: a formation read is cleared.
"""

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import timezone
from lxml import etree

from catalogue.choices import (
    Audience,
    Axis,
    EnglishSector,
    Funder,
    Level,
    Pay,
    RecruitmentState,
    RemoteKind,
    TeachingMode,
)
from catalogue.models import Commune, RomeCode
from catalogue.rules import free_for_jobseekers_from_lheo
from catalogue.search.text import simplify
from organisms.validators import validate_siret
from sessions.models import session_errors

from .text import plain_text
from .xml_errors import schema_message, syntax_message

NS23, NS22 = "http://lheo.gouv.fr/2.3", "http://www.lheo.org/2.2"
VERSIONS = {NS23: "2.3", NS22: "2.2"}
HOSTILE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
DECLARED_ENCODING = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml\s[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']", re.IGNORECASE)
ACCEPTED_ENCODINGS = {"utf-8", "iso-8859-1"}
UNKNOWN_START, UNKNOWN_END = "00000000", "99999999"
SCAN_CHUNK = 1 << 20
# Problems kept in full, in the file's order; beyond, only counted (a broken feed of a million records stays small).
MAX_PROBLEMS = 10_000
# Code lists, as sets of the strings a file carries (read for every record).
LEVELS = frozenset(str(v) for v in Level.values)
AUDIENCES = frozenset(Audience.values)
FUNDERS = frozenset(Funder.values)
AXES = frozenset(Axis.values)
PAY = frozenset(Pay.values) - {""}
REMOTE_KINDS = frozenset(["", *RemoteKind.values])
ENGLISH_SECTORS = frozenset(["", *EnglishSector.values])
EMAIL = EmailValidator()
POSTCODE = re.compile(r"[0-9]{5}")
WEB_ADDRESS = re.compile(r"^https?://[^\s<>\"'`]+\.[^\s<>\"'`]+$", re.IGNORECASE)


@dataclass
class Problem:
    """A problem at an element: its line, readable path, the record it makes invalid (kind and numero) and why."""

    line: int | None
    path: str
    message: str
    record: str = ""  # "formation", "action", "session"; empty for the whole file
    numero: str = ""

    def __str__(self):
        where = f"ligne {self.line}" if self.line else "fichier"
        what = f" ({self.record} {self.numero})" if self.record and self.numero else ""
        return f"{where}{', ' + self.path if self.path else ''}{what} : {self.message}"

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "path": self.path,
            "message": self.message,
            "record": self.record,
            "numero": self.numero,
        }


class Source:
    """The file to import, as bytes or a path: opened once per reading pass."""

    def __init__(self, data: bytes | str | Path, *, name: str = ""):
        self.data = data if isinstance(data, bytes) else None
        self.path = None if isinstance(data, bytes) else Path(data)
        self.name = name or (str(self.path) if self.path else "fichier déposé")

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else self.path.stat().st_size

    def open(self):
        if self.data is not None:
            return io.BytesIO(self.data)
        return self.path.open("rb")


@cache
def official_schema():
    path = getattr(settings, "LHEO_XSD_PATH", "")
    if not path or not Path(path).exists():
        return None
    return etree.XMLSchema(etree.parse(str(path), parser=safe_parser()))


def safe_parser():
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )


def _iterparse(handle, **kwargs):
    return etree.iterparse(
        handle,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        **kwargs,
    )


def check_file(source: Source, *, max_bytes: int) -> Problem | None:
    """What refuses the file before it is parsed, or None."""
    if source.size > max_bytes:
        return Problem(
            None, "", f"Fichier trop volumineux : {source.size / 1e6:.1f} Mo, {max_bytes / 1e6:.0f} Mo au plus."
        )
    with source.open() as handle:
        head = handle.read(4096)
        if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head:
            return Problem(None, "", "Encodage non pris en charge : enregistrez le fichier en UTF-8.")
        declared = DECLARED_ENCODING.match(head)
        if declared and declared[1].decode("ascii", "replace").strip().lower() not in ACCEPTED_ENCODINGS:
            name = declared[1].decode("ascii", "replace")[:40]
            return Problem(
                1, "", f"Encodage déclaré « {name} » refusé : un fichier LHÉO est en UTF-8 ou en ISO-8859-1."
            )
        handle.seek(0)
        tail = b""
        while chunk := handle.read(SCAN_CHUNK):
            if HOSTILE.search(tail + chunk):
                return Problem(
                    None, "", "Les déclarations DOCTYPE et ENTITY sont refusées : un fichier LHÉO n'en contient pas."
                )
            tail = chunk[-16:]
    return None


def root_version(source: Source) -> tuple[str, Problem | None]:
    """The LHÉO version of the document's root element, or a problem."""
    with source.open() as handle:
        try:
            for _, element in _iterparse(handle, events=("start",)):
                name = etree.QName(element)
                if name.localname != "lheo" or name.namespace not in VERSIONS:
                    return "", Problem(
                        element.sourceline, "/", f"Ce n'est pas un document LHÉO 2.2 ou 2.3 (racine {element.tag})."
                    )
                return VERSIONS[name.namespace], None
        except etree.XMLSyntaxError as error:
            return "", Problem(error.lineno or None, "", syntax_message(error))
    return "", Problem(None, "", "Le fichier est vide.")


def formation_elements(source: Source, version: str) -> Iterator[tuple[int, etree._Element]]:
    """(position, element) of each formation, in the 2.3 namespace, cleared once the caller has read it.

    Raises etree.XMLSyntaxError on a malformed document."""
    namespace = NS22 if version == "2.2" else NS23
    with source.open() as handle:
        for position, (_, element) in enumerate(
            _iterparse(handle, events=("end",), tag=f"{{{namespace}}}formation"), start=1
        ):
            if version == "2.2":  # 2.2 formations are read, and checked, as 2.3 ones: 2.3 extends 2.2
                for node in element.iter(etree.Element):
                    if etree.QName(node).namespace == NS22:
                        node.tag = f"{{{NS23}}}{etree.QName(node).localname}"
            yield position, element
            parent = element.getparent()
            element.clear(keep_tail=False)
            if parent is not None and etree.QName(parent).localname == "offres":
                while element.getprevious() is not None:  # formations already read
                    del parent[0]


def q(name: str) -> str:
    return f"{{{NS23}}}{name}"


SEPARATOR = "\ue000"  # a private-use character: between the values of one evaluation (none in LHÉO's texts)


class Values:
    """Several text values of an element read in one XPath evaluation, inside libxml2: reading them element by
    element in Python cost most of a feed's reading time. Paths are relative, their steps prefixed with `l:`."""

    def __init__(self, **paths: str):
        self.names, self.paths = list(paths), list(paths.values())
        parts = [f"string({path})" for path in self.paths]
        expression = f"concat({f", '{SEPARATOR}', ".join(parts)}, '')" if len(parts) > 1 else parts[0]
        self.xpath = etree.XPath(expression, namespaces={"l": NS23})

    def __call__(self, element) -> dict[str, str]:
        if element is None:
            return dict.fromkeys(self.names, "")
        values = str(self.xpath(element)).split(SEPARATOR)
        if len(values) != len(self.names):  # the separator in a text: one evaluation per value
            values = [str(element.xpath(f"string({path})", namespaces={"l": NS23})) for path in self.paths]
        return {name: value.strip() for name, value in zip(self.names, values, strict=True)}


def texts(path: str):
    """The texts of every element a path reaches (code-ROME, code-public-vise...), stripped, empty ones left out."""
    xpath = etree.XPath(f"{path}/text()", namespaces={"l": NS23})
    return lambda element: [text.strip() for text in xpath(element) if text.strip()]


ADDRESS = {
    "street": "l:ligne",
    "postcode": "l:codepostal",
    "city": "l:ville",
    "insee": "l:code-INSEE-commune",
}


def _address(prefix: str) -> dict[str, str]:
    return {name: f"{prefix}/{path}" for name, path in ADDRESS.items()}


RESPONSIBLE = "l:organisme-formation-responsable"
ORGANISM_COORDINATES = f"{RESPONSIBLE}/l:coordonnees-organisme/l:coordonnees"
CONTACT = "l:contact-formation/l:coordonnees"
FORMATION = Values(
    title="l:intitule-formation",
    objectives="l:objectif-formation",
    results="l:resultats-attendus",
    content="l:contenu-formation",
    certifying="l:certifiante",
    entry="l:code-niveau-entree",
    exit="l:code-niveau-sortie",
    nsf="l:domaine-formation/l:code-NSF",
    website="l:url-formation/l:urlweb",
    rncp="l:certification/l:code-RNCP",
    rs="l:certification/l:code-RS",
    # CPF eligibility where the file says it: a CPF code of a certification or of the type of formation.
    cpf="boolean(l:certification/l:code-CPF[normalize-space()] | l:code-type-formation/l:code-CPF[normalize-space()])",
    contact_name=f"{CONTACT}/l:nom",
    contact_phone=f"{CONTACT}/l:telfixe/l:numtel",
    contact_email=f"{CONTACT}/l:courriel",
    responsible=f"boolean({RESPONSIBLE})",
    siret=f"{RESPONSIBLE}/l:SIRET-organisme-formation/l:SIRET",
    nda=f"{RESPONSIBLE}/l:numero-activite",
    usual_name=f"{RESPONSIBLE}/l:nom-organisme",
    legal_name=f"{RESPONSIBLE}/l:raison-sociale",
    email=f"{ORGANISM_COORDINATES}/l:courriel",
    phone=f"{ORGANISM_COORDINATES}/l:telfixe/l:numtel",
    organism_website=f"{ORGANISM_COORDINATES}/l:web/l:urlweb",
    **{f"organism_{name}": path for name, path in _address(f"{ORGANISM_COORDINATES}/l:adresse").items()},
)
ROME_CODES = texts("l:domaine-formation/l:code-ROME")
ACTION = Values(
    mode="l:modalites-enseignement",
    requirements="l:conditions-specifiques",
    costs_covered="l:prise-en-charge-frais-possible",
    rolling="l:modalites-entrees-sorties",
    website="l:url-action/l:urlweb",
    price="l:prix-total-TTC",
    hours_centre="l:nombre-heures-centre",
    hours_company="l:nombre-heures-entreprise",
    hours_total="l:nombre-heures-total",
    accessibility="l:acces-handicapes",
    trainer="l:organisme-formateur/l:SIRET-formateur/l:SIRET",
)
AUDIENCE_CODES = texts("l:code-public-vise")
FUNDER = Values(code="l:code-financeur", places="l:nb-places-financees")
PLACE = Values(
    name="l:coordonnees/l:nom",
    address="boolean(l:coordonnees/l:adresse)",
    latitude="l:coordonnees/l:adresse/l:geolocalisation/l:latitude",
    longitude="l:coordonnees/l:adresse/l:geolocalisation/l:longitude",
    **_address("l:coordonnees/l:adresse"),
)
SESSION = Values(
    start="l:periode/l:debut",
    end="l:periode/l:fin",
    state="l:etat-recrutement",
    registration="boolean(l:periode-inscription/l:periode)",
    opens="l:periode-inscription/l:periode/l:debut",
    closes="l:periode-inscription/l:periode/l:fin",
    address="boolean(l:adresse-inscription/l:adresse)",
    **_address("l:adresse-inscription/l:adresse"),
)
TAG = {name: q(name) for name in ("action", "session", "organisme-financeur", "lieu-de-formation", "extras", "extra")}


def child(element, *path: str):
    node = element
    for name in path:
        node = node.find(q(name)) if node is not None else None
    return node


def extras_of(element) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for extras in element.iterchildren(TAG["extras"]):
        for item in extras.iterchildren(TAG["extra"]):
            if len(item):  # structured extra (labels): not read back here
                continue
            found.setdefault(item.get("info", ""), []).append((item.text or "").strip())
    return found


def first_extra(extras: dict[str, list[str]], info: str, default: str | None = None) -> str | None:
    values = extras.get(info)
    return values[0] if values else default


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
    if not value or value in (UNKNOWN_START, UNKNOWN_END):
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return None


def confirmation(value: str) -> datetime | None:
    """The portal's `confirmee-le` extra: an aware date and time, never later than now."""
    try:
        moment = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    if moment is None or timezone.is_naive(moment):
        return None
    return min(moment, timezone.now())


def web_address(value: str) -> str:
    """A web address from a feed: "www.example.fr" gets its scheme; anything unreadable is left out."""
    value = (value or "").strip()
    if value and not re.match(r"^https?://", value, re.IGNORECASE):
        value = "https://" + value
    return value if WEB_ADDRESS.match(value) and len(value) <= 400 else ""


def email_address(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        EMAIL(value)
    except ValidationError:
        return ""
    return value if len(value) <= 160 else ""


# Records ----------------------------------------------------------------------------------------------------------


@dataclass
class PlaceRecord:
    name: str
    street: str
    postcode: str
    commune_id: int
    latitude: float
    longitude: float

    @property
    def key(self) -> tuple:
        return (self.commune_id, self.street)


@dataclass
class SessionRecord:
    numero: str
    line: int
    path: str
    fields: dict
    public_id: str = ""
    place: int | None = None  # position in the action's places; None for a remote session
    confirmed_at: datetime | None = None  # when its organisation last confirmed it (the portal's extra)
    valid: bool = True
    against_schema: bool = False  # the schema refuses it: the portal's own checks would only repeat it


@dataclass
class ActionRecord:
    numero: str
    line: int
    path: str
    fields: dict
    public_id: str = ""
    audiences: list[str] = field(default_factory=list)
    funders: list[tuple[str, int | None]] = field(default_factory=list)
    places: list[PlaceRecord] = field(default_factory=list)
    sessions: list[SessionRecord] = field(default_factory=list)
    valid: bool = True
    against_schema: bool = False

    def narrowed(self, sessions: list[SessionRecord]) -> "ActionRecord":
        return replace(self, sessions=sessions)


@dataclass
class FormationRecord:
    position: int
    numero: str
    line: int
    path: str
    organism: dict
    fields: dict
    rome: list[str] = field(default_factory=list)
    actions: list[ActionRecord] = field(default_factory=list)
    valid: bool = True
    against_schema: bool = False

    @property
    def siret(self) -> str:
        return self.organism["siret"]

    def narrowed(self, actions: list[ActionRecord]) -> "FormationRecord":
        return replace(self, actions=actions)

    def valid_part(self) -> "FormationRecord | None":
        """The formation with its valid actions and sessions only; None when nothing of it can be written."""
        if not self.valid:
            return None
        actions = [a.narrowed([s for s in a.sessions if s.valid]) for a in self.actions if a.valid]
        actions = [a for a in actions if a.sessions]
        return self.narrowed(actions) if actions else None

    def session_count(self) -> int:
        return sum(len(action.sessions) for action in self.actions)

    def rejected_sessions(self) -> int:
        if not self.valid:
            return self.session_count()
        return sum(len(a.sessions) if not a.valid else sum(not s.valid for s in a.sessions) for a in self.actions)


class CommuneIndex:
    """Every commune in memory (about 35,000): by INSEE code, former code, postcode and simplified name."""

    def __init__(self):
        self.by_code, self.by_postcode, self.by_name = {}, {}, {}
        rows = list(
            Commune.objects.values_list(
                "pk", "code", "search_name", "postcodes", "latitude", "longitude", "former_codes", "kind"
            )
        )
        for pk, code, name, postcodes, latitude, longitude, _, kind in rows:
            first = postcodes.split()[0] if postcodes else ""
            commune = (pk, latitude, longitude, kind == Commune.Kind.ARRONDISSEMENT, code, first)
            self.by_code[code] = commune
            for postcode in postcodes.split():
                self.by_postcode.setdefault(postcode, []).append((name, commune))
            self.by_name.setdefault(name, []).append(commune)
        for row in rows:  # former codes of merged communes, unless a current commune has the code
            for old in row[6].split():
                self.by_code.setdefault(old, self.by_code[row[1]])

    def find(self, insee: str, postcode: str, city: str):
        """(pk, latitude, longitude, is_arrondissement, code, first postcode) of the commune an address names, or None: its INSEE
        code (current or former), else its postcode and name, else its name within the postcode's department
        (CEDEX postcodes)."""
        if insee in self.by_code:
            return self.by_code[insee]
        name = simplify(re.sub(r"\bcedex\b.*$", "", city, flags=re.IGNORECASE))
        candidates = self.by_postcode.get(postcode, [])
        if candidates:
            arrondissements = [c for _, c in candidates if c[3]]  # a postcode of Paris, Lyon or Marseille
            named = [c for n, c in candidates if n == name]
            return (arrondissements or named or [c for _, c in candidates])[0]
        department = postcode[:3] if postcode.startswith("97") else postcode[:2]
        same = [c for c in self.by_name.get(name, []) if c[4].startswith(department)]
        return same[0] if len(same) == 1 else None


# Reading ------------------------------------------------------------------------------------------------------------

RECORDS = ("session", "action", "formation")


class Reader:
    """Turns a formation element into records, reporting every problem with its line, path and record."""

    def __init__(self, *, organism=None, communes: CommuneIndex | None = None):
        self.scope = organism
        self.communes = communes or CommuneIndex()
        self.rome = set(RomeCode.objects.values_list("code", flat=True))
        self.problems: list[Problem] = []
        self.more_problems = 0  # beyond MAX_PROBLEMS
        self.seen: dict[tuple, int] = {}  # record key -> line, to refuse a numero given twice
        self.valid_sirets: set[str] = set()
        self.schema = official_schema()

    # Problems ----------------------------------------------------------------------------------------------------

    def path(self, element) -> str:
        """/lheo/offres/formation[2]/action[1]/session[3]: local names, position among same-named siblings."""
        parts = []
        while element is not None and etree.QName(element).localname != "formation":
            name = etree.QName(element).localname
            parent = element.getparent()
            same = [e for e in parent if isinstance(e.tag, str) and etree.QName(e).localname == name]
            parts.append(f"{name}[{same.index(element) + 1}]" if len(same) > 1 else name)
            element = parent
        return "/".join([f"/lheo/offres/formation[{self.position}]", *reversed(parts)])

    def problem(self, element, message: str, record, *, schema: bool = False) -> None:
        """A problem making `record` (a FormationRecord, ActionRecord or SessionRecord) invalid. Once the schema
        refused a record, the portal's own checks of it are not reported: they would say the same again."""
        kind = {FormationRecord: "formation", ActionRecord: "action", SessionRecord: "session"}[type(record)]
        record.valid = False
        if record.against_schema and not schema:
            return
        record.against_schema = record.against_schema or schema
        if len(self.problems) >= MAX_PROBLEMS:
            self.more_problems += 1
            return
        self.problems.append(Problem(element.sourceline, self.path(element), message, kind, record.numero))

    def schema_problems(self, element) -> dict:
        """Schema errors of a formation, by the element of the record they make invalid."""
        found: dict = {}
        if self.schema is None or self.schema.validate(element):
            return found
        for error in self.schema.error_log:
            node = locate(element, error.path, error.line)
            holder = node
            while holder is not element and etree.QName(holder).localname not in ("session", "action"):
                holder = holder.getparent()
            message = schema_message(error.message)
            found.setdefault(holder, []).append((node, message))
        return found

    def report_schema(self, found: dict, holder, record) -> None:
        by_node: dict = {}
        for node, message in found.get(holder, []):  # one element, one problem: libxml2 may give a reason per facet
            by_node.setdefault(node, []).append(message)
        for node, messages in by_node.items():
            self.problem(node, " ; ".join(dict.fromkeys(messages)), record, schema=True)

    def unique(self, key: tuple, element, record, what: str) -> None:
        if key in self.seen:
            self.problem(element, f"Numéro de {what} « {key[-1]} » déjà présent ligne {self.seen[key]}.", record)
        else:
            self.seen[key] = element.sourceline

    # Records -----------------------------------------------------------------------------------------------------

    def number(self, element, value: str, what: str, record) -> int | None:
        """A whole number, None when absent; an unreadable one is a problem, not a silent blank."""
        if not value:
            return None
        number = whole_number(value)
        if number is None:
            self.problem(element, f"{what} : « {value} » n'est pas un nombre entier.", record)
        return number

    def formation(self, element, position: int) -> FormationRecord:
        self.position = position
        numero = element.get("numero", "")
        path = f"/lheo/offres/formation[{position}]"
        record = FormationRecord(
            position=position, numero=numero, line=element.sourceline, path=path, organism={}, fields={}
        )
        if etree.QName(element.getparent()).localname != "offres":
            self.problem(element, "Une formation se place directement dans l'élément offres.", record)
        schema = self.schema_problems(element)
        self.report_schema(schema, element, record)
        if not numero:
            self.problem(
                element,
                "L'attribut numero de la formation est obligatoire pour la retrouver au prochain import.",
                record,
            )
        values = FORMATION(element)
        record.organism = self.organism_of(element, values, record)
        self.unique(("formation", record.siret, numero), element, record, "formation")
        certifying = values["certifying"] == "1"
        code = ""
        if values["rncp"]:
            code = "RNCP" + values["rncp"].removeprefix("RNCP")
        elif values["rs"]:
            code = "RS" + values["rs"].removeprefix("RS")
        extras = extras_of(element)
        contact = {
            "contact_name": plain_text(values["contact_name"])[:100],
            "contact_phone": values["contact_phone"][:25],
            "contact_email": email_address(values["contact_email"]),
        }
        organism = record.organism
        if (
            contact["contact_name"] in (organism["usual_name"][:50], organism["usual_name"][:100])
            and contact["contact_phone"][:20] == organism["phone"]
            and contact["contact_email"] == organism["email"]
        ):  # the organisation's own contact (what the portal's export writes) is not stored twice
            contact = dict.fromkeys(contact, "")
        record.fields = {
            "title": plain_text(values["title"])[:255],
            "objectives": plain_text(values["objectives"]),
            "content": plain_text(values["content"]),
            "expected_results": ""
            if extras.get("resultats-attendus-non-renseignes")
            else plain_text(values["results"]),
            "is_certifying": certifying,
            "certification_code": code[:12] if certifying else "",
            "nsf_code": values["nsf"][:3],
            "entry_level": int(values["entry"]) if values["entry"] in LEVELS else Level.UNKNOWN,
            "exit_level": int(values["exit"]) if values["exit"] in LEVELS else Level.UNKNOWN,
            "website": web_address(values["website"]),
            **contact,
        }
        if not record.fields["title"]:
            self.problem(element, "L'intitulé de la formation (intitule-formation) est obligatoire.", record)
        record.rome = [code for code in ROME_CODES(element) if code in self.rome][:5]
        actions = list(element.iterchildren(TAG["action"]))
        record.actions = [
            self.action(action, record, values["cpf"] == "true", schema, step(path, "action", n, len(actions)))
            for n, action in enumerate(actions, start=1)
        ]
        return record

    def organism_of(self, formation, values: dict, record) -> dict:
        organism = {
            "siret": values["siret"],
            "nda": values["nda"][:11],
            "usual_name": plain_text(values["usual_name"])[:200],
            "legal_name": plain_text(values["legal_name"])[:200],
            "street": values["organism_street"][:250],
            "postcode": values["organism_postcode"],
            "insee": values["organism_insee"],
            "city": values["organism_city"],
            "email": email_address(values["email"]),
            "phone": values["phone"][:20],
            "website": web_address(values["organism_website"]),
        }
        if values["responsible"] != "true":
            self.problem(
                formation, "L'organisme responsable (organisme-formation-responsable) est obligatoire.", record
            )
            return organism
        siret = organism["siret"]
        if siret not in self.valid_sirets:
            try:
                validate_siret(siret)
                self.valid_sirets.add(siret)
            except ValidationError as error:
                element = child(formation, "organisme-formation-responsable")
                self.problem(element, f"SIRET {siret!r} : {' '.join(error.messages)}", record)
        if self.scope is not None and siret != self.scope.siret:
            self.problem(
                child(formation, "organisme-formation-responsable"),
                f"Ce fichier décrit l'organisme de SIRET {siret}, pas le vôtre ({self.scope.siret}).",
                record,
            )
        return organism

    def action(self, element, formation: FormationRecord, cpf: bool, schema: dict, path: str) -> ActionRecord:
        numero = element.get("numero", "")
        record = ActionRecord(numero=numero, line=element.sourceline, path=path, fields={})
        self.report_schema(schema, element, record)
        if not numero:
            self.problem(
                element, "L'attribut numero de l'action est obligatoire pour la retrouver au prochain import.", record
            )
        self.unique(("action", formation.siret, formation.numero, numero), element, record, "action")
        values = ACTION(element)
        extras = extras_of(element)
        record.public_id = first_extra(extras, "identifiant-public", "")[:12]
        mode = int(values["mode"]) if values["mode"] in {"0", "1", "2"} else TeachingMode.ON_SITE
        axis = first_extra(extras, "axe", "")
        price = values["price"]
        try:
            price_value = Decimal(price.replace(",", ".").replace(" ", "")) if price else None
            if price_value is not None and (not price_value.is_finite() or abs(price_value) >= 10_000_000):
                raise InvalidOperation
        except InvalidOperation:
            self.problem(element, f"Prix illisible : {price!r}.", record)
            price_value = None
        audiences = [] if extras.get("public-vise-par-defaut") else AUDIENCE_CODES(element)
        audiences += extras.get("public-portail", [])
        record.audiences = sorted({code for code in audiences if code in AUDIENCES})
        funders = {}
        for funder in element.iterchildren(TAG["organisme-financeur"]):
            funding = FUNDER(funder)
            places = self.number(funder, funding["places"], "nombre de places financées", record)
            if funding["code"] in FUNDERS:
                funders[funding["code"]] = places
        record.funders = sorted(funders.items())
        accessibility = plain_text(values["accessibility"])
        free = first_extra(extras, "gratuit-demandeurs-emploi")  # the portal's own statement, LHÉO having none
        website = web_address(values["website"])
        if record.public_id and website.rstrip("/").endswith(f"/formations/{record.public_id}"):
            website = ""  # this portal's own page of the action, written by its export
        requirements = plain_text(values["requirements"])
        record.fields = {
            "teaching_mode": mode,
            "axis": axis if axis in AXES else "",
            "remote_kind": first_extra(extras, "type-distance", "") if axis == Axis.REMOTE else "",
            "english_sector": first_extra(extras, "secteur-anglais", "") if axis == Axis.PRO_ENGLISH else "",
            "entry_requirements": "" if requirements.lower() in ("aucune", "aucun") else requirements,
            "price": price_value,
            "hours_centre": self.number(element, values["hours_centre"], "nombre-heures-centre", record),
            "hours_company": self.number(element, values["hours_company"], "nombre-heures-entreprise", record),
            "hours_total": self.number(element, values["hours_total"], "nombre-heures-total", record),
            "free_for_jobseekers": free == "1"
            if free is not None
            else free_for_jobseekers_from_lheo(
                costs_covered=values["costs_covered"] == "1", funder_codes=list(funders)
            ),
            "cpf_eligible": cpf or first_extra(extras, "eligible-cpf") == "1",
            "pay": pay if (pay := first_extra(extras, "remuneration", "")) in PAY else "",
            "disabled_access": bool(accessibility),
            "accessibility_details": (
                ("" if accessibility == "Accessible aux personnes en situation de handicap" else accessibility)
                if accessibility
                else first_extra(extras, "precisions-accessibilite", "")
            ),
            "trainer_siret": values["trainer"],
            "website": website,
        }
        if record.fields["remote_kind"] not in REMOTE_KINDS or record.fields["english_sector"] not in ENGLISH_SECTORS:
            self.problem(element, "Type de formation à distance ou secteur d'anglais professionnel inconnu.", record)
        if values["trainer"]:
            try:
                validate_siret(values["trainer"])
            except ValidationError as error:
                self.problem(element, f"SIRET du formateur : {' '.join(error.messages)}", record)
        for place in element.iterchildren(TAG["lieu-de-formation"]):
            found = self.place(place, record)
            if found is not None and found.key not in {p.key for p in record.places}:
                record.places.append(found)
        # Rolling entry: LHÉO says it for the whole action; the portal's extra adds it for one session.
        rolling = values["rolling"] == "1"
        sessions = list(element.iterchildren(TAG["session"]))
        record.sessions = [
            self.session(
                session,
                formation,
                record,
                rolling=rolling,
                remote=mode == TeachingMode.REMOTE,
                schema=schema,
                path=step(path, "session", n, len(sessions)),
            )
            for n, session in enumerate(sessions, start=1)
        ]
        return record

    def place(self, element, action: ActionRecord) -> PlaceRecord | None:
        values = PLACE(element)
        if values["address"] != "true":
            return None
        postcode, city = values["postcode"], values["city"]
        commune = self.communes.find(values["insee"], postcode, city)
        if commune is None:
            self.problem(element, f"Commune introuvable : {city} ({postcode}).", action)
            return None
        latitude, longitude = values["latitude"], values["longitude"]
        lat = coordinate(latitude.replace(",", "."), -90, 90) if latitude else commune[1]
        lon = coordinate(longitude.replace(",", "."), -180, 180) if longitude else commune[2]
        if lat is None or lon is None:
            self.problem(element, f"Coordonnées illisibles ou hors limites : {latitude}, {longitude}.", action)
            return None
        return PlaceRecord(
            name=plain_text(values["name"])[:200],
            street=values["street"][:250] or "Adresse non communiquée",
            postcode=postcode if POSTCODE.fullmatch(postcode) else commune[5],
            commune_id=commune[0],
            latitude=lat,
            longitude=lon,
        )

    def session(
        self, element, formation, action: ActionRecord, *, rolling: bool, remote: bool, schema, path: str
    ) -> SessionRecord:
        numero = element.get("numero", "")
        record = SessionRecord(numero=numero, line=element.sourceline, path=path, fields={})
        if schema:
            self.report_schema(schema, element, record)
        if not numero:
            self.problem(
                element, "L'attribut numero de la session est obligatoire pour la retrouver au prochain import.", record
            )
        self.unique(("session", formation.siret, formation.numero, action.numero, numero), element, record, "session")
        values = SESSION(element)
        extras = extras_of(element)
        record.public_id = first_extra(extras, "identifiant-public", "")[:12]
        start, end = values["start"], values["end"]
        start_date, end_date = lheo_date(start), lheo_date(end)
        if (start not in ("", UNKNOWN_START) and start_date is None) or (
            end not in ("", UNKNOWN_END) and end_date is None
        ):
            self.problem(element, f"Date impossible : début {start}, fin {end} (AAAAMMJJ).", record)
        registration = values["registration"] == "true"
        state = values["state"] or "1"

        def number(info):
            return self.number(element, first_extra(extras, info, ""), info, record)

        record.fields = {
            "start_date": start_date,
            "end_date": end_date,
            "registration_opens": lheo_date(values["opens"]) if registration else None,
            "registration_closes": lheo_date(values["closes"]) if registration else None,
            "recruitment_state": int(state) if state in {"1", "2", "3"} else RecruitmentState.OPEN,
            "rolling_entry": rolling or first_extra(extras, "entrees-permanentes") == "1",
            "capacity": number("places"),
            "places_left": number("places-restantes"),
            "is_published": True,
        }
        record.confirmed_at = confirmation(first_extra(extras, "confirmee-le", ""))
        if remote or first_extra(extras, "a-distance") == "1":
            record.place = None
        else:
            record.place = self.session_place(element, values, action, record)
        record.fields["is_remote"] = record.place is None
        # The session's rules are the model's (sessions.models.session_errors), as for the web form and the
        # spreadsheet: every broken one is reported before anything is written.
        for message in session_errors(**record.fields, has_place=record.place is not None).values():
            self.problem(element, message, record)
        return record

    def session_place(self, element, values: dict, action: ActionRecord, record: SessionRecord) -> int | None:
        """Where the session is taught: the action's training place at its registration address, else in the same
        commune, else the action's only place; without any training place, the registration address itself."""
        if values["address"] != "true":
            return 0 if len(action.places) == 1 else None
        postcode, city = values["postcode"], values["city"]
        commune = self.communes.find(values["insee"], postcode, city)
        street = values["street"][:250] or "Adresse non communiquée"
        if commune is not None:
            for n, place in enumerate(action.places):
                if place.key == (commune[0], street):
                    return n
            for n, place in enumerate(action.places):
                if place.commune_id == commune[0]:
                    return n
        if action.places:
            return 0
        if commune is None:
            self.problem(element, f"Commune introuvable : {city} ({postcode}).", record)
            return None
        action.places.append(
            PlaceRecord(
                name="",
                street=street,
                postcode=postcode if POSTCODE.fullmatch(postcode) else commune[5],
                commune_id=commune[0],
                latitude=commune[1],
                longitude=commune[2],
            )
        )
        return len(action.places) - 1


def step(path: str, name: str, position: int, count: int) -> str:
    """A readable path one element further: the position only among several same-named siblings."""
    return f"{path}/{name}[{position}]" if count > 1 else f"{path}/{name}"


STEP = re.compile(r"^(?:(?P<prefix>[^:\[\]]+):)?(?P<name>\*|[^:\[\]]+)(?:\[(?P<position>[0-9]+)\])?$")


def locate(root, path: str | None, line: int | None):
    """The element a schema error names, under `root` (validated as a document of its own): libxml2's path read
    step by step by local name and position (never evaluated as XPath: a foreign namespace's prefix is unknown to
    it), else the deepest element on the error's line, else `root`."""
    node = root
    steps = (path or "").strip("/").split("/")[1:] if path else []
    for step in steps:
        match = STEP.match(step)
        if match is None:
            node = None
            break
        children = [e for e in node if isinstance(e.tag, str)]
        if match["name"] != "*":
            children = [e for e in children if etree.QName(e).localname == match["name"]]
        position = int(match["position"] or 1)
        if position > len(children):
            node = None
            break
        node = children[position - 1]
    if node is not None and (line is None or node.sourceline == line or not steps):
        return node
    on_line = [e for e in root.iter(etree.Element) if e.sourceline == line]
    return on_line[-1] if on_line else (node if node is not None else root)
