"""LHÉO feeds written for the tests, as Carif-Oref and national bodies write them: standard elements only, no portal
extras (unless asked), LHÉO 2.3 or 2.2, UTF-8 or ISO-8859-1. Each sample is described by small dataclasses and written
by `feed()`; its elements follow the order of the official schema, so that a sample validates against it."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from xml.sax.saxutils import escape, quoteattr

from tests.organisms.factories import valid_siret

NAMESPACES = {"2.3": "http://lheo.gouv.fr/2.3", "2.2": "http://www.lheo.org/2.2"}


@dataclass(frozen=True)
class Address:
    street: str
    postcode: str
    city: str
    insee: str = ""


CRETEIL = Address("5 rue Pasteur", "94000", "Créteil", "94028")
VERNON = Address("12 rue Carnot", "27200", "Vernon", "27681")
QUIMPERLE = Address("3 place Hervo", "29300", "QUIMPERLÉ", "")  # no INSEE code, as some feeds write it
SAINT_DENIS = Address("8 rue de la République", "93200", "Saint-Denis", "93066")


def day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).strftime("%Y%m%d")


@dataclass
class Session:
    numero: str
    start: str = field(default_factory=lambda: day(30))
    end: str = field(default_factory=lambda: day(120))
    address: Address = CRETEIL
    registration: tuple[str, str] | None = None
    state: int | None = 1
    extras: str = ""  # raw <extras> content of the session


@dataclass
class Action:
    numero: str
    sessions: list[Session]
    mode: int = 0  # modalites-enseignement
    rolling: int = 0  # modalites-entrees-sorties
    costs_covered: int = 1  # prise-en-charge-frais-possible
    funders: list[tuple[str, int | None]] = field(default_factory=lambda: [("2", 12)])
    audiences: list[str] = field(default_factory=lambda: ["80006"])
    places: list[Address] = field(default_factory=lambda: [CRETEIL])
    url: str = ""
    hours: tuple[int, int, int] | None = (300, 70, 370)
    price: str = "2400.00"
    requirements: str = "Aucune"
    extras: str = ""  # raw <extras> content, for the few samples that carry the portal's


@dataclass
class Formation:
    numero: str
    actions: list[Action]
    title: str = "Technicien d'assistance informatique"
    objectives: str = "Installer, dépanner et sécuriser les postes de travail."
    content: str = "Systèmes, réseaux, assistance aux utilisateurs."
    siret: str = field(default_factory=lambda: valid_siret(50_000_001))
    organism: str = "Centre de formation numérique"
    nda: str = "11940000001"
    contact: tuple[str, str, str] | None = None  # name, phone, email
    url: str = ""
    cpf_code: str = ""
    entry_level: int = 3
    exit_level: int = 14


def text(name: str, value) -> str:
    return f"<{name}>{escape(str(value))}</{name}>"


def address(where: Address) -> str:
    insee = text("code-INSEE-commune", where.insee) if where.insee else ""
    return (
        f"<adresse>{text('ligne', where.street)}{text('codepostal', where.postcode)}{text('ville', where.city)}"
        f"{insee}</adresse>"
    )


def session_xml(session: Session) -> str:
    registration = ""
    if session.registration:
        registration = (
            f"<periode-inscription><periode>{text('debut', session.registration[0])}"
            f"{text('fin', session.registration[1])}</periode></periode-inscription>"
        )
    state = text("etat-recrutement", session.state) if session.state is not None else ""
    return (
        f"<session numero={quoteattr(session.numero)}><periode>{text('debut', session.start)}"
        f"{text('fin', session.end)}</periode><adresse-inscription>{address(session.address)}</adresse-inscription>"
        f"{registration}{state}" + (f"<extras>{session.extras}</extras>" if session.extras else "") + "</session>"
    )


def action_xml(action: Action) -> str:
    places = "".join(
        f"<lieu-de-formation><coordonnees>{text('nom', 'Centre')}{address(place)}</coordonnees></lieu-de-formation>"
        for place in action.places
    )
    url = f"<url-action>{text('urlweb', action.url)}</url-action>" if action.url else ""
    hours = ""
    if action.hours:
        centre, company, total = action.hours
        hours = (
            text("nombre-heures-centre", centre)
            + text("nombre-heures-entreprise", company)
            + text("nombre-heures-total", total)
        )
    funders = "".join(
        "<organisme-financeur>"
        + text("code-financeur", code)
        + (text("nb-places-financees", places) if places is not None else "")
        + "</organisme-financeur>"
        for code, places in action.funders
    )
    return (
        f"<action numero={quoteattr(action.numero)}>"
        + text("rythme-formation", "Temps plein")
        + "".join(text("code-public-vise", code) for code in action.audiences)
        + text("niveau-entree-obligatoire", 0)
        + text("modalites-alternance", "Stage en entreprise")
        + text("modalites-enseignement", action.mode)
        + text("conditions-specifiques", action.requirements)
        + text("prise-en-charge-frais-possible", action.costs_covered)
        + places
        + text("modalites-entrees-sorties", action.rolling)
        + url
        + "".join(session_xml(session) for session in action.sessions)
        + text("prix-total-TTC", action.price)
        + hours
        + funders
        + (f"<extras>{action.extras}</extras>" if action.extras else "")
        + "</action>"
    )


def formation_xml(formation: Formation) -> str:
    name, phone, email = formation.contact or (formation.organism, "01 45 00 00 00", "contact@centre.example.org")
    cpf = (
        f"<code-type-formation>{text('code-CPF', formation.cpf_code)}</code-type-formation>"
        if formation.cpf_code
        else ""
    )
    url = f"<url-formation>{text('urlweb', formation.url)}</url-formation>" if formation.url else ""
    return (
        f"<formation numero={quoteattr(formation.numero)}>"
        "<domaine-formation><code-NSF>326</code-NSF><code-ROME>I1401</code-ROME></domaine-formation>"
        + text("intitule-formation", formation.title)
        + text("objectif-formation", formation.objectives)
        + text("resultats-attendus", "Titre professionnel")
        + text("contenu-formation", formation.content)
        + text("certifiante", 0)
        + f"<contact-formation><coordonnees>{text('nom', name)}<telfixe>{text('numtel', phone)}</telfixe>"
        f"{text('courriel', email)}</coordonnees></contact-formation>"
        + text("parcours-de-formation", 1)
        + text("code-niveau-entree", formation.entry_level)
        + cpf
        + text("code-niveau-sortie", formation.exit_level)
        + url
        + "".join(action_xml(action) for action in formation.actions)
        + "<organisme-formation-responsable>"
        + text("numero-activite", formation.nda)
        + f"<SIRET-organisme-formation>{text('SIRET', formation.siret)}</SIRET-organisme-formation>"
        + text("nom-organisme", formation.organism)
        + text("raison-sociale", formation.organism + " SAS")
        + f"<coordonnees-organisme><coordonnees>{text('nom', formation.organism)}{address(CRETEIL)}"
        f"<telfixe>{text('numtel', '01 45 00 00 00')}</telfixe>"
        f"{text('courriel', 'contact@centre.example.org')}</coordonnees></coordonnees-organisme>"
        f"<contact-organisme><coordonnees>{text('nom', formation.organism)}</coordonnees></contact-organisme>"
        + "</organisme-formation-responsable>"
        + "</formation>\n"
    )


def feed(formations: list[Formation], *, version: str = "2.3", encoding: str = "UTF-8") -> bytes:
    body = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<lheo xmlns="{NAMESPACES[version]}">\n<offres>\n'
        + "".join(formation_xml(formation) for formation in formations)
        + "</offres>\n</lheo>\n"
    )
    return body.encode("iso-8859-1" if encoding.upper() == "ISO-8859-1" else "utf-8")


def many_sessions(count: int, *, bad: set[int] = frozenset(), per_action: int = 5) -> list[Formation]:
    """A feed of `count` sessions, `per_action` per action and one action per formation; the sessions numbered in
    `bad` end before they start."""
    formations = []
    for first in range(0, count, per_action):
        sessions = []
        for n in range(first, min(first + per_action, count)):
            session = Session(numero=f"S{n:03d}", start=day(30 + n), end=day(90 + n))
            if n in bad:
                session.start, session.end = day(90 + n), day(30 + n)
            sessions.append(session)
        formations.append(
            Formation(
                numero=f"F{first // per_action:03d}",
                actions=[Action(numero=f"A{first // per_action:03d}", sessions=sessions)],
            )
        )
    return formations
