"""A deterministic, realistic demo catalogue (development and benchmarks only, never in production).

The same seed and the same day give the same catalogue. Dates are placed around that day so that the
catalogue always has past, ongoing, upcoming and undated sessions, some of them stale.
"""

import csv
import functools
import io
import json
import random
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from stdnum import luhn

from accounts.groups import ADMINISTRATOR, ensure_region_groups
from accounts.models import User
from candidatures.models import Booking, Candidature, CandidatureEvent, InformationMeeting
from catalogue.choices import Audience, Axis, EnglishSector, Funder, Level, RecruitmentState, RemoteKind, TeachingMode
from catalogue.models import (
    PUBLIC_ID_ALPHABET,
    Action,
    ActionAudience,
    ActionFunder,
    ActionLabel,
    Commune,
    Formation,
    Programme,
    RomeCode,
    SearchWord,
    TrainingPlace,
)
from catalogue.places import in_home_region_q
from catalogue.search.text import fold, lexicon_add
from catalogue.services import action_document
from core.models import AuditEntry, Job
from core.workdays import answer_deadline
from exchange.models import FeedSource, ImportRun
from organisms.models import Membership, Organism
from sessions.models import SessionOutcome, SessionReminder, TrainingSession
from shortlists.models import Favourite, SavedSearch, SavedSearchMatch, Shortlist, ShortlistItem

DEMO_EMAIL_DOMAIN = "demo.catalogue.test"
# The values of a session, in the order DemoBuilder.session_for gives them.
SESSION_FIELDS = (
    "action_id",
    "public_id",
    "external_id",
    "is_published",
    "start_date",
    "end_date",
    "registration_opens",
    "registration_closes",
    "recruitment_state",
    "rolling_entry",
    "capacity",
    "places_left",
    "is_remote",
    "place_id",
    "confirmed_at",
)
DEMO_PASSWORD = "demo-catalogue-2026"
REGION_STAFF_GROUP = "Agents de la Région (démonstration)"


@dataclass(frozen=True)
class Family:
    """A family of trainings: what is taught, for which jobs, at which level."""

    key: str
    titles: tuple[str, ...]
    rome_codes: tuple[str, ...]
    nsf_code: str
    certifications: tuple[str, ...]
    entry_level: int
    exit_level: int
    hours: tuple[int, int]
    objectives: str
    content: str
    requirements: str
    english_sector: str = ""
    weight: int = 10


FAMILIES = (
    Family(
        key="web",
        titles=(
            "Développeur web et web mobile",
            "Concepteur d'applications web",
            "Intégrateur web",
            "Développeur full stack JavaScript",
            "Initiation au développement web",
        ),
        rome_codes=("M1855", "M1805", "M1861"),
        nsf_code="326",
        certifications=("RNCP37674", "RNCP37873"),
        entry_level=Level.EU_3,
        exit_level=Level.EU_5,
        hours=(280, 1200),
        objectives=(
            "Concevoir et réaliser des sites et applications web accessibles et sécurisés ; "
            "travailler en équipe avec les méthodes agiles ; préparer l'insertion dans un emploi de développeur."
        ),
        content=(
            "HTML, CSS et accessibilité numérique (RGAA) ; JavaScript ; un framework côté serveur ; bases de "
            "données relationnelles ; gestion de versions avec Git ; tests ; déploiement ; projet en équipe ; "
            "techniques de recherche d'emploi."
        ),
        requirements="Aisance avec l'ordinateur ; logique ; motivation vérifiée en entretien. Aucun diplôme exigé.",
        weight=16,
    ),
    Family(
        key="support",
        titles=(
            "Technicien d'assistance en informatique",
            "Technicien supérieur systèmes et réseaux",
            "Assistant support informatique",
        ),
        rome_codes=("I1401", "M1874", "M1810", "I1404"),
        nsf_code="326",
        certifications=("RNCP37682", "RNCP36061"),
        entry_level=Level.EU_3,
        exit_level=Level.EU_4,
        hours=(350, 1100),
        objectives=(
            "Installer, dépanner et maintenir les postes de travail et les réseaux d'une entreprise ; "
            "accompagner les utilisateurs au téléphone et sur site."
        ),
        content=(
            "Matériel et systèmes d'exploitation ; réseaux locaux ; Active Directory ; outils de ticketing ; "
            "relation avec les utilisateurs ; cybersécurité de base ; stage en entreprise."
        ),
        requirements="Goût pour le dépannage et le contact ; niveau fin de collège recommandé.",
        weight=12,
    ),
    Family(
        key="data",
        titles=("Data analyst", "Analyste de données", "Initiation à l'analyse de données avec un tableur"),
        rome_codes=("M1419", "M1405", "M1811"),
        nsf_code="326",
        certifications=("RNCP37429",),
        entry_level=Level.EU_4,
        exit_level=Level.EU_6,
        hours=(140, 900),
        objectives="Collecter, nettoyer, analyser et présenter des données pour aider à la décision.",
        content="Tableur avancé ; SQL ; Python pour l'analyse ; visualisation et tableaux de bord ; statistiques.",
        requirements="Niveau baccalauréat ou expérience équivalente ; aisance avec les chiffres.",
        weight=9,
    ),
    Family(
        key="cyber",
        titles=("Analyste en cybersécurité", "Technicien cybersécurité", "Sensibilisation à la cybersécurité"),
        rome_codes=("M1844", "M1856", "M1817"),
        nsf_code="326",
        certifications=("RNCP36924",),
        entry_level=Level.EU_4,
        exit_level=Level.EU_5,
        hours=(70, 900),
        objectives="Surveiller, détecter et traiter les incidents de sécurité d'un système d'information.",
        content="Réseaux et systèmes ; menaces et vulnérabilités ; supervision (SOC) ; réponse aux incidents ; RGPD.",
        requirements="Bases en informatique et en réseaux ; curiosité ; rigueur.",
        weight=7,
    ),
    Family(
        key="marketing",
        titles=("Chargé de marketing digital", "Community manager", "Référencement web (SEO) et contenus"),
        rome_codes=("M1718", "E1101", "E1405"),
        nsf_code="312",
        certifications=("RNCP37160",),
        entry_level=Level.EU_4,
        exit_level=Level.EU_5,
        hours=(105, 700),
        objectives="Construire et animer la présence en ligne d'une entreprise et mesurer ses résultats.",
        content="Stratégie digitale ; réseaux sociaux ; référencement ; publicité en ligne ; e-mailing ; analytics.",
        requirements="Aisance à l'écrit ; intérêt pour les réseaux sociaux.",
        weight=8,
    ),
    Family(
        key="design",
        titles=("Web designer", "Designer graphique et numérique"),
        rome_codes=("E1210", "E1205", "E1104"),
        nsf_code="322",
        certifications=("RNCP37805",),
        entry_level=Level.EU_4,
        exit_level=Level.EU_5,
        hours=(210, 800),
        objectives="Concevoir des interfaces et des supports visuels pour le web et les applications.",
        content="Ergonomie et accessibilité ; maquettage ; suites graphiques ; intégration HTML et CSS ; portfolio.",
        requirements="Sens visuel ; un dossier de travaux personnels est un plus.",
        weight=5,
    ),
    Family(
        key="basics",
        titles=(
            "Compétences numériques de base",
            "Bureautique et outils collaboratifs",
            "Premiers pas avec le numérique pour l'emploi",
        ),
        rome_codes=("M1607", "M1602"),
        nsf_code="326",
        certifications=("RS6061",),
        entry_level=Level.EU_1,
        exit_level=Level.EU_3,
        hours=(35, 210),
        objectives="Utiliser un ordinateur et un téléphone pour ses démarches et son travail, en sécurité.",
        content="Messagerie ; navigation ; démarches en ligne ; traitement de texte et tableur ; visioconférence.",
        requirements="Aucun prérequis.",
        weight=10,
    ),
    Family(
        key="english-logistics",
        titles=("Anglais professionnel pour la logistique",),
        rome_codes=("N1103", "N1110", "N1115"),
        nsf_code="136",
        certifications=("RS5519",),
        entry_level=Level.EU_2,
        exit_level=Level.EU_3,
        hours=(40, 150),
        objectives="Communiquer en anglais dans un entrepôt ou un service logistique : consignes, documents, sécurité.",
        content="Vocabulaire de l'entrepôt ; bons de commande et de livraison ; échanges téléphoniques ; consignes.",
        requirements="Niveau A1 en anglais ; un ordinateur ou une tablette avec une connexion.",
        english_sector=EnglishSector.LOGISTICS,
        weight=5,
    ),
    Family(
        key="english-tourism",
        titles=("Anglais professionnel pour l'accueil touristique",),
        rome_codes=("G1101", "G1703", "G1102"),
        nsf_code="136",
        certifications=("RS5519",),
        entry_level=Level.EU_2,
        exit_level=Level.EU_3,
        hours=(40, 150),
        objectives="Accueillir, renseigner et conseiller une clientèle internationale en anglais.",
        content="Accueil ; orientation ; présentation d'un site ; réclamations ; échanges écrits.",
        requirements="Niveau A1 en anglais ; un ordinateur ou une tablette avec une connexion.",
        english_sector=EnglishSector.TOURISM,
        weight=5,
    ),
    Family(
        key="english-catering",
        titles=("Anglais professionnel pour l'hôtellerie-restauration",),
        rome_codes=("G1803", "G1602", "G1703"),
        nsf_code="136",
        certifications=("RS5519",),
        entry_level=Level.EU_2,
        exit_level=Level.EU_3,
        hours=(40, 150),
        objectives="Prendre une commande, présenter une carte et accueillir des clients étrangers en anglais.",
        content="Carte et allergènes ; prise de commande ; réservation ; réception ; situations difficiles.",
        requirements="Niveau A1 en anglais ; un ordinateur ou une tablette avec une connexion.",
        english_sector=EnglishSector.CATERING,
        weight=5,
    ),
)

ORGANISM_PREFIXES = (
    "Académie",
    "École",
    "Campus",
    "Atelier",
    "Institut",
    "Centre de formation",
    "Fabrique",
    "Maison",
)
ORGANISM_THEMES = (
    "du numérique",
    "du code",
    "digitale",
    "des métiers du web",
    "des données",
    "des compétences",
    "Pixel",
    "Tremplin numérique",
)
LEGAL_FORMS = ("SAS", "SARL", "Association", "SCIC", "GIP")
STREETS = (
    "rue de la République",
    "avenue Jean-Jaurès",
    "boulevard Victor-Hugo",
    "rue Pasteur",
    "place de la Mairie",
    "rue du Général-Leclerc",
    "avenue de la Gare",
    "rue Gambetta",
    "allée des Tilleuls",
    "rue Jules-Ferry",
)
PLACE_NAMES = ("Campus", "Site", "Espace", "Plateau technique", "Tiers-lieu")
SECONDARY_AUDIENCES = (
    Audience.YOUNG_16_25,
    Audience.WOMEN,
    Audience.DISABLED,
    Audience.NEET,
    Audience.QPV,
    Audience.ZRR,
    Audience.RSA,
    Audience.LONG_TERM_JOBSEEKER,
    Audience.DIGITAL_EXCLUSION,
    Audience.REFUGEES,
    Audience.EMPLOYEES,
    Audience.EVERYONE,
)

PROGRAMMES = (
    {
        "slug": "deuxieme-chance-numerique-idf",
        "name": "2ème chance numérique Île-de-France",
        "description": (
            "Programme régional (AMI e-learning) : formations hybrides, 100 % à distance et anglais "
            "professionnel à distance pour les métiers en tension, au bénéfice des demandeurs d'emploi et des "
            "jeunes sortis du système scolaire sans qualification."
        ),
        "is_national": False,
        "axes": ["hybride", "distance", "anglais-pro"],
        "checklist": [
            "L'action relève d'un des trois axes du programme",
            "Gratuite pour les demandeurs d'emploi",
            "Sessions à venir publiées et tenues à jour",
            "Accompagnement à distance par un tuteur",
        ],
        "required_checks": [
            "L'action relève d'un des trois axes du programme",
            "Gratuite pour les demandeurs d'emploi",
        ],
        "priority_audiences": ["80006", "neet", "81024"],
        "min_priority_share": 50,
    },
    {
        "slug": "grande-ecole-du-numerique",
        "name": "Grande École du Numérique",
        "description": (
            "Label national attribué pour trois ans à des formations courtes, gratuites ou financées, sans "
            "prérequis de diplôme, ouvertes en priorité aux jeunes NEET, aux femmes et aux habitants des QPV."
        ),
        "is_national": True,
        "axes": [],
        "checklist": [
            "Formation courte et opérationnelle",
            "Gratuite ou financée, sans prérequis de diplôme",
            "Ouverte en priorité aux NEET, aux femmes et aux habitants des QPV",
        ],
        "required_checks": ["Gratuite ou financée, sans prérequis de diplôme"],
        "priority_audiences": ["neet", "81018", "qpv"],
        "min_priority_share": 50,
    },
)


@dataclass
class DemoReport:
    organisms: int = 0
    formations: int = 0
    actions: int = 0
    sessions: int = 0
    labels: int = 0
    outcomes: int = 0
    candidatures: int = 0
    accounts: list[tuple[str, str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.organisms} organismes, {self.formations} formations, {self.actions} actions, "
            f"{self.sessions} sessions, {self.labels} labels, {self.outcomes} bilans de session"
            + (f", {self.candidatures} candidatures." if self.candidatures else ".")
        )


# Writing many rows ---------------------------------------------------------------------------------------------------
# On PostgreSQL the demo catalogue is streamed with COPY (a million sessions in well under a minute, where the ORM's
# INSERTs took minutes); elsewhere it goes through bulk_create. Ids are reserved from the table's sequence first, so
# that the rows written can be referred to at once.


class RowWriter:
    """Rows of one model, given as tuples of some of its fields (`given`, by attname); its other fields take their
    default, and auto_now fields the time of writing."""

    def __init__(self, model, given: tuple[str, ...]):
        self.model = model
        now = timezone.now()
        self.fields = [f for f in model._meta.concrete_fields if f.attname in given or not f.primary_key]
        self.given = given
        self.constants = {}
        for f in self.fields:
            if f.attname in given:
                continue
            if f.unique:
                raise ValueError(f"{model.__name__}.{f.attname} is unique: give its values")
            auto = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            self.constants[f.attname] = now if auto else f.get_default()
            if isinstance(self.constants[f.attname], list | dict):
                self.constants[f.attname] = json.dumps(self.constants[f.attname])
        self.positions = [given.index(f.attname) if f.attname in given else None for f in self.fields]

    def write(self, rows: list[tuple], *, ids: bool = False) -> list[int]:
        """Writes the rows (COPY on PostgreSQL, bulk_create elsewhere); returns their ids when asked."""
        if not rows:
            return []
        if connection.vendor != "postgresql":
            objects = [self.model(**self.constants, **dict(zip(self.given, row, strict=True))) for row in rows]
            return [obj.pk for obj in self.model.objects.bulk_create(objects, batch_size=2000)]
        fields, positions, new_ids = self.fields, self.positions, []
        if ids:
            table = self.model._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)]
                )
                new_ids = [row[0] for row in cursor.fetchall()]
            fields, positions = [self.model._meta.pk, *fields], [len(self.given), *positions]
            rows = [(*row, pk) for row, pk in zip(rows, new_ids, strict=True)]
        buffer = io.StringIO()
        out = csv.writer(buffer, quoting=csv.QUOTE_STRINGS, lineterminator="\n")
        constants = [self.constants.get(f.attname) for f in fields]
        out.writerows([constants[n] if at is None else row[at] for n, at in enumerate(positions)] for row in rows)
        buffer.seek(0)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)
        return new_ids


def write_objects(model, objects: list) -> list:
    """Model instances written, their ids set."""
    given = tuple(f.attname for f in model._meta.concrete_fields if not f.primary_key)
    now = timezone.now()
    rows = []
    for obj in objects:
        for f in model._meta.concrete_fields:
            if (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)) and getattr(obj, f.attname) is None:
                setattr(obj, f.attname, now)
        rows.append(tuple(getattr(obj, name) for name in given))
    for obj, pk in zip(objects, RowWriter(model, given).write(rows, ids=True), strict=True):
        obj.pk = pk
    return objects


@contextmanager
def bulk_load(models):
    """PostgreSQL: the secondary indexes, unique and foreign key constraints of these tables dropped while they are
    filled, then created again (one pass each over the rows loaded, as pg_restore does), in the same transaction."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        # Deferred checks still pending in this transaction would forbid altering the tables: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            "WHERE contype IN ('f', 'u') AND conrelid = ANY(%s::regclass[]) ORDER BY contype",
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = pg_index.indexrelid)",
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _, _ in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        for _, definition in indexes:
            cursor.execute(definition)
        for table, name, definition, _ in reversed(constraints):  # unique first: foreign keys may need them
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django declares its foreign keys


class DemoBuilder:
    def __init__(self, *, sessions: int, seed: int, today: date, progress=None):
        self.progress = progress or (lambda stage, done, total: None)  # a command's progress bar (core.progress)
        self.rng = random.Random(seed)
        self.session_count = sessions
        self.today = today
        self.now = timezone.make_aware(datetime.combine(today, time(12, 0)))
        self.public_ids: set[str] = set()
        self.sirets: set[str] = set()
        self.document_cache: dict[int, tuple[str, str]] = {}
        self.fold = functools.lru_cache(maxsize=None)(fold)  # the documents' parts repeat across formations

    # Small helpers ------------------------------------------------------------------------------

    def public_id(self) -> str:
        while True:
            value = "".join(self.rng.choice(PUBLIC_ID_ALPHABET) for _ in range(10))
            if value not in self.public_ids:
                self.public_ids.add(value)
                return value

    def siret(self) -> str:
        while True:
            siren = "".join(self.rng.choice("0123456789") for _ in range(8))
            siren += luhn.calc_check_digit(siren)
            body = siren + "".join(self.rng.choice("0123456789") for _ in range(4))
            value = body + luhn.calc_check_digit(body)
            if value not in self.sirets and not value.startswith("356000000"):
                self.sirets.add(value)
                return value

    def jitter(self, latitude: float, longitude: float) -> tuple[float, float]:
        """A point within about a kilometre of the given one."""
        return (
            round(latitude + self.rng.uniform(-0.008, 0.008), 6),
            round(longitude + self.rng.uniform(-0.011, 0.011), 6),
        )

    def address(self, commune: Commune) -> dict:
        latitude, longitude = self.jitter(commune.latitude, commune.longitude)
        return {
            "street": f"{self.rng.randint(1, 180)} {self.rng.choice(STREETS)}",
            "postcode": commune.postcode_list[0],
            "commune": commune,
            "latitude": latitude,
            "longitude": longitude,
        }

    # Building ------------------------------------------------------------------------------------

    def build(self) -> DemoReport:
        communes = list(
            Commune.objects.select_related("department")
            .filter(in_home_region_q())
            .exclude(postcodes="")
            .order_by("code")
        )
        if not communes:
            raise RuntimeError("Chargez d'abord les données de référence : python manage.py load_reference_data")
        rome = dict(RomeCode.objects.values_list("code", "id"))
        self.rome_labels = dict(RomeCode.objects.values_list("code", "label"))
        missing = {code for family in FAMILIES for code in family.rome_codes} - set(rome)
        if missing:
            raise RuntimeError(f"Codes ROME absents des données de référence : {', '.join(sorted(missing))}")

        cities = {c.parent_id for c in communes if c.parent_id}
        communes = [c for c in communes if c.pk not in cities]  # Paris, Lyon, Marseille: placed by arrondissement
        weights = [max(c.population, 50) for c in communes]
        by_department: dict[str, list[Commune]] = {}
        for commune in communes:
            by_department.setdefault(commune.department.code, []).append(commune)
        departments = sorted(by_department)

        action_count = max(len(FAMILIES), self.session_count // 4)
        formation_count = max(len(FAMILIES), action_count // 2)
        organism_count = max(6, formation_count // 8)

        report = DemoReport()
        steps = 7
        self.progress("Catalogue de démonstration (organismes)", 0, steps)
        organisms = self.build_organisms(organism_count, departments, by_department)
        report.organisms = len(organisms)
        self.progress("Catalogue de démonstration (formations)", 1, steps)
        formations = self.build_formations(formation_count, organisms, rome)
        report.formations = len(formations)
        self.progress("Catalogue de démonstration (actions)", 2, steps)
        actions = self.build_actions(action_count, formations, communes, weights)
        report.actions = len(actions)
        self.progress("Catalogue de démonstration (sessions)", 3, steps)
        report.sessions = self.build_sessions(actions)
        self.progress("Catalogue de démonstration (labels)", 4, steps)
        report.labels = self.build_labels(actions)
        self.progress("Catalogue de démonstration (résultats)", 5, steps)
        report.outcomes = self.build_outcomes()
        self.progress("Catalogue de démonstration (comptes et candidatures)", 6, steps)
        if settings.DEMO_MODE:
            report.accounts = self.build_accounts(organisms)
            report.candidatures = self.build_loop()
        self.progress("Catalogue de démonstration (index)", steps, steps)
        return report

    def build_organisms(self, count, departments, by_department) -> list[Organism]:
        organisms = []
        slugs = set()
        for index in range(count):
            department = departments[index % len(departments)]  # every department has organisations
            commune = self.rng.choice(by_department[department])
            usual_name = f"{self.rng.choice(ORGANISM_PREFIXES)} {self.rng.choice(ORGANISM_THEMES)} {commune.name}"
            slug = slugify(usual_name)[:70]
            if slug in slugs:
                slug = f"{slug}-{index}"
            slugs.add(slug)
            state_roll = self.rng.random()
            state = (
                Organism.ApprovalState.APPROVED
                if index < 2 or state_roll < 0.86
                else Organism.ApprovalState.PENDING
                if state_roll < 0.94
                else Organism.ApprovalState.SUSPENDED
                if state_roll < 0.97
                else Organism.ApprovalState.REJECTED
            )
            address = self.address(commune)
            organisms.append(
                Organism(
                    siret=self.siret(),
                    nda=f"11{department[:2]}{self.rng.randint(0, 9999999):07d}",
                    slug=slug,
                    usual_name=usual_name,
                    legal_name=f"{usual_name} {self.rng.choice(LEGAL_FORMS)}",
                    street=address["street"],
                    postcode=address["postcode"],
                    commune=commune,
                    email=f"contact@{slug[:40].strip('-')}.example.org",
                    phone=f"01 {self.rng.randint(40, 79)} {self.rng.randint(10, 99)} {self.rng.randint(10, 99)} "
                    f"{self.rng.randint(10, 99)}",
                    website=f"https://{slug[:40].strip('-')}.example.org",
                    approval_state=state,
                    approval_changed_at=self.now - timedelta(days=self.rng.randint(1, 700)),
                    qualiopi_certified_on=self.today - timedelta(days=self.rng.randint(30, 1000))
                    if self.rng.random() < 0.8
                    else None,
                )
            )
        return write_objects(Organism, organisms)

    def build_formations(self, count, organisms, rome) -> list[Formation]:
        formations, rome_links = [], []
        family_weights = [family.weight for family in FAMILIES]
        families = []
        for index in range(count):
            family = FAMILIES[index] if index < len(FAMILIES) else self.rng.choices(FAMILIES, family_weights)[0]
            title = self.rng.choice(family.titles)
            certifying = self.rng.random() < 0.55
            formations.append(
                Formation(
                    organism=organisms[index % len(organisms)]
                    if index < len(organisms)
                    else self.rng.choice(organisms),
                    external_id=f"F-{index + 1:06d}",
                    title=title,
                    objectives=family.objectives,
                    content=family.content,
                    expected_results="Attestation de fin de formation et, le cas échéant, certification visée.",
                    is_certifying=certifying,
                    certification_code=self.rng.choice(family.certifications) if certifying else "",
                    nsf_code=family.nsf_code,
                    entry_level=family.entry_level,
                    exit_level=family.exit_level,
                )
            )
            families.append(family)
        formations = write_objects(Formation, formations)
        Through = Formation.rome_codes.through
        for formation, family in zip(formations, families, strict=True):
            formation.family = family
            chosen = self.rng.sample(family.rome_codes, k=self.rng.randint(1, len(family.rome_codes)))
            formation.rome_labels = [self.rome_labels[code] for code in chosen]
            rome_links.extend((formation.id, rome[code]) for code in chosen)
        RowWriter(Through, ("formation_id", "romecode_id")).write(rome_links)
        return formations

    def build_actions(self, count, formations, communes, weights) -> list[Action]:
        actions = []
        for index in range(count):
            formation = formations[index] if index < len(formations) else self.rng.choice(formations)
            family = formation.family
            if family.english_sector:
                axis, mode = Axis.PRO_ENGLISH, TeachingMode.REMOTE
            else:
                roll = self.rng.random()
                axis, mode = (
                    (Axis.BLENDED, TeachingMode.BLENDED)
                    if roll < 0.3
                    else (Axis.REMOTE, TeachingMode.REMOTE)
                    if roll < 0.55
                    else ("", TeachingMode.BLENDED)
                    if roll < 0.62
                    else ("", TeachingMode.ON_SITE)
                )
            low, high = family.hours
            total = self.rng.randrange(low, high + 1, 7)
            company = self.rng.choice((0, 0, 70, 140, 210)) if total > 300 else 0
            funders = set()
            if self.rng.random() < 0.55:
                funders.add(Funder.REGION)
            if self.rng.random() < 0.45:
                funders.add(Funder.FRANCE_TRAVAIL)
            if self.rng.random() < 0.15:
                funders.add(self.rng.choice((Funder.ESF, Funder.AGEFIPH, Funder.OPCO, Funder.TRAINEE)))
            free = bool(funders & {Funder.REGION, Funder.FRANCE_TRAVAIL})
            action = Action(
                formation=formation,
                public_id=self.public_id(),
                external_id=f"A-{index + 1:06d}",
                is_published=index < len(FAMILIES) * 4 or self.rng.random() < 0.93,
                teaching_mode=mode,
                axis=axis,
                remote_kind=self.rng.choice(RemoteKind.values) if axis == Axis.REMOTE else "",
                english_sector=family.english_sector,
                entry_requirements=family.requirements,
                hours_centre=total - company,
                hours_company=company,
                hours_total=total,
                price=Decimal(0) if free else Decimal(self.rng.randrange(900, 9000, 50)),
                free_for_jobseekers=free,
                cpf_eligible=formation.is_certifying and self.rng.random() < 0.7,
                disabled_access=self.rng.random() < 0.8,
                accessibility_details="Locaux accessibles ; référent handicap joignable sur demande."
                if self.rng.random() < 0.5
                else "",
            )
            action.search_title, action.search_body = self.documents(formation, action)
            action.funder_codes = sorted(funders)
            action.place_communes = (
                []
                if mode == TeachingMode.REMOTE
                else [formation.organism.commune]
                + (self.rng.choices(communes, weights) if self.rng.random() < 0.35 else [])
            )
            actions.append(action)
        actions = write_objects(Action, actions)
        lexicon_add({text for documents in self.document_cache.values() for text in documents})

        audiences, funders, places = [], [], []
        for index, action in enumerate(actions):
            codes = set()
            if self.rng.random() < 0.85:
                codes.add(Audience.JOBSEEKER)
            codes.update(self.rng.sample(SECONDARY_AUDIENCES, k=self.rng.randint(0, 3)))
            codes.add(SECONDARY_AUDIENCES[index % len(SECONDARY_AUDIENCES)] if index < 40 else Audience.JOBSEEKER)
            audiences.extend((action.pk, code) for code in sorted(codes))
            funders.extend((action.pk, code, self.rng.randint(4, 16)) for code in action.funder_codes)
            for commune in action.place_communes:
                name = f"{self.rng.choice(PLACE_NAMES)} {commune.name}"
                address = self.address(commune)
                places.append(
                    (
                        action.pk,
                        name,
                        address["street"],
                        address["postcode"],
                        commune.pk,
                        address["latitude"],
                        address["longitude"],
                    )
                )
        RowWriter(ActionAudience, ("action_id", "code")).write(audiences)
        RowWriter(ActionFunder, ("action_id", "code", "funded_places")).write(funders)
        place_fields = ("action_id", "name", "street", "postcode", "commune_id", "latitude", "longitude")
        place_ids = RowWriter(TrainingPlace, place_fields).write(places, ids=True)
        places_by_action: dict[int, list[int]] = {}
        for place, pk in zip(places, place_ids, strict=True):
            places_by_action.setdefault(place[0], []).append(pk)
        for action in actions:
            action.demo_places = places_by_action.get(action.pk, [])
        return actions

    def documents(self, formation, action) -> tuple[str, str]:
        """The search documents of an action, once per formation (its job titles are already in memory)."""
        key = formation.pk
        if key not in self.document_cache:
            fields = action_document(action, job_titles=formation.rome_labels, folding=self.fold)
            self.document_cache[key] = (fields["search_title"], fields["search_body"])
        return self.document_cache[key]

    def build_sessions(self, actions) -> int:
        per_action, extra = divmod(self.session_count, len(actions))
        writer = RowWriter(TrainingSession, SESSION_FIELDS)
        batch, created = [], 0
        for index, action in enumerate(actions):
            for _ in range(per_action + (1 if index < extra else 0)):
                batch.append(self.session_for(action))
                if len(batch) >= 50_000:
                    writer.write(batch)
                    created += len(batch)
                    batch = []
        writer.write(batch)
        return created + len(batch)

    def session_for(self, action: Action) -> tuple:
        """A session's values, in SESSION_FIELDS' order."""
        rng = self.rng
        weeks = max(1, round(action.hours_total / 35))
        length = timedelta(days=weeks * 7 - 3)
        roll = rng.random()
        if roll < 0.08:
            start = end = None
        elif roll < 0.28:
            end = self.today - timedelta(days=rng.randint(1, 300))
            start = end - length
        elif roll < 0.42:
            start = self.today - timedelta(days=rng.randint(1, max(1, min(length.days, 120))))
            end = start + length
        else:
            start = self.today + timedelta(days=rng.randint(2, 270))
            end = start + length
        if start is not None and rng.random() < 0.04:
            end = None  # LHÉO 99999999: unknown end
        rolling = rng.random() < 0.15
        capacity = rng.choice((8, 10, 12, 12, 14, 15, 16, 20, 24))
        places_left = 0 if rng.random() < 0.12 else rng.randint(1, capacity)
        past = end is not None and end < self.today
        state = RecruitmentState.OPEN
        if past and rng.random() < 0.85:
            state = RecruitmentState.CLOSED  # the others: past sessions still open, to be flagged
        elif not past and rng.random() < 0.06:
            state = rng.choice((RecruitmentState.CLOSED, RecruitmentState.SUSPENDED))
        closes = start - timedelta(days=rng.randint(1, 14)) if start and not rolling else None
        opens = (closes or start) - timedelta(days=rng.randint(30, 90)) if start else None
        place = rng.choice(action.demo_places) if action.demo_places else None  # a place id
        return (
            action.pk,
            self.public_id(),
            f"S-{action.public_id}-{rng.randint(0, 10**8):08d}",
            rng.random() < 0.95,
            start,
            end,
            opens,
            closes,
            state,
            rolling,
            capacity,
            places_left,
            place is None,
            place,
            self.now - timedelta(days=rng.choice((0, 2, 5, 9, 14, 21, 28, 35, 45, 60, 90)), hours=3),
        )

    def build_labels(self, actions) -> int:
        programmes = {
            p["slug"]: Programme.objects.create(valid_from=date(2017, 1, 1) if not p["is_national"] else None, **p)
            for p in PROGRAMMES
        }
        second_chance = programmes["deuxieme-chance-numerique-idf"]
        gen = programmes["grande-ecole-du-numerique"]
        labels = []
        for index, action in enumerate(actions):
            family = action.formation.family
            if action.axis and (index < 12 or self.rng.random() < 0.4):
                labels.append(self.label(action, second_chance, years=2, force_granted=index < 12))
            if family.key in {"web", "support", "data", "cyber", "marketing", "design"} and (
                index < 12 or self.rng.random() < 0.15
            ):
                labels.append(self.label(action, gen, years=3, force_granted=index < 12))
        return len(write_objects(ActionLabel, labels))

    def label(self, action, programme, *, years, force_granted) -> ActionLabel:
        roll = 0.0 if force_granted else self.rng.random()
        requested = self.now - timedelta(days=self.rng.randint(20, 900))
        if roll < 0.7:
            valid_from = (requested + timedelta(days=self.rng.randint(5, 40))).date()
            valid_until = valid_from + timedelta(days=365 * years)
            state = ActionLabel.State.GRANTED
            if not force_granted and valid_until < self.today:
                valid_until = self.today + timedelta(days=self.rng.randint(30, 365))
            return ActionLabel(
                action=action,
                programme=programme,
                state=state,
                justification="Action conforme aux axes du programme.",
                requested_at=requested,
                decided_at=datetime.combine(valid_from, time(10), tzinfo=requested.tzinfo),
                valid_from=valid_from,
                valid_until=valid_until,
            )
        state = (
            ActionLabel.State.REQUESTED
            if roll < 0.85
            else ActionLabel.State.REFUSED
            if roll < 0.95
            else ActionLabel.State.WITHDRAWN
        )
        return ActionLabel(
            action=action,
            programme=programme,
            state=state,
            justification="Formation courte, gratuite pour les demandeurs d'emploi, sans prérequis de diplôme.",
            decision_reason="" if state == ActionLabel.State.REQUESTED else "Conditions du programme non remplies.",
            requested_at=requested,
            decided_at=None if state == ActionLabel.State.REQUESTED else requested + timedelta(days=21),
        )

    def build_outcomes(self) -> int:
        """Results reported for the ended sessions of labelled actions (programme evaluation)."""
        labelled = ActionLabel.objects.filter(state=ActionLabel.State.GRANTED).values("action_id")
        ended = TrainingSession.objects.filter(action_id__in=labelled, end_date__lt=self.today).order_by("pk")
        outcomes = []
        for session in ended.only("pk", "capacity"):
            rng = self.rng
            enrolled = rng.randint(max(1, (session.capacity or 12) // 2), session.capacity or 12)
            completed = rng.randint(max(0, enrolled - 3), enrolled)
            job = rng.randint(0, completed)
            training = rng.randint(0, completed - job)
            business = rng.randint(0, min(1, completed - job - training))
            outcomes.append(
                SessionOutcome(
                    session_id=session.pk,
                    enrolled=enrolled,
                    women=rng.randint(0, enrolled),
                    under_26=rng.randint(0, enrolled),
                    qpv=rng.randint(0, enrolled // 2),
                    disabled=rng.randint(0, enrolled // 4),
                    jobseekers=rng.randint(enrolled // 2, enrolled),
                    priority_public=rng.randint(enrolled // 4, enrolled),
                    completed=completed,
                    exit_job=job,
                    exit_training=training,
                    exit_business=business,
                )
            )
        return len(write_objects(SessionOutcome, outcomes))

    def build_accounts(self, organisms) -> list[tuple[str, str, str]]:
        """One account per persona, in demo mode only."""
        approved = [o for o in organisms if o.approval_state == Organism.ApprovalState.APPROVED][:2]
        personas = [
            ("demandeur", User.Kind.JOBSEEKER, "Camille", "Martin", None),
            ("conseiller", User.Kind.ADVISER, "Karim", "Benali", None),
            ("organisme-a", User.Kind.ORGANISM_MEMBER, "Sophie", "Leroy", approved[0]),
            ("organisme-b", User.Kind.ORGANISM_MEMBER, "Thomas", "Nguyen", approved[1]),
            ("agent-region", User.Kind.REGION_AGENT, "Nadia", "Haddad", None),
        ]
        group, _ = Group.objects.get_or_create(name=REGION_STAFF_GROUP)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label__in=["catalogue", "organisms", "training_sessions"])
        )
        accounts = []
        for local_part, kind, first_name, last_name, organism in personas:
            email = f"{local_part}@{DEMO_EMAIL_DOMAIN}"
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                kind=kind,
                first_name=first_name,
                last_name=last_name,
                is_staff=kind == User.Kind.REGION_AGENT,
            )
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
            label = User.Kind(kind).label
            if organism is not None:
                Membership.objects.create(user=user, organism=organism, role=Membership.Role.ADMIN)
                label = f"{label} : {organism.usual_name}"
            if kind == User.Kind.REGION_AGENT:
                user.groups.add(group, ensure_region_groups()[ADMINISTRATOR])
            accounts.append((email, DEMO_PASSWORD, label))
        return accounts

    def build_loop(self) -> int:
        """The loop as a newcomer should see it: the adviser's two shortlists with notes and candidatures in several
        states, the jobseeker's favourites, saved search, candidature and booked meeting, and organisations with
        meetings and candidatures to answer. Written directly (no email leaves)."""
        users = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")}
        jobseeker, adviser = users["demandeur"], users["conseiller"]
        adviser.structure = "France Travail, agence de Créteil"
        adviser.save(update_fields=["structure"])
        org_a = users["organisme-a"].memberships.get().organism
        org_b = users["organisme-b"].memberships.get().organism
        open_sessions = []  # with open registration, of distinct actions: four of A's, four of B's (others if short)
        for organism, wanted in ((org_a, 4), (org_b, 8), (None, 8)):
            candidates = TrainingSession.objects.public().select_related("action__formation__organism")
            candidates = candidates.filter(action__formation__organism=organism) if organism else candidates
            for session in candidates.order_by("start_date", "pk")[:400]:
                if len(open_sessions) >= wanted:
                    break
                if session.status(now=self.now).registration_open and session.action_id not in {
                    o.action_id for o in open_sessions
                }:
                    open_sessions.append(session)
        if len(open_sessions) < 8:
            return 0
        s = open_sessions
        meetings = []
        for n, session in enumerate(s[:4]):
            meetings.append(
                InformationMeeting.objects.create(
                    action=session.action,
                    starts_at=self.now + timedelta(days=5 + 7 * n, hours=-2),
                    address=f"{session.action.formation.organism.street}, {session.action.formation.organism.postcode}",
                    capacity=12,
                    seats_taken=1 if n == 0 else 0,
                    details="Présentation de la formation, du recrutement et des financements ; apportez un CV.",
                )
            )
        Booking.objects.create(
            meeting=meetings[0], person=jobseeker, contact_name="Camille Martin", contact_email=jobseeker.email
        )
        for session in s[1:4]:
            Favourite.objects.get_or_create(user=jobseeker, action=session.action)
        saved = SavedSearch.objects.create(
            user=jobseeker,
            name=f"Formations de {org_a.usual_name}",
            query=f"organisme={org_a.slug}",
            frequency=SavedSearch.Frequency.WEEKLY,
            alerts_since=self.now,
            last_checked_at=self.now,
        )
        SavedSearchMatch.objects.bulk_create(
            [
                SavedSearchMatch(saved_search=saved, session=session)
                for session in TrainingSession.objects.public().filter(action__formation__organism=org_a)
            ]
        )
        first = Shortlist.objects.create(owner=adviser, label="Mme D., projet développement web")
        second = Shortlist.objects.create(owner=adviser, label="M. K., reprise après un congé parental")
        notes = (
            "Gratuite, proche de chez vous : à regarder en premier.",
            "Réunion d'information conseillée avant de candidater.",
            "Plus longue, mais certifiante.",
        )
        for position, session in enumerate(s[:3], start=1):
            ShortlistItem.objects.create(
                shortlist=first, action=session.action, position=position, note=notes[position - 1]
            )
        for position, session in enumerate(s[3:6], start=1):
            ShortlistItem.objects.create(
                shortlist=second,
                action=session.action,
                position=position,
                note=notes[position - 1] if position < 3 else "",
            )
        first.shared_until = self.now + timedelta(days=settings.SHORTLIST_SHARE_DAYS)
        first.save(update_fields=["shared_until"])
        State, Origin = Candidature.State, Candidature.Origin
        plan = [
            # session, origin, shortlist, state, days ago, message of the organisation
            (s[0], Origin.ADVISER, first, State.SENT, 0, ""),
            (s[1], Origin.SHARED_LIST, first, State.INTERVIEW, 4, "Entretien proposé mardi à 10 h ; apportez un CV."),
            (s[2], Origin.ADVISER, first, State.ACCEPTED, 9, "Bienvenue dans la session !"),
            (
                s[3],
                Origin.ADVISER,
                second,
                State.REFUSED,
                12,
                "Le niveau demandé n'est pas atteint ; une remise à niveau est conseillée.",
            ),
            (s[4], Origin.ADVISER, second, State.WAITLIST, 6, "Session complète : vous êtes en liste d'attente."),
            (s[5], Origin.ADVISER, second, State.SENT, 5, ""),
            (s[1], Origin.PERSON, None, State.MEETING, 3, "Venez à notre réunion d'information."),
            (s[6], Origin.PERSON, None, State.READ, 1, ""),
            (s[7], Origin.PERSON, None, State.SENT, 0, ""),
        ]
        created = 0
        for n, (session, origin, shortlist, state, days, answer) in enumerate(plan):
            sent_at = self.now - timedelta(days=days, hours=n)
            person = jobseeker if origin == Origin.PERSON and n == 6 else None
            candidature = Candidature.objects.create(
                session=session,
                organism=session.action.formation.organism,
                origin=origin,
                person=person,
                adviser=adviser if shortlist else None,
                shortlist=shortlist,
                contact_name="Camille Martin" if person else ("" if origin == Origin.ADVISER else f"Personne {n}"),
                contact_email=jobseeker.email
                if person
                else ("" if origin == Origin.ADVISER else f"personne{n}@{DEMO_EMAIL_DOMAIN}"),
                message="Projet de reconversion vers le numérique ; disponible tout de suite.",
                consent_at=sent_at,
                state=state,
                answer_due_at=answer_deadline(sent_at),
            )
            events = [CandidatureEvent(candidature=candidature, state=State.SENT, message=candidature.message)]
            answered = None
            if state != State.SENT:
                events.append(CandidatureEvent(candidature=candidature, state=State.READ, by_organism=True))
            if state not in (State.SENT, State.READ):
                answered = sent_at + timedelta(hours=20 + 10 * n)
                events.append(
                    CandidatureEvent(
                        candidature=candidature,
                        state=state,
                        message=answer,
                        by_organism=True,
                        meeting=meetings[1] if state == State.MEETING else None,
                    )
                )
            CandidatureEvent.objects.bulk_create(events)
            Candidature.objects.filter(pk=candidature.pk).update(
                created_at=sent_at, state_changed_at=answered or sent_at, answered_at=answered
            )
            created += 1
        return created


# Models emptied before a new demo catalogue is written, children first (M2M tables included).
DEMO_TABLES = (
    Booking,
    CandidatureEvent,
    Candidature,
    InformationMeeting,
    SavedSearchMatch,
    SavedSearch,
    ShortlistItem,
    Shortlist,
    Favourite,
    AuditEntry,
    SessionReminder,
    SessionOutcome,
    SearchWord,
    TrainingSession,
    ActionLabel,
    ActionAudience,
    ActionFunder,
    TrainingPlace,
    Action,
    Formation.rome_codes.through,
    Formation,
    Membership,
    Organism,
    Programme,
)


# Tables filled in bulk, whose indexes and constraints are created again after the load (PostgreSQL).
BULK_TABLES = (
    Organism,
    Formation,
    Formation.rome_codes.through,
    Action,
    ActionAudience,
    ActionFunder,
    TrainingPlace,
    TrainingSession,
    ActionLabel,
    SessionOutcome,
)


def clear_catalogue() -> None:
    """Empty the catalogue tables with plain DELETEs (fast on 100,000 rows, unlike the ORM's cascade)."""
    with connection.cursor() as cursor:
        # Import runs, and feeds owned by an organisation, go with the catalogue they fed.
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(ImportRun._meta.db_table)}")
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(FeedSource._meta.db_table)} WHERE organism_id IS NOT NULL"
        )
        # So do the organisations' background jobs (their imports).
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(Job._meta.db_table)} WHERE organism_id IS NOT NULL")
        for model in DEMO_TABLES:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").delete()


def catalogue_is_empty() -> bool:
    return not Organism.objects.exists()


@transaction.atomic
def seed_demo(*, sessions: int, seed: int, today: date | None = None, progress=None) -> DemoReport:
    if not settings.DEMO_MODE:
        raise RuntimeError("Le catalogue de démonstration ne peut être créé qu'en mode démonstration (DEMO_MODE).")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")  # a batch job: the web's timeout does not apply
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")  # the indexes made again after the load
    clear_catalogue()
    builder = DemoBuilder(sessions=sessions, seed=seed, today=today or timezone.localdate(), progress=progress)
    with bulk_load(BULK_TABLES):
        report = builder.build()
    if connection.vendor == "postgresql":
        # Fresh planner statistics after a bulk load: without them, the first aggregate queries can pick
        # nested loops over 100,000 rows (seen on the staff dashboard) until autovacuum catches up.
        with connection.cursor() as cursor:
            for model in (TrainingSession, Action, Formation, Organism, ActionLabel, SessionOutcome, TrainingPlace):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return report
