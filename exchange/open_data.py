"""Open data: the published catalogue, one row per public session not yet ended, as CSV or JSON (streamed),
under Licence Ouverte / Etalab 2.0. Every column is documented on the page /donnees/."""

import csv
import io
import json
from collections.abc import Iterator
from datetime import date

from catalogue.models import ActionAudience, ActionFunder, ActionLabel, Formation
from core.spreadsheets import cell_safe
from sessions.models import TrainingSession

CHUNK = 2000

# (column, description) in the order of the files.
COLUMNS = [
    ("session", "Identifiant public de la session"),
    ("action", "Identifiant public de l'action de formation"),
    ("url", "Adresse de la fiche de la formation sur le portail"),
    ("intitule", "Intitulé de la formation"),
    ("organisme", "Nom d'usage de l'organisme de formation responsable"),
    ("siret", "SIRET de l'organisme"),
    ("axe", "Axe du programme régional : hybride, distance, anglais-pro, ou vide"),
    ("modalite", "Modalité d'enseignement LHÉO : 0 présentiel, 1 mixte, 2 à distance"),
    ("publics", "Publics visés : codes LHÉO (FORMACODE) et neet, qpv, zrr, séparés par des espaces"),
    ("financeurs", "Codes financeurs LHÉO, séparés par des espaces"),
    ("gratuit_demandeurs_emploi", "1 si gratuite pour les demandeurs d'emploi"),
    ("eligible_cpf", "1 si éligible au compte personnel de formation"),
    ("certification", "Code RNCP ou RS de la certification préparée, ou vide"),
    ("codes_rome", "Codes ROME des métiers visés, séparés par des espaces"),
    ("niveau_entree", "Niveau d'entrée LHÉO (0 : non communiqué)"),
    ("duree_heures", "Durée totale en heures"),
    ("prix_ttc", "Prix total TTC en euros"),
    ("debut", "Date de début (AAAA-MM-JJ), vide si inconnue"),
    ("fin", "Date de fin (AAAA-MM-JJ), vide si inconnue"),
    ("inscription_ouverture", "Ouverture des inscriptions (AAAA-MM-JJ)"),
    ("inscription_cloture", "Clôture des inscriptions (AAAA-MM-JJ)"),
    ("etat_recrutement", "État du recrutement LHÉO : 1 ouvert, 2 fermé, 3 suspendu"),
    ("entrees_permanentes", "1 si les entrées sont permanentes"),
    ("places", "Nombre de places"),
    ("places_restantes", "Places restantes"),
    ("a_distance", "1 si la session a lieu entièrement à distance"),
    ("commune", "Commune du lieu de formation"),
    ("code_insee", "Code INSEE de cette commune"),
    ("code_postal", "Code postal du lieu de formation"),
    ("departement", "Code du département"),
    ("latitude", "Latitude du lieu (WGS 84)"),
    ("longitude", "Longitude du lieu (WGS 84)"),
    ("labels", "Programmes dont l'action a le label aujourd'hui (identifiants), séparés par des espaces"),
    ("confirmee_le", "Dernière confirmation de la session par l'organisme (date et heure)"),
]


def rows(*, today: date, base_url: str) -> Iterator[dict]:
    sessions = (
        TrainingSession.objects.public()
        .not_ended(today)
        .select_related("action__formation__organism", "place__commune__department")
        .order_by("pk")
    )
    last = 0
    while True:
        chunk = list(sessions.filter(pk__gt=last)[:CHUNK])
        if not chunk:
            return
        last = chunk[-1].pk
        action_ids = {s.action_id for s in chunk}
        audiences, funders, labels, rome = {}, {}, {}, {}
        for action_id, code in ActionAudience.objects.filter(action_id__in=action_ids).values_list("action_id", "code"):
            audiences.setdefault(action_id, []).append(code)
        for action_id, code in ActionFunder.objects.filter(action_id__in=action_ids).values_list("action_id", "code"):
            funders.setdefault(action_id, []).append(code)
        for action_id, slug in (
            ActionLabel.objects.active(today)
            .filter(action_id__in=action_ids)
            .values_list("action_id", "programme__slug")
        ):
            labels.setdefault(action_id, []).append(slug)
        formation_ids = {s.action.formation_id for s in chunk}
        for formation_id, code in Formation.rome_codes.through.objects.filter(
            formation_id__in=formation_ids
        ).values_list("formation_id", "romecode__code"):
            rome.setdefault(formation_id, []).append(code)
        for s in chunk:
            action, formation = s.action, s.action.formation
            place = s.place
            yield {
                "session": s.public_id,
                "action": action.public_id,
                "url": f"{base_url.rstrip('/')}/formations/{action.public_id}/",
                "intitule": formation.title,
                "organisme": formation.organism.usual_name,
                "siret": formation.organism.siret,
                "axe": action.axis,
                "modalite": action.teaching_mode,
                "publics": " ".join(sorted(audiences.get(action.pk, []))),
                "financeurs": " ".join(sorted(funders.get(action.pk, []))),
                "gratuit_demandeurs_emploi": int(action.free_for_jobseekers),
                "eligible_cpf": int(action.cpf_eligible),
                "certification": formation.certification_code,
                "codes_rome": " ".join(sorted(rome.get(formation.pk, []))),
                "niveau_entree": formation.entry_level,
                "duree_heures": action.hours_total,
                "prix_ttc": str(action.price) if action.price is not None else None,
                "debut": s.start_date.isoformat() if s.start_date else None,
                "fin": s.end_date.isoformat() if s.end_date else None,
                "inscription_ouverture": s.registration_opens.isoformat() if s.registration_opens else None,
                "inscription_cloture": s.registration_closes.isoformat() if s.registration_closes else None,
                "etat_recrutement": s.recruitment_state,
                "entrees_permanentes": int(s.rolling_entry),
                "places": s.capacity,
                "places_restantes": s.places_left,
                "a_distance": int(s.is_remote),
                "commune": place.commune.name if place else None,
                "code_insee": place.commune.code if place else None,
                "code_postal": place.postcode if place else None,
                "departement": place.commune.department.code if place else None,
                "latitude": place.latitude if place else None,
                "longitude": place.longitude if place else None,
                "labels": " ".join(sorted(labels.get(action.pk, []))),
                "confirmee_le": s.confirmed_at.isoformat() if s.confirmed_at else None,
            }


def as_csv(rows_: Iterator[dict]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[name for name, _ in COLUMNS], delimiter=";", lineterminator="\n")
    writer.writeheader()
    yield "\ufeff" + buffer.getvalue()
    for row in rows_:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow({k: "" if v is None else cell_safe(v) for k, v in row.items()})
        yield buffer.getvalue()


def as_json(rows_: Iterator[dict], *, licence: str) -> Iterator[str]:
    yield '{"licence": ' + json.dumps(licence) + ', "sessions": [\n'
    first = True
    for row in rows_:
        yield ("" if first else ",\n") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "\n]}\n"
