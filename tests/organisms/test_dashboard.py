"""The organisation dashboard at scale: one page of sessions at a time, filtered by period, constant queries, one-click
confirmation from the priority list, and bulk results in plain French."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from organisms.backoffice.dashboard import SESSIONS_PER_PAGE
from sessions.models import TrainingSession
from sessions.services import bulk_result_message
from tests.catalogue.factories import ActionFactory, FormationFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db

ROW = 'name="sessions" value="'


@pytest.fixture
def action(organism_a):
    return ActionFactory(formation=FormationFactory(organism=organism_a, title="Développeur web"))


@pytest.fixture
def logged_in(client, member_a):
    client.force_login(member_a)
    return client


def bulk_sessions(action, count, *, start=0):
    today = timezone.localdate()
    TrainingSession.objects.bulk_create(
        [
            TrainingSession(
                action=action,
                public_id=f"b{n:09d}",
                start_date=today + timedelta(days=1 + n % 200),
                end_date=today + timedelta(days=250),
                is_remote=True,
                is_published=True,
                confirmed_at=timezone.now(),
            )
            for n in range(start, start + count)
        ]
    )


def test_dashboard_at_500_sessions_is_paginated_with_constant_queries(logged_in, action, organism_a):
    url = reverse("backoffice:dashboard")

    def queries(path):
        with CaptureQueriesContext(connection) as captured:
            response = logged_in.get(path)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    bulk_sessions(action, 5)
    small, html = queries(url)
    assert html.count(ROW) == 5
    assert 'class="pagination"' not in html
    other = ActionFactory(formation=FormationFactory(organism=organism_a, title="Data analyst"))
    bulk_sessions(other, 495, start=5)
    big, html = queries(url)
    assert big == small
    assert html.count(ROW) == SESSIONS_PER_PAGE
    assert "Vos sessions (500)" in html
    assert "Page 1 sur 10" in html
    last, html = queries(url + "?page=10")
    assert last == small
    assert html.count(ROW) == 500 - 9 * SESSIONS_PER_PAGE
    assert 'rel="prev"' in html and 'rel="next"' not in html
    beyond, html = queries(url + "?page=99")  # past the end: the last page
    assert beyond == small + 2  # the empty window read, then a count and the last page
    assert "Page 10 sur 10" in html
    filtered, html = queries(url + f"?formation={other.formation.pk}&page=2")
    assert filtered == small
    assert "Vos sessions (495 avec ces critères)" in html
    assert "Data analyst" in html and html.count(ROW) == SESSIONS_PER_PAGE
    assert small <= 12


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("a-venir", {"upcoming", "undated", "upcoming_stale"}),
        ("en-cours", {"ongoing"}),
        ("terminees", {"past", "past_stale"}),
        ("non-confirmees", {"upcoming_stale"}),
        ("", {"upcoming", "undated", "upcoming_stale", "ongoing", "past", "past_stale"}),
    ],
)
def test_dashboard_filters_by_period(logged_in, action, period, expected):
    sessions = {
        "upcoming": TrainingSessionFactory(action=action),
        "undated": TrainingSessionFactory(action=action, undated=True),
        "upcoming_stale": TrainingSessionFactory(action=action, stale=True),
        "ongoing": TrainingSessionFactory(action=action, ongoing=True),
        "past": TrainingSessionFactory(action=action, past=True),
        "past_stale": TrainingSessionFactory(action=action, past=True, stale=True),
    }
    html = logged_in.get(reverse("backoffice:dashboard"), {"periode": period}).content.decode()
    shown = {name for name, session in sessions.items() if f'{ROW}{session.public_id}"' in html}
    assert shown == expected


def test_dashboard_filter_offers_only_the_organisations_formations(logged_in, action, organism_b):
    theirs = FormationFactory(organism=organism_b, title="Formation d'un autre organisme")
    html = logged_in.get(reverse("backoffice:dashboard")).content.decode()
    assert f'<option value="{action.formation.pk}">Développeur web</option>' in html
    assert "Formation d&#x27;un autre organisme" not in html
    response = logged_in.get(reverse("backoffice:dashboard"), {"formation": theirs.pk})
    assert ROW not in response.content.decode()


def test_a_session_is_confirmed_from_the_priority_list_in_one_click(logged_in, action, member_a):
    soon = TrainingSessionFactory(action=action, start_date=timezone.localdate() + timedelta(days=5), stale=True)
    html = logged_in.get(reverse("backoffice:dashboard")).content.decode()
    confirm = reverse("backoffice:session_confirm", args=[soon.public_id])
    assert f'formaction="{confirm}"' in html and f'hx-post="{confirm}"' in html
    # With htmx: the list item comes back, confirmed.
    fragment = logged_in.post(confirm, headers={"HX-Request": "true"}).content.decode()
    assert fragment.startswith(f'<li id="confirm-{soon.public_id}"') and "confirmée." in fragment
    soon.refresh_from_db()
    assert not soon.status().stale
    assert AuditEntry.objects.filter(actor=member_a).count() == 1
    # Without JavaScript: back to the dashboard, said in French; the session has left the list.
    other = TrainingSessionFactory(action=action, start_date=timezone.localdate() + timedelta(days=8), stale=True)
    page = logged_in.post(reverse("backoffice:session_confirm", args=[other.public_id]), follow=True)
    html = page.content.decode()
    assert f"Session du {(timezone.localdate() + timedelta(days=8)):%-d} " in html and " confirmée." in html
    assert "Sessions qui commencent dans les 30 jours sans confirmation récente" not in html


def test_another_organisations_session_cannot_be_confirmed(logged_in, organism_b):
    theirs = TrainingSessionFactory(action__formation__organism=organism_b, stale=True)
    assert logged_in.post(reverse("backoffice:session_confirm", args=[theirs.public_id])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status().stale


def test_dashboard_offers_select_all_and_large_checkboxes(logged_in, action):
    TrainingSessionFactory(action=action)
    html = logged_in.get(reverse("backoffice:dashboard")).content.decode()
    assert 'data-select-all="sessions"' in html
    assert "js/select-all.js" in html
    assert 'class="table-wrap" tabindex="0" role="region"' in html


@pytest.mark.parametrize(
    ("operation", "count", "message"),
    [
        ("confirmer", 0, "Aucune session confirmée."),
        ("confirmer", 1, "1 session confirmée."),
        ("confirmer", 2, "2 sessions confirmées."),
        ("fermer", 1, "1 session fermée aux inscriptions."),
        ("fermer", 3, "3 sessions fermées aux inscriptions."),
        ("complet", 1, "1 session indiquée complète."),
        ("complet", 12, "12 sessions indiquées complètes."),
    ],
)
def test_bulk_results_in_plain_french(operation, count, message):
    assert bulk_result_message(operation=operation, count=count) == message


def test_bulk_result_goes_back_to_the_filtered_page(logged_in, action):
    sessions = [TrainingSessionFactory(action=action, stale=True) for _ in range(2)]
    back = reverse("backoffice:dashboard") + "?periode=non-confirmees"
    response = logged_in.post(
        reverse("backoffice:sessions_bulk"),
        {"operation": "confirmer", "sessions": [s.public_id for s in sessions], "next": back},
    )
    assert response.url == back
    assert "2 sessions confirmées." in logged_in.get(back).content.decode()
    elsewhere = logged_in.post(
        reverse("backoffice:sessions_bulk"),
        {"operation": "confirmer", "sessions": [sessions[0].public_id], "next": "https://example.com/"},
    )
    assert elsewhere.url == reverse("backoffice:dashboard")


def test_lheo_upload_page_explains_the_file_and_warns_before_the_preview(logged_in):
    html = logged_in.get(reverse("backoffice:import_lheo")).content.decode()
    assert "Ce que le fichier doit contenir" in html
    assert "version 2.2 ou 2.3" in html and "50 Mo au plus" in html
    warning = html.index("Attention : le fichier remplace vos sessions à venir")
    assert warning < html.index('type="file"')
    assert "seront <strong>archivées</strong>" in html
    assert "schéma" not in html  # the portal's configuration is not the organisation's business


def test_lheo_upload_of_malformed_xml_is_refused_in_french(logged_in, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    data = b'<?xml version="1.0"?>\n<lheo xmlns="http://lheo.gouv.fr/2.3">\n<offres>\n<formation></offres>'
    with TestCase.captureOnCommitCallbacks(execute=True):  # the check is a task, run at once by the tests' backend
        response = logged_in.post(
            reverse("backoffice:import_lheo"), {"fichier": SimpleUploadedFile("offre.xml", data, "application/xml")}
        )
    html = logged_in.get(response.url).content.decode()
    assert "Ligne 4" in html
    assert "XML mal formé : la balise &lt;formation&gt; est fermée par &lt;/offres&gt; (colonne 21)." in html
    assert "mismatch" not in html and "schéma" not in html
