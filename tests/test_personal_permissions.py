"""Every URL of the personal spaces and the loop (shortlists, candidatures, privacy), for every kind of person, GET
and POST: login redirect, 403 for the wrong kind of person, 404 for another person's object, success for one's own.
A URL of these apps without an entry here fails the test."""

import pytest
from django.urls import reverse
from django.utils import timezone

from candidatures.models import Candidature
from candidatures.urls import urlpatterns as candidature_patterns
from config.urls import urlpatterns as root_patterns
from shortlists.models import Favourite, SavedSearch, Shortlist, ShortlistItem
from shortlists.services import share_start, share_token, unsubscribe_token
from shortlists.urls import urlpatterns as shortlist_patterns
from tests.accounts.factories import UserFactory
from tests.candidatures.factories import BookingFactory, CandidatureFactory, MeetingFactory
from tests.catalogue.factories import ActionFactory
from tests.sessions.factories import TrainingSessionFactory

PERSONAS = ["anonymous", "jobseeker", "jobseeker_b", "adviser", "adviser_b", "member_a", "region_agent"]
ACCOUNT_URLS = {"account_home", "account_profile", "account_data", "account_delete", "privacy"}

LOGIN = "login"
# Expected answers: for each persona not listed, `others`.
J_OWN = {"jobseeker": 200, "jobseeker_b": 404, "others": 403}  # a jobseeker's object
J_ANY = {"jobseeker": 200, "jobseeker_b": 200, "others": 403}  # a jobseeker's page
S_OWN = {"jobseeker": 200, "jobseeker_b": 404, "adviser": 404, "adviser_b": 404, "others": 403}  # kept by a jobseeker
S_ANY = {"jobseeker": 200, "jobseeker_b": 200, "adviser": 200, "adviser_b": 200, "others": 403}
A_OWN = {"adviser": 200, "adviser_b": 404, "others": 403}
A_ANY = {"adviser": 200, "adviser_b": 200, "others": 403}
PUBLIC = {"others": 200, "anonymous": 200}
C_OWN = {"jobseeker": 200, "jobseeker_b": 404, "adviser": 404, "adviser_b": 404, "others": 403}


def redirects(spec, code=302):
    """The same audience, answering `code` (a redirect after a POST) where the page answered 200."""
    return {persona: (code if want == 200 else want) for persona, want in spec.items()}


# name: (args builder, {method: expectations}, POST data builder)
MATRIX = {
    # shortlists
    "favourites": (lambda r: [], {"GET": J_ANY}),
    "favourite": (lambda r: [r["action"].public_id], {"POST": redirects(J_ANY)}),
    "searches": (lambda r: [], {"GET": S_ANY}),
    "search_save": (lambda r: [], {"GET": S_ANY, "POST": S_ANY}),  # POST without a name: the form again
    "search_edit": (lambda r: [r["saved"].public_id], {"GET": S_OWN, "POST": S_OWN}),
    "search_delete": (
        lambda r: [r["saved"].public_id],
        {"GET": {"others": 405, "anonymous": 405}, "POST": redirects(S_OWN)},
    ),
    "unsubscribe": (lambda r: [unsubscribe_token(r["saved"])], {"GET": PUBLIC, "POST": PUBLIC}),
    "shortlists": (lambda r: [], {"GET": A_ANY}),
    "shortlist_new": (lambda r: [], {"GET": {"others": 405, "anonymous": 405}, "POST": redirects(A_ANY)}),
    "shortlist_pick": (lambda r: [], {"GET": A_ANY}),
    "shortlist": (lambda r: [r["shortlist"].public_id], {"GET": A_OWN}),
    "shortlist_print": (lambda r: [r["shortlist"].public_id], {"GET": A_OWN}),
    "shortlist_delete": (lambda r: [r["shortlist"].public_id], {"POST": redirects(A_OWN)}),
    "shortlist_share": (lambda r: [r["shortlist"].public_id], {"POST": redirects(A_OWN)}),
    "shortlist_email": (lambda r: [r["shortlist"].public_id], {"POST": redirects(A_OWN)}),
    "shortlist_toggle": (lambda r: [r["shortlist"].public_id, r["action"].public_id], {"POST": redirects(A_OWN)}),
    "item_note": (lambda r: [r["shortlist"].public_id, r["item"].pk], {"POST": redirects(A_OWN)}),
    "item_move": (lambda r: [r["shortlist"].public_id, r["item"].pk], {"POST": redirects(A_OWN)}),
    "item_remove": (lambda r: [r["shortlist"].public_id, r["item"].pk], {"POST": redirects(A_OWN)}),
    "shared": (lambda r: [r["token"]], {"GET": PUBLIC}),
    "compare": (lambda r: [], {"GET": PUBLIC}),
    # candidatures
    "interest": (
        lambda r: [r["action"].public_id, r["free_session"].public_id],
        {"GET": J_ANY, "POST": J_ANY},  # POST without consent: the form again
    ),
    "shared_interest": (lambda r: [r["token"], r["free_session"].public_id], {"GET": PUBLIC, "POST": PUBLIC}),
    "prescribe": (lambda r: [r["shortlist"].public_id, r["free_session"].public_id], {"GET": A_OWN, "POST": A_OWN}),
    "candidatures": (lambda r: [], {"GET": S_ANY}),
    "candidature": (lambda r: [r["candidature"].public_id], {"GET": C_OWN}),
    "withdraw": (lambda r: [r["candidature"].public_id], {"POST": redirects(C_OWN)}),
    "book": (
        lambda r: [r["meeting"].public_id],
        {"POST": redirects({"jobseeker": 200, "jobseeker_b": 200, "others": 403})},
    ),
    "bookings": (lambda r: [], {"GET": J_ANY}),
    "booking_cancel": (lambda r: [r["booking"].public_id], {"POST": redirects(J_OWN)}),
    "booking_ical": (lambda r: [r["booking"].public_id], {"GET": J_OWN}),
    # accounts
    "account_home": (
        lambda r: [],
        {"GET": {"jobseeker": 200, "jobseeker_b": 200, "adviser": 200, "adviser_b": 200, "others": 302}},
    ),
    "account_profile": (lambda r: [], {"GET": S_ANY, "POST": redirects(S_ANY)}),
    "account_data": (lambda r: [], {"GET": S_ANY}),
    "account_delete": (lambda r: [], {"GET": S_ANY, "POST": S_ANY}),  # POST without confirmation: the form again
    "privacy": (lambda r: [], {"GET": PUBLIC}),
}
POST_DATA = {
    "shortlist_new": lambda r: {"label": "Nouvelle personne"},
    "shortlist_email": lambda r: {"email": "personne@example.org"},
    "shortlist_toggle": lambda r: {"garder": "1"},
    "favourite": lambda r: {"garder": "1"},
    "item_note": lambda r: {"note": "Réunion d'information le 12."},
    "account_profile": lambda r: {"first_name": "Camille", "last_name": "Martin", "structure": "France Travail"},
}
ANONYMOUS_PUBLIC = {"shared", "compare", "unsubscribe", "shared_interest", "privacy"}


def test_every_url_is_in_the_matrix():
    names = {p.name for p in shortlist_patterns} | {p.name for p in candidature_patterns}
    names |= {p.name for p in root_patterns if getattr(p, "name", None) in ACCOUNT_URLS}
    assert names == set(MATRIX)


@pytest.fixture
def records(jobseeker, adviser):
    action = ActionFactory()
    session = TrainingSessionFactory(action=action)
    free_session = TrainingSessionFactory(action=action)  # nobody has applied to it yet
    meeting = MeetingFactory(action=action)
    saved = SavedSearch.objects.create(user=jobseeker, name="Web", query="q=web", frequency="none")
    Favourite.objects.create(user=jobseeker, action=action)
    shortlist = Shortlist.objects.create(owner=adviser, label="Mme D.")
    item = ShortlistItem.objects.create(shortlist=shortlist, action=action, position=1)
    share_start(shortlist=shortlist, now=timezone.now())

    return {
        "action": action,
        "session": session,
        "free_session": free_session,
        "meeting": meeting,
        "saved": saved,
        "shortlist": shortlist,
        "item": item,
        "token": share_token(shortlist),
        "candidature": CandidatureFactory(session=session, person=jobseeker),
        "prescription": CandidatureFactory(
            session=session, person=None, adviser=adviser, shortlist=shortlist, origin=Candidature.Origin.ADVISER
        ),
        "booking": BookingFactory(meeting=meeting, person=jobseeker),
    }


@pytest.fixture
def people(jobseeker, adviser, member_a, region_agent):
    return {
        "jobseeker": jobseeker,
        "jobseeker_b": UserFactory(email="autre-demandeur@example.org"),
        "adviser": adviser,
        "adviser_b": UserFactory(adviser=True, email="autre@francetravail.fr"),
        "member_a": member_a,
        "region_agent": region_agent,
    }


def expected(name, method, persona):
    spec = MATRIX[name][1][method]
    if persona == "anonymous" and "anonymous" not in spec:
        return LOGIN
    return spec.get(persona, spec["others"])


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_personal_permission_matrix(client, records, people, name, persona):
    if persona != "anonymous":
        client.force_login(people[persona])
    namespace = (
        "shortlists:"
        if name in {p.name for p in shortlist_patterns}
        else "candidatures:"
        if name in {p.name for p in candidature_patterns}
        else ""
    )
    url = reverse(namespace + name, args=MATRIX[name][0](records))
    for method, _ in MATRIX[name][1].items():
        data = POST_DATA.get(name, lambda r: {})(records) if method == "POST" else None
        response = client.post(url, data) if method == "POST" else client.get(url)
        want = expected(name, method, persona)
        if want == LOGIN:
            assert response.status_code == 302, (method, url)
            assert response.url.startswith(reverse("account_login")), (method, url)
        else:
            assert response.status_code == want, (method, url, persona)
