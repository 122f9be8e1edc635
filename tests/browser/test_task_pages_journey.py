"""Region staff's background work pages in a real browser, axe-checked wide and on a phone: the task queue with a
failed email and a failed import, and the LHÉO export prepared as a file then downloaded."""

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.groups import VIEWER, ensure_region_groups
from catalogue.models import SearchIndexVersion
from core.models import EmailDelivery, Job
from tests.accounts.factories import PASSWORD, UserFactory
from tests.catalogue.factories import ActionFactory, CommuneFactory
from tests.organisms.factories import OrganismFactory
from tests.sessions.factories import TrainingSessionFactory


@pytest.fixture
def staff_world(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    SearchIndexVersion.objects.get_or_create(pk=1, defaults={"token": "browser"})
    CommuneFactory()
    agent = UserFactory(region_agent=True, email="yann@region.example.org")
    agent.groups.add(ensure_region_groups()[VIEWER])
    EmailAddress.objects.create(user=agent, email=agent.email, primary=True, verified=True)
    TrainingSessionFactory(action=ActionFactory())
    EmailDelivery.objects.create(
        subject="[Catalogue des formations] Atelier : organisme validé",
        body="Bonjour",
        to=["contact@atelier.example.org"],
        status=EmailDelivery.Status.FAILED,
        attempts=6,
        last_error="ConnectionRefusedError: [Errno 111] Connection refused",
    )
    member = UserFactory()
    Job.objects.create(
        kind=Job.Kind.LHEO_IMPORT,
        user=member,
        organism=OrganismFactory(usual_name="Atelier numérique"),
        label="Import LHÉO « offre.xml »",
        status=Job.Status.FAILED,
        attempts=1,
        started_at=timezone.now(),
        error="Le traitement s'est interrompu : le processus qui l'exécutait s'est arrêté.",
    )
    return agent


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["wide", "phone"])
def test_staff_see_the_queue_and_prepare_an_export(live_server, page, axe_check, staff_world, viewport):
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    name = "wide" if viewport[0] > 1000 else "phone"
    page.goto(live_server.url + "/compte/login/")
    page.get_by_label("Courriel").fill(staff_world.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/region/")

    page.get_by_role("link", name="Tâches de fond").click()
    page.wait_for_url("**/region/taches/")
    main = page.locator("main").inner_text()
    assert (
        "c***@atelier.example.org" in main
        and "contact@" not in main
        and "Échec définitif" in main
        and "Connection refused" in main
    )
    assert "Import LHÉO « offre.xml »" in main and "Atelier numérique" in main
    axe_check(page, f"region-task-queue-{name}")

    page.get_by_role("link", name="Tableau de bord").click()
    page.wait_for_url("**/region/")
    page.get_by_role("button", name="Préparer le fichier LHÉO en arrière-plan").click()
    page.wait_for_url("**/region/export/lheo/*/")
    page.get_by_text("Le fichier est prêt").wait_for()
    axe_check(page, f"region-export-ready-{name}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le fichier LHÉO").click()
    assert download.value.path().read_bytes().startswith(b"<?xml")
