"""Public search: text, every filter, radius, freshness, facet counts, sort (catalogue.search)."""

import math
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from catalogue.choices import Audience, Funder, Level, RecruitmentState
from catalogue.models import Action
from catalogue.search.engine import Query, search
from catalogue.search.triggers import INDEXED_TABLES
from catalogue.services import search_documents_refresh
from tests.catalogue.factories import (
    ActionAudienceFactory,
    ActionFactory,
    ActionFunderFactory,
    ActionLabelFactory,
    CommuneFactory,
    DepartmentFactory,
    ProgrammeFactory,
    RomeCodeFactory,
    TrainingPlaceFactory,
)
from tests.organisms.factories import OrganismFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db

CRETEIL = (48.7838, 2.4545)
KM_PER_DEGREE_LATITUDE = 6371.0088 * math.pi / 180


def today():
    return timezone.localdate()


def found(query: Query | None = None, **criteria) -> set[str]:
    """Titles of the actions found (every page)."""
    query = query or Query(**criteria)
    titles, page = set(), 1
    while True:
        query.page = page
        outcome = search(query, today=today())

        ids = [hit.action_id for hit in outcome.hits]
        titles |= set(Action.objects.filter(pk__in=ids).values_list("formation__title", flat=True))
        if page >= outcome.pages:
            return titles
        page += 1


def action(title="Formation", **fields):
    """A published action with one upcoming remote session."""
    session_fields = {k[len("session__") :]: fields.pop(k) for k in list(fields) if k.startswith("session__")}
    created = ActionFactory(formation__title=title, **fields)
    TrainingSessionFactory(action=created, **session_fields)
    return created


def on_site(title, latitude, longitude, *, commune_code="94028", department="94", **session_fields):
    department = DepartmentFactory(code=department, name=f"Département {department}")
    commune = CommuneFactory(code=commune_code, name=f"Commune {commune_code}", department=department)
    place = TrainingPlaceFactory(
        commune=commune, latitude=latitude, longitude=longitude, action__formation__title=title
    )
    TrainingSessionFactory(action=place.action, is_remote=False, place=place, **session_fields)
    return place.action


# Text ------------------------------------------------------------------------------------------------------


@pytest.mark.postgresql
def test_stemming_and_accents():
    action("Formation développeur")
    action("Comptabilité")
    assert found(q="formations developpeurs") == {"Formation développeur"}
    assert found(q="FORMATION DÉVELOPPEUR") == {"Formation développeur"}


def test_accent_and_case_insensitive_on_every_engine():
    action("Développeur web")
    action("Comptabilité")
    assert found(q="developpeur WEB") == {"Développeur web"}
    assert found(q="comptabilite") == {"Comptabilité"}


def test_typo_tolerance():
    action("Développeur web")
    action("Technicien réseaux")
    outcome = search(Query(q="developeur"), today=today())
    assert outcome.total == 1
    assert "developeur" in outcome.text.corrections
    assert found(q="tecnicien reseaux") == {"Technicien réseaux"}


def test_spelling_variants_of_compound_words():
    action("Expert-comptable")
    action("Expert en cybersécurité")
    for q in ("expert-comptable", "expert comptable", "expertcomptable", "Expert Comptable"):
        assert found(q=q) == {"Expert-comptable"}, q


def test_job_titles_of_the_rome_codes_are_searched():
    coded = action("Concepteur d'applications")
    coded.formation.rome_codes.add(RomeCodeFactory(code="M1855", label="Développeur / Développeuse web"))
    search_documents_refresh(action_ids=[coded.pk])
    action("Assistant comptable")
    assert found(q="développeur web") == {"Concepteur d'applications"}


def test_organisation_name_objectives_and_content_are_searched():
    action("Titre neutre", formation__organism=OrganismFactory(usual_name="Simplon Montreuil"))
    action("Autre titre", formation__content="Programmation en Python et bases de données")
    assert found(q="simplon") == {"Titre neutre"}
    assert found(q="python") == {"Autre titre"}


@pytest.mark.postgresql
def test_title_matches_rank_first():
    action("Initiation à la bureautique", formation__content="Un module de cybersécurité.")
    action("Analyste en cybersécurité")
    outcome = search(Query(q="cybersécurité"), today=today())
    assert outcome.sort == "pertinence"

    titles = [Action.objects.get(pk=hit.action_id).formation.title for hit in outcome.hits]
    assert titles == ["Analyste en cybersécurité", "Initiation à la bureautique"]


def test_unpublished_actions_are_not_found_by_text():
    action("Développeur web", is_published=False)
    assert found(q="developpeur") == set()


# Filters ---------------------------------------------------------------------------------------------------


def test_axis_and_teaching_mode():
    action("Hybride", blended=True)
    action("Distance", remote=True)
    action("Anglais", pro_english=True)
    action("Présentiel")
    assert found(axes=["hybride"]) == {"Hybride"}
    assert found(axes=["distance", "anglais-pro"]) == {"Distance", "Anglais"}
    assert found(modes=["presentiel"]) == {"Présentiel"}
    assert found(modes=["distance"]) == {"Distance", "Anglais"}
    assert found(modes=["mixte"], axes=["hybride"]) == {"Hybride"}


def test_audiences_including_the_portal_s_own():
    for title, code in (("Jeunes", Audience.YOUNG_16_25), ("QPV", Audience.QPV), ("NEET", Audience.NEET)):
        ActionAudienceFactory(action=action(title), code=code)
    action("Sans public")
    assert found(publics=["16-25-ans"]) == {"Jeunes"}
    assert found(publics=["qpv", "neet"]) == {"QPV", "NEET"}
    assert found(publics=["zrr"]) == set()


def test_funders_cpf_and_free():
    ActionFunderFactory(action=action("Région", free_for_jobseekers=True), code=Funder.REGION)
    ActionFunderFactory(action=action("France Travail"), code=Funder.FRANCE_TRAVAIL)
    action("CPF", cpf_eligible=True)
    action("Payante")
    assert found(funders=["region"]) == {"Région"}
    assert found(funders=["france-travail", "cpf"]) == {"France Travail", "CPF"}
    assert found(free=True) == {"Région"}


def test_certifying_level_and_duration():
    action("Certifiante", formation__is_certifying=True, formation__certification_code="RNCP37674")
    action("Bac requis", formation__entry_level=Level.EU_4, hours_total=140, hours_centre=140)
    action("Sans prérequis", formation__entry_level=Level.NONE, hours_total=35, hours_centre=35)
    action("Ancien niveau V", formation__entry_level=Level.LEGACY_V, hours_total=None, hours_centre=None)
    assert found(certifying=True) == {"Certifiante"}
    # "Certifiante" does not state its entry level: it stays in every level's results.
    assert found(level="0") == {"Sans prérequis", "Certifiante"}
    assert found(level="3") == {"Sans prérequis", "Ancien niveau V", "Certifiante"}
    assert found(level="4") == {"Sans prérequis", "Ancien niveau V", "Bac requis", "Certifiante"}
    assert found(max_hours=35) == {"Sans prérequis"}
    assert found(max_hours=150) == {"Sans prérequis", "Bac requis"}  # unknown durations are left out


def test_programme_labels_count_only_while_valid():
    programme = ProgrammeFactory()
    other = ProgrammeFactory(slug="grande-ecole-du-numerique", name="Grande École du Numérique")
    ActionLabelFactory(action=action("Labellisée"), programme=programme, granted=True)
    ActionLabelFactory(
        action=action("Label expiré"),
        programme=programme,
        state="granted",
        valid_from=today() - timedelta(days=800),
        valid_until=today() - timedelta(days=1),
    )
    ActionLabelFactory(action=action("Demande en cours"), programme=programme)
    ActionLabelFactory(action=action("Autre label"), programme=other, granted=True)
    assert found(programmes=[programme.pk]) == {"Labellisée"}
    assert found(programmes=[programme.pk, other.pk]) == {"Labellisée", "Autre label"}


def test_organisation():
    mine = OrganismFactory()
    action("La mienne", formation__organism=mine)
    action("Une autre")
    assert found(organism_id=mine.pk) == {"La mienne"}


def test_start_window_and_weeks():
    action("Dans 10 jours", session__start_date=today() + timedelta(days=10))
    action("Dans 60 jours", session__start_date=today() + timedelta(days=60))
    action("Dans 200 jours", session__start_date=today() + timedelta(days=200))
    assert found(weeks=2) == {"Dans 10 jours"}
    assert found(weeks=12) == {"Dans 10 jours", "Dans 60 jours"}
    assert found(start_min=today() + timedelta(days=30)) == {"Dans 60 jours", "Dans 200 jours"}
    assert found(start_min=today() + timedelta(days=30), start_max=today() + timedelta(days=90)) == {"Dans 60 jours"}


def test_registration_open_and_places_left():
    action("Ouverte")
    action("Complète", session__places_left=0)
    action("Fermée", session__recruitment_state=RecruitmentState.CLOSED)
    action("Clôturée", session__registration_closes=today() - timedelta(days=1))
    action("Pas encore ouverte", session__registration_opens=today() + timedelta(days=3))
    assert found(registration_open=True) == {"Ouverte"}
    assert found(places=True) == {"Ouverte", "Fermée", "Clôturée", "Pas encore ouverte"}


def test_department_includes_remote_trainings():
    on_site("Dans le 94", 48.78, 2.45)
    on_site("Dans le 77", 48.96, 2.88, commune_code="77284", department="77")
    action("À distance")
    assert found(department="94") == {"Dans le 94", "À distance"}
    assert found(department="77") == {"Dans le 77", "À distance"}


# Radius ----------------------------------------------------------------------------------------------------


def test_radius_is_exact_and_remote_trainings_are_included():
    nine_km_north = CRETEIL[0] + 9 / KM_PER_DEGREE_LATITUDE
    on_site("À 9 km", nine_km_north, CRETEIL[1])
    on_site("À 12 km", CRETEIL[0] - 12 / KM_PER_DEGREE_LATITUDE, CRETEIL[1], commune_code="94001")
    action("À distance")
    assert found(origin=CRETEIL, radius_km=10) == {"À 9 km", "À distance"}
    assert found(origin=CRETEIL, radius_km=5) == {"À distance"}
    assert found(origin=CRETEIL, radius_km=20) == {"À 9 km", "À 12 km", "À distance"}
    outcome = search(Query(origin=CRETEIL, radius_km=20, sort="distance"), today=today())
    distances = [hit.distance_km for hit in outcome.hits]
    assert distances[0] == pytest.approx(9, abs=0.01)
    assert distances[1] == pytest.approx(12, abs=0.01)
    assert distances[2] is None  # remote, listed last when sorting by distance


# Freshness -------------------------------------------------------------------------------------------------


def test_freshness_rules():
    action("À venir")
    action("Terminée", session__past=True)
    action("Commencée il y a 10 jours", session__ongoing=True)
    action(
        "Commencée il y a 60 jours",
        session__start_date=today() - timedelta(days=60),
        session__end_date=today() + timedelta(days=30),
    )
    action(
        "Entrées permanentes",
        session__start_date=today() - timedelta(days=60),
        session__end_date=today() + timedelta(days=30),
        session__rolling_entry=True,
    )
    action("Sans date", session__undated=True)
    action("Session non publiée", session__is_published=False)
    listed = {"À venir", "Commencée il y a 10 jours", "Entrées permanentes"}
    assert found() == listed
    assert found(include_undated=True) == listed | {"Sans date"}
    outcome = search(Query(), today=today())
    assert outcome.undated_total == len(listed) + 1


def test_pending_or_suspended_organisations_are_never_listed():
    action("Validé")
    action("En attente", formation__organism=OrganismFactory(pending=True))
    action("Suspendu", formation__organism=OrganismFactory(suspended=True))
    assert found() == {"Validé"}


def test_a_change_is_searchable_at_once():
    created = action("Développeur web")
    assert found(q="developpeur") == {"Développeur web"}
    created.sessions.update(places_left=0)
    assert found(places=True) == set()
    created.formation.title = "Analyste de données"
    created.formation.save()
    search_documents_refresh(action_ids=[created.pk])
    assert found(q="developpeur") == set()
    assert found(q="analyste") == {"Analyste de données"}


def test_sort_by_start_date_and_paging():
    for days in (40, 10, 25):
        action(f"Dans {days} jours", session__start_date=today() + timedelta(days=days))
    outcome = search(Query(sort="date"), today=today())

    titles = [Action.objects.get(pk=hit.action_id).formation.title for hit in outcome.hits]
    assert titles == ["Dans 10 jours", "Dans 25 jours", "Dans 40 jours"]
    for n in range(22):
        action(f"Formation {n}")
    first, second = search(Query(page=1), today=today()), search(Query(page=2), today=today())
    assert (first.total, first.pages, len(first.hits), len(second.hits)) == (25, 2, 20, 5)
    assert not {h.action_id for h in first.hits} & {h.action_id for h in second.hits}
    assert search(Query(page=99), today=today()).page == 2


def test_every_indexed_table_has_its_version_triggers_after_the_migrations():
    """SQLite drops a table's triggers when a migration rebuilds it: they are recreated after migrate."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL keeps triggers when a table changes")
    with connection.cursor() as cursor:
        cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        triggers = cursor.fetchall()
    for table in INDEXED_TABLES:
        names = {name for tbl, name in triggers if tbl == table}
        assert {f"renew_search_version_{table}_{op}" for op in ("insert", "update", "delete")} <= names, table
