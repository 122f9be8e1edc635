"""The admin is usable by region staff for every model: list, search, add and change pages answer."""

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from catalogue.models import Action
from catalogue.search.engine import Query, search
from core.models import AuditEntry
from exchange.models import ImportRun
from tests.catalogue.factories import ActionAudienceFactory, ActionLabelFactory, TrainingPlaceFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def some_of_everything(member_a):
    place = TrainingPlaceFactory()
    TrainingSessionFactory(action=place.action, is_remote=False, place=place)
    ActionAudienceFactory(action=place.action)
    ActionLabelFactory(action=place.action, granted=True)


def admin_urls(model):
    info = model._meta.app_label, model._meta.model_name
    urls = [reverse("admin:{}_{}_changelist".format(*info)), reverse("admin:{}_{}_changelist".format(*info)) + "?q=a"]
    obj = model._default_manager.first()
    if obj is not None:
        urls.append(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
    return urls


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_every_admin_page_answers_for_region_staff(client, region_agent, some_of_everything, model):
    client.force_login(region_agent)
    for url in admin_urls(model):
        assert client.get(url).status_code == 200, url
    add = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    read_only = (AuditEntry, ImportRun, DBTaskResult)  # records of what happened, never typed by hand
    assert client.get(add).status_code == (403 if model in read_only else 200)


def test_admin_is_closed_to_other_people(client, jobseeker, adviser, member_a):
    for user in (jobseeker, adviser, member_a):
        client.force_login(user)
        response = client.get(reverse("admin:catalogue_action_changelist"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_an_admin_change_is_audited(client, region_agent, some_of_everything):
    client.force_login(region_agent)
    action = Action.objects.get()
    url = reverse("admin:catalogue_action_change", args=[action.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "formation": action.formation_id,
            "hours_total": 420,
            "price": "",
            "free_for_jobseekers": "on",
        }
    )
    for prefix in ("audiences", "funders", "training_places", "labels"):
        data[f"{prefix}-TOTAL_FORMS"] = 0
        data[f"{prefix}-INITIAL_FORMS"] = 0
    data["audiences-TOTAL_FORMS"] = data["audiences-INITIAL_FORMS"] = 1
    audience = action.audiences.get()
    data.update({"audiences-0-id": audience.pk, "audiences-0-action": action.pk, "audiences-0-code": audience.code})
    place = action.training_places.get()
    data["training_places-TOTAL_FORMS"] = data["training_places-INITIAL_FORMS"] = 1
    for field in ("street", "postcode", "latitude", "longitude", "name"):
        data[f"training_places-0-{field}"] = getattr(place, field)
    data.update(
        {
            "training_places-0-id": place.pk,
            "training_places-0-action": action.pk,
            "training_places-0-commune": place.commune_id,
        }
    )
    label = action.labels.get()
    data["labels-TOTAL_FORMS"] = data["labels-INITIAL_FORMS"] = 1
    data.update(
        {
            "labels-0-id": label.pk,
            "labels-0-action": action.pk,
            "labels-0-programme": label.programme_id,
            "labels-0-state": label.state,
            "labels-0-valid_from": label.valid_from.isoformat(),
            "labels-0-valid_until": "",
            "labels-0-decision_reason": "",
        }
    )
    data = {k: v for k, v in data.items() if v is not False}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.get()
    assert entry.actor == region_agent
    assert entry.verb == AuditEntry.Verb.UPDATE
    assert entry.organism == action.formation.organism
    assert entry.changes["hours_total"] == [400, 420]
    assert entry.changes["free_for_jobseekers"] == [False, True]


def test_renaming_an_organisation_in_the_admin_updates_search(client, region_agent):
    session = TrainingSessionFactory()
    organism = session.action.formation.organism
    client.force_login(region_agent)
    url = reverse("admin:organisms_organism_change", args=[organism.pk])
    data = {
        "siret": organism.siret,
        "nda": organism.nda,
        "slug": organism.slug,
        "usual_name": "Simplon Montreuil",
        "legal_name": organism.legal_name,
        "approval_state": organism.approval_state,
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert search(Query(q="simplon"), today=timezone.localdate()).total == 1
