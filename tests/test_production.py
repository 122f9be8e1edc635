"""The production run path, with real processes: gunicorn with the production settings, PostgreSQL, Redis.

Two worker processes share one API limit and one login limit (Redis); the production settings refuse to start
without Redis and pass `check --deploy` with only the documented environment; a database outage is a 503 with
Retry-After and a French page; a body over the cap is refused before it is read."""

import http.client
import json
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.urls import reverse

from tests.accounts.factories import PASSWORD, UserFactory
from tests.core.workers import db_worker
from tests.exchange.test_upload_safety import bomb
from tests.organisms.factories import MembershipFactory
from tests.production import (
    BASE_DIR,
    collected_static,
    gunicorn,
    production_environment,
    redis_forget,
    redis_or_skip,
    request_log,
)


def fetch(base: str, path: str, *, method="GET", headers=None, body=None):
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    try:
        conn.request(method, path, body=body, headers={"Connection": "close", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.msg, response.read()
    finally:
        conn.close()


def test_production_settings_refuse_to_start_without_redis():
    env = production_environment(REDIS_URL=None, DATABASE_URL="postgres://postgres@127.0.0.1:5432/unused")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "REDIS_URL is required with the production settings" in result.stderr


def test_check_deploy_is_clean_with_only_the_required_variables():
    env = production_environment(DATABASE_URL="postgres://postgres@127.0.0.1:5432/unused")
    env["DJANGO_ALLOWED_HOSTS"] = "catalogue.region.example.org"
    assert {key for key in env if key.startswith(("DJANGO_", "DATABASE", "REDIS"))} == {
        "DJANGO_SETTINGS_MODULE",
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    return collected_static(tmp_path_factory.mktemp("static"))


@pytest.fixture
def outage_server(tmp_path, static_root):
    """Production settings with the database unreachable (a port nothing listens on) and Redis up."""
    redis_or_skip()
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        env = production_environment(
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/absent",
            CACHE_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
            DJANGO_STATIC_ROOT=static_root,
        )
        with gunicorn(env, workers=1, log_path=tmp_path / "gunicorn.log") as base:
            yield base


def test_a_database_outage_is_a_503_with_retry_after_and_a_french_page(outage_server):
    secure = {"X-Forwarded-Proto": "https"}
    for path in ("/", "/formations/?q=web", "/compte/login/"):
        status, headers, body = fetch(outage_server, path, headers=secure)
        assert status == 503, path
        assert headers["Retry-After"] == "30"
        assert "Service momentanément indisponible" in body.decode()
    status, headers, body = fetch(outage_server, "/sante/")
    assert status == 503 and headers["Retry-After"] == "30"
    health = json.loads(body)
    assert health["database"].startswith("erreur") and health["cache"] == "ok"


def test_a_body_over_the_cap_is_refused_before_it_is_sent(outage_server):
    """Only the headers go out: the answer comes at once, without waiting for 200 MB."""
    parts = urllib.parse.urlsplit(outage_server)
    started = time.perf_counter()
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as raw:
        raw.sendall(
            b"POST /espace-organisme/sessions/tableur/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 200000000\r\n\r\n"
        )
        answer = raw.recv(4096).decode(errors="replace")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert time.perf_counter() - started < 2


@pytest.fixture
def live_database(transactional_db):
    """The test database, committed, for processes of their own."""
    if connection.vendor != "postgresql":
        pytest.skip("the web processes need PostgreSQL")
    settings_dict = connection.settings_dict
    return f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"


@pytest.fixture
def two_workers(live_database, tmp_path, static_root):
    redis_or_skip()
    prefix = f"test-{uuid.uuid4().hex}"
    env = production_environment(
        DATABASE_URL=live_database,
        CACHE_KEY_PREFIX=prefix,
        API_ANONYMOUS_RATE="10/minute",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
        DJANGO_STATIC_ROOT=static_root,
    )
    log_path = tmp_path / "gunicorn.log"
    try:
        with gunicorn(env, workers=2, log_path=log_path) as base:
            yield base, log_path
    finally:
        redis_forget(prefix)


def pids_serving(log_path, path: str) -> set[int]:
    return {line["pid"] for line in request_log(log_path) if line["path"] == path}


@pytest.mark.postgresql
def test_two_workers_share_one_api_limit(two_workers):
    base, log_path = two_workers
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda _: fetch(base, "/api/v1/actions/")[0], range(40)))
    assert statuses.count(200) == 10 and statuses.count(429) == 30, statuses
    assert len(pids_serving(log_path, "/api/v1/actions/")) == 2  # both processes answered, one limit


@pytest.mark.postgresql
def test_two_workers_share_one_login_limit(two_workers):
    """allauth: 5 failed logins per address in 5 minutes; the 6th and 7th are refused on whichever worker."""
    base, log_path = two_workers
    UserFactory(email="cible@example.org", password="le-bon-mot-de-passe-2026")

    def attempt(_):
        status, headers, body = fetch(base, "/compte/login/")
        cookie = re.search(r"csrftoken=([^;]+)", " ".join(headers.get_all("Set-Cookie"))).group(1)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "login": "cible@example.org", "password": "faux"})
        status, _, body = fetch(
            base,
            "/compte/login/",
            method="POST",
            body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}"},
        )
        return status, "Trop de tentatives" in body.decode()

    with ThreadPoolExecutor(max_workers=7) as pool:
        answers = list(pool.map(attempt, range(7)))
    assert all(status == 200 for status, _ in answers), answers
    assert sum(limited for _, limited in answers) == 2, answers
    assert len(pids_serving(log_path, "/compte/login/")) == 2


def cookies_of(headers) -> dict[str, str]:
    return dict(re.findall(r"(?:^|, )(\w+)=([^;]*)", ", ".join(headers.get_all("Set-Cookie") or [])))


def log_in(base: str, email: str, password: str) -> dict[str, str]:
    _, headers, body = fetch(base, "/compte/login/")
    cookies = cookies_of(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "login": email, "password": password})
    status, headers, _ = fetch(
        base,
        "/compte/login/",
        method="POST",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookies['csrftoken']}"},
    )
    assert status == 302, status
    return {**cookies, **cookies_of(headers)}


@pytest.mark.postgresql
def test_two_zip_bombs_at_once_leave_the_search_answering(live_database, tmp_path, static_root):
    """The attack run's finding: two bombed spreadsheets made every search time out for about 30 s. Now the web
    processes only store an upload (the check is a task: a real worker here) and both bombs are refused within
    seconds, while searches keep being answered."""
    redis_or_skip()
    prefix = f"test-{uuid.uuid4().hex}"
    media = tmp_path / "media"
    env = production_environment(
        DATABASE_URL=live_database,
        CACHE_KEY_PREFIX=prefix,
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
        DJANGO_STATIC_ROOT=static_root,
        DJANGO_MEDIA_ROOT=str(media),
    )
    member = MembershipFactory(user__email="bombe@example.org").user
    hasher = PBKDF2PasswordHasher()  # the production settings' hasher (the tests' MD5 is not one of theirs)
    member.password = hasher.encode(PASSWORD, hasher.salt())
    member.save(update_fields=["password"])
    EmailAddress.objects.create(user=member, email=member.email, primary=True, verified=True)
    try:
        with gunicorn(env, workers=2, log_path=tmp_path / "gunicorn.log") as base, db_worker(media):
            cookies = log_in(base, member.email, PASSWORD)
            cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
            upload = reverse("backoffice:sessions_upload")
            _, _, page = fetch(base, upload, headers={"Cookie": cookie})
            token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
            boundary = uuid.uuid4().hex
            body = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'.encode()
                + token
                + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="fichier"; filename="sessions.xlsx"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n".encode()
                + bomb()
                + f"\r\n--{boundary}--\r\n".encode()
            )
            headers = {
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Cookie": cookie,
                "Referer": base + upload,
            }

            def attack(_):
                """Upload, then follow the job's page until the worker has checked the file."""
                started = time.perf_counter()
                status, answer, _ = fetch(base, upload, method="POST", body=body, headers=headers)
                assert status == 302, status
                job_page = answer["Location"]
                while time.perf_counter() - started < 30:
                    _, _, html = fetch(base, job_page, headers={"Cookie": cookie})
                    if "Ce classeur est refusé : une fois décompressé" in html.decode():
                        return True, time.perf_counter() - started
                    time.sleep(0.2)
                return False, time.perf_counter() - started

            with ThreadPoolExecutor(max_workers=2) as pool:
                attacks = [pool.submit(attack, n) for n in range(2)]
                time.sleep(0.1)
                searches = []
                while not all(future.done() for future in attacks) or len(searches) < 5:
                    started = time.perf_counter()
                    status = fetch(base, "/formations/?q=web")[0]
                    searches.append((status, time.perf_counter() - started))
                refused = [future.result() for future in attacks]
    finally:
        redis_forget(prefix)
    assert all(said for said, _ in refused), refused
    assert max(seconds for _, seconds in refused) < 10, refused
    assert all(status == 200 for status, _ in searches), searches
    assert max(seconds for _, seconds in searches) < 5, searches
