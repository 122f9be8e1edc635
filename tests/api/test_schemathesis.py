"""schemathesis against the API's own OpenAPI schema, bounded in examples: every answer conforms to the schema
and no request makes the server fail."""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from tests.catalogue.factories import ActionFactory
from tests.sessions.factories import TrainingSessionFactory


def api_schema():
    """The schema the API serves, built without a request (collection time has no database access)."""

    raw = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(raw, default=str)))
    loaded.app = get_wsgi_application()
    return loaded


schema = api_schema()


@pytest.fixture
def catalogue(db, settings):
    settings.API_ANONYMOUS_RATE = "100000/minute"  # the generated requests are not to be throttled
    for n in range(3):
        TrainingSessionFactory(action=ActionFactory(remote=True, formation__title=f"Data analyst {n}"))
    # As Django's test client does: the requests run inside the test's transaction, whose connection the
    # end-of-request signal must not close.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_conforms_to_its_schema(case, catalogue):
    case.call_and_validate()
