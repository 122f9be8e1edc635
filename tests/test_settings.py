import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[1]


def test_env_bool_is_strict(monkeypatch):
    monkeypatch.setenv("FLAG", "TRUE")
    assert env_bool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "false")
    assert env_bool("FLAG", True) is False
    monkeypatch.setenv("FLAG", "yes")
    with pytest.raises(ImproperlyConfigured, match="must be 'true' or 'false'"):
        env_bool("FLAG", False)
    monkeypatch.delenv("FLAG")
    assert env_bool("FLAG", True) is True


def test_env_int_list_and_required_str(monkeypatch):
    monkeypatch.setenv("NUMBER", "12")
    assert env_int("NUMBER", 0) == 12
    monkeypatch.setenv("NUMBER", "douze")
    with pytest.raises(ImproperlyConfigured):
        env_int("NUMBER", 0)
    monkeypatch.setenv("HOSTS", " a.fr, b.fr ,")
    assert env_list("HOSTS", []) == ["a.fr", "b.fr"]
    monkeypatch.delenv("MISSING_SECRET", raising=False)
    with pytest.raises(ImproperlyConfigured, match="MISSING_SECRET is required"):
        env_str("MISSING_SECRET")


def run_settings(module: str, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    code = f"import {module} as s; print(s.DATABASES['default']['ENGINE'], s.DEBUG, s.DEMO_MODE)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean | env, capture_output=True, text=True, check=False
    )


def test_production_settings_fail_loudly_without_a_secret():
    result = run_settings("config.settings.base")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_production_settings_never_in_demo_mode():
    result = run_settings("config.settings.base", DJANGO_SECRET_KEY="x" * 50)
    assert result.stdout.split() == ["django.db.backends.sqlite3", "False", "False"]


def test_postgresql_when_database_url_is_set():
    result = run_settings(
        "config.settings.base", DJANGO_SECRET_KEY="x" * 50, DATABASE_URL="postgres://u@127.0.0.1:5432/catalogue"
    )
    assert result.stdout.split()[0] == "django.db.backends.postgresql"
