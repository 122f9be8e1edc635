"""Every page of the four journeys (jobseeker, adviser, organisation member, region agent), read from a seeded demo
catalogue: the sweep of tests/browser/test_every_page.py visits them all.

Each journey is a persona (a demo account; None: nobody signed in) and its pages as (name, path). Pages that need an
object take the first one the persona may see, read through the same relations the views use. A page added to the
portal belongs here: the URL-coverage test of the sweep fails on any page-returning URL left out."""

from dataclasses import dataclass

from django.urls import reverse

from accounts.models import User
from candidatures.models import Candidature, InformationMeeting
from catalogue.models import Action, ActionLabel, Formation, Programme
from exchange.models import ImportRun
from organisms.models import Organism
from sessions.models import SessionOutcome, TrainingSession
from shortlists.models import SavedSearch, Shortlist
from shortlists.services import share_token

JOBSEEKER = "demandeur@demo.catalogue.test"
ADVISER = "conseiller@demo.catalogue.test"
MEMBER = "organisme-a@demo.catalogue.test"
AGENT = "agent-region@demo.catalogue.test"


@dataclass(frozen=True)
class Journey:
    name: str
    email: str | None
    pages: list[tuple[str, str]]


def public_pages() -> list[tuple[str, str]]:
    action = Action.objects.published().filter(sessions__is_published=True).order_by("pk").first()
    remote = Action.objects.published().filter(sessions__is_remote=True).order_by("pk").first()
    return [
        ("accueil", reverse("home")),
        ("recherche", reverse("search")),
        ("recherche-filtree", reverse("search") + "?q=web&tri=date"),
        ("recherche-a-distance", reverse("search") + "?modalite=distance"),
        ("recherche-commune", reverse("search") + "?lieu=Cr%C3%A9teil&rayon=20"),
        ("carte-a-distance", reverse("search_map") + "?modalite=distance"),
        ("recherche-sans-resultat", reverse("search") + "?q=zzzzqqqq"),
        ("recherche-page-2", reverse("search") + "?page=2"),
        ("carte", reverse("search_map")),
        ("fiche", reverse("action_detail", args=[action.public_id])),
        ("fiche-a-distance", reverse("action_detail", args=[remote.public_id])),
        ("accessibilite", reverse("accessibility")),
        ("donnees", reverse("open_data")),
        ("api", reverse("api_documentation")),
        ("confidentialite", reverse("privacy")),
        ("connexion", reverse("account_login")),
        ("inscription", reverse("account_signup")),
        ("mot-de-passe-oublie", reverse("account_reset_password")),
        ("mot-de-passe-oublie-envoye", reverse("account_reset_password_done")),
        ("verification-envoyee", reverse("account_email_verification_sent")),
        ("inscription-organisme", reverse("organism_signup")),
    ]


def account_pages(*, searcher: bool) -> list[tuple[str, str]]:
    """The account pages; a searcher's (jobseeker, adviser) also has a profile and may delete the account."""
    pages = [
        ("courriels", reverse("account_email")),
        ("mot-de-passe", reverse("account_change_password")),
        ("deconnexion", reverse("account_logout")),
    ]
    if searcher:
        pages += [
            ("mon-espace", reverse("account_home")),
            ("profil", reverse("account_profile")),
            ("supprimer-compte", reverse("account_delete")),
        ]
    return pages


def journeys() -> list[Journey]:
    jobseeker = User.objects.get(email=JOBSEEKER)
    adviser = User.objects.get(email=ADVISER)
    member = User.objects.get(email=MEMBER)
    organism = member.memberships.get().organism
    session = TrainingSession.objects.public().order_by("start_date", "pk").first()
    saved = SavedSearch.objects.filter(user=jobseeker).first()
    shortlist = Shortlist.objects.filter(owner=adviser).order_by("pk").first()
    own = Candidature.objects.filter(person=jobseeker).first() or Candidature.objects.filter(adviser=adviser).first()
    received = Candidature.objects.filter(organism=organism).first()
    own_session = TrainingSession.objects.for_organism(organism).order_by("pk").first()
    own_action = Action.objects.for_organism(organism).order_by("pk").first()
    own_meeting = InformationMeeting.objects.filter(action__formation__organism=organism).first()
    outcome = SessionOutcome.objects.filter(session__action__formation__organism=organism).first()
    label = ActionLabel.objects.filter(state=ActionLabel.State.REQUESTED).first() or ActionLabel.objects.first()
    pending = Organism.objects.filter(approval_state=Organism.ApprovalState.PENDING).first() or organism
    programme = Programme.objects.order_by("pk").first()
    run = ImportRun.objects.order_by("-pk").first()
    shared = shortlist and share_token(shortlist)

    jobseeker_pages = [
        *account_pages(searcher=True),
        ("favoris", reverse("shortlists:favourites")),
        ("recherches", reverse("shortlists:searches")),
        ("candidatures", reverse("candidatures:candidatures")),
        ("reunions", reverse("candidatures:bookings")),
        ("interet", reverse("candidatures:interest", args=[session.action.public_id, session.public_id])),
        ("comparer", reverse("shortlists:compare")),
    ]
    if saved:
        jobseeker_pages.append(("recherche-enregistree", reverse("shortlists:search_edit", args=[saved.public_id])))
    if own and own.person_id == jobseeker.pk:
        jobseeker_pages.append(("candidature", reverse("candidatures:candidature", args=[own.public_id])))

    adviser_pages = [
        *account_pages(searcher=True),
        ("selections", reverse("shortlists:shortlists")),
        ("selection-choisir", reverse("shortlists:shortlist_pick") + f"?formation={session.action.public_id}"),
        ("candidatures-conseiller", reverse("candidatures:candidatures")),
    ]
    if shortlist:
        adviser_pages += [
            ("selection", reverse("shortlists:shortlist", args=[shortlist.public_id])),
            ("selection-imprimer", reverse("shortlists:shortlist_print", args=[shortlist.public_id])),
            ("selection-partagee", reverse("shortlists:shared", args=[shared])),
        ]
        item = shortlist.items.select_related("action").order_by("pk").first()
        if item and (listed := _first_session(item)):
            adviser_pages += [
                ("prescrire", reverse("candidatures:prescribe", args=[shortlist.public_id, listed])),
                ("interet-partage", reverse("candidatures:shared_interest", args=[shared, listed])),
            ]
    if own and own.adviser_id == adviser.pk:
        adviser_pages.append(("candidature-conseiller", reverse("candidatures:candidature", args=[own.public_id])))

    formation = Formation.objects.filter(organism=organism).order_by("pk").first()
    member_pages = [
        *account_pages(searcher=False),
        ("tableau-de-bord", reverse("backoffice:dashboard")),
        ("tableau-de-bord-a-venir", reverse("backoffice:dashboard") + "?periode=a-venir"),
        ("tableau-de-bord-page-2", reverse("backoffice:dashboard") + "?page=2"),
        ("formation-nouvelle", reverse("backoffice:formation_new")),
        ("formation", reverse("backoffice:formation_edit", args=[formation.pk])),
        ("action-nouvelle", reverse("backoffice:action_new", args=[formation.pk])),
        ("action", reverse("backoffice:action_edit", args=[own_action.public_id])),
        ("label-demande", reverse("backoffice:label_request", args=[own_action.public_id])),
        ("reunions-action", reverse("backoffice:meetings", args=[own_action.public_id])),
        ("session-nouvelle", reverse("backoffice:session_new", args=[own_action.public_id])),
        ("session", reverse("backoffice:session_edit", args=[own_session.public_id])),
        ("session-dupliquer", reverse("backoffice:session_duplicate", args=[own_session.public_id])),
        ("session-candidatures", reverse("backoffice:session_candidatures", args=[own_session.public_id])),
        ("candidatures-organisme", reverse("backoffice:candidatures")),
        ("membres", reverse("backoffice:members")),
        ("tableur", reverse("backoffice:sessions_upload")),
        ("lheo", reverse("backoffice:import_lheo")),
        ("historique", reverse("backoffice:history")),
        ("imports-organisme", reverse("backoffice:jobs")),
    ]
    if received:
        member_pages.append(("candidature-recue", reverse("backoffice:candidature_detail", args=[received.public_id])))
    if own_meeting:
        member_pages.append(("reunion", reverse("backoffice:meeting_edit", args=[own_meeting.public_id])))
    if outcome:
        member_pages.append(("resultats", reverse("backoffice:session_outcome", args=[outcome.session.public_id])))

    agent_pages = [
        *account_pages(searcher=False),
        ("region", reverse("region:dashboard")),
        ("region-filtre", reverse("region:dashboard") + f"?programme={programme.slug}"),
        ("organismes", reverse("region:organisms")),
        ("organisme", reverse("region:organism_detail", args=[organism.slug])),
        ("organisme-en-attente", reverse("region:organism_detail", args=[pending.slug])),
        ("programmes", reverse("region:programmes")),
        ("programme-nouveau", reverse("region:programme_new")),
        ("programme", reverse("region:programme_edit", args=[programme.slug])),
        ("labels", reverse("region:labels")),
        ("label", reverse("region:label_detail", args=[label.pk])),
        ("labelliser", reverse("region:action_label", args=[own_action.public_id])),
        ("imports", reverse("region:import_runs")),
        ("taches", reverse("region:task_queue")),
    ]
    if run:
        agent_pages.append(("import", reverse("region:import_run", args=[run.pk])))

    return [
        Journey("public", None, public_pages()),
        Journey("demandeur", JOBSEEKER, jobseeker_pages),
        Journey("conseiller", ADVISER, adviser_pages),
        Journey("organisme", MEMBER, member_pages),
        Journey("region", AGENT, agent_pages),
    ]


def _first_session(item) -> str:
    return (
        TrainingSession.objects.public()
        .filter(action=item.action)
        .order_by("pk")
        .values_list("public_id", flat=True)
        .first()
    )


# URL names that return no page to look at (files, redirects, POST-only actions): the coverage test skips them.
NOT_PAGES = {
    "session_ical",
    "open_data_file",
    "commune_suggestions",
    "api_schema",
    "api_actions",
    "api_action",
    "api_sessions",
    "account_data",
    "health",
    "sessions_confirm",
    "invitation_accept",
    "shortlists:favourite",
    "shortlists:search_save",
    "shortlists:search_delete",
    "shortlists:unsubscribe",
    "shortlists:shortlist_delete",
    "shortlists:shortlist_toggle",
    "shortlists:item_note",
    "shortlists:item_move",
    "shortlists:item_remove",
    "shortlists:shortlist_new",
    "shortlists:shortlist_share",
    "shortlists:shortlist_email",
    "candidatures:withdraw",
    "candidatures:book",
    "candidatures:booking_cancel",
    "candidatures:booking_ical",
    "backoffice:action_publish",
    "backoffice:place_new",
    "backoffice:meeting_cancel",
    "backoffice:session_candidatures_csv",
    "backoffice:sessions_bulk",
    "backoffice:sessions_spreadsheet",
    "backoffice:session_confirm",
    "backoffice:export_lheo",
    "backoffice:member_remove",
    "backoffice:invitation_revoke",
    "backoffice:member_invite",
    "region:export_lheo",
    "region:export",
    "region:organism_decision",
    "region:label_withdraw",
    "region:import_run_report",
    # A background job's own pages need a job in a given state: axe checks them, wide and on a phone, in
    # tests/browser/test_import_progress_journey.py and tests/browser/test_task_pages_journey.py.
    "backoffice:job",
    "region:export_job",
    # POST-only actions and a file.
    "backoffice:job_cancel",
    "backoffice:job_confirm",
    "backoffice:job_retry",
    "region:export_lheo_prepare",
    "region:export_job_download",
}
