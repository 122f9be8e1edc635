"""Every staff URL for every persona: organisation members, advisers and jobseekers get 403, a region agent
needs a group, a viewer cannot decide, a labeller decides labels only. A staff URL without an entry fails."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.groups import ADMINISTRATOR, LABELLER, VIEWER, ensure_region_groups
from core.models import Job
from exchange.models import ImportRun
from region.urls import urlpatterns as region_patterns
from tests.accounts.factories import UserFactory
from tests.catalogue.factories import ActionFactory, ActionLabelFactory, ProgrammeFactory
from tests.organisms.factories import OrganismFactory
from tests.sessions.factories import TrainingSessionFactory

# url name: (builder, GET permission, POST permission or None). "view" = any staff group.
MATRIX = {
    "dashboard": (lambda r: [], "view", None),
    "export": (lambda r: ["organismes", "csv"], "view", None),
    "export_lheo": (lambda r: [], "view", None),
    "organisms": (lambda r: [], "view", None),
    "organism_detail": (lambda r: [r["pending"].slug], "view", None),
    "organism_decision": (lambda r: [r["pending"].slug], None, "organism"),
    "programmes": (lambda r: [], "view", None),
    "programme_new": (lambda r: [], "programme", "programme"),
    "programme_edit": (lambda r: [r["programme"].slug], "programme", "programme"),
    "labels": (lambda r: [], "view", None),
    "label_detail": (lambda r: [r["label"].pk], "view", "label"),
    "label_withdraw": (lambda r: [r["label"].pk], None, "label"),
    "action_label": (lambda r: [r["action"].public_id], "label", "label"),
    "import_runs": (lambda r: [], "view", None),
    "import_run": (lambda r: [r["run"].pk], "view", None),
    "import_run_report": (lambda r: [r["run"].pk], "view", None),
    "task_queue": (lambda r: [], "view", None),
    "export_lheo_prepare": (lambda r: [], None, "view"),
    # Another agent's export: staff only, and then its requester only (tests/region/test_export_job.py).
    "export_job": (lambda r: [r["export"].pk], None, None),
    "export_job_download": (lambda r: [r["export"].pk], None, None),
}
POWERS = {VIEWER: {"view"}, LABELLER: {"view", "label"}, ADMINISTRATOR: {"view", "label", "organism", "programme"}}


def test_every_staff_url_is_in_the_matrix():
    assert {pattern.name for pattern in region_patterns} == set(MATRIX)


@pytest.fixture
def records(db):
    ensure_region_groups()
    action = ActionFactory()
    TrainingSessionFactory(action=action)  # something published, for the LHÉO export
    return {
        "pending": OrganismFactory(pending=True),
        "programme": ProgrammeFactory(),
        "label": ActionLabelFactory(action=action),
        "action": action,
        "export": Job.objects.create(
            kind=Job.Kind.LHEO_EXPORT, user=UserFactory(region_agent=True), label="Export LHÉO", stage="export"
        ),
        "run": ImportRun.objects.create(
            origin="flux.xml", trigger=ImportRun.Trigger.COMMAND, started_at=timezone.now()
        ),
    }


def agent(group: str | None):
    user = UserFactory(region_agent=True)
    if group:
        user.groups.add(ensure_region_groups()[group])
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["jobseeker", "adviser", "member_a", "agent_without_group"])
def test_people_outside_region_staff_get_403_everywhere(client, request, records, persona):
    user = agent(None) if persona == "agent_without_group" else request.getfixturevalue(persona)
    client.force_login(user)
    for name, (args, _, _) in MATRIX.items():
        url = reverse(f"region:{name}", args=args(records))
        assert client.get(url).status_code in (403, 405), url
        assert client.post(url, {}).status_code in (403, 405), url


@pytest.mark.django_db
def test_anonymous_people_are_sent_to_login(client, records):
    for name, (args, _, _) in MATRIX.items():
        url = reverse(f"region:{name}", args=args(records))
        for response in (client.get(url), client.post(url, {})):
            assert response.status_code in (302, 405), url
            if response.status_code == 302:
                assert response.url.startswith(reverse("account_login"))


@pytest.mark.django_db
@pytest.mark.parametrize("group", [VIEWER, LABELLER, ADMINISTRATOR])
def test_each_group_has_its_powers(client, records, group):
    client.force_login(agent(group))
    powers = POWERS[group]
    for name, (args, get_needs, post_needs) in MATRIX.items():
        url = reverse(f"region:{name}", args=args(records))
        if get_needs:
            assert client.get(url).status_code == (200 if get_needs in powers else 403), (group, "GET", url)
        if post_needs:
            status = client.post(url, {}).status_code
            if post_needs in powers:
                assert status in (200, 302), (group, "POST", url)  # invalid forms answer 200 with their errors
            else:
                assert status == 403, (group, "POST", url)


@pytest.mark.django_db
def test_a_viewer_cannot_decide_anything(client, records):
    client.force_login(agent(VIEWER))
    pending = records["pending"]
    client.post(reverse("region:organism_decision", args=[pending.slug]), {"decision": "approve"})
    client.post(
        reverse("region:label_detail", args=[records["label"].pk]), {"decision": "grant", "valid_from": "2026-11-23"}
    )
    pending.refresh_from_db()
    records["label"].refresh_from_db()
    assert pending.approval_state == "pending"
    assert records["label"].state == "requested"
