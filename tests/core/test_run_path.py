"""The production run path inside one process: the health check, one log line per request, the security headers
(CSP through Django's middleware), the API schema's 429, the search's text matches in the shared cache."""

import json
import logging

import pytest
from django.urls import reverse

from config.settings import base
from core.logs import JsonFormatter

pytestmark = pytest.mark.django_db


def test_health_checks_the_database_and_the_cache(client):
    response = client.get("/sante/")
    assert response.status_code == 200
    assert response.json() | {"ms": 0} == {"status": "ok", "database": "ok", "cache": "ok", "ms": 0}
    assert "no-cache" in response["Cache-Control"]


def test_one_structured_log_line_per_request_with_its_time(client, caplog):
    caplog.set_level(logging.INFO, logger="portal.requests")
    client.get(reverse("search"), {"q": "web"})
    lines = [record for record in caplog.records if record.name == "portal.requests"]
    assert len(lines) == 1
    line = lines[0]
    assert (line.method, line.path, line.status) == ("GET", "/formations/", 200)
    assert line.duration_ms > 0 and line.bytes > 0 and line.user_id is None


def test_the_log_formatter_writes_json():
    record = logging.LogRecord("portal.requests", logging.INFO, "", 0, "GET / 200", None, None)
    record.status, record.duration_ms = 200, 12.5
    line = JsonFormatter().format(record)
    data = json.loads(line)
    assert data["status"] == 200 and data["duration_ms"] == 12.5 and data["message"] == "GET / 200"
    assert data["level"] == "INFO" and "time" in data and "pid" in data


@pytest.mark.parametrize("path", ["/", "/formations/", "/compte/login/", "/donnees/", "/admin/login/"])
def test_every_page_has_a_content_security_policy_without_inline_code(client, path):
    policy = client.get(path)["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"].startswith("'self'") and "unsafe" not in policy
    assert directives["style-src"].startswith("'self'")
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


def test_the_admin_marks_its_scripts_and_styles_with_the_nonce_of_its_policy(client, region_agent):
    client.force_login(region_agent)
    response = client.get(reverse("admin:accounts_user_changelist"))
    nonce = response["Content-Security-Policy"].split("'nonce-", 1)[1].split("'", 1)[0]
    assert response.content.decode().count(f'nonce="{nonce}"') >= 2


def test_production_security_settings_are_on_by_default(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/catalogue")

    assert base.SECURE_SSL_REDIRECT and base.SECURE_HSTS_SECONDS >= 31_536_000
    assert base.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    assert base.SESSION_COOKIE_SECURE and base.CSRF_COOKIE_SECURE
    assert base.SHARED_CACHE_REQUIRED
    assert base.database_from_environment(15000)["CONN_HEALTH_CHECKS"] is True


def test_the_api_schema_documents_429(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    operations = [operation for path in schema["paths"].values() for operation in path.values()]
    assert operations and all("429" in operation["responses"] for operation in operations)
