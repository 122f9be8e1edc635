"""Every back-office URL, for every persona, GET and POST: login redirect, 403, 404 for another organisation's
objects, and success for the organisation's own. A back-office URL without an entry here fails the test."""

import pytest
from django.urls import reverse

from core.models import Job
from organisms.backoffice.urls import urlpatterns as backoffice_patterns
from organisms.models import Invitation, Membership
from tests.candidatures.factories import CandidatureFactory, MeetingFactory
from tests.catalogue.factories import ActionFactory, ActionLabelFactory, FormationFactory, TrainingPlaceFactory
from tests.organisms.factories import InvitationFactory, MembershipFactory
from tests.sessions.factories import TrainingSessionFactory

PERSONAS = ["anonymous", "jobseeker", "adviser", "member_a", "member_b", "region_agent"]

# For each URL: how to build it from organisation A's records, the methods to try, and the answers of a member
# of A and of a member of B ("own" pages such as the dashboard answer B about B's own organisation).
OWN, NOT_FOUND = "own", 404
MATRIX = {
    "dashboard": {"args": lambda r: [], "GET": (200, 200)},
    "formation_new": {"args": lambda r: [], "GET": (200, 200), "POST": (200, 200)},
    "formation_edit": {"args": lambda r: [r["formation"].pk], "GET": (200, 404), "POST": (200, 404)},
    "action_new": {"args": lambda r: [r["formation"].pk], "GET": (200, 404), "POST": (200, 404)},
    "action_edit": {"args": lambda r: [r["action"].public_id], "GET": (200, 404), "POST": (200, 404)},
    "action_publish": {"args": lambda r: [r["action"].public_id], "GET": (405, 405), "POST": (302, 404)},
    "place_new": {"args": lambda r: [r["action"].public_id], "GET": (405, 405), "POST": (200, 404)},
    "label_request": {"args": lambda r: [r["action"].public_id], "GET": (200, 404), "POST": (200, 404)},
    "session_outcome": {"args": lambda r: [r["session"].public_id], "GET": (200, 404), "POST": (200, 404)},
    "session_new": {"args": lambda r: [r["action"].public_id], "GET": (200, 404), "POST": (200, 404)},
    "session_edit": {"args": lambda r: [r["session"].public_id], "GET": (200, 404), "POST": (200, 404)},
    "session_duplicate": {"args": lambda r: [r["session"].public_id], "GET": (200, 404), "POST": (200, 404)},
    "session_confirm": {"args": lambda r: [r["session"].public_id], "GET": (405, 405), "POST": (302, 404)},
    "sessions_bulk": {"args": lambda r: [], "GET": (405, 405), "POST": (302, 302)},
    "history": {"args": lambda r: [], "GET": (200, 200)},
    "export_lheo": {"args": lambda r: [], "GET": (200, 404)},  # B has nothing published: said, not exported
    "import_lheo": {"args": lambda r: [], "GET": (200, 200), "POST": (200, 200)},
    "sessions_upload": {"args": lambda r: [], "GET": (200, 200), "POST": (200, 200)},
    "jobs": {"args": lambda r: [], "GET": (200, 200)},
    "job": {"args": lambda r: [r["job"].pk], "GET": (200, 404)},
    "job_confirm": {"args": lambda r: [r["job"].pk], "GET": (405, 405), "POST": (302, 404)},
    "job_cancel": {"args": lambda r: [r["job"].pk], "GET": (405, 405), "POST": (302, 404)},
    "job_retry": {"args": lambda r: [r["job"].pk], "GET": (405, 405), "POST": (302, 404)},
    "sessions_spreadsheet": {"args": lambda r: ["sessions", "csv"], "GET": (200, 200)},
    "members": {"args": lambda r: [], "GET": (200, 200)},
    "member_invite": {"args": lambda r: [], "GET": (405, 405), "POST": (302, 302)},
    "member_remove": {"args": lambda r: [r["colleague"].pk], "GET": (405, 405), "POST": (302, 404)},
    "invitation_revoke": {"args": lambda r: [r["invitation"].pk], "GET": (405, 405), "POST": (302, 404)},
    "candidatures": {"args": lambda r: [], "GET": (200, 200)},
    "candidature_detail": {"args": lambda r: [r["candidature"].public_id], "GET": (200, 404), "POST": (200, 404)},
    "session_candidatures": {"args": lambda r: [r["session"].public_id], "GET": (200, 404)},
    "session_candidatures_csv": {"args": lambda r: [r["session"].public_id], "GET": (200, 404)},
    "meetings": {"args": lambda r: [r["action"].public_id], "GET": (200, 404), "POST": (200, 404)},
    "meeting_edit": {"args": lambda r: [r["meeting"].public_id], "GET": (200, 404), "POST": (200, 404)},
    "meeting_cancel": {"args": lambda r: [r["meeting"].public_id], "GET": (405, 405), "POST": (302, 404)},
}
POST_DATA = {
    "sessions_bulk": lambda r: {"operation": "confirmer", "sessions": [r["session"].public_id]},
    "member_invite": lambda r: {"email": "nouvelle@example.org"},
    "action_publish": lambda r: {"publier": "0"},
}


def test_every_backoffice_url_is_in_the_matrix():
    assert {pattern.name for pattern in backoffice_patterns} == set(MATRIX)


@pytest.fixture
def records(organism_a, member_a, member_b):
    formation = FormationFactory(organism=organism_a)
    action = ActionFactory(formation=formation)
    TrainingPlaceFactory(action=action)
    session = TrainingSessionFactory(action=action)
    ActionLabelFactory(action=action, granted=True)  # its sessions' results are asked for
    colleague = MembershipFactory(organism=organism_a, role=Membership.Role.MEMBER)
    invitation = InvitationFactory(organism=organism_a, invited_by=member_a)
    candidature = CandidatureFactory(session=session)
    meeting = MeetingFactory(action=action)
    # An import of member A's, done: confirming, cancelling or retrying it says it is too late.
    job = Job.objects.create(
        kind=Job.Kind.LHEO_IMPORT,
        user=member_a,
        organism=organism_a,
        label="Import LHÉO",
        status=Job.Status.DONE,
        result={
            "ok": True,
            "written": True,
            "summary": "LHÉO 2.3 (écrit)",
            "schema_checked": True,
            "counts": [],
            "problems": [],
            "problem_count": 0,
        },
    )
    return {
        "job": job,
        "candidature": candidature,
        "meeting": meeting,
        "formation": formation,
        "action": action,
        "session": session,
        "colleague": colleague,
        "invitation": invitation,
    }


def expected(name: str, method: str, persona: str):
    if persona == "anonymous":
        return "login"
    if persona in ("jobseeker", "adviser", "region_agent"):
        return 403 if MATRIX[name][method][0] != 405 else 405
    own, other = MATRIX[name][method]
    return own if persona == "member_a" else other


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(client, request, records, name, persona):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    if user is not None:
        client.force_login(user)
    url = reverse(f"backoffice:{name}", args=MATRIX[name]["args"](records))
    for method in ("GET", "POST"):
        if method not in MATRIX[name]:
            continue
        data = POST_DATA.get(name, lambda r: {})(records) if method == "POST" else None
        response = client.post(url, data) if method == "POST" else client.get(url)
        want = expected(name, method, persona)
        if want == "login" and MATRIX[name][method][0] != 405:
            assert response.status_code == 302, (method, url)
            assert response.url.startswith(reverse("account_login")), (method, url)
        elif want == "login":
            assert response.status_code in (302, 405), (method, url)
        else:
            assert response.status_code == want, (method, url, persona)


@pytest.mark.django_db
def test_a_plain_member_cannot_invite_or_remove(client, records, organism_a):
    plain = MembershipFactory(organism=organism_a, role=Membership.Role.MEMBER).user
    client.force_login(plain)
    assert client.post(reverse("backoffice:member_invite"), {"email": "x@example.org"}).status_code == 403
    assert client.post(reverse("backoffice:member_remove", args=[records["colleague"].pk])).status_code == 403
    assert client.post(reverse("backoffice:invitation_revoke", args=[records["invitation"].pk])).status_code == 403
    records["invitation"].refresh_from_db()
    assert records["invitation"].state == Invitation.State.PENDING
    assert client.get(reverse("backoffice:dashboard")).status_code == 200


@pytest.mark.django_db
def test_another_organisations_sessions_cannot_be_bulk_updated(client, records, member_b):
    client.force_login(member_b)
    session = records["session"]
    before = session.confirmed_at
    client.post(reverse("backoffice:sessions_bulk"), {"operation": "complet", "sessions": [session.public_id]})
    session.refresh_from_db()
    assert session.places_left == 5 and session.confirmed_at == before
