"""Every table of the Region's dashboard downloads in both formats, with its columns and its rows."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.groups import ADMINISTRATOR, ensure_region_groups
from region.dashboard import Filters, region_dashboard
from tests.accounts.factories import UserFactory
from tests.catalogue.factories import ActionFactory, ActionLabelFactory
from tests.organisms.factories import OrganismFactory
from tests.sessions.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(client):
    user = UserFactory(region_agent=True, email="agent@region.example.org")
    user.groups.add(ensure_region_groups()[ADMINISTRATOR])
    client.force_login(user)
    return user


def plain(value) -> str:
    return "" if value is None else str(value)


def test_every_table_downloads_as_csv_and_xlsx(client, administrator):
    action = ActionFactory()
    ActionLabelFactory(action=action, granted=True)
    TrainingSessionFactory(action=action)
    TrainingSessionFactory(action=action, stale=True)
    OrganismFactory(pending=True)
    tables = region_dashboard(Filters(), now=timezone.now(), today=timezone.localdate())
    assert len(tables) == 9
    for table in tables:
        response = client.get(reverse("region:export", args=[table.slug, "csv"]))
        assert response.status_code == 200, table.slug
        assert response["Content-Type"].startswith("text/csv")
        assert response["Content-Disposition"].endswith('.csv"')
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
        assert rows == [table.columns, *[[plain(cell) for cell in row] for row in table.rows]], table.slug

        response = client.get(reverse("region:export", args=[table.slug, "xlsx"]))
        assert response.status_code == 200, table.slug
        workbook = load_workbook(io.BytesIO(response.content))
        sheet = workbook.worksheets[0]
        assert ":" not in sheet.title and len(sheet.title) <= 31, table.slug
        values = [[plain(cell.value) for cell in row] for row in sheet.iter_rows()]
        assert values[0][0].startswith(table.title), table.slug
        assert values[1:] == [table.columns, *[[plain(cell) for cell in row] for row in table.rows]], table.slug
    assert any(table.rows for table in tables)


def test_an_unknown_table_or_format_is_a_404(client, administrator):
    assert client.get(reverse("region:export", args=["inconnu", "csv"])).status_code == 404
    assert client.get(reverse("region:export", args=["organismes", "pdf"])).status_code == 404
