"""The organisation back office: editing with French validation, bulk actions, history, dashboard."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Action, Formation
from catalogue.search.engine import Query, search
from core.models import AuditEntry
from sessions.models import TrainingSession
from tests.catalogue.factories import ActionFactory, FormationFactory, RomeCodeFactory, TrainingPlaceFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def action(organism_a):
    action = ActionFactory(formation=FormationFactory(organism=organism_a, title="Développeur web"))
    TrainingPlaceFactory(action=action)
    return action


@pytest.fixture
def logged_in(client, member_a):
    client.force_login(member_a)
    return client


def session_data(session, **changes):
    data = {
        "start_date": session.start_date.isoformat(),
        "end_date": session.end_date.isoformat(),
        "registration_opens": "",
        "registration_closes": "",
        "recruitment_state": "1",
        "capacity": "12",
        "places_left": "5",
        "is_remote": "on",
        "place": "",
        "is_published": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_editing_a_session_confirms_it_and_is_audited(logged_in, action, member_a):
    session = TrainingSessionFactory(action=action, stale=True)
    new_start = timezone.localdate() + timedelta(days=50)
    response = logged_in.post(
        reverse("backoffice:session_edit", args=[session.public_id]),
        session_data(
            session, start_date=new_start.isoformat(), end_date=(new_start + timedelta(60)).isoformat(), places_left="3"
        ),
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.start_date == new_start and session.places_left == 3
    assert timezone.now() - session.confirmed_at < timedelta(minutes=1)
    entry = AuditEntry.objects.filter(object_id=str(session.pk)).get()
    assert entry.actor == member_a and entry.organism == action.formation.organism
    assert entry.changes["places_left"] == [5, 3]
    assert entry.changes["start_date"][1] == new_start.isoformat()
    assert search(Query(weeks=8), today=timezone.localdate()).total == 1  # searchable at once


def test_session_validation_is_in_french_next_to_fields_and_keeps_what_was_typed(logged_in, action):
    session = TrainingSessionFactory(action=action)
    start = session.start_date
    response = logged_in.post(
        reverse("backoffice:session_edit", args=[session.public_id]),
        session_data(
            session,
            end_date=(start - timedelta(days=1)).isoformat(),
            registration_closes=(start + timedelta(days=2)).isoformat(),
            capacity="10",
            places_left="11",
            is_remote=None,
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    for message in (
        "La date de fin doit être postérieure ou égale à la date de début.",
        "La clôture des inscriptions doit intervenir au plus tard le jour du début.",
        "Les places restantes doivent être comprises entre 0 et 10.",
        "Choisissez un lieu, ou indiquez que la session a lieu entièrement à distance.",
    ):
        assert message in html
    assert 'id="error-summary"' in html and 'href="#id_places_left"' in html
    assert 'id="id_places_left_error"' in html and 'aria-invalid="true"' in html
    assert 'value="11"' in html and f'value="{(start + timedelta(days=2)).isoformat()}"' in html
    session.refresh_from_db()
    assert session.places_left == 5


def test_new_on_site_session_at_a_place_of_the_action(logged_in, action):
    place = action.training_places.get()
    start = timezone.localdate() + timedelta(days=20)
    response = logged_in.post(
        reverse("backoffice:session_new", args=[action.public_id]),
        {
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=30)).isoformat(),
            "recruitment_state": "1",
            "capacity": "12",
            "places_left": "12",
            "place": str(place.pk),
            "is_published": "on",
        },
    )
    assert response.status_code == 302
    created = TrainingSession.objects.get(action=action)
    assert created.place == place and not created.is_remote and created.confirmed_at


def test_duplicate_moves_registration_dates_too(logged_in, action):
    today = timezone.localdate()
    session = TrainingSessionFactory(
        action=action,
        start_date=today + timedelta(days=30),
        end_date=today + timedelta(days=60),
        registration_opens=today,
        registration_closes=today + timedelta(days=25),
        places_left=0,
    )
    response = logged_in.post(
        reverse("backoffice:session_duplicate", args=[session.public_id]),
        {
            "start_date": (today + timedelta(days=130)).isoformat(),
            "end_date": (today + timedelta(days=160)).isoformat(),
        },
    )
    assert response.status_code == 302
    copy = TrainingSession.objects.exclude(pk=session.pk).get()
    assert copy.registration_opens == today + timedelta(days=100)
    assert copy.registration_closes == today + timedelta(days=125)
    assert copy.places_left == copy.capacity == 12
    assert copy.public_id != session.public_id


@pytest.mark.parametrize(
    ("operation", "field", "value"),
    [("confirmer", None, None), ("fermer", "recruitment_state", 2), ("complet", "places_left", 0)],
)
def test_bulk_actions_on_a_selection(logged_in, action, member_a, operation, field, value):
    sessions = [TrainingSessionFactory(action=action, stale=True) for _ in range(10)]
    untouched = TrainingSessionFactory(action=action, stale=True)
    response = logged_in.post(
        reverse("backoffice:sessions_bulk"),
        {"operation": operation, "sessions": [s.public_id for s in sessions]},
        follow=True,
    )
    assert "10 sessions" in response.content.decode()
    for session in sessions:
        session.refresh_from_db()
        assert not session.status().stale
        if field:
            assert getattr(session, field) == value
    untouched.refresh_from_db()
    assert untouched.status().stale
    assert AuditEntry.objects.filter(actor=member_a).count() == 10


def test_bulk_without_selection_says_so(logged_in, action):
    response = logged_in.post(reverse("backoffice:sessions_bulk"), {"operation": "confirmer"}, follow=True)
    assert "Cochez au moins une session." in response.content.decode()


def test_publish_and_unpublish(logged_in, action):
    url = reverse("backoffice:action_publish", args=[action.public_id])
    logged_in.post(url, {"publier": "0"})
    assert not Action.objects.get(pk=action.pk).is_published
    logged_in.post(url, {"publier": "1"})
    assert Action.objects.get(pk=action.pk).is_published


def test_a_session_has_one_publication_control_and_is_unpublished_with_it(logged_in, action):
    session = TrainingSessionFactory(action=action)
    url = reverse("backoffice:session_edit", args=[session.public_id])
    page = logged_in.get(url).content.decode()
    assert page.count('name="is_published"') == 1
    assert "publication/" not in page and "Retirer cette session de la publication" not in page
    assert logged_in.post(url, session_data(session, is_published=None)).status_code == 302
    session.refresh_from_db()
    assert not session.is_published
    assert search(Query(), today=timezone.localdate()).total == 0


def test_an_ended_session_is_not_offered_for_publication_and_is_refused(logged_in, action):
    ended = TrainingSessionFactory(action=action, past=True, is_published=False)
    url = reverse("backoffice:session_edit", args=[ended.public_id])
    page = logged_in.get(url).content.decode()
    assert re.search(r'<input type="checkbox" name="is_published"[^>]*disabled', page)
    assert "Cette session est terminée : elle ne peut plus être publiée." in page
    logged_in.post(url, session_data(ended, is_published="on"))  # a forged post: the disabled field keeps its value
    ended.refresh_from_db()
    assert not ended.is_published
    # A new session with past dates, or dates moved to the past, cannot be published either.
    past = timezone.localdate() - timedelta(days=40)
    new = logged_in.post(
        reverse("backoffice:session_new", args=[action.public_id]),
        session_data(ended, start_date=(past - timedelta(days=30)).isoformat(), end_date=past.isoformat()),
    )
    assert "Cette session est terminée : elle ne peut plus être publiée." in new.content.decode()
    assert TrainingSession.objects.count() == 1
    # A session already published that has ended can still be edited (and withdrawn).
    published = TrainingSessionFactory(action=action, past=True)
    edit = reverse("backoffice:session_edit", args=[published.public_id])
    assert logged_in.post(edit, session_data(published, recruitment_state="2")).status_code == 302


def test_formation_with_rome_codes_updates_search(logged_in, organism_a, action):
    RomeCodeFactory(code="M1805", label="Études et développement informatique")
    url = reverse("backoffice:formation_edit", args=[action.formation.pk])
    data = {
        "title": "Concepteur d'applications",
        "objectives": "Concevoir.",
        "content": "Programmer.",
        "entry_level": "0",
        "exit_level": "0",
        "rome": "M1805",
    }
    assert logged_in.post(url, data).status_code == 302
    TrainingSessionFactory(action=action)
    assert search(Query(q="etudes developpement informatique"), today=timezone.localdate()).total == 1
    errors = logged_in.post(url, data | {"rome": "M1805 X12 M9999", "is_certifying": "", "certification_code": "RS12"})
    html = errors.content.decode()
    assert "Code ROME mal formé : X12 (une lettre et 4 chiffres)." in html
    assert "Seule une formation certifiante porte un code RNCP ou RS." in html
    too_many = logged_in.post(url, data | {"rome": "M1801 M1802 M1803 M1804 M1805 M1806"})
    assert "5 codes ROME au plus (6 saisis)." in too_many.content.decode()
    assert Formation.objects.get(pk=action.formation.pk).title == "Concepteur d'applications"


def test_action_axis_rules_are_explained(logged_in, action):
    url = reverse("backoffice:action_edit", args=[action.public_id])
    response = logged_in.post(url, {"teaching_mode": "0", "axis": "hybride", "hours_total": "10", "hours_centre": "20"})
    html = response.content.decode()
    assert "L&#x27;axe « formation hybride » suppose une modalité mixte" in html
    assert "Ne peut dépasser la durée totale (10 heures)." in html
    response = logged_in.post(url, {"teaching_mode": "2", "axis": "distance", "trainer_siret": "12345678901234"})
    html = response.content.decode()
    assert "Précisez le type de formation à distance : SPOC ou synchrone." in html
    assert "Ce SIRET n&#x27;est pas valide" in html
    ok = logged_in.post(
        url,
        {
            "teaching_mode": "2",
            "axis": "distance",
            "remote_kind": "spoc",
            "audiences": ["qpv", "81024"],
            "funders": ["2"],
        },
    )
    assert ok.status_code == 302
    action.refresh_from_db()
    assert action.remote_kind == "spoc"
    assert sorted(action.audiences.values_list("code", flat=True)) == ["81024", "qpv"]


def test_history_shows_who_changed_what(logged_in, action, member_a):
    session = TrainingSessionFactory(action=action)
    logged_in.post(reverse("backoffice:session_edit", args=[session.public_id]), session_data(session, places_left="2"))
    html = logged_in.get(reverse("backoffice:history")).content.decode()
    assert member_a.email in html
    assert "Places restantes</strong> : 5 → 2" in html


def test_dashboard_lists_what_needs_attention(logged_in, action):
    today = timezone.localdate()
    soon = TrainingSessionFactory(action=action, start_date=today + timedelta(days=10), stale=True)
    past_open = TrainingSessionFactory(action=action, past=True)
    idle = ActionFactory(formation=action.formation)
    TrainingSessionFactory(action=idle, past=True, recruitment_state=2)
    html = logged_in.get(reverse("backoffice:dashboard")).content.decode()
    assert "Sessions qui commencent dans les 30 jours sans confirmation récente (1)" in html
    assert reverse("backoffice:session_edit", args=[soon.public_id]) in html
    assert "Sessions terminées dont les inscriptions sont encore ouvertes (1)" in html
    assert reverse("backoffice:session_edit", args=[past_open.public_id]) in html
    assert "Actions publiées sans session à venir (1)" in html
    assert re.search(r"badge--stale\">À confirmer", html)


def test_dashboard_queries_do_not_grow_with_sessions(logged_in, action, django_assert_num_queries):
    def count_queries():
        with CaptureQueriesContext(connection) as captured:
            assert logged_in.get(reverse("backoffice:dashboard")).status_code == 200
        return len(captured)

    TrainingSessionFactory.create_batch(5, action=action)
    small = count_queries()
    other = ActionFactory(formation=action.formation)
    TrainingSession.objects.bulk_create(
        [
            TrainingSession(
                action=other if n % 2 else action,
                public_id=f"s{n:09d}",
                start_date=timezone.localdate() + timedelta(days=n % 200),
                is_remote=True,
                is_published=True,
                capacity=10,
                places_left=n % 10,
            )
            for n in range(495)
        ]
    )
    assert TrainingSession.objects.count() == 500
    with django_assert_num_queries(small):
        assert logged_in.get(reverse("backoffice:dashboard")).status_code == 200
    assert small <= 12
