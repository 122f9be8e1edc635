"""LHÉO 2.3 export of the published catalogue, streamed (ADR 0005).

Formations are read in batches with everything they need prefetched, and written as they come, so memory stays
flat whatever the catalogue size. Portal-only data (axes, NEET/QPV/ZRR audiences, programme labels, freshness,
places) goes into `extras`, as the standard provides.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape, quoteattr

from django.db.models import Prefetch, Q

from catalogue.choices import Audience
from catalogue.models import Action, ActionLabel, Formation, Programme
from organisms.models import Organism
from sessions.models import TrainingSession

NAMESPACE = "http://lheo.gouv.fr/2.3"
UNKNOWN_START, UNKNOWN_END = "00000000", "99999999"
EXTRAS_INFO = "catalogue-regional"
BATCH = 400


@dataclass
class ExportScope:
    """What to export: the whole published catalogue, or one organisation's, programme's or department's part."""

    organism: Organism | None = None
    programme: Programme | None = None
    department_code: str = ""
    base_url: str = "http://127.0.0.1:8000"


@dataclass
class ExportReport:
    formations: int = 0
    actions: int = 0
    sessions: int = 0
    organisms: set = field(default_factory=set)

    def summary(self) -> str:
        return (
            f"{self.formations} formations, {self.actions} actions, {self.sessions} sessions, "
            f"{len(self.organisms)} organismes exportés."
        )


def text(name: str, value, max_length: int | None = None, **attrs) -> str:
    value = "" if value is None else str(value)
    if max_length:
        value = value[:max_length]
    attributes = "".join(f" {key.replace('_', '-')}={quoteattr(str(v))}" for key, v in attrs.items())
    return f"<{name}{attributes}>{escape(value)}</{name}>"


def lheo_date(value: date | None, missing: str) -> str:
    return value.strftime("%Y%m%d") if value else missing


def extra(info: str, value) -> str:
    return text("extra", value, info=info)


def address(*, street: str, postcode: str, city: str, insee: str = "", latitude=None, longitude=None) -> str:
    parts = [
        text("ligne", street or "Adresse non communiquée", 50),
        text("codepostal", postcode or "00000"),
        text("ville", city or "Non communiquée", 50),
    ]
    if insee:
        parts.append(text("departement", insee[:3] if insee.startswith("97") else insee[:2]))
        parts.append(text("code-INSEE-commune", insee))
    if latitude is not None and longitude is not None:
        parts.append(
            f"<geolocalisation>{text('latitude', round(latitude, 6))}{text('longitude', round(longitude, 6))}</geolocalisation>"
        )
    return "<adresse>" + "".join(parts) + "</adresse>"


def place_address(place) -> str:
    return address(
        street=place.street,
        postcode=place.postcode,
        city=place.commune.name,
        insee=place.commune.code,
        latitude=place.latitude,
        longitude=place.longitude,
    )


def coordinates(organism: Organism, *, with_address: bool = True) -> str:
    parts = [text("nom", organism.usual_name, 50)]
    if with_address:
        parts.append(
            address(
                street=organism.street,
                postcode=organism.postcode,
                city=organism.commune.name if organism.commune else "",
                insee=organism.commune.code if organism.commune else "",
            )
        )
    if organism.phone:
        parts.append(f"<telfixe>{text('numtel', organism.phone, 25)}</telfixe>")
    if organism.email:
        parts.append(text("courriel", organism.email, 160))
    if organism.website:
        parts.append(f"<web>{text('urlweb', organism.website, 400)}</web>")
    return "<coordonnees>" + "".join(parts) + "</coordonnees>"


def formation_contact(formation: Formation, organism: Organism) -> str:
    """The formation's own contact, else the organisation's."""
    if not (formation.contact_name or formation.contact_phone or formation.contact_email):
        return coordinates(organism, with_address=False)
    parts = [text("nom", formation.contact_name or organism.usual_name, 50)]
    if formation.contact_phone:
        parts.append(f"<telfixe>{text('numtel', formation.contact_phone, 25)}</telfixe>")
    if formation.contact_email:
        parts.append(text("courriel", formation.contact_email, 160))
    return "<coordonnees>" + "".join(parts) + "</coordonnees>"


def formations_in_scope(scope: ExportScope, today: date):
    sessions = TrainingSession.objects.filter(is_published=True).not_ended(today)
    if scope.department_code:
        sessions = sessions.filter(Q(place__commune__department__code=scope.department_code) | Q(is_remote=True))
    actions = Action.objects.published().filter(pk__in=sessions.values("action_id"))
    if scope.programme is not None:
        actions = actions.filter(
            pk__in=ActionLabel.objects.active(today).filter(programme=scope.programme).values("action_id")
        )
    formations = Formation.objects.filter(pk__in=actions.values("formation_id"))
    if scope.organism is not None:
        formations = formations.filter(organism=scope.organism)
    prefetch = [
        "rome_codes",
        Prefetch(
            "actions",
            queryset=actions.order_by("pk").prefetch_related(
                "audiences",
                "funders",
                "training_places__commune",
                Prefetch("sessions", queryset=sessions.select_related("place__commune").order_by("start_date", "pk")),
                Prefetch("labels", queryset=ActionLabel.objects.active(today).select_related("programme")),
            ),
        ),
    ]
    return formations.select_related("organism__commune").prefetch_related(*prefetch).order_by("pk")


def has_offer(scope: ExportScope, *, today: date) -> bool:
    """LHÉO needs at least one formation: an empty export would not be a valid document."""
    return formations_in_scope(scope, today).exists()


def export_lheo(scope: ExportScope, *, today: date, report: ExportReport | None = None) -> Iterator[str]:
    """The LHÉO document, piece by piece (a formation at a time)."""
    report = report if report is not None else ExportReport()
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<lheo xmlns="{NAMESPACE}">\n<offres>\n'
    queryset = formations_in_scope(scope, today)
    last_pk = 0
    while True:
        batch = list(queryset.filter(pk__gt=last_pk)[:BATCH])
        if not batch:
            break
        last_pk = batch[-1].pk
        for formation in batch:
            piece = formation_xml(formation, scope, report)
            if piece:
                yield piece
    yield f"<extras info={quoteattr(EXTRAS_INFO)}>{extra('horodatage-export', today.isoformat())}</extras>\n</offres>\n</lheo>\n"


def formation_xml(formation: Formation, scope: ExportScope, report: ExportReport) -> str:
    actions = [action_xml(action, formation, scope, report) for action in formation.actions.all()]
    actions = [a for a in actions if a]
    if not actions:
        return ""
    organism = formation.organism
    report.formations += 1
    report.organisms.add(organism.pk)
    domain = "".join([text("code-NSF", formation.nsf_code[:3])] if formation.nsf_code else []) + "".join(
        text("code-ROME", rome.code) for rome in list(formation.rome_codes.all())[:5]
    )
    certification = ""
    if formation.is_certifying and formation.certification_code:
        code = formation.certification_code
        element = "code-RNCP" if code.startswith("RNCP") else "code-RS"
        certification = (
            f"<certification>{text(element, code.removeprefix('RNCP').removeprefix('RS'), 10)}</certification>"
        )
    return (
        f"<formation numero={quoteattr(formation.external_id or f'F{formation.pk}')}>"
        f"<domaine-formation>{domain}</domaine-formation>"
        + text("intitule-formation", formation.title, 255)
        + text("objectif-formation", formation.objectives or formation.title, 3000)
        + text("resultats-attendus", formation.expected_results or "Attestation de fin de formation", 3000)
        + text("contenu-formation", formation.content or formation.title, 3000)
        + text("certifiante", 1 if formation.is_certifying else 0)
        + f"<contact-formation>{formation_contact(formation, organism)}</contact-formation>"
        + text("parcours-de-formation", 1)
        + text("code-niveau-entree", formation.entry_level)
        + certification
        + text("code-niveau-sortie", formation.exit_level)
        + (f"<url-formation>{text('urlweb', formation.website, 400)}</url-formation>" if formation.website else "")
        + "".join(actions)
        + "<organisme-formation-responsable>"
        + text("numero-activite", organism.nda)
        + f"<SIRET-organisme-formation>{text('SIRET', organism.siret)}</SIRET-organisme-formation>"
        + text("nom-organisme", organism.usual_name, 250)
        + text("raison-sociale", organism.legal_name, 250)
        + f"<coordonnees-organisme>{coordinates(organism)}</coordonnees-organisme>"
        + f"<contact-organisme>{coordinates(organism, with_address=False)}</contact-organisme>"
        + "</organisme-formation-responsable>"
        + (
            f"<extras info={quoteattr(EXTRAS_INFO)}>{extra('resultats-attendus-non-renseignes', 1)}</extras>"
            if not formation.expected_results
            else ""
        )
        + "</formation>\n"
    )


def action_xml(action: Action, formation: Formation, scope: ExportScope, report: ExportReport) -> str:
    sessions = list(action.sessions.all())
    if not sessions:
        return ""
    organism = formation.organism
    report.actions += 1
    report.sessions += len(sessions)
    audiences = [a.code for a in action.audiences.all()]
    lheo_audiences = [code for code in audiences if code not in Audience.portal_only()][:10] or [
        Audience.EVERYONE.value
    ]
    portal_audiences = [code for code in audiences if code in Audience.portal_only()]
    default_audience = not [code for code in audiences if code not in Audience.portal_only()]
    funders = list(action.funders.all())[:8]
    places = "".join(
        "<lieu-de-formation><coordonnees>"
        + (text("nom", place.name, 50) if place.name else "")
        + place_address(place)
        + "</coordonnees></lieu-de-formation>"
        for place in action.training_places.all()
    )
    extras = [extra("identifiant-public", action.public_id)]
    if default_audience:  # LHÉO needs one audience code: "tout public" stands in, and says so
        extras.append(extra("public-vise-par-defaut", 1))
    if action.axis:
        extras.append(extra("axe", action.axis))
    if action.remote_kind:
        extras.append(extra("type-distance", action.remote_kind))
    if action.english_sector:
        extras.append(extra("secteur-anglais", action.english_sector))
    extras.extend(extra("public-portail", code) for code in portal_audiences)
    extras.append(extra("gratuit-demandeurs-emploi", 1 if action.free_for_jobseekers else 0))
    extras.append(extra("eligible-cpf", 1 if action.cpf_eligible else 0))
    if action.pay:
        extras.append(extra("remuneration", action.pay))
    if action.accessibility_details and not action.disabled_access:
        extras.append(extra("precisions-accessibilite", action.accessibility_details))
    for label in action.labels.all():
        extras.append(
            f'<extra info="label">{text("programme", label.programme.slug)}{text("valable-du", label.valid_from)}'
            f"{text('valable-au', label.valid_until or '')}</extra>"
        )
    trainer = ""
    if action.trainer_siret:
        trainer = (
            f"<organisme-formateur><SIRET-formateur>{text('SIRET', action.trainer_siret)}</SIRET-formateur>"
            f"{text('raison-sociale-formateur', '')}</organisme-formateur>"
        )
    hours = "".join(
        text(name, value)
        for name, value in (
            ("nombre-heures-centre", action.hours_centre),
            ("nombre-heures-entreprise", action.hours_company),
            ("nombre-heures-total", action.hours_total),
        )
        if value is not None
    )
    return (
        f"<action numero={quoteattr(action.external_id or action.public_id)}>"
        + text("rythme-formation", "Non précisé")
        + "".join(text("code-public-vise", code) for code in lheo_audiences)
        + text("niveau-entree-obligatoire", 0)
        + text("modalites-alternance", "Avec période en entreprise" if action.hours_company else "Sans alternance")
        + text("modalites-enseignement", action.teaching_mode)
        + text("conditions-specifiques", action.entry_requirements or "Aucune", 3000)
        + text("prise-en-charge-frais-possible", 1 if funders or action.cpf_eligible else 0)
        + places
        # Rolling entry for the whole action only when every session has it; otherwise per session, in extras.
        + text("modalites-entrees-sorties", 1 if all(s.rolling_entry for s in sessions) else 0)
        # The organisation's page of the action, else the portal's.
        + f"<url-action>{text('urlweb', action.website or scope.base_url.rstrip('/') + '/formations/' + action.public_id + '/', 400)}</url-action>"
        + "".join(session_xml(session, organism) for session in sessions)
        + (
            text(
                "acces-handicapes",
                action.accessibility_details or "Accessible aux personnes en situation de handicap",
                250,
            )
            if action.disabled_access
            else ""
        )
        + (text("prix-total-TTC", action.price) if action.price is not None else "")
        + hours
        + trainer
        + "".join(
            "<organisme-financeur>"
            + text("code-financeur", f.code)
            + (text("nb-places-financees", f.funded_places) if f.funded_places is not None else "")
            + "</organisme-financeur>"
            for f in funders
        )
        + f"<extras info={quoteattr(EXTRAS_INFO)}>{''.join(extras)}</extras>"
        + "</action>"
    )


def session_xml(session: TrainingSession, organism: Organism) -> str:
    if session.place_id:
        where = place_address(session.place)
    else:
        where = address(
            street=organism.street,
            postcode=organism.postcode,
            city=organism.commune.name if organism.commune else "",
            insee=organism.commune.code if organism.commune else "",
        )
    registration = ""
    if session.registration_opens or session.registration_closes:
        registration = (
            "<periode-inscription><periode>"
            + text("debut", lheo_date(session.registration_opens, UNKNOWN_START))
            + text("fin", lheo_date(session.registration_closes, UNKNOWN_END))
            + "</periode></periode-inscription>"
        )
    extras = [extra("identifiant-public", session.public_id), extra("a-distance", 1 if session.is_remote else 0)]
    if session.capacity is not None:
        extras.append(extra("places", session.capacity))
    if session.places_left is not None:
        extras.append(extra("places-restantes", session.places_left))
    if session.rolling_entry:
        extras.append(extra("entrees-permanentes", 1))
    if session.confirmed_at:
        extras.append(extra("confirmee-le", session.confirmed_at.isoformat()))
    return (
        f"<session numero={quoteattr(session.external_id or session.public_id)}>"
        + "<periode>"
        + text("debut", lheo_date(session.start_date, UNKNOWN_START))
        + text("fin", lheo_date(session.end_date, UNKNOWN_END))
        + "</periode>"
        + f"<adresse-inscription>{where}</adresse-inscription>"
        + registration
        + text("etat-recrutement", session.recruitment_state)
        + f"<extras info={quoteattr(EXTRAS_INFO)}>{''.join(extras)}</extras>"
        + "</session>"
    )
