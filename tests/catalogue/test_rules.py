"""The active-label rule in its three forms (catalogue.rules): Python, queryset and the search index's mask agree."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalogue.models import ActionLabel
from catalogue.rules import label_is_active
from catalogue.search.engine import Query, search
from catalogue.search.index import columns
from region.dashboard import Filters, public_actions
from tests.catalogue.factories import ActionFactory, ActionLabelFactory, ProgrammeFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
State = ActionLabel.State


def cases(today):
    return {
        "granted since yesterday, open end": {"state": State.GRANTED, "valid_from": today - DAY},
        "granted from today": {"state": State.GRANTED, "valid_from": today},
        "granted from tomorrow": {"state": State.GRANTED, "valid_from": today + DAY},
        "granted, ends today": {"state": State.GRANTED, "valid_from": today - 90 * DAY, "valid_until": today},
        "granted, ended yesterday": {
            "state": State.GRANTED,
            "valid_from": today - 90 * DAY,
            "valid_until": today - DAY,
        },
        "requested": {"state": State.REQUESTED},
        "refused": {"state": State.REFUSED},
        "withdrawn today": {"state": State.WITHDRAWN, "valid_from": today - 90 * DAY, "valid_until": today},
    }


@pytest.mark.parametrize("offset", [0, 1])
def test_the_three_forms_of_the_active_label_rule_agree(offset):
    today = timezone.localdate() + timedelta(days=offset)
    programme = ProgrammeFactory()
    labels = {}
    for name, values in cases(timezone.localdate()).items():
        action = ActionFactory()
        TrainingSessionFactory(action=action, start_date=today + 10 * DAY)
        labels[name] = ActionLabelFactory(action=action, programme=programme, **values)

    by_python = {
        name
        for name, label in labels.items()
        if label_is_active(state=label.state, valid_from=label.valid_from, valid_until=label.valid_until, today=today)
    }
    active_ids = set(ActionLabel.objects.active(today).values_list("pk", flat=True))
    by_sql = {name for name, label in labels.items() if label.pk in active_ids}
    dashboard_ids = set(public_actions(Filters(programme=programme), today).values_list("pk", flat=True))
    by_dashboard = {name for name, label in labels.items() if label.action_id in dashboard_ids}
    columns(today)  # the index of that day
    found = search(Query(programmes=[programme.pk]), today=today)
    hit_ids = {hit.action_id for hit in found.hits}
    by_index = {name for name, label in labels.items() if label.action_id in hit_ids}

    assert by_python == by_sql == by_dashboard == by_index
    expected_today = {"granted since yesterday, open end", "granted from today", "granted, ends today"}
    if offset == 0:
        assert by_python == expected_today
    else:  # a day later: the label that ended today has expired, the one starting tomorrow has begun
        assert by_python == {"granted since yesterday, open end", "granted from today", "granted from tomorrow"}
